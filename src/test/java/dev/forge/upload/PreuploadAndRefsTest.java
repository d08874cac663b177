package dev.forge.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.forge.upload.UploadFixtures.JSON;
import static dev.forge.upload.UploadFixtures.assertError;
import static dev.forge.upload.UploadFixtures.b64;
import static dev.forge.upload.UploadFixtures.bearer;
import static dev.forge.upload.UploadFixtures.body;
import static dev.forge.upload.UploadFixtures.commitCount;
import static dev.forge.upload.UploadFixtures.commitOk;
import static dev.forge.upload.UploadFixtures.file;
import static dev.forge.upload.UploadFixtures.getAuthed;
import static dev.forge.testing.Hashes.gitBlobSha1;
import static dev.forge.upload.UploadFixtures.header;
import static dev.forge.upload.UploadFixtures.headSha;
import static dev.forge.upload.UploadFixtures.json;
import static dev.forge.upload.UploadFixtures.lfsFile;
import static dev.forge.upload.UploadFixtures.mainSha;
import static dev.forge.upload.UploadFixtures.ndjson;
import static dev.forge.upload.UploadFixtures.postJson;
import static dev.forge.upload.UploadFixtures.randomBytes;
import static dev.forge.upload.UploadFixtures.refTarget;
import static dev.forge.upload.UploadFixtures.refs;
import static dev.forge.upload.UploadFixtures.resolve;
import static dev.forge.upload.UploadFixtures.sendJson;
import static dev.forge.upload.UploadFixtures.storeLfs;
import static dev.forge.upload.UploadFixtures.text;
import static dev.forge.upload.UploadFixtures.tree;
import static dev.forge.upload.UploadFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Preupload decisions, branches, tags, super-squash, repository moves (with redirects), visibility
 * settings and private creation, all over raw HTTP.
 */
class PreuploadAndRefsTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String LFS_RULE = " filter=lfs diff=lfs merge=lfs -text\n";

    @TempDir
    static Path dir;

    static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    private static String newRepo(String prefix) {
        return tf.newModelRepo(prefix);
    }

    // ------------------------------------------------------------------------------------------ preupload

    private static Map<String, Object> spec(String path, long size, byte[] sample) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("size", size);
        m.put("sample", b64(sample));
        return m;
    }

    private static HttpResponse<byte[]> preuploadRaw(String id, Map<String, Object> request) throws Exception {
        return postJson(tf, "/api/models/" + id + "/preupload/main", JSON.writeValueAsString(request));
    }

    /** Preupload answers by path, after checking every requested path is answered, in order, with the required fields. */
    private static Map<String, JsonNode> preupload(String id, List<Map<String, Object>> files, String gitAttributes, String gitIgnore)
            throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("files", files);
        if (gitAttributes != null) req.put("gitAttributes", gitAttributes);
        if (gitIgnore != null) req.put("gitIgnore", gitIgnore);
        HttpResponse<byte[]> r = preuploadRaw(id, req);
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        JsonNode answer = json(r).path("files");
        assertThat(answer).hasSize(files.size());
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = answer.get(i);
            assertThat(f.path("path").asText()).isEqualTo(files.get(i).get("path"));
            assertThat(f.path("uploadMode").asText()).isIn("lfs", "regular");
            assertThat(f.path("shouldIgnore").isBoolean()).as("shouldIgnore in %s", f).isTrue();
            assertThat(f.has("oid")).as("oid in %s", f).isTrue();
            out.put(f.path("path").asText(), f);
        }
        return out;
    }

    private static String mode(Map<String, JsonNode> answer, String path) { return answer.get(path).path("uploadMode").asText(); }

    @Test
    void preuploadDecidesLfsOrRegularLikeTheHub() throws Exception {
        String id = newRepo("pre");
        byte[] text = utf8("just some text\n");
        byte[] binary = {'P', 'K', 3, 4, 0, 0, 1, 2, 0, 9};
        List<Map<String, Object>> files = List.of(
                spec("model.safetensors", 100, text),
                spec("nested/dir/weights.bin", 100, text),
                spec("big.txt", 10L * 1024 * 1024 + 1, text),
                spec("exactly-10MiB.txt", 10L * 1024 * 1024, text),
                spec("blob.dat", 10, binary),
                spec("latin1.txt", 7, new byte[] {'c', 'a', 'f', (byte) 0xe9, ' ', 'a', 'u'}),
                spec("cut-utf8.txt", 1000, java.util.Arrays.copyOf(utf8("caf\u00e9"), 4)),
                spec("notes.txt", text.length, text),
                spec("unicode-é.md", 20, utf8("café ünïcödé ✓")),
                spec("empty.safetensors", 0, new byte[0]),
                spec("empty.txt", 0, new byte[0]));
        Map<String, JsonNode> a = preupload(id, files, null, null);
        assertThat(mode(a, "model.safetensors")).as("*.safetensors rule").isEqualTo("lfs");
        assertThat(mode(a, "nested/dir/weights.bin")).as("*.bin rule").isEqualTo("lfs");
        assertThat(mode(a, "big.txt")).as("over 10 MiB").isEqualTo("lfs");
        assertThat(mode(a, "exactly-10MiB.txt")).as("exactly 10 MiB").isEqualTo("regular");
        assertThat(mode(a, "blob.dat")).as("NUL bytes").isEqualTo("lfs");
        assertThat(mode(a, "latin1.txt")).as("not UTF-8").isEqualTo("lfs");
        assertThat(mode(a, "cut-utf8.txt")).as("a sample ending in a cut UTF-8 sequence is still text").isEqualTo("regular");
        assertThat(mode(a, "notes.txt")).isEqualTo("regular");
        assertThat(mode(a, "unicode-é.md")).isEqualTo("regular");
        assertThat(mode(a, "empty.safetensors")).as("empty files are regular").isEqualTo("regular");
        assertThat(mode(a, "empty.txt")).isEqualTo("regular");
        a.values().forEach(f -> {
            assertThat(f.path("shouldIgnore").asBoolean()).isFalse();
            assertThat(f.path("oid").isNull()).as("new file %s has a null oid", f).isTrue();
        });
    }

    @Test
    void theRequestsGitattributesOverrideTheRepositorys() throws Exception {
        String id = newRepo("preattr");
        byte[] text = utf8("text\n");
        Map<String, JsonNode> a = preupload(id, List.of(spec("notes.txt", 5, text), spec("model.safetensors", 5, text),
                spec("data/table.csv", 5, text)), "*.txt" + LFS_RULE + "data/**" + LFS_RULE, null);
        assertThat(mode(a, "notes.txt")).isEqualTo("lfs");
        assertThat(mode(a, "data/table.csv")).isEqualTo("lfs");
        assertThat(mode(a, "model.safetensors")).as("the repository's rule no longer applies").isEqualTo("regular");

        // a .gitattributes committed to the repository is used when the request has none
        commitOk(tf, id, "main", ndjson(header("attrs"), file(".gitattributes", "*.csv" + LFS_RULE)));
        Map<String, JsonNode> b = preupload(id, List.of(spec("x.csv", 5, text), spec("y.safetensors", 5, text)), null, null);
        assertThat(mode(b, "x.csv")).isEqualTo("lfs");
        assertThat(mode(b, "y.safetensors")).isEqualTo("regular");
    }

    @Test
    void gitignoreInTheRepositoryOrTheRequestSetsShouldIgnore() throws Exception {
        String id = newRepo("preignore");
        commitOk(tf, id, "main", ndjson(header("ignore"), file(".gitignore", "*.log\nbuild/\n")));
        byte[] text = utf8("x\n");
        Map<String, JsonNode> a = preupload(id, List.of(spec("debug.log", 2, text), spec("logs/deep/run.log", 2, text),
                spec("build/out.o", 2, text), spec("nested/build/deep/x.o", 2, text), spec("src/main.py", 2, text),
                spec("builder.txt", 2, text)), null, null);
        assertThat(a.get("debug.log").path("shouldIgnore").asBoolean()).isTrue();
        assertThat(a.get("logs/deep/run.log").path("shouldIgnore").asBoolean()).isTrue();
        assertThat(a.get("build/out.o").path("shouldIgnore").asBoolean()).as("a file in an ignored folder").isTrue();
        assertThat(a.get("nested/build/deep/x.o").path("shouldIgnore").asBoolean()).as("a file in a nested ignored folder").isTrue();
        assertThat(a.get("builder.txt").path("shouldIgnore").asBoolean()).isFalse();
        assertThat(a.get("src/main.py").path("shouldIgnore").asBoolean()).isFalse();

        Map<String, JsonNode> b = preupload(id, List.of(spec("scratch.tmp", 2, text), spec("src/main.py", 2, text)), null, "*.tmp\n");
        assertThat(b.get("scratch.tmp").path("shouldIgnore").asBoolean()).isTrue();
        assertThat(b.get("src/main.py").path("shouldIgnore").asBoolean()).isFalse();
    }

    @Test
    void oidIsTheCurrentBlobShaOfARegularFileAndTheSha256OfAnLfsFile() throws Exception {
        String id = newRepo("preoid");
        byte[] notes = utf8("notes v1\n");
        byte[] weights = randomBytes(5, 3000);
        LfsOid oid = storeLfs(tf, id, weights);
        commitOk(tf, id, "main", ndjson(header("files"), file("notes.txt", notes), file("dir/a.txt", "a\n"),
                lfsFile("w.safetensors", oid.hex(), (long) weights.length)));
        Map<String, JsonNode> a = preupload(id, List.of(spec("notes.txt", notes.length, notes),
                spec("w.safetensors", weights.length, java.util.Arrays.copyOf(weights, 512)),
                spec("new.txt", 3, utf8("new")), spec("dir", 3, utf8("dir"))), null, null);
        assertThat(a.get("notes.txt").path("oid").asText()).isEqualTo(gitBlobSha1(notes));
        assertThat(a.get("w.safetensors").path("oid").asText()).isEqualTo(oid.hex());
        assertThat(a.get("new.txt").path("oid").isNull()).isTrue();
        assertThat(a.get("dir").path("oid").isNull()).as("a folder is not a file").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.txt", "/abs.txt", "dir\\file.txt", ".git/config", "a//b.txt", "nul\u0000.txt", ""})
    void preuploadOfABadPathIs400(String path) throws Exception {
        String id = newRepo("prebad");
        HttpResponse<byte[]> r = preuploadRaw(id, Map.of("files", List.of(spec("fine.txt", 1, utf8("x")), spec(path, 1, utf8("x")))));
        assertError(r, 400);
    }

    @Test
    void malformedPreuploadRequestsAre400() throws Exception {
        String id = newRepo("premal");
        assertError(postJson(tf, "/api/models/" + id + "/preupload/main", "{}"), 400);
        assertError(postJson(tf, "/api/models/" + id + "/preupload/main", "{\"files\":[{\"path\":\"a\"}]}"), 400);
        assertError(postJson(tf, "/api/models/" + id + "/preupload/main", "{\"files\":[{\"path\":\"a\",\"size\":-1}]}"), 400);
        assertError(postJson(tf, "/api/models/" + id + "/preupload/main", "{\"files\":[{\"path\":\"a\",\"size\":1,\"sample\":\"!\"}]}"), 400);
        assertError(postJson(tf, "/api/models/" + id + "/preupload/main", "not json"), 400);
        HttpResponse<byte[]> missing = postJson(tf, "/api/models/" + id + "/preupload/nope", "{\"files\":[]}");
        assertError(missing, 404);
        assertThat(missing.headers().firstValue("X-Error-Code")).hasValue("RevisionNotFound");
    }

    // ------------------------------------------------------------------------------------------ branches

    private static HttpResponse<byte[]> createBranch(String id, String branch, String json) throws Exception {
        return postJson(tf, "/api/models/" + id + "/branch/" + branch, json);
    }

    private static HttpResponse<byte[]> delete(String path) throws Exception {
        return sendJson(tf, "DELETE", path, null, bearer(tf));
    }

    @Test
    void branchesAreCreatedFromMainATagOrACommitAndRefuseDuplicatesUnlessOverwriting() throws Exception {
        String id = newRepo("branch");
        String c1 = commitOk(tf, id, "main", ndjson(header("one"), file("a.txt", "1\n")));
        assertThat(postJson(tf, "/api/models/" + id + "/tag/main", "{\"tag\":\"v0\"}").statusCode()).isEqualTo(200);
        String c2 = commitOk(tf, id, "main", ndjson(header("two"), file("b.txt", "2\n")));

        HttpResponse<byte[]> dev = createBranch(id, "dev", "{}");
        assertThat(dev.statusCode()).as(body(dev)).isEqualTo(200);
        assertThat(headSha(tf, id, "dev")).isEqualTo(c2);
        assertThat(refTarget(refs(tf, id), "branches", "dev")).isEqualTo(c2);

        assertThat(createBranch(id, "from-tag", "{\"startingPoint\":\"v0\"}").statusCode()).isEqualTo(200);
        assertThat(headSha(tf, id, "from-tag")).isEqualTo(c1);
        assertThat(createBranch(id, "from-sha", "{\"startingPoint\":\"" + c1 + "\"}").statusCode()).isEqualTo(200);
        assertThat(headSha(tf, id, "from-sha")).isEqualTo(c1);
        assertThat(createBranch(id, "feature%2Fnested", "{\"startingPoint\":\"main\"}").statusCode()).isEqualTo(200);
        assertThat(headSha(tf, id, "feature%2Fnested")).isEqualTo(c2);

        assertError(createBranch(id, "dev", "{\"startingPoint\":\"" + c1 + "\"}"), 409);
        assertThat(headSha(tf, id, "dev")).isEqualTo(c2);
        assertThat(createBranch(id, "dev", "{\"startingPoint\":\"" + c1 + "\",\"overwrite\":true}").statusCode()).isEqualTo(200);
        assertThat(headSha(tf, id, "dev")).isEqualTo(c1);

        assertError(createBranch(id, "bad", "{\"startingPoint\":\"no-such-rev\"}"), 404);
        assertError(createBranch(id, "bad..name", "{}"), 400);

        // a commit to the new branch lands there only
        String onDev = commitOk(tf, id, "dev", ndjson(header("dev work"), file("dev.txt", "d\n")));
        assertThat(headSha(tf, id, "dev")).isEqualTo(onDev);
        assertThat(mainSha(tf, id)).isEqualTo(c2);
    }

    @Test
    void anEmptyBranchHasOneRootCommitWithNoFiles() throws Exception {
        String id = newRepo("empty");
        commitOk(tf, id, "main", ndjson(header("one"), file("a.txt", "1\n")));
        HttpResponse<byte[]> r = createBranch(id, "empty", "{\"emptyBranch\":true}");
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        String sha = headSha(tf, id, "empty");
        assertThat(sha).isNotEqualTo(mainSha(tf, id));
        assertThat(tree(tf, id, "empty")).isEmpty();
        assertThat(commitCount(tf, id, "empty")).isEqualTo(1);
        // and it can be committed to
        commitOk(tf, id, "empty", ndjson(header("first"), file("only.txt", "only\n")));
        assertThat(tree(tf, id, "empty").keySet()).containsExactly("only.txt");
    }

    @Test
    void deletingABranchThenAgainIs404AndMainCannotBeDeleted() throws Exception {
        String id = newRepo("delbranch");
        assertThat(createBranch(id, "dev", "{}").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> r = delete("/api/models/" + id + "/branch/dev");
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(refTarget(refs(tf, id), "branches", "dev")).isNull();
        HttpResponse<byte[]> info = getAuthed(tf, "/api/models/" + id + "/revision/dev");
        assertError(info, 404);
        assertThat(info.headers().firstValue("X-Error-Code")).hasValue("RevisionNotFound");
        assertError(delete("/api/models/" + id + "/branch/dev"), 404);
        String head = mainSha(tf, id);
        assertError(delete("/api/models/" + id + "/branch/main"), 403);
        assertThat(mainSha(tf, id)).isEqualTo(head);
    }

    // ------------------------------------------------------------------------------------------ tags

    @Test
    void tagsAreCreatedListedRefusedTwiceAndDeleted() throws Exception {
        String id = newRepo("tag");
        String head = commitOk(tf, id, "main", ndjson(header("one"), file("a.txt", "1\n")));
        HttpResponse<byte[]> r = postJson(tf, "/api/models/" + id + "/tag/main", "{\"tag\":\"v1\"}");
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(refTarget(refs(tf, id), "tags", "v1")).isEqualTo(head);
        assertThat(headSha(tf, id, "v1")).isEqualTo(head);
        assertError(postJson(tf, "/api/models/" + id + "/tag/main", "{\"tag\":\"v1\"}"), 409);
        assertError(postJson(tf, "/api/models/" + id + "/tag/main", "{}"), 400);
        assertError(postJson(tf, "/api/models/" + id + "/tag/no-such-rev", "{\"tag\":\"v2\"}"), 404);
        // tagging a commit and a tag
        String next = commitOk(tf, id, "main", ndjson(header("two"), file("b.txt", "2\n")));
        assertThat(postJson(tf, "/api/models/" + id + "/tag/" + head, "{\"tag\":\"old\"}").statusCode()).isEqualTo(200);
        assertThat(refTarget(refs(tf, id), "tags", "old")).isEqualTo(head);
        assertThat(mainSha(tf, id)).isEqualTo(next);

        HttpResponse<byte[]> d = delete("/api/models/" + id + "/tag/v1");
        assertThat(d.statusCode()).as(body(d)).isEqualTo(200);
        assertThat(refTarget(refs(tf, id), "tags", "v1")).isNull();
        assertError(delete("/api/models/" + id + "/tag/v1"), 404);
    }

    // ------------------------------------------------------------------------------------------ super-squash

    private static TreeMap<String, String> treeWithoutLastCommit(String id, String rev) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        tree(tf, id, rev).forEach((p, e) -> {
            var copy = e.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("lastCommit");
            out.put(p, copy.toString());
        });
        return out;
    }

    @Test
    void superSquashLeavesOneCommitWithTheSameTree() throws Exception {
        String id = newRepo("squash");
        byte[] weights = randomBytes(6, 2500);
        LfsOid oid = storeLfs(tf, id, weights);
        commitOk(tf, id, "main", ndjson(header("one"), file("a.txt", "1\n"), file("dir/b.txt", "b\n")));
        commitOk(tf, id, "main", ndjson(header("two"), lfsFile("w.safetensors", oid.hex(), (long) weights.length)));
        String before = commitOk(tf, id, "main", ndjson(header("three"), file("a.txt", "1 changed\n")));
        TreeMap<String, String> treeBefore = treeWithoutLastCommit(id, "main");
        assertThat(commitCount(tf, id, "main")).isEqualTo(4);

        HttpResponse<byte[]> r = postJson(tf, "/api/models/" + id + "/super-squash/main", "{\"message\":\"Squashed!\"}");
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        String squashed = json(r).path("commitId").asText();
        assertThat(squashed).matches("[0-9a-f]{40}").isNotEqualTo(before);
        assertThat(mainSha(tf, id)).isEqualTo(squashed);
        assertThat(commitCount(tf, id, "main")).isEqualTo(1);
        assertThat(treeWithoutLastCommit(id, "main")).isEqualTo(treeBefore);
        JsonNode only = json(getAuthed(tf, "/api/models/" + id + "/commits/main")).get(0);
        assertThat(only.path("title").asText()).isEqualTo("Squashed!");
        assertThat(resolve(tf, id, "main", "w.safetensors")).isEqualTo(weights);

        // without a body: the default message
        commitOk(tf, id, "main", ndjson(header("four"), file("c.txt", "c\n")));
        HttpResponse<byte[]> again = sendJson(tf, "POST", "/api/models/" + id + "/super-squash/main", null, bearer(tf));
        assertThat(again.statusCode()).as(body(again)).isEqualTo(200);
        assertThat(commitCount(tf, id, "main")).isEqualTo(1);
        assertError(postJson(tf, "/api/models/" + id + "/super-squash/nope", "{}"), 404);
    }

    // ------------------------------------------------------------------------------------------ move

    @Test
    void aMovedRepositoryServesUnderItsNewNameAndTheOldNameRedirects() throws Exception {
        String from = newRepo("old");
        String to = "admin/renamed-" + SEQ.incrementAndGet();
        String head = commitOk(tf, from, "main", ndjson(header("one"), file("dir/file.txt", "content\n")));

        HttpResponse<byte[]> r = postJson(tf, "/api/repos/move",
                "{\"fromRepo\":\"" + from + "\",\"toRepo\":\"" + to + "\",\"type\":\"model\"}");
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(mainSha(tf, to)).isEqualTo(head);
        assertThat(text(resolve(tf, to, "main", "dir/file.txt"))).isEqualTo("content\n");

        HttpResponse<byte[]> api = getAuthed(tf, "/api/models/" + from);
        assertThat(api.statusCode()).isEqualTo(307);
        assertThat(api.headers().firstValue("Location")).hasValue("/api/models/" + to);

        HttpResponse<byte[]> rev = getAuthed(tf, "/api/models/" + from + "/revision/main");
        assertThat(rev.statusCode()).isEqualTo(307);
        assertThat(rev.headers().firstValue("Location")).hasValue("/api/models/" + to + "/revision/main");

        HttpResponse<byte[]> file = tf.get("/" + from + "/resolve/main/dir/file.txt");
        assertThat(file.statusCode()).isEqualTo(307);
        String location = file.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo("/" + to + "/resolve/main/dir/file.txt");
        HttpResponse<byte[]> followed = tf.send(HttpRequest.newBuilder(URI.create(tf.baseUrl).resolve(location)).GET());
        assertThat(followed.statusCode()).isEqualTo(200);
        assertThat(text(followed.body())).isEqualTo("content\n");

        // the new name takes writes; the old name is not a repository of its own
        commitOk(tf, to, "main", ndjson(header("after move"), file("new.txt", "n\n")));
        assertThat(tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(from))).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ visibility

    @Test
    void settingsSwitchVisibilityAndAnonymousCallersSee401RepoNotFound() throws Exception {
        String id = newRepo("vis");
        assertThat(tf.get("/api/models/" + id).statusCode()).isEqualTo(200);

        HttpResponse<byte[]> r = sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"private\":true}", bearer(tf));
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        HttpResponse<byte[]> anon = tf.get("/api/models/" + id);
        assertError(anon, 401);
        assertThat(anon.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        assertThat(tf.get("/" + id + "/resolve/main/.gitattributes").statusCode()).isEqualTo(401);
        HttpResponse<byte[]> admin = getAuthed(tf, "/api/models/" + id);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(json(admin).path("private").asBoolean()).isTrue();

        r = sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"visibility\":\"public\"}", bearer(tf));
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        HttpResponse<byte[]> again = tf.get("/api/models/" + id);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("private").asBoolean()).isFalse();

        r = sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"visibility\":\"private\"}", bearer(tf));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(tf.get("/api/models/" + id).statusCode()).isEqualTo(401);

        assertError(sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"visibility\":\"secret\"}", bearer(tf)), 400);
        assertError(sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"private\":\"yes\"}", bearer(tf)), 400);
        assertError(sendJson(tf, "PUT", "/api/models/" + id + "/settings", "{\"private\":false}", null), 401);
        assertThat(json(getAuthed(tf, "/api/models/" + id)).path("private").asBoolean()).isTrue();
    }

    @Test
    void reposCreateMakesPrivateRepositoriesWithEitherField() throws Exception {
        List<String> bodies = new ArrayList<>();
        String a = "priv-a-" + SEQ.incrementAndGet();
        String b = "priv-b-" + SEQ.incrementAndGet();
        String c = "pub-c-" + SEQ.incrementAndGet();
        bodies.add("{\"name\":\"" + a + "\",\"type\":\"model\",\"private\":true}");
        bodies.add("{\"name\":\"" + b + "\",\"organization\":\"admin\",\"type\":\"model\",\"visibility\":\"private\"}");
        bodies.add("{\"name\":\"" + c + "\",\"type\":\"model\",\"private\":null}");
        for (String body : bodies) {
            HttpResponse<byte[]> r = postJson(tf, "/api/repos/create", body);
            assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        }
        for (String name : List.of(a, b)) {
            HttpResponse<byte[]> info = getAuthed(tf, "/api/models/admin/" + name);
            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(json(info).path("private").asBoolean()).as(name).isTrue();
            assertThat(json(info).path("sha").asText()).matches("[0-9a-f]{40}");
            HttpResponse<byte[]> anon = tf.get("/api/models/admin/" + name);
            assertThat(anon.statusCode()).isEqualTo(401);
            assertThat(anon.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        }
        assertThat(json(tf.get("/api/models/admin/" + c)).path("private").asBoolean()).isFalse();
        HttpResponse<byte[]> dup = postJson(tf, "/api/repos/create", bodies.getFirst());
        assertThat(dup.statusCode()).isEqualTo(409);
        assertThat(json(dup).path("url").asText()).isEqualTo(tf.baseUrl + "/admin/" + a);
    }
}
