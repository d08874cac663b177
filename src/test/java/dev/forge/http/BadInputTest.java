package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static dev.forge.http.HttpSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.*;

/**
 * Hostile and broken input: malformed repository ids, path and revision traversal, bad percent-encoding,
 * garbled HTTP, bad credentials, oversized bodies, unknown routes and methods. Every one gets a clear 4xx,
 * never content from outside the repository, and the repository is unchanged afterwards.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {
    @TempDir static Path dir;
    static TestForge tf;
    static Repo repo;

    static final String CONFIG = "{\"marker\":\"CONFIG-CONTENT\"}";
    static final String SENTINEL = "OUTSIDE-SENTINEL-7f3a";
    /** Text that must never appear in a response: files outside the repository, git internals, the database. */
    static final List<String> LEAKS = List.of("root:", "[core]", "repositoryformatversion", "ref: refs/heads", SENTINEL, "SQLite format",
            "CONFIG-CONTENT", "inner-content");

    static String shaBefore;
    static String refsBefore;
    static String historyBefore;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        Files.writeString(dir.resolve("outside.txt"), SENTINEL);
        Files.writeString(dir.resolve("git").resolve("outside.txt"), SENTINEL);
        repo = tf.createRepo(RepoType.MODEL, "admin/bad");
        commit(tf, repo, "main", "content", file("config.json", CONFIG), file("sub/inner.txt", "inner-content"));
        shaBefore = json(tf.get("/api/models/admin/bad")).path("sha").asText();
        refsBefore = text(tf.get("/api/models/admin/bad/refs?include_prs=1"));
        historyBefore = text(tf.get("/api/models/admin/bad/commits/main"));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static void assertNoLeak(String body) {
        for (String leak : LEAKS) assertThat(body).as("response body").doesNotContain(leak);
    }

    static void assertForgeError(RawResponse r, int... statuses) throws Exception {
        assertThat(r.status()).as("%s: %s", r.statusLine(), r.bodyText()).isIn(box(statuses));
        assertThat(r.header("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("error").asText()).isNotBlank();
        assertThat(r.header("x-error-message")).isPresent();
        assertThat(r.header("etag")).isEmpty();
        assertNoLeak(r.bodyText());
    }

    private static Object[] box(int... statuses) {
        Object[] out = new Object[statuses.length];
        for (int i = 0; i < statuses.length; i++) out[i] = statuses[i];
        return out;
    }

    // ============================================================================================ ids

    static final String LONG = "n".repeat(97);

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "/api/models/single,                          404,",
            "/api/models/a--b/x,                          400,",
            "/api/models/admin/-x,                        400,",
            "/api/models/-x/name,                         400,",
            "/api/models/admin/x-,                        400,",
            "/api/models/admin/.x,                        400,",
            "/api/models/admin/x..y,                      400,",
            "/api/models/admin/x.git.git,                 400,",
            "/api/models/admin/nothere.git,               400,",  // .git is a git/LFS URL suffix only, not part of API ids
            "/api/models/admin/<long>,                    400,",
            "/api/models/<long>/x,                        400,",
            "/api/models/admin/x%20y,                     400,",
            "/api/models/admin/%C3%BC,                    400,",
            "/api/models/api/x,                           400,",
            "/api/models/datasets/x,                      400,",
            "/api/models/models/x,                        400,",
            "/api/datasets/spaces/x,                      400,",
            "/api/models/admin/a--b/tree/main,            400,",
            "/api/models/admin/a--b/revision/main,        400,",
            "/api/models/admin/a--b/refs,                 400,",
            "/api/spaces/admin/x,                         404,",
            "/a--b/x/resolve/main/f,                      400,",
            "/admin/-x/resolve/main/f,                    400,",
            "/admin/<long>/resolve/main/f,                400,",
            "/datasets/api/x/resolve/main/f,              400,",
            "/datasets/admin/x..y/resolve/main/f,         400,",
            "/spaces/admin/x/resolve/main/f,              404,",
    })
    void malformedRepositoryIdsAreClear4xx(String url, int status, String code) throws Exception {
        HttpResponse<byte[]> r = tf.get(url.replace("<long>", LONG), "Authorization", auth(tf));

        JsonNode body = assertHubError(r, status, code);
        assertThat(header(r, "X-Repo-Commit")).isEmpty();
        if (status == 400) assertThat(body.path("error").asText()).containsAnyOf("Invalid", "reserved");
    }

    // ============================================================================================ traversal

    /**
     * Targets sent verbatim on a socket. {@code forge} says whether the request reaches Forge (JSON error)
     * or is refused by Jetty's URI parser first (a path that climbs above the root, NUL, broken escapes).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // paths inside the repository
            "/admin/bad/resolve/main/..,                                           true",
            "/admin/bad/resolve/main/../config.json,                               true",
            "/admin/bad/resolve/main/../../../../etc/passwd,                       true",
            "/admin/bad/resolve/main/../../../../../../../../etc/passwd,           false",
            "/admin/bad/resolve/main/%2e%2e/%2e%2e/etc/passwd,                     true",
            "/admin/bad/resolve/main/%2E%2E%2Fconfig.json,                         true",
            "/admin/bad/resolve/main/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2foutside.txt, true",
            "/admin/bad/resolve/main/sub/../config.json,                           true",
            "/admin/bad/resolve/main/sub/%2e%2e/config.json,                       true",
            "/admin/bad/resolve/main/./config.json,                                true",
            "/admin/bad/resolve/main/sub/./inner.txt,                              true",
            "/admin/bad/resolve/main/%2Fetc%2Fpasswd,                              true",
            "/admin/bad/resolve/main//etc/passwd,                                  true",
            "/admin/bad/resolve/main/sub//inner.txt,                               true",
            "/admin/bad/resolve/main/config.json%00,                               false",
            "/admin/bad/resolve/main/config.json%00.txt,                           false",
            "/admin/bad/resolve/main/..%5C..%5Cetc%5Cpasswd,                       true",
            "/admin/bad/resolve/main/sub%5Cinner.txt,                              true",
            "/admin/bad/resolve/main/.git/config,                                  true",
            "/admin/bad/resolve/main/.GIT/config,                                  true",
            "/admin/bad/resolve/main/.git%2Fconfig,                                true",
            "/admin/bad/resolve/main/.git/HEAD,                                    true",
            "/admin/bad/resolve/main/sub/.git/HEAD,                                true",
            "/admin/bad/resolve/main/%c0%ae%c0%ae/config.json,                     true",
            "/admin/bad/resolve/main/%0a/config.json,                              true",
            "/admin/bad/raw/main/../../config,                                     true",
            "/admin/bad/raw/main/.git/config,                                      true",
            "/admin/bad/raw/main/%2e%2e%2f%2e%2e%2fconfig,                         true",
            // revisions: a ref name must never climb out of refs/
            "/admin/bad/resolve/..%2F..%2Fconfig/config.json,                      true",
            "/admin/bad/resolve/..%2F..%2FHEAD/config.json,                        true",
            "/admin/bad/resolve/..%2F..%2F..%2Foutside.txt/config.json,            true",
            "/admin/bad/resolve/refs%2Fheads%2F..%2F..%2Fconfig/config.json,       true",
            "/admin/bad/resolve/refs%2Ftags%2F..%2F..%2FHEAD/config.json,          true",
            "/admin/bad/resolve/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd/config.json, true",
            "/admin/bad/resolve/main%00/config.json,                               false",
            "/admin/bad/resolve/main%0a/config.json,                               true",
            "/api/models/admin/bad/revision/..%2F..%2Fconfig,                      true",
            "/api/models/admin/bad/revision/..%2F..%2FHEAD,                        true",
            "/api/models/admin/bad/tree/..%2F..%2FHEAD,                            true",
            "/api/models/admin/bad/tree/refs/heads/../../config/x,                 true",
            "/api/models/admin/bad/tree/main/..%2F..,                              true",
            "/api/models/admin/bad/tree/main/sub/../..,                            true",
            "/api/models/admin/bad/tree/main/.git,                                 true",
            "/api/models/admin/bad/commits/..%2F..%2Fconfig,                       true",
            "/api/models/admin/bad/commits/refs/heads/../../HEAD,                  true",
            "/api/models/admin/bad/commits/refs/heads/../../../../../../../../etc/passwd, false",
    })
    void traversalIsRefusedAndNothingOutsideTheRepositoryIsServed(String target, boolean reachesForge) throws Exception {
        RawResponse r = rawGet(tf, target);

        assertThat(r.status()).as("%s -> %s %s", target, r.statusLine(), r.bodyText()).isIn(400, 404);
        assertNoLeak(r.bodyText());
        assertThat(r.header("etag")).isEmpty();
        if (reachesForge) assertForgeError(r, 400, 404);
        if (r.status() == 404) assertThat(r.header("x-error-code")).hasValueSatisfying(c -> assertThat(c).isIn("RevisionNotFound", "EntryNotFound"));
    }

    @Test
    void pathsInfoSilentlyDropsPathsThatCannotExist() throws Exception {
        HttpResponse<byte[]> r = tf.send(tf.request("/api/models/admin/bad/paths-info/main").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"paths\":[\"../../etc/passwd\",\"/etc/passwd\",\".git/config\",\"sub/../config.json\",\"a\\u0000b\",\"sub\\\\inner.txt\",\"config.json\"]}")));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(texts(json(r))).containsExactly("config.json");
        assertThat(text(r)).doesNotContain("CONFIG-CONTENT").doesNotContain("root:");
    }

    private static List<String> texts(JsonNode entries) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : entries) out.add(e.path("path").asText());
        return out;
    }

    // ============================================================================================ percent-encoding

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/admin/bad/resolve/main/%zz,                     false",
            "/admin/bad/resolve/main/%,                       false",
            "/admin/bad/resolve/main/%4,                      false",
            "/admin/bad/resolve/main/%ff,                     true",
            "/admin/bad/resolve/main/%c3%28,                  true",
            "/admin/bad/resolve/main/%e2%82,                  true",
            "/admin/bad/resolve/main/%ed%a0%80,               true",
            "/admin/bad/resolve/main/%f8%88%80%80%80,         true",
            "/admin/bad/resolve/%ff/config.json,              true",
            "/api/models/admin%ff/bad,                        true",
            "/api/models/admin/bad/tree/main/%ff,             true",
            "/api/models/admin/bad?expand=%zz,                true",
            "/api/models/admin/bad?expand=%ff,                true",
            "/api/models/admin/bad?expand=%,                  true",
            "/admin/bad/resolve/main/config.json?x=%zz,       true",
    })
    void invalidPercentEncodingIs400(String target, boolean reachesForge) throws Exception {
        RawResponse r = rawGet(tf, target);

        assertThat(r.status()).as("%s -> %s %s", target, r.statusLine(), r.bodyText()).isEqualTo(400);
        assertNoLeak(r.bodyText());
        if (reachesForge) assertForgeError(r, 400);
    }

    // ============================================================================================ garbled HTTP

    static Stream<Arguments> garbledRequests() {
        StringBuilder manyHeaders = new StringBuilder("GET /api/models/admin/bad HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 3000; i++) manyHeaders.append("X-H-").append(i).append(": v\r\n");
        return Stream.of(
                Arguments.of("a 64 KiB header", "GET /api/models/admin/bad HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n",
                        new int[] {431, 400}),
                Arguments.of("3000 headers", manyHeaders.append("\r\n").toString(), new int[] {431, 400}),
                Arguments.of("a 64 KiB request target", "GET /admin/bad/resolve/main/" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                        new int[] {414, 431, 400}),
                Arguments.of("no request line", "GARBAGE\r\n\r\n", new int[] {400}),
                Arguments.of("a method alone", "GET\r\n\r\n", new int[] {400}),
                Arguments.of("an unknown protocol", "GET /api/models/admin/bad HTTX/1.1\r\nHost: x\r\n\r\n", new int[] {400, 505}),
                Arguments.of("an unknown version", "GET /api/models/admin/bad HTTP/9.9\r\nHost: x\r\n\r\n", new int[] {400, 505}),
                Arguments.of("a header without a colon", "GET /api/models/admin/bad HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", new int[] {400}),
                Arguments.of("a space before the colon", "GET /api/models/admin/bad HTTP/1.1\r\nHost : x\r\n\r\n", new int[] {400}),
                Arguments.of("no Host in HTTP/1.1", "GET /api/models/admin/bad HTTP/1.1\r\nAccept: */*\r\n\r\n", new int[] {400}),
                Arguments.of("a control character in a header", "GET /api/models/admin/bad HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\n\r\n", new int[] {400}),
                Arguments.of("Content-Length and Transfer-Encoding",
                        "POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", new int[] {400}),
                Arguments.of("two different Content-Lengths",
                        "POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}   ", new int[] {400}),
                Arguments.of("a negative Content-Length", "POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", new int[] {400}),
                Arguments.of("a bad chunk size",
                        "POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                        new int[] {400}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbledRequests")
    void garbledHttpIsRefused(String what, String request, int[] statuses) throws Exception {
        RawResponse r = raw(tf, request);

        assertThat(r.status()).as("%s -> %s", what, r.statusLine()).isIn(box(statuses));
        assertNoLeak(r.bodyText());
    }

    // ============================================================================================ credentials

    static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    static Stream<Arguments> badAuthorization() {
        return Stream.of(
                Arguments.of("Bearer", 400),
                Arguments.of("Bearer ", 400),
                Arguments.of("Basic", 400),
                Arguments.of("Basic !!!not-base64!!!", 400),
                Arguments.of("Basic a", 400),
                Arguments.of("Digest username=\"admin\"", 400),
                Arguments.of("Token abc", 400),
                Arguments.of("hf_" + "a".repeat(40), 400),
                Arguments.of("Basic " + b64("no-colon"), 401),
                Arguments.of("Basic " + b64("user:"), 401),
                Arguments.of("Bearer hf_" + "x".repeat(40), 401),
                Arguments.of("Bearer " + "x".repeat(600), 401),
                Arguments.of("Bearer hf_\u00e9\u00e9", 401));
    }

    @ParameterizedTest(name = "Authorization: {0} -> {1}")
    @MethodSource("badAuthorization")
    void malformedOrUnknownCredentialsAreRefusedEvenOnPublicFiles(String authorization, int status) throws Exception {
        for (String target : List.of("/api/whoami-v2", "/admin/bad/resolve/main/config.json", "/api/models/admin/bad")) {
            RawResponse r = rawGet(tf, target, "Authorization", authorization);

            assertForgeError(r, status);
            if (status == 401) {
                assertThat(r.header("x-error-message")).hasValue("Invalid credentials in Authorization header");
                assertThat(r.header("www-authenticate")).isPresent();
                assertThat(r.header("x-error-code")).as("not a RepoNotFound: Py must not turn it into one").isEmpty();
            }
        }
    }

    @Test
    void theSchemeIsCaseInsensitive() throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/whoami-v2", "Authorization", "bearer " + tf.adminToken);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("name").asText()).isEqualTo("admin");
    }

    // ============================================================================================ oversized bodies

    /** A JSON object of more than 16 MiB, in HTTP chunks of 64 KiB. */
    static Iterable<byte[]> hugeJsonChunks(long totalBytes) {
        return () -> new Iterator<>() {
            long sent = 0;
            boolean done = false;

            @Override public boolean hasNext() { return !done; }

            @Override public byte[] next() {
                String data;
                if (sent == 0) data = "{\"content\":\"" + "a".repeat(65536 - 12);
                else if (sent >= totalBytes) {
                    done = true;
                    return "2\r\n\"}\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                } else data = "a".repeat(65536);
                sent += data.length();
                return (Integer.toHexString(data.length()) + "\r\n" + data + "\r\n").getBytes(StandardCharsets.US_ASCII);
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/api/validate-yaml", "/api/repos/create", "/api/models/admin/bad/paths-info/main"})
    void aStreamedJsonBodyOver16MiBIs413(String path) throws Exception {
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " + auth(tf)
                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

        RawResponse r = rawStreaming(tf, head, hugeJsonChunks(17L * 1024 * 1024));

        assertForgeError(r, 413);
    }

    @Test
    void aDeclaredContentLengthOver16MiBIs413BeforeTheBodyIsRead() throws Exception {
        String head = "POST /api/validate-yaml HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + (17L * 1024 * 1024) + "\r\nConnection: close\r\n\r\n";

        RawResponse r = rawStreaming(tf, head, List.of("{\"content\":\"".getBytes(StandardCharsets.US_ASCII)));

        assertForgeError(r, 413);
    }

    // ============================================================================================ routes and methods

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/api/does-not-exist",
            "/api/models/admin/bad/nope",
            "/api/models/admin/bad/tree",
            "/api/models/admin/bad/commits",
            "/admin/bad/blobs/main/config.json", // (blob/… is a web page now, at the Hub's path)
            "/admin/bad/resolve/main",
            "/admin/bad/resolve",
            "/admin/bad/nope/main/config.json",
            "/nothing/here/at/all/really",
            "/datasets/admin/bad/nope/x/y",
            "/lfs/objects/nope",
    })
    void unknownRoutesAre404Json(String path) throws Exception {
        HttpResponse<byte[]> r = tf.get(path);

        assertHubError(r, 404, null);
        assertNoLeak(text(r));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "DELETE, /api/models/admin/bad",
            "PUT,    /api/models/admin/bad",
            "POST,   /api/models/admin/bad/revision/main",
            "PATCH,  /api/models/admin/bad/tree/main",
            "PUT,    /api/models/admin/bad/refs",
            "GET,    /api/models/admin/bad/paths-info/main",
            "PUT,    /api/whoami-v2",
            "GET,    /api/repos/create",
            "PUT,    /api/repos/create",
            "POST,   /api/repos/delete",
            "GET,    /api/validate-yaml",
            "POST,   /admin/bad/resolve/main/config.json",
            "PUT,    /admin/bad/resolve/main/config.json",
            "DELETE, /admin/bad/raw/main/config.json",
            "DELETE, /datasets/admin/bad/resolve/main/config.json",
    })
    void aWrongMethodOnAKnownPathIs405Json(String method, String path) throws Exception {
        HttpResponse<byte[]> r = tf.send(tf.request(path).header("Authorization", auth(tf)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString("{\"name\":\"admin/bad\"}")));

        assertHubError(r, 405, null);
        assertNoLeak(text(r));
    }

    // ============================================================================================ afterwards

    @Test
    @Order(Integer.MAX_VALUE)
    void afterAllOfThatTheRepositoryIsUnchangedAndServed() throws Exception {
        JsonNode info = json(tf.get("/api/models/admin/bad"));

        assertThat(info.path("sha").asText()).isEqualTo(shaBefore);
        assertThat(text(tf.get("/api/models/admin/bad/refs?include_prs=1"))).isEqualTo(refsBefore);
        assertThat(text(tf.get("/api/models/admin/bad/commits/main"))).isEqualTo(historyBefore);
        HttpResponse<byte[]> file = tf.get("/admin/bad/resolve/main/config.json");
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(text(file)).isEqualTo(CONFIG);
        assertThat(header(file, "X-Repo-Commit")).hasValue(shaBefore);
        assertThat(tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse("admin/bad"))).isPresent();
    }
}
