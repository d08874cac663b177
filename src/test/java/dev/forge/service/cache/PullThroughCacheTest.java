package dev.forge.service.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.app.Forge;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.Gating;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.airlock.Verdict;
import dev.forge.testing.Hashes;
import dev.forge.testing.ManualClock;
import dev.forge.testing.StallingBlobStore;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two forges on loopback, one the other's upstream: what the cache answers is what the upstream answers (JSON and bytes,
 * commit ids), kept and served from then on; one upstream transfer for 20 concurrent clients; ranges of a file still
 * arriving; upstream errors with their status and code; commit ids never asked again, branch names after the TTL;
 * private and gated upstream repositories; LRU eviction; figures. The upstream's transfers are held half-way by a
 * {@link StallingBlobStore} where a test needs a file "still arriving" (no sleeping, no timing).
 */
class PullThroughCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TTL = 60;
    @TempDir
    static Path dir;
    static TestForge upstream;
    static StallingBlobStore upstreamBlobs;
    static TestForge cache;
    static ManualClock clock = new ManualClock(Instant.parse("2026-12-02T10:00:00Z"));

    @BeforeAll
    static void start() throws Exception {
        upstream = TestForge.start(dir.resolve("upstream"), Forge.Options.DEFAULTS.withBlobStoreView(s -> upstreamBlobs = new StallingBlobStore(s)));
        cache = TestForge.startCache(dir.resolve("cache"), cacheOf(upstream, 0), Forge.Options.DEFAULTS.withClock(clock));
    }

    static ForgeConfig.Cache cacheOf(TestForge up, long maxBytes) {
        return new ForgeConfig.Cache(List.of(new ForgeConfig.Upstream(URI.create(up.baseUrl), up.adminToken)), maxBytes, TTL);
    }

    @AfterAll
    static void stop() throws Exception {
        cache.close();
        upstream.close();
    }

    /** A new upstream repository with a regular file and an LFS file of {@code size} random bytes; returns its id. */
    static String repoWith(TestForge up, String prefix, byte[] weights) throws Exception {
        String id = up.newModelRepo(prefix);
        Repo repo = up.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
        commit(up, repo, weights, "{\"v\": 1}\n");
        return id;
    }

    static String commit(TestForge up, Repo repo, byte[] weights, String config) throws Exception {
        LfsOid oid = up.forge.stores().blobs().put(new ByteArrayInputStream(weights));
        up.forge.stores().index().recordLfsUpload(repo.key(), oid.hex());
        return up.forge.commits.commit(up.admin, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("config.json", config.getBytes(StandardCharsets.UTF_8)),
                new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length)), "files");
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String commitOf(TestForge f, String id) throws Exception {
        return JSON.readTree(f.get("/api/models/" + id + "/revision/main").body()).path("sha").asText();
    }

    /** Waits until the cache has recorded {@code files} files of the commit (the record follows the answer's last byte). */
    static void awaitRecorded(TestForge f, String commit, int files) {
        while (f.forge.cache.revisions().stream().filter(r -> r.commit().equals(commit)).mapToInt(CacheFigures.CachedRevision::files).sum() < files) {
            Thread.onSpinWait();
        }
    }

    /** {@code json} without its {@code xetHash} fields, at any depth. */
    static com.fasterxml.jackson.databind.JsonNode withoutXetHashes(com.fasterxml.jackson.databind.JsonNode json) {
        if (json instanceof com.fasterxml.jackson.databind.node.ObjectNode o) o.remove("xetHash");
        json.forEach(PullThroughCacheTest::withoutXetHashes);
        return json;
    }

    @Test
    void answersAndFilesAreTheUpstreamsWithTheSameCommitIds() throws Exception {
        byte[] weights = random(2 * 1024 * 1024 + 5, 1);
        String id = repoWith(upstream, "same", weights);
        String commit = commitOf(upstream, id);
        assertThat(commitOf(cache, id)).isEqualTo(commit);
        for (String path : List.of("/api/models/" + id + "/revision/main", "/api/models/" + id + "/revision/" + commit,
                "/api/models/" + id + "/tree/main", "/api/models/" + id + "/tree/main?recursive=true&expand=true",
                "/api/models/" + id + "/refs", "/api/models/" + id + "/commits/main")) {
            HttpResponse<byte[]> up = upstream.get(path);
            HttpResponse<byte[]> here = cache.get(path);
            assertThat(here.statusCode()).as(path).isEqualTo(200);
            // the upstream's xetHash fields are the one difference: the cache never passes them on (see HubLikeUpstreamTest)
            assertThat(JSON.readTree(here.body())).as(path).isEqualTo(withoutXetHashes(JSON.readTree(up.body())));
        }
        HttpResponse<byte[]> paths = cache.send(cache.request("/api/models/" + id + "/paths-info/main")
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("paths=model.safetensors&expand=true")));
        assertThat(JSON.readTree(paths.body()).get(0).path("lfs").path("oid").asText()).isEqualTo(Hashes.sha256(weights));
        HttpResponse<byte[]> head = cache.head("/" + id + "/resolve/main/model.safetensors");
        assertThat(head.headers().firstValue("X-Repo-Commit")).contains(commit);
        assertThat(head.headers().firstValue("X-Linked-Etag")).contains("\"" + Hashes.sha256(weights) + "\"");
        assertThat(head.headers().firstValue("X-Linked-Size")).contains(Long.toString(weights.length));
        assertThat(upstream.head("/" + id + "/resolve/main/model.safetensors").headers().firstValue("X-Xet-Hash")).as("upstream").isPresent();
        assertThat(head.headers().firstValue("X-Xet-Hash")).as("the upstream's Xet header is not passed on").isEmpty();
        assertThat(Hashes.sha256(cache.get("/" + id + "/resolve/main/model.safetensors").body())).isEqualTo(Hashes.sha256(weights));
        HttpResponse<byte[]> config = cache.get("/" + id + "/resolve/" + commit + "/config.json");
        assertThat(new String(config.body(), StandardCharsets.UTF_8)).isEqualTo("{\"v\": 1}\n");
        assertThat(config.headers().firstValue("ETag")).isEqualTo(upstream.get("/" + id + "/resolve/main/config.json").headers().firstValue("ETag"));
        assertThat(cache.get("/" + id + "/raw/main/model.safetensors").body()).asString(StandardCharsets.UTF_8)
                .contains("oid sha256:" + Hashes.sha256(weights));
        // nothing of it is a repository here
        assertThat(cache.forge.repos.find(RepoType.MODEL, RepoId.parse(id))).isEmpty();
    }

    @Test
    void aCommitIdIsNeverAskedAgainAndServedAfterTheUpstreamLostIt() throws Exception {
        byte[] weights = random(300_000, 2);
        String id = repoWith(upstream, "immutable", weights);
        String commit = commitOf(cache, id);
        cache.get("/" + id + "/resolve/" + commit + "/model.safetensors");
        cache.get("/api/models/" + id + "/tree/" + commit);
        upstream.forge.repos.delete(upstream.adminActor(), RepoType.MODEL, RepoId.parse(id));
        assertThat(upstream.get("/api/models/" + id).statusCode()).isIn(401, 404);
        HttpResponse<byte[]> file = cache.get("/" + id + "/resolve/" + commit + "/model.safetensors");
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(Hashes.sha256(file.body())).isEqualTo(Hashes.sha256(weights));
        assertThat(cache.get("/api/models/" + id + "/tree/" + commit).statusCode()).isEqualTo(200);
        assertThat(cache.get("/api/models/" + id + "/revision/" + commit).statusCode()).isEqualTo(200);
    }

    @Test
    void aBranchIsAskedAgainOnlyAfterTheTtl() throws Exception {
        String id = repoWith(upstream, "ttl", random(1000, 3));
        String first = commitOf(cache, id);
        Repo repo = upstream.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
        String second = commit(upstream, repo, random(1000, 4), "{\"v\": 2}\n");
        assertThat(commitOf(cache, id)).as("within the TTL").isEqualTo(first);
        HttpResponse<byte[]> within = cache.get("/" + id + "/resolve/main/config.json");
        assertThat(within.body()).as(within.statusCode() + " " + within.headers().map()).asString(StandardCharsets.UTF_8).isEqualTo("{\"v\": 1}\n");
        clock.advance(Duration.ofSeconds(TTL + 1));
        assertThat(commitOf(cache, id)).as("after the TTL").isEqualTo(second);
        assertThat(cache.get("/" + id + "/resolve/main/config.json").body()).asString(StandardCharsets.UTF_8).isEqualTo("{\"v\": 2}\n");
    }

    @Test
    void twentyConcurrentClientsCauseOneUpstreamTransfer() throws Exception {
        byte[] weights = random(3 * 1024 * 1024, 5);
        String id = repoWith(upstream, "flight", weights);
        cache.get("/api/models/" + id); // resolve the branch first: the file is what is counted here
        upstreamBlobs.reset();
        upstreamBlobs.stallAt(1024 * 1024);
        List<CompletableFuture<HttpResponse<byte[]>>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(cache.http.sendAsync(cache.request("/" + id + "/resolve/main/model.safetensors").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        while (!upstreamBlobs.stalling()) Thread.onSpinWait();
        upstreamBlobs.release();
        for (CompletableFuture<HttpResponse<byte[]>> c : clients) {
            HttpResponse<byte[]> r = c.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Hashes.sha256(r.body())).isEqualTo(Hashes.sha256(weights));
        }
        assertThat(upstreamBlobs.opens()).as("upstream transfers of the object").isEqualTo(1);
    }

    @Test
    void aRangeOfAFileStillArrivingIsServed() throws Exception {
        byte[] weights = random(4 * 1024 * 1024, 6);
        String id = repoWith(upstream, "arriving", weights);
        String commit = commitOf(cache, id);
        int half = 2 * 1024 * 1024;
        upstreamBlobs.stallAt(half);
        HttpResponse<byte[]> range = cache.get("/" + id + "/resolve/" + commit + "/model.safetensors", "Range", "bytes=1000-" + (half - 1));
        // the upstream is still holding the second half: the file is not complete here
        assertThat(upstreamBlobs.stalling()).isTrue();
        assertThat(cache.forge.cache.revisions().stream().filter(r -> r.repoId().equals(id)).mapToInt(CacheFigures.CachedRevision::files).sum()).isZero();
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).contains("bytes 1000-" + (half - 1) + "/" + weights.length);
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(weights, 1000, half));
        CompletableFuture<HttpResponse<byte[]>> tail = cache.http.sendAsync(cache.request("/" + id + "/resolve/" + commit + "/model.safetensors")
                .header("Range", "bytes=" + (half + 10) + "-").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        upstreamBlobs.release();
        assertThat(tail.get().body()).isEqualTo(java.util.Arrays.copyOfRange(weights, half + 10, weights.length));
        assertThat(Hashes.sha256(cache.get("/" + id + "/resolve/" + commit + "/model.safetensors").body())).isEqualTo(Hashes.sha256(weights));
    }

    @Test
    void upstreamErrorsKeepTheirStatusAndCode() throws Exception {
        HttpResponse<byte[]> missing = cache.get("/api/models/admin/no-such-repo");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("X-Error-Code")).contains("RepoNotFound");
        String id = repoWith(upstream, "errors", random(100, 7));
        HttpResponse<byte[]> entry = cache.get("/" + id + "/resolve/main/nope.bin");
        assertThat(entry.statusCode()).isEqualTo(404);
        assertThat(entry.headers().firstValue("X-Error-Code")).contains("EntryNotFound");
        HttpResponse<byte[]> rev = cache.get("/api/models/" + id + "/revision/no-such-branch");
        assertThat(rev.statusCode()).isEqualTo(404);
        assertThat(rev.headers().firstValue("X-Error-Code")).contains("RevisionNotFound");
    }

    @Test
    void tooManyRequestsUpstreamIs429WithRetryAfterHere() throws Exception {
        try (TestForge limited = TestForge.start(dir.resolve("limited"), new ForgeConfig.Security(false, 2, 0, 1_000_000, 60, false));
             TestForge front = TestForge.startCache(dir.resolve("front"), new ForgeConfig.Cache(
                     List.of(new ForgeConfig.Upstream(URI.create(limited.baseUrl), "")), 0, 0), Forge.Options.DEFAULTS)) {
            String id = repoWith(limited, "busy", random(100, 8));
            HttpResponse<byte[]> last = null;
            for (int i = 0; i < 5 && (last == null || last.statusCode() != 429); i++) last = front.get("/api/models/" + id + "/refs");
            assertThat(last.statusCode()).isEqualTo(429);
            assertThat(last.headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void privateUpstreamRepositoriesAreNotServedAndNothingOfThemIsKept() throws Exception {
        upstream.createPrivateRepo(RepoType.MODEL, "admin/secret-weights");
        // the cache's token may read it upstream; a local user may not, signed in or not
        HttpResponse<byte[]> anonymous = cache.get("/api/models/admin/secret-weights");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("X-Error-Code")).contains("RepoNotFound");
        HttpResponse<byte[]> signed = cache.get("/api/models/admin/secret-weights", "Authorization", "Bearer " + cache.adminToken);
        assertThat(signed.statusCode()).isEqualTo(404);
        assertThat(signed.headers().firstValue("X-Error-Code")).contains("RepoNotFound");
        assertThat(cache.get("/admin/secret-weights/resolve/main/.gitattributes").statusCode()).isEqualTo(401);
        assertThat(cache.forge.cache.revisions()).noneMatch(r -> r.repoId().equals("admin/secret-weights"));
    }

    @Test
    void gatedUpstreamRepositoriesShowTheirCardButNotTheirFiles() throws Exception {
        String id = repoWith(upstream, "gated", random(1000, 9));
        upstream.forge.repos.updateSettings(upstream.adminActor(), RepoType.MODEL, RepoId.parse(id), null, Gating.MANUAL);
        assertThat(cache.get("/api/models/" + id).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> anonymous = cache.get("/" + id + "/resolve/main/model.safetensors");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("X-Error-Code")).contains("GatedRepo");
        HttpResponse<byte[]> signed = cache.get("/" + id + "/resolve/main/config.json", "Authorization", "Bearer " + cache.adminToken);
        assertThat(signed.statusCode()).isEqualTo(403);
        assertThat(signed.headers().firstValue("X-Error-Code")).contains("GatedRepo");
        assertThat(cache.forge.cache.revisions().stream().filter(r -> r.repoId().equals(id)).mapToInt(CacheFigures.CachedRevision::files).sum()).isZero();
    }

    @Test
    void aRepositoryHeldHereIsNeverTheCaches() throws Exception {
        String id = repoWith(upstream, "both", random(100, 10));
        cache.createRepo(RepoType.MODEL, id);
        HttpResponse<byte[]> local = cache.get("/" + id + "/resolve/main/config.json");
        assertThat(local.statusCode()).isEqualTo(404);
        assertThat(local.headers().firstValue("X-Error-Code")).contains("EntryNotFound");
    }

    @Test
    void theAirlocksRefusalIsTheClientsErrorAndNothingIsServed() throws Exception {
        PullGate refuseAll = new PullGate() {
            @Override
            public void checkRevision(dev.forge.service.account.Actor actor, Revision r) {
                if (r.repoId().contains("refused")) throw new Verdict.Refused("namespace", "not on the allow-list").toException();
            }

            @Override
            public boolean readsContent(String path) { return path.endsWith(".bin"); }

            @Override
            public void checkFile(dev.forge.service.account.Actor actor, Revision r, String path, long size, Bytes bytes) {
                try (var in = bytes.open()) {
                    if (path.endsWith(".bin") && in.readAllBytes().length > 0) throw new Verdict.Refused("pickle", "a pickle file").toException();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        try (TestForge gated = TestForge.startCache(dir.resolve("airlocked"), cacheOf(upstream, 0), Forge.Options.DEFAULTS.withPullGate(refuseAll))) {
            String refused = repoWith(upstream, "refused", random(100, 11));
            HttpResponse<byte[]> r = gated.get("/api/models/" + refused);
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("X-Error-Code")).contains("AirlockRefused");
            assertThat(r.headers().firstValue("X-Airlock-Rule")).contains("namespace");
            String id = upstream.newModelRepo("pickled");
            Repo repo = upstream.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
            upstream.forge.commits.commit(upstream.admin, repo, "main", Optional.empty(), List.of(
                    new CommitOperation.AddFile("pytorch_model.bin", new byte[] {(byte) 0x80, 2, 'N', '.'})), "pickle");
            HttpResponse<byte[]> file = gated.get("/" + id + "/resolve/main/pytorch_model.bin");
            assertThat(file.statusCode()).isEqualTo(403);
            assertThat(file.headers().firstValue("X-Airlock-Rule")).contains("pickle");
            assertThat(gated.get("/" + id + "/resolve/main/pytorch_model.bin").statusCode()).as("refused again, not served from the cache").isEqualTo(403);
        }
    }

    @Test
    void theRealAirlockRefusesThroughTheCacheNamingItsRule() throws Exception {
        String allowed = repoWith(upstream, "airlocked-ok", random(100, 16));
        String id = upstream.newModelRepo("airlocked-pickle");
        Repo repo = upstream.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
        upstream.forge.commits.commit(upstream.admin, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("pytorch_model.bin", new byte[] {(byte) 0x80, 2, 'N', '.'})), "pickle");
        ForgeConfig.Airlock policy = new ForgeConfig.Airlock(List.of(), List.of("evil*"), List.of(), ForgeConfig.Airlock.Pickle.REFUSE, 0, 0);
        try (TestForge front = TestForge.startCache(dir.resolve("real-airlock"), cacheOf(upstream, 0), policy)) {
            assertThat(front.get("/" + allowed + "/resolve/main/config.json").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> refused = front.get("/" + id + "/resolve/main/pytorch_model.bin");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("X-Error-Code")).contains("AirlockRefused");
            assertThat(refused.headers().firstValue("X-Airlock-Rule")).contains("file-format");
        }
    }

    @Test
    void pastTheLimitTheLeastRecentlyUsedRevisionIsEvictedWhole() throws Exception {
        try (TestForge small = TestForge.startCache(dir.resolve("small"), cacheOf(upstream, 1_500_000), Forge.Options.DEFAULTS.withClock(clock))) {
            String a = repoWith(upstream, "lru-a", random(1_000_000, 12));
            String b = repoWith(upstream, "lru-b", random(1_000_000, 13));
            String ca = commitOf(small, a);
            assertThat(small.get("/" + a + "/resolve/main/model.safetensors").statusCode()).isEqualTo(200);
            clock.advance(Duration.ofSeconds(1));
            String cb = commitOf(small, b);
            assertThat(small.get("/" + b + "/resolve/main/model.safetensors").statusCode()).isEqualTo(200);
            // the fetch records the file and then evicts, after the answer's last byte: wait for both
            awaitRecorded(small, cb, 1);
            while (small.forge.cache.figures().cachedBytes() > 1_500_000) Thread.onSpinWait();
            assertThat(small.forge.cache.revisions()).noneMatch(r -> r.commit().equals(ca));
            assertThat(small.forge.cache.figures().cachedBytes()).isLessThanOrEqualTo(1_500_000);
            upstreamBlobs.reset();
            assertThat(small.get("/" + a + "/resolve/" + ca + "/model.safetensors").statusCode()).isEqualTo(200);
            assertThat(upstreamBlobs.opens()).as("an evicted file is fetched again").isEqualTo(1);
        }
    }

    @Test
    void figuresCountHitsMissesAndAFileInTwoRevisionsOnce() throws Exception {
        byte[] weights = random(500_000, 14);
        String id = repoWith(upstream, "figures", weights);
        String first = commitOf(cache, id);
        cache.get("/" + id + "/resolve/" + first + "/model.safetensors");
        awaitRecorded(cache, first, 1);
        Repo repo = upstream.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
        String second = commit(upstream, repo, weights, "{\"v\": 3}\n");
        long before = cache.forge.cache.figures().cachedBytes();
        CacheFigures.Figures f0 = cache.forge.cache.figures();
        cache.get("/" + id + "/resolve/" + second + "/model.safetensors");
        awaitRecorded(cache, second, 1);
        cache.get("/" + id + "/resolve/" + second + "/model.safetensors");
        CacheFigures.Figures f = cache.forge.cache.figures();
        assertThat(f.cachedBytes()).as("the same object in two revisions counts once").isEqualTo(before);
        assertThat(f.hits()).isGreaterThan(f0.hits());
        assertThat(f.misses()).isGreaterThan(f0.misses());
        assertThat(f.hitRate()).isBetween(0.0, 1.0);
        assertThat(cache.forge.cache.evict(RepoType.MODEL, id)).isEqualTo(2);
        assertThat(cache.forge.cache.revisions()).noneMatch(r -> r.repoId().equals(id));
    }

    @Test
    void withTheUpstreamDownWhatIsCachedIsServed() throws Exception {
        byte[] weights = random(200_000, 15);
        TestForge up = TestForge.start(dir.resolve("doomed"));
        try (TestForge front = TestForge.startCache(dir.resolve("offline"), new ForgeConfig.Cache(
                List.of(new ForgeConfig.Upstream(URI.create(up.baseUrl), up.adminToken)), 0, 0), Forge.Options.DEFAULTS)) {
            String id = repoWith(up, "offline", weights);
            String commit = commitOf(front, id);
            front.get("/" + id + "/resolve/main/model.safetensors");
            front.get("/api/models/" + id + "/tree/main");
            front.get("/api/models/" + id + "/refs");
            String other = repoWith(up, "never-asked", weights);
            up.close();
            assertThat(commitOf(front, id)).isEqualTo(commit);
            HttpResponse<byte[]> file = front.get("/" + id + "/resolve/main/model.safetensors");
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(Hashes.sha256(file.body())).isEqualTo(Hashes.sha256(weights));
            assertThat(front.get("/api/models/" + id + "/tree/main").statusCode()).isEqualTo(200);
            assertThat(front.get("/api/models/" + id + "/refs").statusCode()).isEqualTo(200);
            assertThat(front.get("/api/models/" + other).statusCode()).as("never cached").isEqualTo(503);
            assertThat(front.get("/" + id + "/resolve/main/config.json").statusCode()).as("not fetched before").isEqualTo(503);
        }
    }

    @Test
    void aWarmReadWritesNoLastUseTimeUntilTheFlush() throws Exception {
        byte[] weights = random(300_000, 17);
        String id = repoWith(upstream, "last-use", weights);
        String commit = commitOf(upstream, id);
        // a cache of its own over the cache forge's database: the forge's background flush never writes for it
        var jdbi = cache.forge.stores().database().jdbi();
        var dao = new dev.forge.meta.CacheDao(jdbi);
        PullThroughCache own = new PullThroughCache(cacheOf(upstream, 0), dao, cache.forge.stores().index(), cache.forge.stores().blobs(),
                java.nio.file.Files.createTempDirectory(dir, "own-tmp"), PullGate.OPEN, clock, (t, i) -> false);
        dev.forge.service.account.Actor anyone = dev.forge.service.account.Actor.anonymous("127.0.0.1");
        PullThroughCache.CachedFile cold = own.resolve(anyone, RepoType.MODEL, RepoId.parse(id), "main", "model.safetensors");
        try (var ch = cold.bytes().open()) {
            assertThat(Hashes.sha256(java.nio.channels.Channels.newInputStream(ch).readAllBytes())).isEqualTo(Hashes.sha256(weights));
        }
        own.flushUses();
        // the file's record follows its last byte: wait for it, so that the next read is a warm one
        while (dao.revisions().stream().noneMatch(r -> r.commit().equals(commit) && r.files() == 1)) Thread.onSpinWait();
        long first = lastUsed(dao, id, commit);
        clock.advance(Duration.ofSeconds(30));
        PullThroughCache.CachedFile warm = own.resolve(anyone, RepoType.MODEL, RepoId.parse(id), commit, "model.safetensors");
        try (var ch = warm.bytes().open()) {
            assertThat(ch.size()).isEqualTo(weights.length);
        }
        assertThat(lastUsed(dao, id, commit)).as("a cached read writes nothing").isEqualTo(first);
        own.flushUses();
        assertThat(lastUsed(dao, id, commit)).as("the flush writes the read's time").isEqualTo(clock.millis());
    }

    private static long lastUsed(dev.forge.meta.CacheDao dao, String id, String commit) {
        return dao.revisions().stream().filter(r -> r.id().equals(id) && r.commit().equals(commit)).findFirst().orElseThrow().lastUsed();
    }
}
