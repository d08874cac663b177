package dev.forge.http;

import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.forge.http.HttpSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.*;

/**
 * {@code GET|HEAD /{P}{id}/resolve/{rev}/{path}} and {@code /raw/…} as the Hub clients read them (protocol
 * reference §2.2, §1.2, §11): headers, ranges, revisions, path encodings and the error contract.
 */
class ResolveProtocolTest {
    @TempDir static Path dir;
    static TestForge tf;

    static final byte[] CONFIG = utf8("{\"architectures\":[\"Forge\"],\"hidden_size\":64}\n");
    static final byte[] RANGES_TXT = utf8("0123456789".repeat(10));
    static final byte[] RANGES_BIN = pattern(100, 3);
    static final byte[] WEIGHTS = pattern(5000, 1);
    static final byte[] CSV = utf8("a,b\n1,2\n");
    static final byte[] PARQUET = pattern(777, 9);
    static final byte[] SECRET = utf8("top secret\n");

    /** Every file of the model repository by path, for the body checks. */
    static final Map<String, byte[]> FILES = new HashMap<>();
    /** Commit ids by label: v1 (tag v1.0), v2 (main), feature (feature/x), pr (refs/pr/1). */
    static final Map<String, String> COMMITS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        Repo model = tf.createRepo(RepoType.MODEL, "admin/files");
        FILES.put("config.json", CONFIG);
        FILES.put("ranges.txt", RANGES_TXT);
        FILES.put("empty.txt", new byte[0]);
        FILES.put("with space/file name.txt", utf8("space"));
        FILES.put("hash#tag.txt", utf8("hash"));
        FILES.put("données/模型.txt", utf8("unicode ✓"));
        FILES.put("a/b/c/deep.txt", utf8("deep"));
        FILES.put("plus+sign.txt", utf8("plus"));
        FILES.put("100%.txt", utf8("percent"));
        FILES.put("question?.txt", utf8("question"));
        FILES.put("semi;colon=eq&amp.txt", utf8("punctuation"));
        var ops = new java.util.ArrayList<dev.forge.core.CommitOperation>();
        FILES.forEach((p, c) -> ops.add(file(p, c)));
        ops.add(file("rev.txt", "v1"));
        ops.add(lfs(tf, model, "model.safetensors", WEIGHTS));
        ops.add(lfs(tf, model, "ranges.bin", RANGES_BIN));
        ops.add(lfs(tf, model, "empty.bin", new byte[0]));
        String v1 = tf.forge.commits.commit(tf.admin, model, "main", java.util.Optional.empty(), ops, "first files");
        ref(tf, model, "refs/tags/v1.0", v1);
        String v2 = commit(tf, model, "main", "second", file("rev.txt", "v2"));
        ref(tf, model, "refs/heads/feature/x", v2);
        String feature = commit(tf, model, "feature/x", "on a branch with a slash", file("rev.txt", "feature"));
        ref(tf, model, "refs/heads/pr-source", v2);
        String pr = commit(tf, model, "pr-source", "pull request", file("rev.txt", "pr"));
        ref(tf, model, "refs/pr/1", pr);
        COMMITS.putAll(Map.of("v1", v1, "v2", v2, "feature", feature, "pr", pr));

        Repo data = tf.createRepo(RepoType.DATASET, "admin/data");
        commit(tf, data, "main", "data", file("data/train.csv", CSV), lfs(tf, data, "data/train.parquet", PARQUET));

        Repo secret = tf.createPrivateRepo(RepoType.MODEL, "admin/secret");
        commit(tf, secret, "main", "secret", file("secret.txt", SECRET));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    // ------------------------------------------------------------------------------------------ headers

