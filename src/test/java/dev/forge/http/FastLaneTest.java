package dev.forge.http;

import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.service.account.AuthService;
import dev.forge.service.repo.ContentService;
import dev.forge.testing.CountingBlobStore;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.forge.http.HttpSupport.*;
import static dev.forge.testing.Hashes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast lane (issue 17): GETs and HEADs answered from the {@link AnswerMemo} on the thread that read them. An answer
 * from memory must be exactly the ordinary answer, and must never outlive what it depends on: a moved branch, a
 * visibility or gating change, a revoked token, a rate limit. Whether an answer came from the lane is read from the
 * memo's served count; nothing here measures time.
 */
class FastLaneTest {
    @TempDir static Path dir;
    static TestForge tf;

    static final byte[] SMALL_LFS = pattern(5000, 11);
    static final byte[] LARGE_LFS = pattern(ContentService.SMALL_FILE_MAX + 1000, 12);

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir, Forge.Options.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static AnswerMemo memo() {
        return tf.server.memo();
    }

    @Test
    void answersFromMemoryAreTheOrdinaryAnswersByteForByte() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-same");
        commit(tf, repo, "main", "files", file("config.json", "{\"hidden_size\":64}"), lfs(tf, repo, "small.bin", SMALL_LFS),
                lfs(tf, repo, "large.bin", LARGE_LFS));
        for (String path : List.of("config.json", "small.bin", "large.bin")) {
            String url = "/admin/lane-same/resolve/main/" + path;
            HttpResponse<byte[]> ordinaryHead = tf.head(url);
            long before = memo().served();
            HttpResponse<byte[]> memoHead = tf.head(url);
            assertThat(memo().served()).as("HEAD of %s from memory", path).isEqualTo(before + 1);
            assertThat(memoHead.statusCode()).isEqualTo(ordinaryHead.statusCode()).isEqualTo(200);
            assertThat(comparable(memoHead)).isEqualTo(comparable(ordinaryHead));

            HttpResponse<byte[]> ordinaryGet = tf.get(url);
            before = memo().served();
            HttpResponse<byte[]> memoGet = tf.get(url);
            boolean small = !path.equals("large.bin");
            assertThat(memo().served()).as("GET of %s from memory: only whole small files", path).isEqualTo(before + (small ? 1 : 0));
            assertThat(memoGet.body()).isEqualTo(ordinaryGet.body());
            assertThat(sha256(memoGet.body())).isEqualTo(sha256(path.equals("config.json") ? utf8("{\"hidden_size\":64}")
                    : path.equals("small.bin") ? SMALL_LFS : LARGE_LFS));
            assertThat(comparable(memoGet)).isEqualTo(comparable(ordinaryGet)).isEqualTo(comparable(memoHead));
        }
        // a public tree listing too, with its paging Link kept
        String tree = "/api/models/admin/lane-same/tree/main?limit=2";
        HttpResponse<byte[]> ordinaryTree = tf.get(tree);
        long before = memo().served();
        HttpResponse<byte[]> memoTree = tf.get(tree);
        assertThat(memo().served()).isEqualTo(before + 1);
        assertThat(memoTree.body()).isEqualTo(ordinaryTree.body());
        assertThat(comparable(memoTree)).isEqualTo(comparable(ordinaryTree)).containsKey("Link");

