package dev.forge.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.service.repo.RepoService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.forge.upload.UploadFixtures.STALE;
import static dev.forge.upload.UploadFixtures.assertError;
import static dev.forge.upload.UploadFixtures.body;
import static dev.forge.upload.UploadFixtures.commit;
import static dev.forge.upload.UploadFixtures.commitCount;
import static dev.forge.upload.UploadFixtures.commitIds;
import static dev.forge.upload.UploadFixtures.commitOk;
import static dev.forge.upload.UploadFixtures.commitRaw;
import static dev.forge.upload.UploadFixtures.deletedFile;
import static dev.forge.upload.UploadFixtures.deletedFolder;
import static dev.forge.upload.UploadFixtures.file;
import static dev.forge.upload.UploadFixtures.files;
import static dev.forge.upload.UploadFixtures.header;
import static dev.forge.upload.UploadFixtures.headSha;
import static dev.forge.upload.UploadFixtures.json;
import static dev.forge.upload.UploadFixtures.lfsFile;
import static dev.forge.upload.UploadFixtures.line;
import static dev.forge.upload.UploadFixtures.mainSha;
import static dev.forge.upload.UploadFixtures.ndjson;
import static dev.forge.upload.UploadFixtures.randomBytes;
import static dev.forge.upload.UploadFixtures.refTarget;
import static dev.forge.upload.UploadFixtures.refs;
import static dev.forge.upload.UploadFixtures.resolve;
import static dev.forge.testing.Hashes.sha256;
import static dev.forge.upload.UploadFixtures.storeLfs;
import static dev.forge.upload.UploadFixtures.text;
import static dev.forge.upload.UploadFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NDJSON commit endpoint ({@code POST /api/models/{id}/commit/{rev}}) over raw HTTP: the response
 * shape, parent checks, pull requests, no-op detection, automatic {@code .gitattributes} rules, LFS
 * copies, and a table of bad requests that must each be a clear 4xx that commits nothing.
 */
class CommitApiTest {
    static final int MAX_INLINE = 64 * 1024;
    static final int MAX_OPS = 20;
    static final int MAX_PATH = 100;
    private static final AtomicInteger SEQ = new AtomicInteger();

    @TempDir
    static Path dir;

    static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        ForgeConfig.Uploads d = ForgeConfig.Uploads.defaults();
        tf = TestForge.start(dir.resolve("data"), ForgeConfig.Limits.defaults(),
                new ForgeConfig.Uploads(d.multipartThresholdBytes(), d.multipartChunkBytes(), MAX_INLINE, MAX_OPS, d.maxCommitBodyBytes(), MAX_PATH));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    private static String newRepo(String prefix) {
        return tf.newModelRepo(prefix);
    }

    // ------------------------------------------------------------------------------------------ success

    @Test
    void successResponseHasTheHubShapeAndTheCommitIsTheNewHead() throws Exception {
        String id = newRepo("shape");
        byte[] weights = randomBytes(1, 5000);
        LfsOid oid = storeLfs(tf, id, weights);
        HttpResponse<byte[]> r = commit(tf, id, "main", ndjson(
                header("Add config and weights"),
                file("config.json", "{\"a\": 1}\n"),
                file("nested/dir/readme.txt", "hello\n"),
                lfsFile("model.safetensors", oid.hex(), (long) weights.length)));
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode n = json(r);
        assertThat(n.path("success").asBoolean()).isTrue();
        String sha = n.path("commitOid").asText();
        assertThat(sha).matches("[0-9a-f]{40}");
        assertThat(n.path("commitUrl").asText()).isEqualTo(tf.baseUrl + "/" + id + "/commit/" + sha);
        assertThat(n.has("pullRequestUrl")).isFalse();
        assertThat(mainSha(tf, id)).isEqualTo(sha);
        assertThat(commitCount(tf, id, "main")).isEqualTo(2);

        Map<String, JsonNode> files = files(tf, id, "main");
        assertThat(files.keySet()).containsExactlyInAnyOrder(".gitattributes", "config.json", "nested/dir/readme.txt", "model.safetensors");
        assertThat(files.get("model.safetensors").path("lfs").path("oid").asText()).isEqualTo(oid.hex());
        assertThat(files.get("model.safetensors").path("size").asLong()).isEqualTo(weights.length);
        assertThat(text(resolve(tf, id, "main", "nested/dir/readme.txt"))).isEqualTo("hello\n");
        assertThat(resolve(tf, id, "main", "model.safetensors")).isEqualTo(weights);
        JsonNode last = json(UploadFixtures.getAuthed(tf, "/api/models/" + id + "/commits/main?limit=1")).get(0);
        assertThat(last.path("title").asText()).isEqualTo("Add config and weights");
    }

