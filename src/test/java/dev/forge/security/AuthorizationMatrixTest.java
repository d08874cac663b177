package dev.forge.security;

import dev.forge.core.CommitOperation;
import dev.forge.core.Gating;
import dev.forge.core.Mirror;
import dev.forge.core.LfsOid;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.mirror.MirrorService;
import dev.forge.storage.XetHash;
import dev.forge.storage.XorbStore;
import dev.forge.xet.XetVectors;
import dev.forge.service.repo.CommitService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import dev.forge.testing.Hashes;

/**
 * Runs every cell of {@code src/test/resources/security/authorization-matrix.txt} against a real server: each
 * endpoint, as each kind of caller, on each kind of repository, checking the exact status and
 * {@code X-Error-Code}. Every mismatch is collected and reported together, one line per cell.
 */
class AuthorizationMatrixTest {
    private static final String MATRIX = "/security/authorization-matrix.txt";
    static final List<String> COLUMNS = List.of("anon", "revoked", "other", "rtoken", "admin", "write", "contrib", "reader", "fine");

    @TempDir
    static Path dir;
    static TestForge tf;
    static final Map<String, String> tokens = new LinkedHashMap<>();
    static final Map<String, Repo> repos = new LinkedHashMap<>();
    /** The dataset twin of each repository (same visibility, gating and creator), converted to parquet. */
    static final Map<String, Repo> datasets = new LinkedHashMap<>();
    static User alice, wendy, carl, rita, mallory;
    static String lfsOid;
    static final byte[] LFS_CONTENT = "weights, pretend they are large".getBytes(StandardCharsets.UTF_8);
    static final AtomicInteger seq = new AtomicInteger();
    /** Per repository, its own file in the chunk store, as the Xet rows name it. */
    static final Map<String, XetFile> xetFiles = new LinkedHashMap<>();
    /** The mirror the admin rows show, pause, resume and sync. */
    static String mirrorKey;