        // every answer has its own request id, or the one the client sent
        String url = "/admin/lane-same/resolve/main/config.json";
        String a = header(tf.head(url), "X-Request-Id").orElseThrow();
        String b = header(tf.head(url), "X-Request-Id").orElseThrow();
        assertThat(a).isNotEqualTo(b);
        assertThat(header(tf.head(url, "X-Request-Id", "lane-check-1"), "X-Request-Id")).contains("lane-check-1");
    }

    @Test
    void infoIsAnsweredFromMemoryUntilItsCommitOrItsCountersChange() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-info");
        String first = commit(tf, repo, "main", "first", file("config.json", "{\"hidden_size\":64}"));
        List<String> urls = List.of("/api/models/admin/lane-info", "/api/models/admin/lane-info/revision/main",
                "/api/models/admin/lane-info/revision/main?blobs=true", "/api/models/admin/lane-info/revision/" + first);
        for (String url : urls) {
            HttpResponse<byte[]> ordinary = tf.get(url);
            long before = memo().served();
            HttpResponse<byte[]> fromMemory = tf.get(url);
            assertThat(memo().served()).as("%s from memory", url).isEqualTo(before + 1);
            assertThat(fromMemory.body()).isEqualTo(ordinary.body());
            assertThat(comparable(fromMemory)).isEqualTo(comparable(ordinary));
            assertThat(json(fromMemory).path("sha").asText()).isEqualTo(first);
            assertThat(json(fromMemory).path("downloads").asLong()).isZero();
        }
        String info = urls.get(1);

        // a download counted and flushed: the next info shows it, from the ordinary path, and is kept again
        assertThat(tf.get("/admin/lane-info/resolve/main/config.json").statusCode()).isEqualTo(200);
        tf.forge.popularity.flush();
        long before = memo().served();
        assertThat(json(tf.get(info)).path("downloads").asLong()).isEqualTo(1);
        assertThat(memo().served()).as("the old counters were forgotten").isEqualTo(before);
        assertThat(json(tf.get(info)).path("downloads").asLong()).isEqualTo(1);
        assertThat(memo().served()).isEqualTo(before + 1);

        // a download served from memory counts too
        assertThat(tf.get("/admin/lane-info/resolve/main/config.json").statusCode()).isEqualTo(200);
        assertThat(tf.get("/admin/lane-info/resolve/main/config.json").statusCode()).isEqualTo(200);
        tf.forge.popularity.flush();
        assertThat(json(tf.get(info)).path("downloads").asLong()).isEqualTo(3);
        // the flush dropped the repository's info answers only: its file's answer is still served from memory
        before = memo().served();
        assertThat(tf.get("/admin/lane-info/resolve/main/config.json").statusCode()).isEqualTo(200);
        assertThat(memo().served()).as("the file's answer outlived the counters").isEqualTo(before + 1);

        // a like, at once
        HttpResponse<byte[]> liked = tf.send(tf.request("/api/models/admin/lane-info/like").header("Authorization", auth(tf))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(liked.statusCode()).as(text(liked)).isEqualTo(200);
        assertThat(json(tf.get(info)).path("likes").asLong()).isEqualTo(1);

        // the branch moved: the new commit at once, and the old commit's info stays right
        tf.get(info);
        String second = commit(tf, repo, "main", "second", file("config.json", "{\"hidden_size\":128}"));
        assertThat(json(tf.get(info)).path("sha").asText()).isEqualTo(second);
        assertThat(json(tf.get(urls.get(3))).path("sha").asText()).isEqualTo(first);
    }

    @Test
    void infoWithExpandIsNeverAnsweredFromMemoryAndInfoMadePrivateIsRefusedAtOnce() throws Exception {
        Repo open = tf.createRepo(RepoType.MODEL, "admin/lane-info-expand");
        commit(tf, open, "main", "files", file("config.json", "{}"));
        long before = memo().served();
        for (int i = 0; i < 3; i++) {
            // expand's fields may depend on the caller (childrenModelCount) or on other repositories
            assertThat(tf.get("/api/models/admin/lane-info-expand?expand=childrenModelCount").statusCode()).isEqualTo(200);
            assertThat(tf.get("/api/models/admin/lane-info-expand?expand=downloads&expand=likes").statusCode()).isEqualTo(200);
        }
        assertThat(memo().served()).isEqualTo(before);

        String url = "/api/models/admin/lane-info-expand";
        tf.get(url);
        assertThat(tf.get(url).statusCode()).isEqualTo(200);
        assertThat(memo().served()).isEqualTo(before + 1);
        settings("/api/models/admin/lane-info-expand/settings", "{\"private\":true}");
        assertThat(tf.get(url).statusCode()).as("made private: refused at once").isEqualTo(401);
        assertThat(memo().served()).isEqualTo(before + 1);
    }

    @Test
    void requestsThatDifferForTheSameUrlTakeTheOrdinaryPath() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-differ");
        commit(tf, repo, "main", "files", file("config.json", "0123456789"));
        String url = "/admin/lane-differ/resolve/main/config.json";
        String etag = header(tf.get(url), "ETag").orElseThrow();
        tf.get(url);
        long before = memo().served();
        assertThat(tf.get(url, "Range", "bytes=2-4", "If-Range", etag).body()).isEqualTo(utf8("234"));
        RawResponse oddCase = rawGet(tf, url, "rAnGe", "bytes=2-4", "iF-rAnGe", etag);
        assertThat(oddCase.status()).as("a header name in any case is the same header").isEqualTo(206);
        assertThat(oddCase.body()).isEqualTo(utf8("234"));
        assertThat(tf.send(tf.request(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Range", "bytes=2-4"))
                .statusCode()).as("a HEAD with a range").isEqualTo(206);
        assertThat(tf.get(url, "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(header(tf.get(url, "Origin", "https://example.org"), "Access-Control-Allow-Origin")).contains("*");
        assertThat(tf.get(url, "Accept", "application/vnd.xet-fileinfo+json").statusCode()).isEqualTo(200);
        assertThat(tf.send(tf.request(url).POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(405);
        assertThat(memo().served()).as("none of these came from memory").isEqualTo(before);
    }

    @Test
    void rangesOfAFileAreAnsweredFromMemoryAsTheOrdinaryPathAnswersThem() throws Exception {
        checkRanges(tf, "admin/lane-ranges");
    }

    @Test
    void rangesFromThePlainStoreToo(@TempDir Path other) throws Exception {
        try (TestForge plain = TestForge.start(other, new ForgeConfig.Storage(ForgeConfig.Storage.Kind.PLAIN,
                ForgeConfig.Storage.defaults().gcGraceSeconds()))) {
            checkRanges(plain, "admin/lane-ranges-plain");
        }
    }

    @Test
    void aFileItsStoreCannotOpenIsLeftToTheOrdinaryPath(@TempDir Path other) throws Exception {
        java.util.concurrent.atomic.AtomicReference<CountingBlobStore> store = new java.util.concurrent.atomic.AtomicReference<>();
        try (TestForge f = TestForge.start(other, Forge.Options.DEFAULTS.withBlobStoreView(s -> {
            store.set(new CountingBlobStore(s));
            return store.get();
        }))) {
            Repo repo = f.createRepo(RepoType.MODEL, "admin/lane-unreadable");
            commit(f, repo, "main", "files", lfs(f, repo, "large.bin", LARGE_LFS));
            String url = "/admin/lane-unreadable/resolve/main/large.bin";
            assertThat(f.get(url, "Range", "bytes=0-9").statusCode()).as("the ordinary path; it records the whole answer").isEqualTo(206);
            store.get().refuseOpens(true);
            long before = f.server.memo().served();
            HttpResponse<byte[]> refused = f.get(url, "Range", "bytes=10-19");
            assertThat(f.server.memo().served()).as("declined by the lane").isEqualTo(before);
            assertThat(refused.statusCode()).as("the ordinary path's answer to an unreadable store").isGreaterThanOrEqualTo(500);
            assertThat(header(refused, "X-Request-Id")).as("answered by the ordinary path, not failed out of the lane").isPresent();
            store.get().refuseOpens(false);
            assertThat(f.get(url, "Range", "bytes=10-19").body()).isEqualTo(java.util.Arrays.copyOfRange(LARGE_LFS, 10, 20));
            assertThat(f.server.memo().served()).as("readable again: from memory").isEqualTo(before + 1);
        }
    }

    /**
     * Each range asked twice: the first answer is the ordinary path's (and, for an LFS file, records the file's whole
     * answer), the second comes from memory and must be the same, headers and bytes; the ranges the ordinary path must
     * judge (not satisfiable, several, malformed) never come from memory.
     */
    private static void checkRanges(TestForge f, String id) throws Exception {
        Repo repo = f.createRepo(RepoType.MODEL, id);
        byte[] config = utf8("{\"hidden_size\":64,\"vocab_size\":32000}");
        commit(f, repo, "main", "files", file("config.json", config), lfs(f, repo, "small.bin", SMALL_LFS),
                lfs(f, repo, "large.bin", LARGE_LFS));
        AnswerMemo memo = f.server.memo();
        Map<String, byte[]> files = Map.of("config.json", config, "small.bin", SMALL_LFS, "large.bin", LARGE_LFS);
        for (var file : files.entrySet()) {
            String url = "/" + id + "/resolve/main/" + file.getKey();
            byte[] bytes = file.getValue();
            // a git file's range is answered from its whole answer held in memory (a GET first); an LFS file's from its store
            if (file.getKey().equals("config.json")) f.get(url);
            int n = bytes.length;
            for (String range : List.of("bytes=0-9", "bytes=7-", "bytes=-5", "bytes=3-" + (n + 100), "bytes=" + (n - 1) + "-" + (n - 1))) {
                HttpResponse<byte[]> ordinary = f.get(url, "Range", range);
                long before = memo.served();
                HttpResponse<byte[]> fromMemory = f.get(url, "Range", range);
                assertThat(memo.served()).as("%s of %s from memory", range, file.getKey()).isEqualTo(before + 1);
                assertThat(fromMemory.statusCode()).isEqualTo(ordinary.statusCode()).isEqualTo(206);
                assertThat(comparable(fromMemory)).as("%s of %s", range, file.getKey()).isEqualTo(comparable(ordinary));
                assertThat(fromMemory.body()).isEqualTo(ordinary.body());
                var r = dev.forge.core.ByteRange.parse(range, n).orElseThrow();
                assertThat(sha256(fromMemory.body())).isEqualTo(sha256(java.util.Arrays.copyOfRange(bytes, (int) r.first(), (int) r.last() + 1)));
                assertThat(header(fromMemory, "Content-Range")).contains(r.contentRange());
            }
            long before = memo.served();
            assertThat(f.get(url, "Range", "bytes=" + n + "-").statusCode()).isEqualTo(416);
            assertThat(f.get(url, "Range", "bytes=0-1,5-6").body()).as("several ranges: the whole file").isEqualTo(bytes);
            assertThat(f.get(url, "Range", "bytes=x-1").body()).as("malformed: the whole file").isEqualTo(bytes);
            assertThat(f.get(url, "Range", "bytes=0-0", "Origin", "https://example.org").statusCode()).isEqualTo(206);
            assertThat(memo.served()).as("none of these from memory (%s)", file.getKey()).isEqualTo(before);
        }
    }

    @Test
    void aTokenSeenLiveIsServedAndARevokedOneIsRefusedAtOnce() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-token");
        commit(tf, repo, "main", "files", file("config.json", "{}"));
        User admin = tf.forge.auth.user("admin").orElseThrow();
        AuthService.IssuedToken issued = tf.forge.auth.createToken(admin, "lane", Token.Role.READ);
        String url = "/admin/lane-token/resolve/main/config.json";
        String bearer = "Bearer " + issued.secret();
        assertThat(tf.get(url, "Authorization", bearer).statusCode()).isEqualTo(200);
        long before = memo().served();
        assertThat(tf.get(url, "Authorization", bearer).statusCode()).isEqualTo(200);
        assertThat(memo().served()).as("the token was seen live: answered from memory").isEqualTo(before + 1);

        tf.forge.auth.revokeToken(tf.adminActor(), issued.token().key());
        assertThat(tf.get(url, "Authorization", bearer).statusCode()).as("revoked").isEqualTo(401);
        assertThat(tf.head(url, "Authorization", "Bearer hf_not_a_token_at_all").statusCode()).isEqualTo(401);
        assertThat(tf.get(url, "Authorization", "Digest whatever").statusCode()).isEqualTo(400);
        assertThat(tf.get(url).statusCode()).as("anonymous callers still read it").isEqualTo(200);
    }

    @Test
    void privateAndGatedRepositoriesAreNeverAnsweredFromMemory() throws Exception {
        Repo closed = tf.createPrivateRepo(RepoType.MODEL, "admin/lane-private");
        commit(tf, closed, "main", "files", file("config.json", "{\"secret\":true}"));
        Repo gated = tf.createRepo(RepoType.MODEL, "admin/lane-gated");
        commit(tf, gated, "main", "files", file("config.json", "{\"gated\":true}"));
        settings("/api/models/admin/lane-gated/settings", "{\"gated\":\"auto\"}");
        long before = memo().served();
        for (int i = 0; i < 3; i++) {
            assertThat(tf.get("/admin/lane-private/resolve/main/config.json", "Authorization", auth(tf)).body())
                    .isEqualTo(utf8("{\"secret\":true}"));
            assertThat(tf.head("/admin/lane-private/resolve/main/config.json", "Authorization", auth(tf)).statusCode()).isEqualTo(200);
            assertThat(tf.get("/admin/lane-gated/resolve/main/config.json", "Authorization", auth(tf)).statusCode()).isEqualTo(200);
            assertThat(tf.get("/admin/lane-private/resolve/main/config.json").statusCode()).isEqualTo(401);
            assertHubError(tf.get("/admin/lane-gated/resolve/main/config.json"), 401, "GatedRepo");
            assertThat(tf.get("/api/models/admin/lane-private", "Authorization", auth(tf)).statusCode()).isEqualTo(200);
            assertThat(tf.get("/api/models/admin/lane-private/revision/main").statusCode()).isEqualTo(401);
            assertThat(tf.get("/api/models/admin/lane-gated", "Authorization", auth(tf)).statusCode()).isEqualTo(200);
        }
        assertThat(memo().served()).isEqualTo(before);
    }

    @Test
    void aRepositoryMadePrivateIsRefusedAtOnce() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-closing");
        commit(tf, repo, "main", "files", file("config.json", "{}"));
        String url = "/admin/lane-closing/resolve/main/config.json";
        tf.get(url);
        tf.head(url);
        long before = memo().served();
        assertThat(tf.get(url).statusCode()).isEqualTo(200);
        assertThat(tf.head(url).statusCode()).isEqualTo(200);
        assertThat(memo().served()).isEqualTo(before + 2);

        settings("/api/models/admin/lane-closing/settings", "{\"private\":true}");
        assertThat(tf.get(url).statusCode()).isEqualTo(401);
        assertThat(tf.head(url).statusCode()).isEqualTo(401);
    }

    @Test
    void readersOfAMovingBranchNeverSeeOneCommitsHeadersWithAnothersBytes() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-moving");
        Map<String, String> contentOf = new ConcurrentHashMap<>();
        String first = commit(tf, repo, "main", "v0", file("config.json", content(0)));
        contentOf.put(first, content(0));
        String url = "/admin/lane-moving/resolve/main/config.json";
        AtomicBoolean done = new AtomicBoolean();
        // what each reader saw: commit, ETag, and the body of a GET (null for a HEAD); checked once all commits are known
        List<String[]> seen = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            boolean heads = t % 2 == 1;
            readers.add(Thread.ofPlatform().start(() -> {
                while (!done.get() && failures.isEmpty()) {
                    try {
                        HttpResponse<byte[]> r = heads ? tf.head(url) : tf.get(url);
                        if (r.statusCode() != 200) failures.add("status " + r.statusCode());
                        seen.add(new String[] {header(r, "X-Repo-Commit").orElse("?"), header(r, "ETag").orElse("?"),
                                heads ? null : new String(r.body(), StandardCharsets.UTF_8)});
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        String last = first;
        for (int v = 1; v <= 25; v++) {
            last = commit(tf, repo, "main", "v" + v, file("config.json", content(v)));
            contentOf.put(last, content(v));
        }
        done.set(true);
        for (Thread t : readers) t.join();
        assertThat(failures).isEmpty();
        assertThat(seen).hasSizeGreaterThan(25);
        for (String[] s : seen) {
            String expected = contentOf.get(s[0]);
            assertThat(expected).as("a commit of this branch: %s", s[0]).isNotNull();
            assertThat(s[1]).as("the ETag of commit %s", s[0]).isEqualTo("\"" + gitBlobSha1(utf8(expected)) + "\"");
            if (s[2] != null) assertThat(s[2]).as("the body of commit %s", s[0]).isEqualTo(expected);
        }
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> r = tf.get(url);
            assertThat(header(r, "X-Repo-Commit")).contains(last);
            assertThat(r.body()).isEqualTo(utf8(contentOf.get(last)));
            assertThat(header(tf.head(url), "X-Repo-Commit")).contains(last);
        }
    }

    private static String content(int v) {
        return "{\"v\":" + v + ",\"pad\":\"" + "x".repeat(v) + "\"}";
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-pipelined");
        commit(tf, repo, "main", "files", file("a.json", "{\"a\":1}"), file("b.json", "{\"b\":22}"), file("c.txt", "ccc"));
        String base = "/admin/lane-pipelined/resolve/main/";
        for (String f : List.of("a.json", "b.json", "c.txt")) tf.get(base + f);
        long before = memo().served();
        StringBuilder requests = new StringBuilder();
        List<String> order = List.of("a.json", "b.json", "c.txt", "a.json", "missing.json", "b.json");
        for (int i = 0; i < order.size(); i++) {
            requests.append("GET ").append(base).append(order.get(i)).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    .append(i == order.size() - 1 ? "Connection: close\r\n" : "").append("\r\n");
        }
        byte[] all;
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(requests.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            all = s.getInputStream().readAllBytes();
        }
        List<RawAnswer> answers = split(all);
        assertThat(answers).hasSize(order.size());
        Map<String, String> bodies = Map.of("a.json", "{\"a\":1}", "b.json", "{\"b\":22}", "c.txt", "ccc");
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).equals("missing.json")) {
                assertThat(answers.get(i).status()).isEqualTo(404);
            } else {
                assertThat(answers.get(i).status()).isEqualTo(200);
                assertThat(new String(answers.get(i).body(), StandardCharsets.UTF_8)).isEqualTo(bodies.get(order.get(i)));
            }
        }
        assertThat(memo().served()).isEqualTo(before + 5);
    }

    @Test
    void rateLimitsHoldForAnswersFromMemory(@TempDir Path other) throws Exception {
        ForgeConfig.Security limited = new ForgeConfig.Security(false, 0, 4, 1_000_000, 60, false);
        try (TestForge small = TestForge.start(other, limited)) {
            Repo repo = small.createRepo(RepoType.MODEL, "admin/lane-limited");
            commit(small, repo, "main", "files", file("config.json", "{}"));
            String url = "/admin/lane-limited/resolve/main/config.json";
            for (int i = 0; i < 4; i++) assertThat(small.get(url).statusCode()).as("request %s", i + 1).isEqualTo(200);
            assertThat(small.server.memo().served()).as("some came from memory").isPositive();
            HttpResponse<byte[]> refused = small.get(url);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(header(refused, "Retry-After")).isPresent();
            assertThat(small.head(url).statusCode()).isEqualTo(429);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static void settings(String url, String json) throws Exception {
        HttpResponse<byte[]> r = tf.send(tf.request(url).header("Authorization", auth(tf)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    }

    /** The response's headers without those that differ per response (date, request id). */
    private static Map<String, List<String>> comparable(HttpResponse<?> r) {
        Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        r.headers().map().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("date") && !k.equalsIgnoreCase("x-request-id")) out.put(k, v);
        });
        return out;
    }

    private record RawAnswer(int status, byte[] body) {}

    /** Splits pipelined responses (each with a Content-Length) in the order they came. */
    private static List<RawAnswer> split(byte[] all) {
        List<RawAnswer> out = new ArrayList<>();
        int at = 0;
        while (at < all.length) {
            String rest = new String(all, at, all.length - at, StandardCharsets.ISO_8859_1);
            int end = rest.indexOf("\r\n\r\n");
            assertThat(end).as("a complete head in %s", rest).isPositive();
            String head = rest.substring(0, end);
            int status = Integer.parseInt(head.split(" ")[1]);
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
            }
            int bodyAt = at + end + 4;
            out.add(new RawAnswer(status, java.util.Arrays.copyOfRange(all, bodyAt, bodyAt + length)));
            at = bodyAt + length;
        }
        return out;
    }
}