    @Test
    void parentCommitEqualToTheHeadIsAcceptedAndAStaleOneIs412WithNothingCommitted() throws Exception {
        String id = newRepo("parent");
        String first = mainSha(tf, id);
        String second = commitOk(tf, id, "main", ndjson(header("one", first), file("a.txt", "1\n")));
        assertThat(mainSha(tf, id)).isEqualTo(second);
        // an abbreviated parent is fine too
        String third = commitOk(tf, id, "main", ndjson(header("two", second.substring(0, 12)), file("b.txt", "2\n")));

        HttpResponse<byte[]> stale = commit(tf, id, "main", ndjson(header("three", first), file("c.txt", "3\n")));
        assertThat(assertError(stale, 412)).isEqualTo(STALE);
        assertThat(stale.headers().firstValue("X-Error-Message")).hasValue(STALE);
        assertThat(mainSha(tf, id)).isEqualTo(third);
        assertThat(files(tf, id, "main")).doesNotContainKey("c.txt");
        assertThat(commitCount(tf, id, "main")).isEqualTo(3);
    }

    @Test
    void createPrCommitsOntoANewPullRequestRefAndLeavesMainAlone() throws Exception {
        String id = newRepo("pr");
        String main = commitOk(tf, id, "main", ndjson(header("base"), file("a.txt", "base\n")));

        HttpResponse<byte[]> r = commit(tf, id, "main?create_pr=1", ndjson(header("Proposal"), file("a.txt", "proposed\n"), file("new.txt", "new\n")));
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        JsonNode n = json(r);
        String prCommit = n.path("commitOid").asText();
        assertThat(n.path("pullRequestUrl").asText()).isEqualTo(tf.baseUrl + "/" + id + "/discussions/1");
        assertThat(n.path("commitUrl").asText()).endsWith("/commit/" + prCommit);

        assertThat(mainSha(tf, id)).isEqualTo(main);
        assertThat(text(resolve(tf, id, "main", "a.txt"))).isEqualTo("base\n");
        assertThat(headSha(tf, id, "refs%2Fpr%2F1")).isEqualTo(prCommit);
        assertThat(text(resolve(tf, id, "refs%2Fpr%2F1", "a.txt"))).isEqualTo("proposed\n");
        assertThat(text(resolve(tf, id, "refs%2Fpr%2F1", "new.txt"))).isEqualTo("new\n");
        assertThat(refTarget(refs(tf, id), "pullRequests", "pr/1")).isEqualTo(prCommit);

        // a second commit onto the pull request ref lands there, on top of the first
        String second = commitOk(tf, id, "refs%2Fpr%2F1", ndjson(header("More"), file("more.txt", "more\n")));
        assertThat(headSha(tf, id, "refs%2Fpr%2F1")).isEqualTo(second);
        assertThat(commitIds(tf, id, "refs%2Fpr%2F1")).startsWith(second, prCommit, main);
        assertThat(mainSha(tf, id)).isEqualTo(main);
        assertThat(files(tf, id, "main")).doesNotContainKeys("more.txt", "new.txt");

        // another create_pr gets the next number
        HttpResponse<byte[]> r2 = commit(tf, id, "main?create_pr=1", ndjson(header("Other"), file("other.txt", "x\n")));
        assertThat(json(r2).path("pullRequestUrl").asText()).endsWith("/discussions/2");
        assertThat(mainSha(tf, id)).isEqualTo(main);
    }