    @BeforeAll
    static void setUp() throws Exception {
        tf = TestForge.start(dir);
        var auth = tf.forge.auth;
        alice = auth.createUser("alice", "Alice", "alice@example.com", false);
        wendy = auth.createUser("wendy", "Wendy", null, false);
        carl = auth.createUser("carl", "Carl", null, false);
        rita = auth.createUser("rita", "Rita", null, false);
        mallory = auth.createUser("mallory", "Mallory", null, false);
        auth.createUser("victor", "Victor", null, false);
        var acme = auth.createOrg("acme", "ACME", alice);
        auth.setMember(Actor.OPERATOR, acme, wendy, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, acme, carl, OrgRole.CONTRIBUTOR);
        auth.setMember(Actor.OPERATOR, acme, rita, OrgRole.READ);

        repos.put("pub", seeded("pub", alice, false, Gating.NONE));
        repos.put("priv", seeded("priv", alice, true, Gating.NONE));
        repos.put("gated", seeded("gated", alice, false, Gating.MANUAL));
        repos.put("carls", seeded("carls", carl, true, Gating.NONE));
        for (var e : repos.entrySet()) {
            Repo model = e.getValue();
            User creator = model.createdBy().equals(carl.key()) ? carl : alice;
            datasets.put(e.getKey(), dataset(model.id().name() + "-data", creator, model.isPrivate(), model.gating()));
        }

        String revoked = auth.createToken(alice, "to-revoke", Token.Role.WRITE).secret();
        auth.revokeToken(Actor.OPERATOR, auth.tokens(alice).getFirst().key());
        tokens.put("revoked", revoked);
        tokens.put("other", auth.createToken(mallory, "m", Token.Role.WRITE).secret());
        tokens.put("rtoken", auth.createToken(alice, "r", Token.Role.READ).secret());
        tokens.put("admin", auth.createToken(alice, "w", Token.Role.WRITE).secret());
        tokens.put("write", auth.createToken(wendy, "w", Token.Role.WRITE).secret());
        tokens.put("contrib", auth.createToken(carl, "w", Token.Role.WRITE).secret());
        tokens.put("reader", auth.createToken(rita, "w", Token.Role.WRITE).secret());
        tokens.put("fine", fineToken(repos.get("priv")));
        // the site's administration: its admin (write, read and mirroring tokens) and a member's mirroring token
        tokens.put("siteadm", tf.adminToken);
        tokens.put("sitert", auth.createToken(tf.admin, "r", Token.Role.READ).secret());
        tokens.put("sitemirror", auth.createToken(Actor.OPERATOR, tf.admin, "mirroring", Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.MIRROR, "acme", true))).secret());
        tokens.put("mirror", auth.createToken(Actor.OPERATOR, wendy, "mirroring", Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.MIRROR, "acme", true))).secret());
        mirrorKey = mirror();

        for (var e : repos.entrySet()) xetFiles.put(e.getKey(), xetFile(e.getValue()));
        // the xorb hf_xet uploaded, stored through the CAS as alice, so that uploading the shard naming it is accepted
        HttpResponse<byte[]> up = send(xetToken(tokens.get("admin"), "pub", "write"),
                postBytes("/xet/v1/xorbs/default/" + XetVectors.XORB, XetVectors.xorb()));
        assertThat(up.statusCode()).isEqualTo(200);
    }

    /** A pull mirror of acme/pub, this forge being its own remote, added by the operator (not synced unless a row asks). */
    static String mirror() {
        return tf.forge.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, tf.baseUrl, RepoType.MODEL,
                "acme/pub", "acme/mirrored-" + seq.incrementAndGet(), null, Duration.ofDays(1))).key();
    }

    /** A file of the repository's own (no other repository holds these bytes) in the chunk store, and what Xet calls it. */
    record XetFile(String fileHash, String chunkHash, String fetchUrl) {}

    /**
     * Commits {@code xet.bin}, bytes only this repository holds, and looks up its Xet file hash and first chunk's hash as
     * a client would learn them, and the signed URL of its first xorb range (from alice's reconstruction).
     */
    static XetFile xetFile(Repo repo) throws Exception {
        byte[] content = ("the Xet file of " + repo.displayId() + "\n").repeat(500).getBytes(StandardCharsets.UTF_8);
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(content));
        User creator = repo.createdBy().equals(carl.key()) ? carl : alice;
        tf.forge.commits.commit(creator, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddLfsFile("xet.bin", oid, content.length)), "a Xet file");
        String fileHash = tf.forge.xet.fileHash(oid).orElseThrow().hex();
        XorbStore store = tf.forge.stores().blobs().capability(XorbStore.class).orElseThrow();
        XorbStore.XetFile file = store.xetFile(oid).orElseThrow();
        String chunk = XetHash.hex(store.xorb(file.terms().getFirst().xorb()).orElseThrow().chunkHashes().getFirst());
        HttpResponse<byte[]> r = send(xetToken(tokens.get("admin"), repo.id().name(), "read"), get("/xet/v1/reconstructions/" + fileHash));
        assertThat(r.statusCode()).as("alice reconstructs %s", repo.displayId()).isEqualTo(200);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        String url = json.get("fetch_info").properties().iterator().next().getValue().get(0).get("url").asText();
        byte[] whole = tf.send(HttpRequest.newBuilder(java.net.URI.create(url)).GET()).body();
        assertThat(whole).as("the signed range is the whole small file's xorb").isNotEmpty();
        return new XetFile(fileHash, chunk, url);
    }

    /**
     * The Xet token a client gets for this caller, the way huggingface_hub and hf_xet get one (the repository's
     * {@code xet-read-token} or {@code xet-write-token}); a caller refused one presents its Hub token instead, which
     * is no credential at the CAS.
     */
    static String xetToken(String hubToken, String repoName, String mode) throws Exception {
        HttpResponse<byte[]> r = send(hubToken, get("/api/models/acme/" + repoName + "/xet-" + mode + "-token/main"));
        if (r.statusCode() != 200) return hubToken;
        return r.headers().firstValue("X-Xet-Access-Token").orElseThrow();
    }

    @AfterAll
    static void tearDown() throws Exception {
        tf.close();
    }

    /**
     * A repository in acme created by {@code creator}, holding a README and an LFS file, with discussion #1 and pull
     * request #2 (adding {@code pr.txt}) opened by the creator.
     */
    static Repo seeded(String name, User creator, boolean isPrivate, Gating gating) throws Exception {
        Actor as = Actor.internal(creator);
        Repo repo = tf.forge.repos.create(as, RepoType.MODEL, new RepoId("acme", name), isPrivate);
        if (gating != Gating.NONE) tf.forge.repos.updateSettings(as, RepoType.MODEL, repo.id(), null, gating);
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(LFS_CONTENT));
        lfsOid = oid.hex();
        tf.forge.commits.commit(creator, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("README.md", ("# " + name + "\n").getBytes(StandardCharsets.UTF_8)),
                new CommitOperation.AddLfsFile("weights.bin", oid, LFS_CONTENT.length),
                new CommitOperation.AddLfsFile("model-Q8_0.gguf", oid, LFS_CONTENT.length)), "seed");
        tf.forge.discussions.open(as, RepoType.MODEL, repo.id(), new DiscussionService.Opening("Seeded question", "What about it?", false));
        tf.forge.commits.commit(as, repo, new CommitService.Request("main", Optional.empty(),
                List.of(new CommitOperation.AddFile("pr.txt", "proposed\n".getBytes(StandardCharsets.UTF_8))), "Seeded PR", "", true));
        return tf.forge.repos.find(RepoType.MODEL, repo.id()).orElseThrow();
    }

    /** A dataset in acme created by {@code creator} with one JSON Lines file, converted to parquet before the matrix runs. */
    static Repo dataset(String name, User creator, boolean isPrivate, Gating gating) {
        Actor as = Actor.internal(creator);
        Repo repo = tf.forge.repos.create(as, RepoType.DATASET, new RepoId("acme", name), isPrivate);
        if (gating != Gating.NONE) tf.forge.repos.updateSettings(as, RepoType.DATASET, repo.id(), null, gating);
        tf.forge.commits.commit(creator, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("data/train.jsonl", "{\"text\": \"hello\"}\n".getBytes(StandardCharsets.UTF_8))), "seed");
        Repo seeded = tf.forge.repos.find(RepoType.DATASET, repo.id()).orElseThrow();
        assertThat(tf.forge.parquet.convert(seeded).state()).isEqualTo("done");
        return seeded;
    }

    /** wendy's fine-grained token with write access to exactly one repository. */
    static String fineToken(Repo repo) {
        return tf.forge.auth.createToken(Actor.OPERATOR, wendy, "fine-" + seq.incrementAndGet(), Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.REPO, repo.key(), true))).secret();
    }

    /**
     * One row: its operation, repository and expected cells, one per caller of {@code columns} (the callers named by
     * the last {@code callers} line above it, else {@link #COLUMNS}).
     */
    record Row(int line, String op, String repo, List<String> columns, List<String> expected) {}

    static List<Row> matrix() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = AuthorizationMatrixTest.class.getResourceAsStream(MATRIX)) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            List<String> columns = COLUMNS;
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i].strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] f = l.split("\\s+");
                if (f[0].equals("callers")) {
                    columns = List.of(f).subList(2, f.length);
                    assertThat(tokens.keySet()).as("line %d names known callers", i + 1).containsAll(columns.stream().filter(c -> !c.equals("anon")).toList());
                    continue;
                }
                assertThat(f).as("line %d has an operation, a repository and %d cells", i + 1, columns.size()).hasSize(2 + columns.size());
                rows.add(new Row(i + 1, f[0], f[1], columns, List.of(f).subList(2, f.length)));
            }
        }
        return rows;
    }

    /** Reads that change nothing: each cell of theirs is checked twice (the second answer may come from memory). */
    private static final java.util.Set<String> REPEATED_READS = java.util.Set.of("info", "tree", "resolve", "resolve-head", "raw", "lfs-file",
            "refs", "commits");

    @Test
    void everyCellOfTheMatrixHolds() throws Exception {
        List<Row> rows = matrix();
        assertThat(rows).hasSizeGreaterThan(60);
        List<String> mismatches = new ArrayList<>();
        int cells = 0;
        for (Row row : rows) {
            for (int c = 0; c < row.columns().size(); c++) {
                String column = row.columns().get(c);
                String expected = row.expected().get(c);
                HttpResponse<byte[]> r = run(row, column);
                String code = r.headers().firstValue("X-Error-Code").orElse(null);
                String actual = r.statusCode() + (code == null ? "" : ":" + code);
                cells++;
                if (!actual.equals(expected)) {
                    mismatches.add("line %d  %-14s %-6s %-8s expected %-18s got %-18s %s".formatted(row.line(), row.op(), row.repo(), column,
                            expected, actual, r.headers().firstValue("X-Error-Message").orElse("")));
                }
                if (REPEATED_READS.contains(row.op())) {
                    // again: this time the answer may come from the fast lane's memory (filled by this or another caller)
                    HttpResponse<byte[]> again = run(row, column);
                    String againCode = again.headers().firstValue("X-Error-Code").orElse(null);
                    String repeated = again.statusCode() + (againCode == null ? "" : ":" + againCode);
                    cells++;
                    if (!repeated.equals(expected)) {
                        mismatches.add("line %d  %-14s %-6s %-8s expected %-18s got %-18s when repeated".formatted(row.line(), row.op(), row.repo(),
                                column, expected, repeated));
                    }
                }
            }
        }
        assertThat(mismatches).as("cells that do not hold, out of %d", cells).isEmpty();
    }

    /**
     * Listings show each caller exactly the repositories the matrix's "info" row lets them see, nothing private
     * beyond (a fine-grained token lists only the private repositories of namespaces it names, so its
     * repository-scoped grant is reachable but not listed); {@code gated=true} lists the gated one, marked.
     */
    @Test
    void listingsShowEachCallerWhatTheInfoRowAllows() throws Exception {
        Map<String, List<String>> info = new LinkedHashMap<>();
        for (Row row : matrix()) if (row.op().equals("info") && row.columns() == COLUMNS) info.put(row.repo(), row.expected());
        assertThat(info.keySet()).containsExactlyInAnyOrder("pub", "priv", "gated", "carls");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int c = 0; c < COLUMNS.size(); c++) {
            String column = COLUMNS.get(c);
            HttpResponse<byte[]> r = send(tokens.get(column), get("/api/models?author=acme&limit=1000"));
            if (column.equals("revoked")) {
                assertThat(r.statusCode()).isEqualTo(401);
                continue;
            }
            assertThat(r.statusCode()).as(column).isEqualTo(200);
            java.util.Set<String> listed = new java.util.HashSet<>();
            for (var item : json.readTree(r.body())) listed.add(item.get("id").asText());
            for (var e : info.entrySet()) {
                boolean visible = e.getValue().get(c).equals("200") && !(column.equals("fine") && repos.get(e.getKey()).isPrivate());
                assertThat(listed.contains("acme/" + e.getKey())).as("%s lists acme/%s", column, e.getKey()).isEqualTo(visible);
            }
            // fresh copies made by the destructive rows (gated ones among them) may be listed too: only the originals count
            List<com.fasterxml.jackson.databind.JsonNode> gated = new ArrayList<>();
            for (var n : json.readTree(send(tokens.get(column), get("/api/models?author=acme&gated=true&expand[]=gated")).body())) {
                if (!n.get("id").asText().contains("-copy-")) gated.add(n);
            }
            assertThat(gated).as(column).singleElement().satisfies(n -> {
                assertThat(n.get("id").asText()).isEqualTo("acme/gated");
                assertThat(n.get("gated").asText()).isEqualTo("manual");
            });
            var ungated = json.readTree(send(tokens.get(column), get("/api/models?author=acme&gated=false&limit=1000")).body());
            for (var n : ungated) assertThat(n.get("id").asText()).isNotEqualTo("acme/gated");
        }
    }

    /** Every token the matrix uses is refused with its secret nowhere in the audit log. */
    @Test
    void noSecretOfTheMatrixReachesTheAuditLog() {
        var entries = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new dev.forge.core.AuditEntry.Query(null, null, null, null, null, 1000));
        assertThat(entries).isNotEmpty();
        for (var e : entries) {
            for (String secret : tokens.values()) {
                assertThat(String.join(" ", e.actor(), String.valueOf(e.target()), String.valueOf(e.detail()), String.valueOf(e.tokenKey())))
                        .doesNotContain(secret);
            }
        }
    }

    // ----------------------------------------------------------------------------------------- one cell

    private HttpResponse<byte[]> run(Row row, String column) throws Exception {
        String token = tokens.get(column);
        Repo repo = row.repo().equals("-") ? null : repos.get(row.repo());
        if (row.op().startsWith("cas-")) return cas(row, column, token);
        if (row.op().endsWith("*") && repo != null) {
            // destructive: a fresh copy of the repository, with the same visibility, gating and creator
            Repo original = repo;
            User creator = original.createdBy().equals(carl.key()) ? carl : alice;
            repo = seeded(original.id().name() + "-copy-" + seq.incrementAndGet(), creator, original.isPrivate(), original.gating());
            if (column.equals("fine") && row.repo().equals("priv")) token = fineToken(repo);
        }
        String id = repo == null ? null : repo.displayId();
        int n = seq.incrementAndGet();
        return switch (row.op()) {
            case "info" -> send(token, get("/api/models/" + id));
            case "tree" -> send(token, get("/api/models/" + id + "/tree/main"));
            case "paths-info" -> send(token, post("/api/models/" + id + "/paths-info/main", "application/x-www-form-urlencoded", "paths=README.md"));
            case "refs" -> send(token, get("/api/models/" + id + "/refs"));
            case "commits" -> send(token, get("/api/models/" + id + "/commits/main"));
            case "resolve" -> send(token, get("/" + id + "/resolve/main/README.md"));
            case "resolve-head" -> send(token, tf.request("/" + id + "/resolve/main/README.md").method("HEAD", HttpRequest.BodyPublishers.noBody()));
            case "raw" -> send(token, get("/" + id + "/raw/main/README.md"));
            case "lfs-file" -> send(token, get("/" + id + "/resolve/main/weights.bin"));
            case "xet-read-token" -> send(token, get("/api/models/" + id + "/xet-read-token/main"));
            case "xet-write-token" -> send(token, get("/api/models/" + id + "/xet-write-token/main"));
            case "xet-write-pr" -> send(token, get("/api/models/" + id + "/xet-write-token/main?create_pr=1"));
            case "auth-check" -> send(token, get("/api/models/" + id + "/auth-check"));
            case "git-fetch" -> sendBasic(token, get("/" + id + ".git/info/refs?service=git-upload-pack"));
            case "git-push" -> sendBasic(token, get("/" + id + ".git/info/refs?service=git-receive-pack"));
            case "lfs-download" -> sendBasic(token, lfsBatch(id, "download", lfsOid, LFS_CONTENT.length));
            case "lfs-upload" -> sendBasic(token, lfsBatch(id, "upload", Hashes.sha256(("new object " + n).getBytes(StandardCharsets.UTF_8)), 12));
            case "preupload" -> send(token, post("/api/models/" + id + "/preupload/main", "application/json",
                    "{\"files\":[{\"path\":\"x.txt\",\"size\":3,\"sample\":\"YWJj\"}]}"));
            case "commit" -> send(token, commit(id, "", n));
            case "commit-pr" -> send(token, commit(id, "?create_pr=1", n));
            case "branch" -> send(token, post("/api/models/" + id + "/branch/b-" + n, "application/json", "{}"));
            case "tag" -> send(token, post("/api/models/" + id + "/tag/main", "application/json", "{\"tag\":\"t-" + n + "\"}"));
            case "storage" -> send(token, get("/api/models/" + id + "/storage"));
            case "discussions" -> send(token, get("/api/models/" + id + "/discussions"));
            case "discussion" -> send(token, get("/api/models/" + id + "/discussions/1"));
            case "pr-diff" -> send(token, get("/api/models/" + id + "/discussions/2?diff=1"));
            case "open-discussion" -> send(token, post("/api/models/" + id + "/discussions", "application/json", "{\"title\":\"Question " + n + "\"}"));
            case "open-pr" -> send(token, post("/api/models/" + id + "/discussions", "application/json",
                    "{\"title\":\"Proposal " + n + "\",\"pullRequest\":true}"));
            case "comment" -> send(token, post("/api/models/" + id + "/discussions/1/comment", "application/json", "{\"comment\":\"c " + n + "\"}"));
            case "comment-edit" -> send(token, post("/api/models/" + id + "/discussions/1/comment/" + description(repo) + "/edit",
                    "application/json", "{\"content\":\"edited " + n + "\"}"));
            case "comment-hide*" -> send(token, post("/api/models/" + id + "/discussions/1/comment/" + description(repo) + "/hide",
                    "application/json", "{}"));
            case "rename" -> send(token, post("/api/models/" + id + "/discussions/1/title", "application/json", "{\"title\":\"Renamed " + n + "\"}"));
            case "close*" -> send(token, post("/api/models/" + id + "/discussions/1/status", "application/json", "{\"status\":\"closed\"}"));
            case "pr-commit" -> send(token, post("/api/models/" + id + "/commit/refs%2Fpr%2F2", "application/x-ndjson",
                    "{\"key\":\"header\",\"value\":{\"summary\":\"pr " + n + "\"}}\n"
                            + "{\"key\":\"file\",\"value\":{\"path\":\"pr-" + n + ".txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}\n"));
            case "merge*" -> send(token, post("/api/models/" + id + "/discussions/2/merge", "application/json", "{}"));
            case "delete-branch" -> {
                tf.forge.refs.createBranch(Actor.internal(alice), RepoType.MODEL, repo.id(), "doomed-" + n, Optional.empty(), false, false);
                yield send(token, tf.request("/api/models/" + id + "/branch/doomed-" + n).DELETE());
            }
            case "delete-tag" -> {
                tf.forge.refs.createTag(Actor.internal(alice), RepoType.MODEL, repo.id(), "main", "doomed-" + n);
                yield send(token, tf.request("/api/models/" + id + "/tag/doomed-" + n).DELETE());
            }
            case "super-squash*" -> send(token, post("/api/models/" + id + "/super-squash/main", "application/json", "{}"));
            case "validate-yaml" -> send(token, post("/api/validate-yaml", "application/json", "{\"content\":\"license: mit\\n\",\"repoType\":\"model\"}"));
            case "settings" -> send(token, put("/api/models/" + id + "/settings", "{}"));
            case "delete*" -> send(token, tf.request("/api/repos/delete").header("Content-Type", "application/json")
                    .method("DELETE", body("{\"type\":\"model\",\"organization\":\"acme\",\"name\":\"" + repo.id().name() + "\"}")));
            case "move*" -> send(token, post("/api/repos/move", "application/json",
                    "{\"type\":\"model\",\"fromRepo\":\"" + id + "\",\"toRepo\":\"" + id + "-moved\"}"));
            case "ask-access" -> send(token, post("/api/models/" + id + "/ask-access", "application/json", "{\"reason\":\"research\"}"));
            case "requests" -> send(token, get("/api/models/" + id + "/user-access-request/pending"));
            case "handle" -> send(token, post("/api/models/" + id + "/user-access-request/handle", "application/json",
                    "{\"user\":\"mallory\",\"status\":\"pending\"}"));
            case "grant" -> send(token, post("/api/models/" + id + "/user-access-request/grant", "application/json", "{\"user\":\"victor\"}"));
            case "create-in-org" -> send(token, post("/api/repos/create", "application/json",
                    "{\"type\":\"model\",\"organization\":\"acme\",\"name\":\"new-" + n + "\"}"));
            case "create-own" -> send(token, post("/api/repos/create", "application/json", "{\"type\":\"model\",\"name\":\"own-" + n + "\"}"));
            case "create-foreign" -> send(token, post("/api/repos/create", "application/json",
                    "{\"type\":\"model\",\"organization\":\"victor\",\"name\":\"x-" + n + "\"}"));
            case "whoami" -> send(token, get("/api/whoami-v2"));
            case "members" -> send(token, get("/api/organizations/acme/members"));
            case "set-member" -> send(token, put("/api/organizations/acme/members/victor", "{\"role\":\"read\"}"));
            case "org-settings" -> send(token, put("/api/organizations/acme/settings", "{\"membersVisibility\":\"names\"}"));
            case "tokens" -> send(token, get("/api/tokens"));
            case "audit-log" -> send(token, get("/api/admin/audit"));
            case "mirrors" -> send(token, get("/api/admin/mirrors"));
            case "mirror-add" -> send(token, post("/api/admin/mirrors", "application/json",
                    "{\"remote\":\"" + tf.baseUrl + "\",\"repo\":\"acme/pub\",\"as\":\"acme/m-" + n + "\",\"sync\":false}"));
            case "mirror-sync" -> send(token, post("/api/admin/mirrors/000000000000000000000000/sync", "application/json", "{}"));
            case "cache-list" -> send(token, get("/api/admin/cache"));
            case "cache-evict" -> send(token, HttpRequest.newBuilder(java.net.URI.create(tf.baseUrl + "/api/admin/cache/models/acme/pub")).DELETE());
            case "mirror-remove" -> send(token, HttpRequest.newBuilder(java.net.URI.create(tf.baseUrl + "/api/admin/mirrors/000000000000000000000000")).DELETE());
            case "manifest" -> send(token, get("/v2/" + id + "/manifests/latest").header("User-Agent", "llama-cpp"));
            case "gguf-blob" -> send(token, get("/v2/" + id + "/blobs/sha256:" + lfsOid));
            case "parquet" -> send(token, get("/api/datasets/" + datasets.get(row.repo()).displayId() + "/parquet"));
            case "parquet-status" -> send(token, get("/api/datasets/" + datasets.get(row.repo()).displayId() + "/parquet-conversion"));
            case "lfs-locks" -> sendBasic(token, get("/" + id + ".git/info/lfs/locks").header("Accept", LFS_JSON));
            case "lfs-lock" -> sendBasic(token, lfs("/" + id + ".git/info/lfs/locks", "{\"path\": \"locked-" + n + ".bin\"}"));
            case "lfs-verify" -> sendBasic(token, lfs("/" + id + ".git/info/lfs/locks/verify", "{}"));
            case "lfs-unlock*" -> {
                var lock = (dev.forge.service.lfs.LockService.Outcome.Created) tf.forge.locks.lock(Actor.internal(alice), RepoType.MODEL,
                        repo.id(), "locked.bin", Optional.empty());
                yield sendBasic(token, lfs("/" + id + ".git/info/lfs/locks/" + lock.lock().id() + "/unlock", "{\"force\": true}"));
            }
            case "duplicate" -> {
                String own = column.equals("anon") || column.equals("revoked") ? "alice" : owners.get(column);
                yield send(token, post("/api/models/" + id + "/duplicate", "application/json", "{\"repository\": \"" + own + "/dup-" + n + "\"}"));
            }
            case "mirror-show" -> send(token, get("/api/admin/mirrors/" + mirrorKey));
            case "mirror-pause" -> send(token, post("/api/admin/mirrors/" + mirrorKey + "/pause", "application/json", "{}"));
            case "mirror-resume" -> send(token, post("/api/admin/mirrors/" + mirrorKey + "/resume", "application/json", "{}"));
            case "mirror-sync-own" -> send(token, post("/api/admin/mirrors/" + mirrorKey + "/sync", "application/json", "{}"));
            case "mirror-delete*" -> send(token, tf.request("/api/admin/mirrors/" + mirror()).DELETE());
            case "settings-repos" -> send(token, get("/api/settings/repositories"));
            case "org-repos" -> send(token, get("/api/organizations/acme/settings/repositories"));
            default -> throw new AssertionError("line " + row.line() + ": unknown operation " + row.op());
        };
    }

    /**
     * A CAS call under {@code /xet}, with the caller's Xet token for the row's repository ({@code op@other}: for
     * acme/other instead), naming the row's repository's file or chunk. Uploads use the write token ({@code -rt}: the read
     * token), the rest the read token ({@code -wt}: the write token).
     */
    private HttpResponse<byte[]> cas(Row row, String column, String hubToken) throws Exception {
        String op = row.op();
        String tokenRepo = row.repo();
        int at = op.indexOf('@');
        if (at > 0) {
            tokenRepo = op.substring(at + 1);
            op = op.substring(0, at);
        }
        boolean upload = op.startsWith("cas-xorb") || op.startsWith("cas-shard");
        String mode = upload ? (op.endsWith("-rt") ? "read" : "write") : (op.endsWith("-wt") ? "write" : "read");
        XetFile file = xetFiles.get(row.repo());
        String xet = xetToken(hubToken, tokenRepo, mode);
        return switch (op) {
            case "cas-xorb", "cas-xorb-rt" -> send(xet, postBytes("/xet/v1/xorbs/default/" + XetVectors.XORB, XetVectors.xorb()));
            case "cas-shard", "cas-shard-rt" -> send(xet, postBytes("/xet/v1/shards", XetVectors.shard()));
            case "cas-chunk" -> send(xet, get("/xet/v1/chunks/default/" + file.chunkHash()));
            case "cas-chunk-merkledb" -> send(xet, get("/xet/v1/chunks/default-merkledb/" + file.chunkHash()));
            case "cas-recon-v1", "cas-recon-v1-wt" -> send(xet, get("/xet/v1/reconstructions/" + file.fileHash()));
            case "cas-recon-v2" -> send(xet, get("/xet/v2/reconstructions/" + file.fileHash()));
            case "cas-fetch" -> send(hubToken, HttpRequest.newBuilder(java.net.URI.create(file.fetchUrl())).GET());
            case "cas-fetch-other" -> {
                // the signed URL with its grant moved to another range of the same xorb
                String url = file.fetchUrl().replaceFirst("\\?r=(\\d+)-", "?r=1-");
                yield send(hubToken, HttpRequest.newBuilder(java.net.URI.create(url)).GET());
            }
            default -> throw new AssertionError("line " + row.line() + ": unknown operation " + row.op());
        };
    }

    private static HttpRequest.Builder postBytes(String path, byte[] body) {
        return tf.request(path).header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private static HttpRequest.Builder get(String path) { return tf.request(path).GET(); }

    private static final String LFS_JSON = "application/vnd.git-lfs+json";

    /** The user behind each column's token, whose namespace a duplicate goes to. */
    private static final Map<String, String> owners = Map.of("other", "mallory", "rtoken", "alice", "admin", "alice", "write", "wendy",
            "contrib", "carl", "reader", "rita", "fine", "wendy");

    private static HttpRequest.Builder lfs(String path, String body) {
        return tf.request(path).header("Accept", LFS_JSON).header("Content-Type", LFS_JSON).POST(body(body));
    }

    /** The id of discussion #1's description (its first comment, by the repository's creator). */
    private static String description(Repo repo) {
        return tf.forge.discussions.details(Actor.internal(alice), RepoType.MODEL, repo.id(), 1, false).events().getFirst().key();
    }

    private static HttpRequest.Builder post(String path, String type, String body) {
        return tf.request(path).header("Content-Type", type).POST(body(body));
    }

    private static HttpRequest.Builder put(String path, String body) {
        return tf.request(path).header("Content-Type", "application/json").PUT(body(body));
    }

    private static HttpRequest.BodyPublisher body(String s) { return HttpRequest.BodyPublishers.ofString(s); }

    private static HttpRequest.Builder commit(String id, String query, int n) {
        String ndjson = "{\"key\":\"header\",\"value\":{\"summary\":\"matrix " + n + "\"}}\n"
                + "{\"key\":\"file\",\"value\":{\"path\":\"f-" + n + ".txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}\n";
        return post("/api/models/" + id + "/commit/main" + query, "application/x-ndjson", ndjson);
    }

    private static HttpRequest.Builder lfsBatch(String id, String operation, String oid, long size) {
        return tf.request("/" + id + ".git/info/lfs/objects/batch")
                .header("Accept", "application/vnd.git-lfs+json").header("Content-Type", "application/vnd.git-lfs+json")
                .POST(body("{\"operation\":\"" + operation + "\",\"transfers\":[\"basic\"],\"objects\":[{\"oid\":\"" + oid + "\",\"size\":" + size + "}]}"));
    }

    /** API calls carry the token as Bearer. */
    private static HttpResponse<byte[]> send(String token, HttpRequest.Builder b) throws Exception {
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }

    /** git and git-lfs carry it as a Basic password, with any user name. */
    private static HttpResponse<byte[]> sendBasic(String token, HttpRequest.Builder b) throws Exception {
        if (token != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("hf_user:" + token).getBytes(StandardCharsets.UTF_8)));
        }
        return tf.send(b);
    }

}
