package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.app.Forge;
import dev.forge.core.CommitOperation;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.repo.ContentService;
import dev.forge.testing.CountingBlobStore;
import dev.forge.testing.TestForge;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static dev.forge.http.HttpSupport.*;
import static dev.forge.testing.Hashes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory the small-request path answers from (issue 17): small file contents kept by blob id or LFS oid, and the
 * file index's answers kept by commit. What is checked is that nothing cached outlives a ref move (the branch, a tag
 * moved by force, a deleted file), that conditional GET and HEAD agree with GET, and that a cached answer is the same
 * bytes the store holds. No timing is asserted.
 */
class SmallRequestCachesTest {
    @TempDir static Path dir;
    static TestForge tf;
    static final AtomicReference<CountingBlobStore> store = new AtomicReference<>();

    static final byte[] SMALL_LFS = pattern(3000, 5);
    static final byte[] LARGE_LFS = pattern(ContentService.SMALL_FILE_MAX + 4096, 6);
    static final byte[] LARGE_REGULAR = pattern(ContentService.SMALL_FILE_MAX + 10, 7);

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir, Forge.Options.DEFAULTS.withBlobStoreView(s -> {
            store.set(new CountingBlobStore(s));
            return store.get();
        }));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    private static Repo repo(String name) {
        return tf.createRepo(RepoType.MODEL, "admin/" + name);
    }

    @Test
    void aBranchMovedByACommitServesTheNewBytesAndTheOldCommitStillTheOld() throws Exception {
        Repo repo = repo("moved");
        String c1 = commit(tf, repo, "main", "v1", file("config.json", "{\"v\":1}"));
        String url = "/admin/moved/resolve/main/config.json";
        HttpResponse<byte[]> first = tf.get(url);
        assertThat(tf.get(url).body()).as("the second GET, from memory").isEqualTo(utf8("{\"v\":1}"));

        String c2 = commit(tf, repo, "main", "v2", file("config.json", "{\"v\":2,\"longer\":true}"));

        HttpResponse<byte[]> after = tf.get(url);
        assertThat(after.body()).isEqualTo(utf8("{\"v\":2,\"longer\":true}"));
        assertThat(header(after, "X-Repo-Commit")).contains(c2);
        assertThat(header(after, "ETag")).contains("\"" + gitBlobSha1(utf8("{\"v\":2,\"longer\":true}")) + "\"")
                .isNotEqualTo(header(first, "ETag"));
        assertThat(header(after, "Content-Length")).contains("21");
        HttpResponse<byte[]> old = tf.get("/admin/moved/resolve/" + c1 + "/config.json");
        assertThat(old.body()).isEqualTo(utf8("{\"v\":1}"));
        assertThat(header(old, "X-Repo-Commit")).contains(c1);
    }

    @Test
    void aTagMovedByForceServesWhatItNowNames() throws Exception {
        Repo repo = repo("tagged");
        String c1 = commit(tf, repo, "main", "v1", file("tokenizer_config.json", "one"), lfs(tf, repo, "w.bin", pattern(100, 1)));
        String c2 = commit(tf, repo, "main", "v2", file("tokenizer_config.json", "two"), lfs(tf, repo, "w.bin", pattern(100, 2)));
        ref(tf, repo, "refs/tags/release", c1);
        assertThat(tf.get("/admin/tagged/resolve/release/tokenizer_config.json").body()).isEqualTo(utf8("one"));
        assertThat(tf.get("/admin/tagged/resolve/release/w.bin").body()).isEqualTo(pattern(100, 1));
        assertThat(json(tf.get("/api/models/admin/tagged/revision/release")).path("sha").asText()).isEqualTo(c1);

        tf.forge.stores().git().moveRef(repo.key(), "refs/tags/release", ObjectId.fromString(c1), ObjectId.fromString(c2));

        assertThat(tf.get("/admin/tagged/resolve/release/tokenizer_config.json").body()).isEqualTo(utf8("two"));
        assertThat(tf.get("/admin/tagged/resolve/release/w.bin").body()).isEqualTo(pattern(100, 2));
        assertThat(json(tf.get("/api/models/admin/tagged/revision/release")).path("sha").asText()).isEqualTo(c2);
        JsonNode paths = json(pathsInfo("/api/models/admin/tagged/paths-info/release", "paths=w.bin&expand=true"));
        assertThat(paths.get(0).path("lfs").path("oid").asText()).isEqualTo(sha256(pattern(100, 2)));
        assertThat(paths.get(0).path("lastCommit").path("id").asText()).isEqualTo(c2);
    }

    @Test
    void listingsFollowTheBranchAndEachCommitKeepsItsOwn() throws Exception {
        Repo repo = repo("listed");
        String c1 = commit(tf, repo, "main", "v1", file("a.txt", "a"), file("sub/b.txt", "b"));
        Set<String> before = paths(json(tf.get("/api/models/admin/listed/tree/main?recursive=true")));
        assertThat(before).contains("a.txt", "sub/b.txt");
        assertThat(siblings(json(tf.get("/api/models/admin/listed")))).contains("a.txt", "sub/b.txt");
        assertThat(json(pathsInfo("/api/models/admin/listed/paths-info/main", "paths=c.txt"))).isEmpty();

        String c2 = commit(tf, repo, "main", "v2", new CommitOperation.DeleteFile("a.txt"), file("c.txt", "c"));

        assertThat(paths(json(tf.get("/api/models/admin/listed/tree/main?recursive=true")))).contains("c.txt", "sub/b.txt")
                .doesNotContain("a.txt");
        assertThat(paths(json(tf.get("/api/models/admin/listed/tree/main")))).contains("c.txt").doesNotContain("a.txt");
        assertThat(siblings(json(tf.get("/api/models/admin/listed")))).contains("c.txt").doesNotContain("a.txt");
        assertThat(json(tf.get("/api/models/admin/listed/revision/main")).path("sha").asText()).isEqualTo(c2);
        assertThat(json(pathsInfo("/api/models/admin/listed/paths-info/main", "paths=c.txt")).get(0).path("path").asText())
                .isEqualTo("c.txt");
        assertThat(json(pathsInfo("/api/models/admin/listed/paths-info/main", "paths=a.txt"))).isEmpty();
        assertHubError(tf.get("/admin/listed/resolve/main/a.txt"), 404, "EntryNotFound");
        // the first commit's answers are unchanged (and may come from memory)
        assertThat(paths(json(tf.get("/api/models/admin/listed/tree/" + c1 + "?recursive=true")))).isEqualTo(before);
        assertThat(siblings(json(tf.get("/api/models/admin/listed/revision/" + c1)))).contains("a.txt").doesNotContain("c.txt");
        assertThat(tf.get("/admin/listed/resolve/" + c1 + "/a.txt").body()).isEqualTo(utf8("a"));
    }

    @Test
    void conditionalGetFollowsTheETagAcrossAMove() throws Exception {
        Repo repo = repo("conditional");
        commit(tf, repo, "main", "v1", file("config.json", "first"));
        String url = "/admin/conditional/resolve/main/config.json";
        String e1 = header(tf.get(url), "ETag").orElseThrow();

        HttpResponse<byte[]> same = tf.get(url, "If-None-Match", e1);
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(header(same, "ETag")).contains(e1);

        commit(tf, repo, "main", "v2", file("config.json", "second"));

        HttpResponse<byte[]> changed = tf.get(url, "If-None-Match", e1);
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.body()).isEqualTo(utf8("second"));
        String e2 = header(changed, "ETag").orElseThrow();
        assertThat(e2).isNotEqualTo(e1);
        assertThat(tf.get(url, "If-None-Match", e2).statusCode()).isEqualTo(304);
        assertThat(tf.get(url, "If-None-Match", "W/" + e2).statusCode()).isEqualTo(304);
        assertThat(tf.head(url, "If-None-Match", e2).statusCode()).isEqualTo(304);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"small.json", "small.bin", "large.bin", "large.txt"})
    void headSendsExactlyTheHeadersOfGet(String path) throws Exception {
        ensureMixedRepo();
        for (String range : new String[] {null, "bytes=10-99", "bytes=-5"}) {
            String url = "/admin/mixed/resolve/main/" + path;
            String[] h = range == null ? new String[0] : new String[] {"Range", range};
            HttpResponse<byte[]> get = tf.get(url, h);
            HttpResponse<byte[]> head = tf.head(url, h);
            assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(range == null ? 200 : 206);
            assertThat(head.body()).isEmpty();
            assertThat(comparable(head)).as("HEAD %s with Range %s", url, range).isEqualTo(comparable(get));
            byte[] whole = mixedContent(path);
            byte[] expected = range == null ? whole
                    : range.equals("bytes=-5") ? Arrays.copyOfRange(whole, whole.length - 5, whole.length)
                    : Arrays.copyOfRange(whole, 10, 100);
            assertThat(get.body()).as("GET %s with Range %s", url, range).isEqualTo(expected);
        }
    }

    @Test
    void aSmallLfsFileIsReadFromTheStoreOnceAndHeadNeverReadsIt() throws Exception {
        ensureMixedRepo();
        String url = "/admin/mixed/resolve/main/small.bin";
        store.get().reset();
        assertThat(tf.head(url).statusCode()).isEqualTo(200);
        assertThat(tf.get(url, "If-None-Match", "\"" + sha256(SMALL_LFS) + "\"").statusCode()).isEqualTo(304);
        assertThat(store.get().bytesRead()).as("bytes HEAD and a matching If-None-Match read from the store").isZero();

        assertThat(tf.get(url).body()).isEqualTo(SMALL_LFS);
        long once = store.get().bytesRead();
        for (int i = 0; i < 3; i++) assertThat(tf.get(url).body()).isEqualTo(SMALL_LFS);
        assertThat(tf.get(url, "Range", "bytes=100-199").body()).isEqualTo(Arrays.copyOfRange(SMALL_LFS, 100, 200));
        assertThat(store.get().bytesRead()).as("bytes read after the first GET").isEqualTo(once).isLessThanOrEqualTo(SMALL_LFS.length);

        // a file above the limit streams from the store every time
        store.get().reset();
        assertThat(tf.get("/admin/mixed/resolve/main/large.bin").body()).isEqualTo(LARGE_LFS);
        assertThat(tf.get("/admin/mixed/resolve/main/large.bin").body()).isEqualTo(LARGE_LFS);
        assertThat(store.get().bytesRead()).isGreaterThanOrEqualTo(2L * LARGE_LFS.length);
    }

    @Test
    void theSameBlobInTwoRepositoriesIsServedToEachByItsOwnRules() throws Exception {
        Repo open = repo("open");
        Repo closed = tf.createPrivateRepo(RepoType.MODEL, "admin/closed");
        commit(tf, open, "main", "same", file("config.json", "shared bytes"));
        commit(tf, closed, "main", "same", file("config.json", "shared bytes"));
        assertThat(tf.get("/admin/open/resolve/main/config.json").body()).isEqualTo(utf8("shared bytes"));
        // cached for the public one; the private one still answers 404 to anonymous callers and the bytes to its owner
        assertThat(tf.get("/admin/closed/resolve/main/config.json").statusCode()).isEqualTo(401);
        assertThat(tf.get("/admin/closed/resolve/main/config.json", "Authorization", auth(tf)).body()).isEqualTo(utf8("shared bytes"));
    }

    @Test
    void repositoryInfoShowsALikeAndAVisibilityChangeAtOnce() throws Exception {
        Repo repo = repo("liked");
        commit(tf, repo, "main", "v1", file("config.json", "{}"));
        String url = "/api/models/admin/liked";
        assertThat(json(tf.get(url)).path("likes").asLong()).isZero();
        assertThat(json(tf.get(url)).path("private").asBoolean()).isFalse();

        HttpResponse<byte[]> liked = tf.send(tf.request(url + "/like").header("Authorization", auth(tf))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(liked.statusCode()).isEqualTo(200);
        assertThat(json(tf.get(url)).path("likes").asLong()).isEqualTo(1);

        HttpResponse<byte[]> settings = tf.send(tf.request("/api/models/admin/liked/settings").header("Authorization", auth(tf))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"private\":true}")));
        assertThat(settings.statusCode()).isEqualTo(200);
        assertThat(tf.get(url).statusCode()).isEqualTo(401);
        assertThat(tf.get("/admin/liked/resolve/main/config.json").statusCode()).isEqualTo(401);
        assertThat(json(tf.get(url, "Authorization", auth(tf))).path("private").asBoolean()).isTrue();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static boolean mixed;

    private static synchronized void ensureMixedRepo() throws Exception {
        if (mixed) return;
        mixed = true;
        Repo repo = repo("mixed");
        commit(tf, repo, "main", "mixed", file("small.json", mixedContent("small.json")), lfs(tf, repo, "small.bin", SMALL_LFS),
                lfs(tf, repo, "large.bin", LARGE_LFS), file("large.txt", LARGE_REGULAR));
    }

    private static byte[] mixedContent(String path) {
        return switch (path) {
            case "small.json" -> utf8("{\"model_type\":\"forge\",\"hidden_size\":64,\"padding\":\"" + "x".repeat(200) + "\"}");
            case "small.bin" -> SMALL_LFS;
            case "large.bin" -> LARGE_LFS;
            case "large.txt" -> LARGE_REGULAR;
            default -> throw new IllegalArgumentException(path);
        };
    }

    /** The response's headers without those that differ per response (date, request id). */
    private static Map<String, List<String>> comparable(HttpResponse<?> r) {
        Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        r.headers().map().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("date") && !k.equalsIgnoreCase("x-request-id")) out.put(k, v);
        });
        return out;
    }

    private static HttpResponse<byte[]> pathsInfo(String url, String form) throws Exception {
        return tf.send(tf.request(url).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    private static Set<String> paths(JsonNode listing) {
        Set<String> out = new java.util.TreeSet<>();
        listing.forEach(e -> out.add(e.path("path").asText()));
        return out;
    }

    private static List<String> siblings(JsonNode info) {
        List<String> out = new ArrayList<>();
        info.path("siblings").forEach(s -> out.add(s.path("rfilename").asText()));
        return out;
    }
}