    @Test
    void resendingIdenticalContentMakesNoNewCommit() throws Exception {
        String id = newRepo("noop");
        byte[] weights = randomBytes(2, 3000);
        LfsOid oid = storeLfs(tf, id, weights);
        String body = ndjson(header("Add"), file("a.txt", "same\n"), lfsFile("w.safetensors", oid.hex(), (long) weights.length));
        String first = commitOk(tf, id, "main", body);
        long count = commitCount(tf, id, "main");
        String again = commitOk(tf, id, "main", body);
        assertThat(again).isEqualTo(first);
        assertThat(mainSha(tf, id)).isEqualTo(first);
        assertThat(commitCount(tf, id, "main")).isEqualTo(count);
    }

    @Test
    void anLfsPathNoRuleCoversGetsAGitattributesRule() throws Exception {
        String id = newRepo("attrs");
        byte[] content = randomBytes(3, 2000);
        LfsOid oid = storeLfs(tf, id, content);
        commitOk(tf, id, "main", ndjson(header("custom"), lfsFile("data/x.custom", oid.hex(), (long) content.length),
                lfsFile("covered.safetensors", oid.hex(), (long) content.length)));
        String attributes = text(resolve(tf, id, "main", ".gitattributes"));
        assertThat(attributes).startsWith(RepoService.DEFAULT_GITATTRIBUTES);
        assertThat(attributes).contains("\ndata/x.custom filter=lfs diff=lfs merge=lfs -text\n");
        assertThat(attributes).doesNotContain("covered.safetensors");
        Map<String, JsonNode> files = files(tf, id, "main");
        assertThat(files.get("data/x.custom").path("lfs").path("oid").asText()).isEqualTo(oid.hex());
        assertThat(resolve(tf, id, "main", "data/x.custom")).isEqualTo(content);

        // a second one adds its own rule and keeps the first
        commitOk(tf, id, "main", ndjson(header("another"), lfsFile("data/y.custom", oid.hex(), (long) content.length)));
        String updated = text(resolve(tf, id, "main", ".gitattributes"));
        assertThat(updated).contains("data/x.custom filter=lfs", "data/y.custom filter=lfs").startsWith(attributes);
    }

    @Test
    void deletingAMissingFileIs404WithTheHubMessage() throws Exception {
        String id = newRepo("delmissing");
        String head = commitOk(tf, id, "main", ndjson(header("a"), file("a.txt", "a\n")));
        HttpResponse<byte[]> r = commit(tf, id, "main", ndjson(header("del"), deletedFile("a.txt"), deletedFile("missing.txt")));
        assertThat(assertError(r, 404)).contains("A file with this name doesn't exist");
        assertThat(mainSha(tf, id)).isEqualTo(head);
        assertThat(files(tf, id, "main")).containsKey("a.txt");
    }

    @Test
    void deletingFilesAndFoldersWorks() throws Exception {
        String id = newRepo("del");
        commitOk(tf, id, "main", ndjson(header("a"), file("keep.txt", "k\n"), file("gone.txt", "g\n"),
                file("dir/a.txt", "a\n"), file("dir/sub/b.txt", "b\n")));
        commitOk(tf, id, "main", ndjson(header("del"), deletedFile("gone.txt"), deletedFolder("dir/")));
        assertThat(UploadFixtures.tree(tf, id, "main").keySet()).containsExactlyInAnyOrder(".gitattributes", "keep.txt");
    }