    /** url, expected bytes, expected ETag (unquoted), LFS headers expected. */
    static Stream<Arguments> files() {
        String ptrWeights = gitBlobSha1(lfsPointer(WEIGHTS));
        return Stream.of(
                Arguments.of("regular file, resolve", "/admin/files/resolve/main/config.json", CONFIG, gitBlobSha1(CONFIG), false),
                Arguments.of("regular file, raw", "/admin/files/raw/main/config.json", CONFIG, gitBlobSha1(CONFIG), false),
                Arguments.of("LFS file, resolve", "/admin/files/resolve/main/model.safetensors", WEIGHTS, sha256(WEIGHTS), true),
                Arguments.of("LFS file, raw gives the pointer", "/admin/files/raw/main/model.safetensors", lfsPointer(WEIGHTS), ptrWeights, false),
                Arguments.of("dataset regular file", "/datasets/admin/data/resolve/main/data/train.csv", CSV, gitBlobSha1(CSV), false),
                Arguments.of("dataset LFS file", "/datasets/admin/data/resolve/main/data/train.parquet", PARQUET, sha256(PARQUET), true),
                Arguments.of("dataset LFS file, raw", "/datasets/admin/data/raw/main/data/train.parquet", lfsPointer(PARQUET),
                        gitBlobSha1(lfsPointer(PARQUET)), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void getServesTheFileWithTheHeadersClientsNeed(String what, String url, byte[] content, String etag, boolean lfs) throws Exception {
        HttpResponse<byte[]> r = tf.get(url);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(content);
        assertFileHeaders(r, url, content.length, etag, lfs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void headAnswersTheSameHeadersWithoutABody(String what, String url, byte[] content, String etag, boolean lfs) throws Exception {
        HttpResponse<byte[]> r = tf.head(url);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertFileHeaders(r, url, content.length, etag, lfs);
    }

    private static void assertFileHeaders(HttpResponse<byte[]> r, String url, long size, String etag, boolean lfs) {
        String expectedCommit = url.startsWith("/datasets/") ? null : COMMITS.get("v2");
        assertThat(header(r, "X-Repo-Commit")).hasValueSatisfying(c -> {
            assertThat(c).matches(SHA1);
            if (expectedCommit != null) assertThat(c).isEqualTo(expectedCommit);
        });
        assertThat(header(r, "ETag")).hasValue("\"" + etag + "\"");
        assertThat(header(r, "Content-Length")).hasValue(Long.toString(size));
        assertThat(header(r, "Accept-Ranges")).hasValue("bytes");
        assertThat(header(r, "Content-Range")).isEmpty();
        if (lfs) {
            assertThat(header(r, "X-Linked-Etag")).hasValue("\"" + etag + "\"");
            assertThat(header(r, "X-Linked-Size")).hasValue(Long.toString(size));
        } else {
            assertThat(header(r, "X-Linked-Etag")).isEmpty();
            assertThat(header(r, "X-Linked-Size")).isEmpty();
        }
        assertThat(header(r, "Content-Encoding")).isEmpty();
    }

    @Test
    void theEtagOfAFileIsItsOidInTheTreeListing() throws Exception {
        var tree = json(tf.get("/api/models/admin/files/tree/main?recursive=true"));
        for (var e : tree) {
            if (!e.path("type").asText().equals("file")) continue;
            String path = e.path("path").asText();
            String expected = e.has("lfs") ? e.path("lfs").path("oid").asText() : e.path("oid").asText();
            assertThat(header(tf.head("/admin/files/resolve/main/" + encPath(path)), "ETag"))
                    .as(path).hasValue("\"" + expected + "\"");
        }
    }

    // ------------------------------------------------------------------------------------------ ranges

    static Stream<Arguments> rangeCases() {
        // file (100 bytes), Range header, status, Content-Range, first byte served, last byte served (-1 for whole body checks)
        Object[][] table = {
                // single satisfiable ranges
                {"bytes=0-0", 206, "bytes 0-0/100", 0, 0},
                {"bytes=10-19", 206, "bytes 10-19/100", 10, 19},
                {"bytes=0-99", 206, "bytes 0-99/100", 0, 99},
                {"bytes=90-", 206, "bytes 90-99/100", 90, 99},
                {"bytes=99-", 206, "bytes 99-99/100", 99, 99},
                {"bytes=-10", 206, "bytes 90-99/100", 90, 99},
                {"bytes=-1", 206, "bytes 99-99/100", 99, 99},
                {"bytes=-500", 206, "bytes 0-99/100", 0, 99},
                {"bytes=95-200", 206, "bytes 95-99/100", 95, 99},
                {"bytes=95-99999999999999", 206, "bytes 95-99/100", 95, 99},
                {"BYTES=1-2", 206, "bytes 1-2/100", 1, 2},
                // unsatisfiable
                {"bytes=100-", 416, "bytes */100", -1, -1},
                {"bytes=100-200", 416, "bytes */100", -1, -1},
                {"bytes=-0", 416, "bytes */100", -1, -1},
                // malformed or not a single byte range: the whole file, 200
                {"bytes=abc", 200, null, 0, 99},
                {"bytes=5-2", 200, null, 0, 99},
                {"bytes=", 200, null, 0, 99},
                {"bytes=-", 200, null, 0, 99},
                {"bytes=1-2-3", 200, null, 0, 99},
                {"bytes=0x10-0x20", 200, null, 0, 99},
                {"items=0-5", 200, null, 0, 99},
                {"0-5", 200, null, 0, 99},
                {"bytes=0-1,5-6", 200, null, 0, 99},
                {"bytes=0-0,-1", 200, null, 0, 99},
        };
        return Stream.of("ranges.txt", "ranges.bin").flatMap(file ->
                Arrays.stream(table).map(row -> Arguments.of(file, row[0], row[1], row[2], row[3], row[4])));
    }

    @ParameterizedTest(name = "{0} Range: {1} -> {2} {3}")
    @MethodSource("rangeCases")
    void rangesFollowRfc9110(String file, String range, int status, String contentRange, int first, int last) throws Exception {
        byte[] content = file.equals("ranges.txt") ? RANGES_TXT : RANGES_BIN;
        HttpResponse<byte[]> r = tf.get("/admin/files/resolve/main/" + file, "Range", range);

        assertThat(r.statusCode()).as("status").isEqualTo(status);
        if (contentRange == null) assertThat(header(r, "Content-Range")).isEmpty();
        else assertThat(header(r, "Content-Range")).hasValue(contentRange);
        if (status == 416) {
            assertThat(header(r, "X-Error-Code")).isEmpty();
            assertThat(json(r).path("error").asText()).isNotBlank();
            return;
        }
        byte[] expected = Arrays.copyOfRange(content, first, last + 1);
        assertThat(header(r, "Content-Length")).hasValue(Integer.toString(expected.length));
        assertThat(r.body()).isEqualTo(expected);
        assertThat(header(r, "ETag")).isPresent();
        assertThat(header(r, "X-Repo-Commit")).isPresent();
        assertThat(header(r, "Accept-Ranges")).hasValue("bytes");
    }

    @Test
    void headWithARangeAnswersThePartialHeadersWithoutABody() throws Exception {
        HttpResponse<byte[]> r = tf.head("/admin/files/resolve/main/model.safetensors", "Range", "bytes=0-0");

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "Content-Range")).hasValue("bytes 0-0/" + WEIGHTS.length);
        assertThat(header(r, "Content-Length")).hasValue("1");
        assertThat(header(r, "X-Linked-Size")).hasValue(Integer.toString(WEIGHTS.length));
    }

    @Test
    void jsSizesAFileWithRangeZeroZero() throws Exception {
        // @huggingface/hub fileDownloadInfo: GET with Range: bytes=0-0, size from Content-Range after the slash
        HttpResponse<byte[]> r = tf.get("/admin/files/resolve/" + enc("main") + "/model.safetensors", "Range", "bytes=0-0");

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).containsExactly(WEIGHTS[0]);
        assertThat(header(r, "Content-Range").orElseThrow()).endsWith("/" + WEIGHTS.length);
        assertThat(header(r, "X-Linked-Etag")).hasValue("\"" + sha256(WEIGHTS) + "\"");
    }

    @Test
    void resumingALargeLfsFileFromAnOffsetGivesTheRest() throws Exception {
        HttpResponse<byte[]> r = tf.get("/admin/files/resolve/main/model.safetensors", "Range", "bytes=4096-");

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(header(r, "Content-Range")).hasValue("bytes 4096-4999/5000");
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(WEIGHTS, 4096, 5000));
    }

    // ------------------------------------------------------------------------------------------ zero-byte files

    @ParameterizedTest
    @ValueSource(strings = {"empty.txt", "empty.bin"})
    void zeroByteFilesAreServedEmpty(String file) throws Exception {
        HttpResponse<byte[]> get = tf.get("/admin/files/resolve/main/" + file);
        HttpResponse<byte[]> head = tf.head("/admin/files/resolve/main/" + file);

        for (HttpResponse<byte[]> r : java.util.List.of(get, head)) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "Content-Length")).hasValue("0");
            assertThat(header(r, "X-Repo-Commit")).isPresent();
            assertThat(header(r, "ETag")).hasValueSatisfying(e -> assertThat(e).matches("\"[0-9a-f]{40}([0-9a-f]{24})?\""));
        }
        if (file.endsWith(".bin")) {
            assertThat(header(get, "ETag")).hasValue("\"" + sha256(new byte[0]) + "\"");
            assertThat(header(get, "X-Linked-Size")).hasValue("0");
        } else {
            assertThat(header(get, "ETag")).hasValue("\"" + gitBlobSha1(new byte[0]) + "\"");
        }
    }

    /**
     * No range of an empty file is satisfiable. Forge ignores the Range header then (200, as RFC 9110
     * allows) and still names the size in {@code Content-Range}, because the JS client probes every file
     * with {@code bytes=0-0} and reads the size from there; a 416 would make it fail on empty files.
     */
    @ParameterizedTest
    @CsvSource({"empty.txt, bytes=0-0", "empty.txt, bytes=0-", "empty.txt, bytes=-1", "empty.bin, bytes=0-0", "empty.bin, bytes=5-9"})
    void aRangeOfAZeroByteFileIsAnsweredWholeWithItsSize(String file, String range) throws Exception {
        HttpResponse<byte[]> r = tf.get("/admin/files/resolve/main/" + file, "Range", range);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "Content-Length")).hasValue("0");
        assertThat(header(r, "Content-Range")).hasValue("bytes */0");
        assertThat(header(r, "X-Repo-Commit")).isPresent();
    }

    // ------------------------------------------------------------------------------------------ revisions

    @ParameterizedTest(name = "rev {0} -> {1}")
    @CsvSource({
            "main,                        v2",
            "HEAD,                        v2",
            "refs%2Fheads%2Fmain,         v2",
            "v1.0,                        v1",
            "refs%2Ftags%2Fv1.0,          v1",
            "<sha:v1>,                    v1",
            "<short:v1>,                  v1",
            "<sha:pr>,                    pr",
            "refs%2Fpr%2F1,               pr",
            "refs%2fpr%2f1,               pr",
            "feature%2Fx,                 feature",
            "refs%2Fheads%2Ffeature%2Fx,  feature",
    })
    void revisionsResolveToTheirCommit(String rev, String label) throws Exception {
        String commit = COMMITS.get(label);
        String url = "/admin/files/resolve/" + revision(rev) + "/rev.txt";

        HttpResponse<byte[]> get = tf.get(url);
        HttpResponse<byte[]> head = tf.head(url);

        assertThat(get.statusCode()).as(url).isEqualTo(200);
        assertThat(text(get)).isEqualTo(label);
        assertThat(header(get, "X-Repo-Commit")).hasValue(commit);
        assertThat(header(get, "ETag")).hasValue("\"" + gitBlobSha1(utf8(label)) + "\"");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(header(head, "X-Repo-Commit")).hasValue(commit);
        // raw answers the same commit
        assertThat(header(tf.head("/admin/files/raw/" + revision(rev) + "/rev.txt"), "X-Repo-Commit")).hasValue(commit);
    }

    private static String revision(String token) {
        if (token.startsWith("<sha:")) return COMMITS.get(token.substring(5, token.length() - 1));
        if (token.startsWith("<short:")) return COMMITS.get(token.substring(7, token.length() - 1)).substring(0, 7);
        return token;
    }

    // ------------------------------------------------------------------------------------------ paths

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "with space/file name.txt", "hash#tag.txt", "données/模型.txt", "a/b/c/deep.txt", "plus+sign.txt", "100%.txt",
            "question?.txt", "semi;colon=eq&amp.txt", "config.json"})
    void pathsArePercentDecodedOnceAsUtf8(String path) throws Exception {
        String url = "/admin/files/resolve/main/" + encPath(path);

        HttpResponse<byte[]> r = tf.get(url);

        assertThat(r.statusCode()).as(url).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FILES.get(path));
        assertThat(header(r, "ETag")).hasValue("\"" + gitBlobSha1(FILES.get(path)) + "\"");
        String name = path.substring(path.lastIndexOf('/') + 1);
        assertThat(header(r, "Content-Disposition")).hasValueSatisfying(d -> assertThat(d)
                .contains("filename*=UTF-8''" + enc(name).replace("~", "%7E")));
    }

    @Test
    void aDoubleEncodedPathIsNotDecodedTwice() throws Exception {
        // "100%25.txt" encoded again would be "100%2525.txt": it names the file "100%25.txt", which does not exist
        HttpResponse<byte[]> r = tf.get("/admin/files/resolve/main/100%2525.txt");

        assertHubError(r, 404, "EntryNotFound");
    }

    // ------------------------------------------------------------------------------------------ errors

    /**
     * Who asks matters for missing repositories: an anonymous caller gets 401 RepoNotFound for a missing
     * repository exactly as for a private one (§2.2: never reveal existence), a signed-in caller 404.
     */
    @ParameterizedTest(name = "{0} {1} as {2} -> {3} {4}")
    @CsvSource({
            "GET,  /admin/nope/resolve/main/config.json,                 admin, 404, RepoNotFound,     false",
            "HEAD, /admin/nope/resolve/main/config.json,                 admin, 404, RepoNotFound,     false",
            "GET,  /nobody/files/resolve/main/config.json,               admin, 404, RepoNotFound,     false",
            "GET,  /datasets/admin/files/resolve/main/config.json,       admin, 404, RepoNotFound,     false",
            "GET,  /admin/data/resolve/main/data/train.csv,              admin, 404, RepoNotFound,     false",
            "GET,  /admin/nope/resolve/main/config.json,                 anon,  401, RepoNotFound,     false",
            "HEAD, /admin/nope/resolve/main/config.json,                 anon,  401, RepoNotFound,     false",
            "GET,  /datasets/admin/files/resolve/main/config.json,       anon,  401, RepoNotFound,     false",
            "GET,  /admin/files/resolve/nope/config.json,                anon,  404, RevisionNotFound, false",
            "HEAD, /admin/files/resolve/nope/config.json,                anon,  404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/nope/config.json,                admin, 404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/0000000000000000000000000000000000000000/config.json, anon, 404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/deadbee/config.json,             anon,  404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/refs%2Fpr%2F99/config.json,      anon,  404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/refs%252Fpr%252F1/config.json,   anon,  404, RevisionNotFound, false",
            "GET,  /admin/files/resolve/main/missing.txt,                anon,  404, EntryNotFound,    true",
            "HEAD, /admin/files/resolve/main/missing.txt,                anon,  404, EntryNotFound,    true",
            "GET,  /admin/files/raw/main/missing.txt,                    anon,  404, EntryNotFound,    true",
            "GET,  /admin/files/resolve/main/a/b,                        anon,  404, EntryNotFound,    true",
            "GET,  /admin/files/resolve/v1.0/missing.txt,                anon,  404, EntryNotFound,    true",
            "GET,  /datasets/admin/data/resolve/main/missing.csv,        anon,  404, EntryNotFound,    true",
            "GET,  /admin/secret/resolve/main/secret.txt,                anon,  401, RepoNotFound,     false",
            "HEAD, /admin/secret/resolve/main/secret.txt,                anon,  401, RepoNotFound,     false",
            "GET,  /admin/secret/resolve/main/missing.txt,               anon,  401, RepoNotFound,     false",
            "GET,  /admin/secret/raw/main/secret.txt,                    anon,  401, RepoNotFound,     false",
            "GET,  /admin/secret/resolve/main/missing.txt,               admin, 404, EntryNotFound,    true",
    })
    void errorsCarryTheHubErrorCode(String method, String url, String who, int status, String code, boolean withCommit) throws Exception {
        String[] auth = who.equals("admin") ? new String[] {"Authorization", auth(tf)} : new String[0];
        HttpResponse<byte[]> r = method.equals("HEAD") ? tf.head(url, auth) : tf.get(url, auth);

        assertThat(r.statusCode()).as(url).isEqualTo(status);
        assertThat(header(r, "X-Error-Code")).hasValue(code);
        assertThat(header(r, "X-Error-Message")).hasValueSatisfying(m -> assertThat(m).isNotBlank());
        assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(header(r, "ETag")).isEmpty();
        if (method.equals("HEAD")) assertThat(r.body()).isEmpty();
        else assertHubError(r, status, code);
        if (withCommit) {
            String expected = url.contains("/v1.0/") ? COMMITS.get("v1") : null;
            assertThat(header(r, "X-Repo-Commit")).hasValueSatisfying(c -> {
                assertThat(c).matches(SHA1);
                if (expected != null) assertThat(c).isEqualTo(expected);
            });
        } else {
            assertThat(header(r, "X-Repo-Commit")).isEmpty();
        }
        assertThat(text(r)).doesNotContain("top secret");
    }

    @Test
    void anonymouslyAPrivateRepoIsIndistinguishableFromAMissingOne() throws Exception {
        HttpResponse<byte[]> secret = tf.get("/admin/secret/resolve/main/secret.txt");
        HttpResponse<byte[]> missing = tf.get("/admin/no-such-repo/resolve/main/secret.txt");

        assertThat(secret.statusCode()).isEqualTo(missing.statusCode()).isEqualTo(401);
        assertThat(header(secret, "X-Error-Code")).isEqualTo(header(missing, "X-Error-Code")).hasValue("RepoNotFound");
        assertThat(header(secret, "X-Error-Message")).isEqualTo(header(missing, "X-Error-Message"));
        assertThat(secret.body()).isEqualTo(missing.body());
        // Py only maps a 401 to RepositoryNotFoundError when the message is not the bad-credentials one
        assertThat(header(secret, "X-Error-Message")).isNotEqualTo(Optional.of("Invalid credentials in Authorization header"));
    }

    @Test
    void entryNotFoundNamesTheCommitOfTheRevision() throws Exception {
        HttpResponse<byte[]> r = tf.head("/admin/files/resolve/refs%2Fpr%2F1/missing.txt");

        assertThat(header(r, "X-Repo-Commit")).hasValue(COMMITS.get("pr"));
    }

    @Test
    void aPrivateRepoIsServedToItsOwner() throws Exception {
        HttpResponse<byte[]> r = tf.get("/admin/secret/resolve/main/secret.txt", "Authorization", auth(tf));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SECRET);
    }

    @Test
    void aPrivateRepoLooksMissingToAnotherUser() throws Exception {
        var bob = tf.forge.auth.createUser("bob", "Bob", null, false);
        String token = tf.forge.auth.createToken(bob, "bob", dev.forge.core.Token.Role.READ).secret();

        HttpResponse<byte[]> r = tf.get("/admin/secret/resolve/main/secret.txt", "Authorization", "Bearer " + token);

        assertHubError(r, 404, "RepoNotFound");
        assertThat(r.body()).isNotEqualTo(SECRET);
    }

    // ------------------------------------------------------------------------------------------ conditional requests

    @ParameterizedTest(name = "{0} If-None-Match: {1}")
    @CsvSource(delimiter = '|', value = {
            "config.json       | \"<etag>\"        | 304",
            "config.json       | W/\"<etag>\"      | 304",
            "config.json       | *                 | 304",
            "config.json       | \"0000\"          | 200",
            "model.safetensors | \"<etag>\"        | 304",
            "model.safetensors | \"<other>\"       | 200",
    })
    void ifNoneMatchWithTheEtagAnswers304(String file, String ifNoneMatch, int status) throws Exception {
        String url = "/admin/files/resolve/main/" + file;
        String etag = header(tf.head(url), "ETag").orElseThrow();
        String bare = etag.substring(1, etag.length() - 1);
        String value = ifNoneMatch.replace("\"<etag>\"", etag).replace("<etag>", bare).replace("<other>", gitBlobSha1(CONFIG));

        HttpResponse<byte[]> r = tf.get(url, "If-None-Match", value);

        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(header(r, "ETag")).hasValue(etag);
        assertThat(header(r, "X-Repo-Commit")).hasValue(COMMITS.get("v2"));
        if (status == 304) assertThat(r.body()).isEmpty();
        else assertThat(r.body()).hasSize(Integer.parseInt(header(r, "Content-Length").orElseThrow()));
    }

    @Test
    void headWithIfNoneMatchAnswers304() throws Exception {
        String url = "/admin/files/resolve/main/config.json";

        HttpResponse<byte[]> r = tf.head(url, "If-None-Match", "\"" + gitBlobSha1(CONFIG) + "\"");

        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void contentTypesAreSensibleAndNeverCompressed() throws Exception {
        HttpResponse<byte[]> json = tf.get("/admin/files/resolve/main/config.json", "Accept-Encoding", "gzip");
        HttpResponse<byte[]> bin = tf.get("/admin/files/resolve/main/model.safetensors", "Accept-Encoding", "gzip");

        assertThat(header(json, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(header(json, "Content-Encoding")).isEmpty();
        assertThat(json.body()).isEqualTo(CONFIG);
        assertThat(header(bin, "Content-Type")).hasValue("application/octet-stream");
        assertThat(new String(bin.body(), StandardCharsets.ISO_8859_1)).isEqualTo(new String(WEIGHTS, StandardCharsets.ISO_8859_1));
    }
}
