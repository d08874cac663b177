package dev.forge.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.WeightFiles;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.Gating;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.forge.testing.Hashes.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: the holes a hostile registered user found, each reproduced over real HTTP against a real server and
 * shown closed. Mallory is an ordinary user with a write token and her own namespace; the admin owns the victims.
 * Tests that need git itself are in {@code git/PushHolesTest}, the slow-body test in {@code http/SlowBodiesTest}.
 */
class HostileUserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SEQ = new AtomicInteger();

    @TempDir
    static Path dir;

    static TestForge tf;
    static User mallory;
    static String malloryToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        mallory = tf.forge.auth.createUser("mallory", "Mallory", "mallory@example.com", false);
        malloryToken = tf.forge.auth.createToken(mallory, "probe", Token.Role.WRITE).secret();
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    // ------------------------------------------------------------------------------------------ fixtures

    private static Repo adminRepo(String prefix, boolean isPrivate) {
        String id = "admin/" + prefix + "-" + SEQ.incrementAndGet();
        return isPrivate ? tf.createPrivateRepo(RepoType.MODEL, id) : tf.createRepo(RepoType.MODEL, id);
    }

    private static Repo malloryRepo(String prefix) {
        return tf.forge.repos.create(Actor.internal(mallory), RepoType.MODEL, RepoId.parse("mallory/" + prefix + "-" + SEQ.incrementAndGet()), false);
    }

    /** Stores the bytes as uploaded to {@code repo} and commits them there as an LFS file; returns the oid. */
    private static String commitLfs(Repo repo, String path, byte[] content) {
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(content));
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), List.of(new CommitOperation.AddLfsFile(path, oid, content.length)), "add " + path);
        return oid.hex();
    }

    private static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    private static String line(String key, Map<String, Object> value) throws Exception {
        return JSON.writeValueAsString(Map.of("key", key, "value", value));
    }

    private static HttpResponse<byte[]> commit(Repo repo, String token, String... ops) throws Exception {
        StringBuilder b = new StringBuilder(line("header", Map.of("summary", "probe")));
        for (String op : ops) b.append('\n').append(op);
        return tf.send(tf.request("/api/models/" + repo.id() + "/commit/main").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(b.toString())));
    }

    private static HttpResponse<byte[]> batch(Repo repo, String token, String operation, List<String> transfers, String oid, long size)
            throws Exception {
        String body = JSON.writeValueAsString(Map.of("operation", operation, "transfers", transfers,
                "objects", List.of(Map.of("oid", oid, "size", size))));
        HttpRequest.Builder r = tf.request("/" + repo.id() + ".git/info/lfs/objects/batch").header("Content-Type", "application/vnd.git-lfs+json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) r.header("Authorization", "Bearer " + token);
        return tf.send(r);
    }

    private static String text(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }

    private static String path(String absolute) {
        URI u = URI.create(absolute);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    // ------------------------------------------------------------------------------------------ finding 1

    /** Finding 1: a gated file's oid (shown by its tree) committed to one's own public repository was then downloadable anonymously. */
    @Test
    void gatedObjectsCannotBeReferencedByOid() throws Exception {
        Repo gated = adminRepo("gated", false);
        byte[] weights = bytes(1, 3000);
        String oid = commitLfs(gated, "model.safetensors", weights);
        tf.forge.repos.updateSettings(tf.adminActor(), RepoType.MODEL, gated.id(), null, Gating.MANUAL);
        Repo mine = malloryRepo("leak");

        HttpResponse<byte[]> r = commit(mine, malloryToken, line("lfsFile", Map.of("path", "stolen.safetensors", "algo", "sha256",
                "oid", oid, "size", weights.length)));
        assertThat(r.statusCode()).as("commit of a gated oid: %s", text(r)).isEqualTo(400);
        assertThat(text(r)).contains("was not uploaded");
        // the batch API does not pretend the object is there either: it asks for the bytes
        JsonNode b = JSON.readTree(batch(mine, malloryToken, "upload", List.of("basic"), oid, weights.length).body());
        assertThat(b.path("objects").get(0).path("actions").has("upload")).as("batch answer %s", b).isTrue();
        HttpResponse<byte[]> download = batch(mine, null, "download", List.of("basic"), oid, weights.length);
        assertThat(JSON.readTree(download.body()).path("objects").get(0).path("error").path("code").asInt()).isEqualTo(404);
    }

    /** Finding 1, the legitimate side: an object the writer can read elsewhere (a public repository) is still deduplicated. */
    @Test
    void objectsTheWriterCanReadElsewhereStillDeduplicate() throws Exception {
        Repo open = adminRepo("open", false);
        byte[] weights = bytes(2, 3000);
        String oid = commitLfs(open, "model.safetensors", weights);
        Repo mine = malloryRepo("dedup");

        JsonNode b = JSON.readTree(batch(mine, malloryToken, "upload", List.of("basic"), oid, weights.length).body());
        assertThat(b.path("objects").get(0).has("actions")).as("already present: no upload action in %s", b).isFalse();
        HttpResponse<byte[]> r = commit(mine, malloryToken, line("lfsFile", Map.of("path", "copy.safetensors", "algo", "sha256",
                "oid", oid, "size", weights.length)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------ finding 2

    /** Finding 2: a 256-byte GGUF made info answer 500 and every index rebuild (and the start that runs one) fail. */
    @Test
    void aHostileGgufBreaksNeitherInfoNorTheIndexRebuild() throws Exception {
        Repo repo = adminRepo("gguf-bomb", false);
        commitLfs(repo, "model.gguf", WeightFiles.overflowingGguf());

        HttpResponse<byte[]> info = tf.get("/api/models/" + repo.id());
        assertThat(info.statusCode()).as(text(info)).isEqualTo(200);
        assertThat(JSON.readTree(info.body()).has("gguf")).isFalse();
        assertThat(tf.forge.search.rebuild()).isPositive();
        assertThat(text(tf.get("/api/models?search=gguf-bomb"))).contains(repo.id().toString());
    }

    // ------------------------------------------------------------------------------------------ finding 3

    /** Finding 3: a multipart upload declared at 2^50 bytes built one signed URL per part until the heap was gone; 2^63-1 overflowed. */
    @Test
    void lfsBatchCapsObjectSizeAndPartCount() throws Exception {
        Repo mine = malloryRepo("huge");
        String oid = sha256("huge".getBytes(StandardCharsets.UTF_8));
        for (long size : new long[] {1L << 50, Long.MAX_VALUE, ForgeConfig.Uploads.HUB_MAX_OBJECT_BYTES + 1}) {
            HttpResponse<byte[]> r = batch(mine, malloryToken, "upload", List.of("basic", "multipart"), oid, size);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode o = JSON.readTree(r.body()).path("objects").get(0);
            assertThat(o.path("error").path("code").asInt()).as("size %d: %s", size, o).isEqualTo(413);
            assertThat(o.has("actions")).isFalse();
        }
        // within the size limit but beyond the part limit (small parts configured): 422 for that object
        ForgeConfig.Uploads d = ForgeConfig.Uploads.defaults();
        ForgeConfig.Uploads smallParts = new ForgeConfig.Uploads(1024, 1024, d.maxInlineFileBytes(), d.maxOperationsPerCommit(),
                d.maxCommitBodyBytes(), d.maxPathBytes(), d.maxObjectBytes(), 100);
        try (TestForge small = TestForge.start(dir.resolve("small-parts"), ForgeConfig.Limits.defaults(), smallParts)) {
            Repo repo = small.createRepo(RepoType.MODEL, "admin/parts");
            String body = JSON.writeValueAsString(Map.of("operation", "upload", "transfers", List.of("basic", "multipart"),
                    "objects", List.of(Map.of("oid", oid, "size", 1024L * 101), Map.of("oid", sha256(new byte[1]), "size", 1024L * 100))));
            HttpResponse<byte[]> r = small.send(small.request("/" + repo.id() + ".git/info/lfs/objects/batch")
                    .header("Authorization", "Bearer " + small.adminToken).POST(HttpRequest.BodyPublishers.ofString(body)));
            JsonNode objects = JSON.readTree(r.body()).path("objects");
            assertThat(objects.get(0).path("error").path("code").asInt()).as("%s", objects).isEqualTo(422);
            assertThat(objects.get(1).path("actions").path("upload").path("header").size()).as("%s", objects).isEqualTo(101);
        }
    }

    // ------------------------------------------------------------------------------------------ finding 6

    /** Finding 6: an upload grant for any oid, then verify, told whether a private repository held the object and its size. */
    @Test
    void lfsVerifyIsNotAnExistenceOracle() throws Exception {
        Repo secret = adminRepo("secret", true);
        byte[] weights = bytes(6, 2500);
        String oid = commitLfs(secret, "model.safetensors", weights);
        Repo mine = malloryRepo("oracle");

        JsonNode o = JSON.readTree(batch(mine, malloryToken, "upload", List.of("basic"), oid, 1).body()).path("objects").get(0);
        String verify = o.path("actions").path("verify").path("href").asText();
        assertThat(verify).as("%s", o).isNotEmpty();
        HttpResponse<byte[]> v = tf.send(tf.request(path(verify)).header("Authorization", "Bearer " + malloryToken)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("oid", oid, "size", 1)))));
        assertThat(v.statusCode()).as(text(v)).isEqualTo(404);
        assertThat(text(v)).contains("was not uploaded").doesNotContain(Integer.toString(weights.length));
    }

    // ------------------------------------------------------------------------------------------ finding 7

    /** Finding 7: after super-squash, resolve and tree still served the old commits by id, and LFS grants served old files. */
    @Test
    void superSquashedHistoryIsNotReadableByCommitId() throws Exception {
        Repo repo = adminRepo("squash", false);
        byte[] secret = bytes(7, 2000);
        String oid = commitLfs(repo, "leaked.safetensors", secret);
        String old = tf.forge.repos.resolve(repo, "main");
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), List.of(new CommitOperation.DeleteFile("leaked.safetensors")), "oops");
        tf.forge.refs.superSquash(tf.adminActor(), RepoType.MODEL, repo.id(), "main", "squash");

        for (String rev : List.of(old, old.substring(0, 7))) {
            for (String p : List.of("/" + repo.id() + "/resolve/" + rev + "/leaked.safetensors", "/api/models/" + repo.id() + "/revision/" + rev,
                    "/api/models/" + repo.id() + "/tree/" + rev, "/api/models/" + repo.id() + "/commits/" + rev)) {
                HttpResponse<byte[]> r = tf.get(p);
                assertThat(r.statusCode()).as("%s: %s", p, text(r)).isEqualTo(404);
                assertThat(r.headers().firstValue("X-Error-Code")).as(p).hasValue("RevisionNotFound");
            }
            HttpResponse<byte[]> pi = tf.send(tf.request("/api/models/" + repo.id() + "/paths-info/" + rev)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"paths\":[\"leaked.safetensors\"]}")));
            assertThat(pi.statusCode()).as(text(pi)).isEqualTo(404);
        }
        JsonNode d = JSON.readTree(batch(repo, tf.adminToken, "download", List.of("basic"), oid, secret.length).body());
        assertThat(d.path("objects").get(0).path("error").path("code").asInt()).as("%s", d).isEqualTo(404);
        assertThat(tf.get("/" + repo.id() + "/resolve/main/.gitattributes").statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------ finding 14

    /** Finding 14: paths JGit refuses and ref names over 255 bytes were 500s (one printing the data folder); they are 400s. */
    @Test
    void namesGitRefusesAreClear400s() throws Exception {
        Repo mine = malloryRepo("names");
        for (String p : List.of(".git./config", "GIT~1/config", ".git /config", "a/.g\u200cit/config", ".GIT\u200d/hooks/x")) {
            HttpResponse<byte[]> r = commit(mine, malloryToken, line("file", Map.of("path", p, "content", "eA==", "encoding", "base64")));
            assertThat(r.statusCode()).as("%s: %s", p, text(r)).isEqualTo(400);
            assertThat(text(r)).contains("Invalid path");
        }
        String longName = "b".repeat(300);
        for (String[] req : new String[][] {{"POST", "/branch/" + longName}, {"POST", "/tag/main"}}) {
            HttpRequest.Builder b = tf.request("/api/models/" + mine.id() + req[1]).header("Authorization", "Bearer " + malloryToken)
                    .header("Content-Type", "application/json")
                    .method(req[0], HttpRequest.BodyPublishers.ofString(req[1].startsWith("/tag") ? "{\"tag\":\"" + longName + "\"}" : "{}"));
            HttpResponse<byte[]> r = tf.send(b);
            assertThat(r.statusCode()).as("%s: %s", req[1], text(r)).isEqualTo(400);
            assertThat(text(r)).doesNotContain(dir.toString()).doesNotContain(mine.key());
        }
    }

    // ------------------------------------------------------------------------------------------ finding 15

    /** Finding 15: the API accepted a .gitmodules whose URL injects an option, which a push refuses: one rule set for both. */
    @Test
    void apiCommitsRefuseWhatPushesRefuse() throws Exception {
        Repo mine = malloryRepo("modules");
        String modules = "[submodule \"x\"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n";
        HttpResponse<byte[]> r = commit(mine, malloryToken, line("file", Map.of("path", ".gitmodules",
                "content", Base64.getEncoder().encodeToString(modules.getBytes(StandardCharsets.UTF_8)), "encoding", "base64")));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        assertThat(text(r)).contains(".gitmodules");
    }

    // ------------------------------------------------------------------------------------------ finding 16

    /** Finding 16: a signed download URL kept working after the repository turned private, until it expired. */
    @Test
    void signedDownloadUrlsStopWhenTheRepositoryTurnsPrivate() throws Exception {
        Repo repo = adminRepo("turns-private", false);
        byte[] weights = bytes(16, 1500);
        String oid = commitLfs(repo, "model.safetensors", weights);
        String href = JSON.readTree(batch(repo, null, "download", List.of("basic"), oid, weights.length).body())
                .path("objects").get(0).path("actions").path("download").path("href").asText();
        assertThat(tf.get(path(href)).statusCode()).isEqualTo(200);

        tf.forge.repos.setPrivate(tf.adminActor(), RepoType.MODEL, repo.id(), true);
        HttpResponse<byte[]> after = tf.get(path(href));
        assertThat(after.statusCode()).as(text(after)).isIn(403, 404);
        assertThat(after.body()).isNotEqualTo(weights);
    }

    // ------------------------------------------------------------------------------------------ findings 11, 12, 13, 17

    /** An organisation {@code org<n>} whose admin is {@code alice<n>} and which has {@code <member><n>} in {@code role}. */
    private record Team(User alice, User member, dev.forge.core.Org org) {}

    private static Team team(int n, String member, dev.forge.core.OrgRole role) {
        User alice = tf.forge.auth.createUser("alice" + n, "Alice", "alice" + n + "@example.com", false);
        User other = tf.forge.auth.createUser(member + n, member, member + n + "@example.com", false);
        var org = tf.forge.auth.createOrg("org" + n, "Org " + n, alice);
        tf.forge.auth.setMember(Actor.OPERATOR, org, other, role);
        return new Team(alice, other, org);
    }

    private static HttpResponse<byte[]> postJson(String path, String token, String json) throws Exception {
        HttpRequest.Builder b = tf.request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }

    /** Finding 11: a repository could be made in a name that is neither a user nor an organisation, and whoever signed up with it later owned it. */
    @Test
    void repositoriesLiveOnlyInUserAndOrganisationNamespaces() throws Exception {
        HttpResponse<byte[]> r = postJson("/api/repos/create", tf.adminToken, "{\"type\":\"model\",\"organization\":\"nobody-yet\",\"name\":\"trap\"}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
        assertThat(tf.forge.repos.find(RepoType.MODEL, RepoId.parse("nobody-yet/trap"))).isEmpty();
        Repo mine = malloryRepo("to-move");
        HttpResponse<byte[]> m = postJson("/api/repos/move", malloryToken,
                "{\"type\":\"model\",\"fromRepo\":\"" + mine.id() + "\",\"toRepo\":\"nobody-yet/trap\"}");
        assertThat(m.statusCode()).as(text(m)).isEqualTo(403);
    }

    /** Finding 12: after a private repository moved, a contributor could create a public one at the old name and catch its clients' pushes. */
    @Test
    void aMovedRepositorysOldNameIsNotTakenOverByAContributor() throws Exception {
        Team t = team(12, "carl", dev.forge.core.OrgRole.CONTRIBUTOR);
        User alice = t.alice();
        User carl = t.member();
        String carlToken = tf.forge.auth.createToken(carl, "c", Token.Role.WRITE).secret();
        String aliceToken = tf.forge.auth.createToken(alice, "a", Token.Role.WRITE).secret();
        tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("org12/secret"), true);
        tf.forge.repos.move(Actor.internal(alice), RepoType.MODEL, RepoId.parse("org12/secret"), RepoId.parse("org12/secret-v2"));

        HttpResponse<byte[]> r = postJson("/api/repos/create", carlToken, "{\"type\":\"model\",\"organization\":\"org12\",\"name\":\"secret\"}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(409);
        HttpResponse<byte[]> info = tf.get("/api/models/org12/secret", "Authorization", "Bearer " + aliceToken);
        assertThat(info.statusCode()).as("the old name still redirects").isBetween(301, 308);
        // whoever may write to the moved repository may reuse the name
        HttpResponse<byte[]> own = postJson("/api/repos/create", aliceToken, "{\"type\":\"model\",\"organization\":\"org12\",\"name\":\"secret\"}");
        assertThat(own.statusCode()).as(text(own)).isEqualTo(200);
    }

    /** Finding 13: a former member's fine-grained token still named a renamed private repository in whoami-v2 and the token list. */
    @Test
    void formerMembersTokensDoNotNameRenamedRepositories() throws Exception {
        Team t = team(13, "frank", dev.forge.core.OrgRole.WRITE);
        User alice = t.alice();
        User frank = t.member();
        var org = t.org();
        Repo priv = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("org13/plans"), true);
        String scoped = tf.forge.auth.createToken(Actor.OPERATOR, frank, "scoped", Token.Role.FINE_GRAINED,
                List.of(new dev.forge.core.TokenScope(dev.forge.core.TokenScope.Kind.REPO, priv.key(), false))).secret();
        assertThat(text(tf.get("/api/whoami-v2", "Authorization", "Bearer " + scoped))).contains("org13/plans");

        tf.forge.auth.removeMember(Actor.OPERATOR, org, frank);
        tf.forge.repos.move(Actor.internal(alice), RepoType.MODEL, RepoId.parse("org13/plans"), RepoId.parse("org13/new-codename"));
        String whoami = text(tf.get("/api/whoami-v2", "Authorization", "Bearer " + scoped));
        assertThat(whoami).doesNotContain("new-codename").doesNotContain("plans");
        String frankWrite = tf.forge.auth.createToken(frank, "w", Token.Role.WRITE).secret();
        assertThat(text(tf.get("/api/tokens", "Authorization", "Bearer " + frankWrite))).doesNotContain("new-codename");
    }

    /** Finding 17: member lists with roles were public to anonymous callers; an organisation now chooses, and roles are private by default. */
    @Test
    void organisationsChooseWhatTheirMemberListShows() throws Exception {
        User alice = tf.forge.auth.createUser("alice17", "Alice", "alice17@example.com", false);
        tf.forge.auth.createOrg("org17", "Org 17", alice);
        String aliceToken = tf.forge.auth.createToken(alice, "a", Token.Role.WRITE).secret();

        JsonNode anon = JSON.readTree(tf.get("/api/organizations/org17/members").body());
        assertThat(anon.get(0).path("user").asText()).isEqualTo("alice17");
        assertThat(anon.get(0).has("role")).as("roles are private by default: %s", anon).isFalse();
        assertThat(JSON.readTree(tf.get("/api/organizations/org17/members", "Authorization", "Bearer " + aliceToken).body())
                .get(0).path("role").asText()).isEqualTo("admin");

        HttpResponse<byte[]> denied = tf.send(tf.request("/api/organizations/org17/settings").header("Authorization", "Bearer " + malloryToken)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"membersVisibility\":\"roles\"}")));
        assertThat(denied.statusCode()).isEqualTo(403);
        for (String[] c : new String[][] {{"none", "0"}, {"roles", "1"}}) {
            HttpResponse<byte[]> set = tf.send(tf.request("/api/organizations/org17/settings").header("Authorization", "Bearer " + aliceToken)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"membersVisibility\":\"" + c[0] + "\"}")));
            assertThat(set.statusCode()).as(text(set)).isEqualTo(200);
            JsonNode list = JSON.readTree(tf.get("/api/organizations/org17/members", "Authorization", "Bearer " + malloryToken).body());
            assertThat(list.size()).isEqualTo(Integer.parseInt(c[1]));
            if (c[0].equals("roles")) assertThat(list.get(0).path("role").asText()).isEqualTo("admin");
        }
        HttpResponse<byte[]> bad = tf.send(tf.request("/api/organizations/org17/settings").header("Authorization", "Bearer " + aliceToken)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"membersVisibility\":\"everyone\"}")));
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    /** Finding 17: token-shaped strings in request paths reached the access log as they were (percent-encoded ones too). */
    @Test
    void tokenShapedPathsAreRedactedInTheAccessLog() throws Exception {
        ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("forge.access");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured = new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        access.addAppender(captured);
        ch.qos.logback.classic.Level level = access.getLevel();
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        String secret = "hf_" + "Ab1".repeat(14);
        StringBuilder encoded = new StringBuilder();
        for (char ch : secret.toCharArray()) encoded.append('%').append(String.format("%02X", (int) ch));
        try {
            tf.get("/api/models/" + secret);
            tf.get("/" + secret + "/x/resolve/main/a.txt");
            tf.get("/api/models/x/" + encoded);
            tf.get("/api/whoami-v2");
            // Jetty writes the request log after the answer is sent: wait for the four lines (bounded), not for time
            for (int i = 0; i < 200 && captured.list.size() < 4; i++) Thread.sleep(25);
        } finally {
            access.detachAppender(captured);
            access.setLevel(level);
        }
        assertThat(captured.list).hasSizeGreaterThanOrEqualTo(4);
        for (var e : captured.list) assertThat(e.getFormattedMessage()).doesNotContain(secret).doesNotContain(encoded.toString());
    }
}