    @Test
    void anLfsFileWithoutSizeCopiesAnObjectTheRepositoryAlreadyHas() throws Exception {
        String id = newRepo("copy");
        byte[] content = randomBytes(4, 7777);
        LfsOid oid = storeLfs(tf, id, content);
        commitOk(tf, id, "main", ndjson(header("original"), lfsFile("orig.safetensors", oid.hex(), (long) content.length)));
        commitOk(tf, id, "main", ndjson(header("copy"), lfsFile("copies/copy.safetensors", oid.hex(), null)));
        Map<String, JsonNode> files = files(tf, id, "main");
        JsonNode copy = files.get("copies/copy.safetensors");
        assertThat(copy.path("size").asLong()).isEqualTo(content.length);
        assertThat(copy.path("lfs").path("oid").asText()).isEqualTo(oid.hex());
        assertThat(copy.path("oid").asText()).isEqualTo(files.get("orig.safetensors").path("oid").asText());
        assertThat(resolve(tf, id, "main", "copies/copy.safetensors")).isEqualTo(content);
    }

    // ------------------------------------------------------------------------------------------ bad input

    /** A case of the bad-input table: the NDJSON body (built against the repository) and the expected status. */
    record Bad(String name, int status, String messagePart, java.util.function.Function<Ctx, String> body) {
        @Override
        public String toString() { return name; }
    }

    /**
     * What a bad body may refer to: the repository, an object it has, one only a private repository has, and the
     * writer who sends it (the owner of the repository, who cannot read the private one: a site admin could).
     */
    record Ctx(String repo, String ownOid, long ownSize, String foreignOid, long foreignSize, String writerToken) {}

    static Stream<Arguments> badBodies() {
        List<Bad> cases = new ArrayList<>();
        cases.add(new Bad("invalid base64", 400, "base64", c -> ndjson(header("x"),
                line("file", Map.of("path", "a.txt", "content", "a", "encoding", "base64")))));
        cases.add(new Bad("garbage base64", 400, "base64", c -> ndjson(header("x"),
                line("file", Map.of("path", "a.txt", "content", "@@@@ not base64 at all! ###", "encoding", "base64")))));
        cases.add(new Bad("unknown encoding", 400, "encoding", c -> ndjson(header("x"),
                line("file", Map.of("path", "a.txt", "content", "abc", "encoding", "latin1")))));
        cases.add(new Bad("unknown operation key", 400, "renameFile", c -> ndjson(header("x"),
                line("renameFile", Map.of("path", "a.txt")))));
        cases.add(new Bad("first line not a header", 400, "header", c -> ndjson(file("a.txt", "a\n"), header("x"))));
        cases.add(new Bad("blank line then no header", 400, "header",
                c -> ndjson("", file("a.txt", "a\n"))));
        cases.add(new Bad("empty body", 400, "header", c -> ""));
        cases.add(new Bad("lfsFile never uploaded", 400, "not uploaded", c -> ndjson(header("x"),
                lfsFile("w.safetensors", sha256(utf8("never uploaded " + c.repo())), 22L))));
        cases.add(new Bad("lfsFile copy never uploaded", 400, "not uploaded", c -> ndjson(header("x"),
                lfsFile("w.safetensors", sha256(utf8("never uploaded either " + c.repo())), null))));
        cases.add(new Bad("lfsFile of another private repository's object", 400, null, c -> ndjson(header("x"),
                lfsFile("stolen.safetensors", c.foreignOid(), c.foreignSize()))));
        cases.add(new Bad("lfsFile copy of another private repository's object", 400, null, c -> ndjson(header("x"),
                lfsFile("stolen.safetensors", c.foreignOid(), null))));
        cases.add(new Bad("lfsFile whose size lies", 400, "bytes", c -> ndjson(header("x"),
                lfsFile("w.safetensors", c.ownOid(), c.ownSize() + 1))));
        cases.add(new Bad("lfsFile with a bad oid", 400, "oid", c -> ndjson(header("x"), lfsFile("w.safetensors", "abc", 3L))));
        cases.add(new Bad("lfsFile with a negative size", 400, "size", c -> ndjson(header("x"), lfsFile("w.safetensors", c.ownOid(), -1L))));
        for (String[] p : new String[][] {
                {"dot-dot path", "../evil.txt"}, {"dot-dot inside a path", "a/../../evil.txt"}, {".git/config", ".git/config"},
                {"nested .git", "sub/.git/hooks/pre-commit"}, {"absolute path", "/etc/passwd"}, {"backslash", "dir\\evil.txt"},
                {"NUL", "evil\u0000.txt"}, {"empty path", ""}, {"empty segment", "a//b.txt"}, {"dot segment", "./a.txt"}}) {
            cases.add(new Bad("file at " + p[0], 400, "Invalid path", c -> ndjson(header("x"), file(p[1], "evil\n"))));
        }
        cases.add(new Bad("lfsFile at a dot-dot path", 400, "Invalid path", c -> ndjson(header("x"),
                lfsFile("../w.safetensors", c.ownOid(), c.ownSize()))));
        cases.add(new Bad("deletedFile at .git/config", 400, "Invalid path", c -> ndjson(header("x"), deletedFile(".git/config"))));
        cases.add(new Bad("deletedFolder at an absolute path", 400, "Invalid path", c -> ndjson(header("x"), deletedFolder("/"))));
        cases.add(new Bad("same path twice", 400, "twice", c -> ndjson(header("x"), file("a.txt", "1\n"), file("a.txt", "2\n"))));
        cases.add(new Bad("add and delete one path", 400, "twice", c -> ndjson(header("x"), file("keep.txt", "1\n"), deletedFile("keep.txt"))));
        cases.add(new Bad("a file under a file", 400, "keep.txt", c -> ndjson(header("x"), file("keep.txt/inner.txt", "1\n"))));
        cases.add(new Bad("truncated NDJSON", 400, "JSON", c -> {
            String whole = ndjson(header("x"), file("a.txt", "a\n"), file("b.txt", "b\n"));
            return whole.substring(0, whole.length() - 12);
        }));
        cases.add(new Bad("not JSON at all", 400, "JSON", c -> "this is not json\nneither is this"));
        cases.add(new Bad("a JSON array line", 400, "object", c -> ndjson(header("x"), "[1,2,3]")));
        cases.add(new Bad("value not an object", 400, "value", c -> ndjson(header("x"), "{\"key\":\"file\",\"value\":\"a.txt\"}")));
        cases.add(new Bad("path not a string", 400, "path", c -> ndjson(header("x"), "{\"key\":\"deletedFile\",\"value\":{\"path\":42}}")));
        cases.add(new Bad("parentCommit not a commit id", 400, "parentCommit", c -> ndjson(
                "{\"key\":\"header\",\"value\":{\"summary\":\"x\",\"parentCommit\":\"../main\"}}", file("a.txt", "a\n"))));
        cases.add(new Bad("oldPath rename", 400, "oldPath", c -> ndjson(header("x"),
                line("file", Map.of("path", "b.txt", "oldPath", "keep.txt", "content", "", "encoding", "base64")))));
        return cases.stream().map(Arguments::of);
    }

    static String badRepo;
    static Ctx badCtx;

    private static synchronized Ctx badContext() throws Exception {
        if (badCtx != null) return badCtx;
        dev.forge.core.User writer = tf.forge.auth.createUser("bad-writer", "Bad Writer", "bad@example.com", false);
        String writerToken = tf.forge.auth.createToken(writer, "bad", dev.forge.core.Token.Role.WRITE).secret();
        badRepo = "bad-writer/bad-" + SEQ.incrementAndGet();
        tf.forge.repos.create(dev.forge.service.account.Actor.internal(writer), RepoType.MODEL, dev.forge.core.RepoId.parse(badRepo), false);
        byte[] own = randomBytes(10, 4000);
        LfsOid ownOid = storeLfs(tf, badRepo, own);
        commitOk(tf, badRepo, "main", ndjson(header("base"), file("keep.txt", "keep\n"), lfsFile("own.safetensors", ownOid.hex(), (long) own.length)));
        String secret = "admin/secret-" + SEQ.incrementAndGet();
        tf.createPrivateRepo(RepoType.MODEL, secret);
        byte[] foreign = randomBytes(11, 4100);
        LfsOid foreignOid = storeLfs(tf, secret, foreign);
        commitOk(tf, secret, "main", ndjson(header("secret"), lfsFile("secret.safetensors", foreignOid.hex(), (long) foreign.length)));
        badCtx = new Ctx(badRepo, ownOid.hex(), own.length, foreignOid.hex(), foreign.length, writerToken);
        return badCtx;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void badBodiesAreClear4xxAndCommitNothing(Bad bad) throws Exception {
        Ctx c = badContext();
        String before = mainSha(tf, c.repo());
        long count = commitCount(tf, c.repo(), "main");
        var filesBefore = files(tf, c.repo(), "main").keySet();
        HttpResponse<byte[]> r = commitRaw(tf, "/api/models/" + c.repo() + "/commit/main", bad.body().apply(c), UploadFixtures.NDJSON, "Bearer " + c.writerToken());
        String message = assertError(r, bad.status());
        if (bad.messagePart() != null) assertThat(message).containsIgnoringCase(bad.messagePart());
        assertThat(mainSha(tf, c.repo())).as("head after %s", bad.name()).isEqualTo(before);
        assertThat(commitCount(tf, c.repo(), "main")).isEqualTo(count);
        assertThat(files(tf, c.repo(), "main").keySet()).isEqualTo(filesBefore).containsExactlyInAnyOrder(".gitattributes", "keep.txt", "own.safetensors");
    }

    @Test
    void base64WithLineBreaksOrTheUrlSafeAlphabetAndUtf8ContentAreAccepted() throws Exception {
        String id = newRepo("b64");
        byte[] bytes = randomBytes(12, 300);
        String standard = UploadFixtures.b64(bytes);
        String wrapped = java.util.Base64.getMimeEncoder().encodeToString(bytes); // CRLF every 76 characters
        String urlSafe = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(wrapped).contains("\r\n");
        commitOk(tf, id, "main", ndjson(header("encodings"),
                line("file", Map.of("path", "std.bin", "content", standard, "encoding", "base64")),
                line("file", Map.of("path", "wrapped.bin", "content", wrapped, "encoding", "base64")),
                line("file", Map.of("path", "urlsafe.bin", "content", urlSafe, "encoding", "base64")),
                line("file", Map.of("path", "default-encoding.bin", "content", standard)),
                line("file", Map.of("path", "text.txt", "content", "héllo ✓\n", "encoding", "utf-8")),
                file("empty.txt", new byte[0])));
        for (String p : List.of("std.bin", "wrapped.bin", "urlsafe.bin", "default-encoding.bin")) {
            assertThat(resolve(tf, id, "main", p)).as(p).isEqualTo(bytes);
        }
        assertThat(text(resolve(tf, id, "main", "text.txt"))).isEqualTo("héllo ✓\n");
        assertThat(resolve(tf, id, "main", "empty.txt")).isEmpty();
    }

    @Test
    void anInlineFileAboveTheInlineLimitIs413() throws Exception {
        String id = newRepo("inline");
        String head = mainSha(tf, id);
        // at the limit: fine
        String ok = commitOk(tf, id, "main", ndjson(header("at limit"), file("at-limit.txt", utf8("x".repeat(MAX_INLINE)))));
        assertThat(ok).isNotEqualTo(head);
        // one byte over: 413
        HttpResponse<byte[]> r = commit(tf, id, "main", ndjson(header("over"), file("a.txt", "a\n"), file("big.txt", utf8("y".repeat(MAX_INLINE + 1)))));
        assertThat(assertError(r, 413)).contains("big.txt");
        // a line far longer than any inline file could need: 413 too
        HttpResponse<byte[]> r2 = commit(tf, id, "main", ndjson(header("huge"), file("huge.txt", utf8("z".repeat(MAX_INLINE * 3)))));
        assertError(r2, 413);
        assertThat(mainSha(tf, id)).isEqualTo(ok);
    }

    @Test
    void moreOperationsThanTheLimitIs413() throws Exception {
        String id = newRepo("ops");
        List<String> lines = new ArrayList<>(List.of(header("many")));
        for (int i = 0; i < MAX_OPS; i++) lines.add(file("f" + i + ".txt", i + "\n"));
        String at = commitOk(tf, id, "main", String.join("\n", lines));
        assertThat(files(tf, id, "main")).hasSize(MAX_OPS + 1);
        lines.add(file("one-too-many.txt", "x\n"));
        HttpResponse<byte[]> r = commit(tf, id, "main", String.join("\n", lines));
        assertThat(assertError(r, 413)).contains(Integer.toString(MAX_OPS));
        assertThat(mainSha(tf, id)).isEqualTo(at);
    }

    @Test
    void aPathLongerThanTheConfiguredLimitIs400() throws Exception {
        String id = newRepo("path");
        String head = mainSha(tf, id);
        String atLimit = "d/" + "p".repeat(MAX_PATH - 2);
        String ok = commitOk(tf, id, "main", ndjson(header("at the limit"), file(atLimit, "x\n")));
        HttpResponse<byte[]> r = commit(tf, id, "main", ndjson(header("over the limit"), file(atLimit + "q", "x\n")));
        assertThat(assertError(r, 400)).contains("longer than " + MAX_PATH + " bytes");
        assertThat(mainSha(tf, id)).isEqualTo(ok).isNotEqualTo(head);
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        String id = newRepo("ctype");
        String head = mainSha(tf, id);
        HttpResponse<byte[]> r = commitRaw(tf, "/api/models/" + id + "/commit/main",
                ndjson(header("x"), file("a.txt", "a\n")), "application/xml", UploadFixtures.bearer(tf));
        assertError(r, 415);
        assertThat(mainSha(tf, id)).isEqualTo(head);
    }

    @Test
    void anonymousIs401AndAReadOnlyTokenIs403() throws Exception {
        String id = newRepo("auth");
        String head = mainSha(tf, id);
        String body = ndjson(header("x"), file("a.txt", "a\n"));
        assertError(commitRaw(tf, "/api/models/" + id + "/commit/main", body, UploadFixtures.NDJSON, null), 401);
        String ro = tf.forge.auth.createToken(tf.admin, "ro", Token.Role.READ).secret();
        assertError(commitRaw(tf, "/api/models/" + id + "/commit/main", body, UploadFixtures.NDJSON, "Bearer " + ro), 403);
        assertError(commitRaw(tf, "/api/models/" + id + "/commit/main", body, UploadFixtures.NDJSON, "Bearer hf_not_a_real_token"), 401);
        assertThat(mainSha(tf, id)).isEqualTo(head);
    }

    @Test
    void anUnknownBranchIs404RevisionNotFoundAndATagIs400() throws Exception {
        String id = newRepo("revs");
        String head = mainSha(tf, id);
        String body = ndjson(header("x"), file("a.txt", "a\n"));
        HttpResponse<byte[]> r = commit(tf, id, "no-such-branch", body);
        assertError(r, 404);
        assertThat(r.headers().firstValue("X-Error-Code")).hasValue("RevisionNotFound");

        assertThat(UploadFixtures.postJson(tf, "/api/models/" + id + "/tag/main", "{\"tag\":\"v1\"}").statusCode()).isEqualTo(200);
        assertError(commit(tf, id, "refs%2Ftags%2Fv1", body), 400);
        HttpResponse<byte[]> byShortName = commit(tf, id, "v1", body);
        assertThat(byShortName.statusCode()).as(body(byShortName)).isIn(400, 404);
        assertThat(mainSha(tf, id)).isEqualTo(head);
        assertThat(refTarget(refs(tf, id), "tags", "v1")).isEqualTo(head);
    }

    @Test
    void anUnknownRepositoryIs404RepoNotFound() throws Exception {
        HttpResponse<byte[]> r = commit(tf, "admin/does-not-exist", "main", ndjson(header("x"), file("a.txt", "a\n")));
        assertError(r, 404);
        assertThat(r.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
    }
}
