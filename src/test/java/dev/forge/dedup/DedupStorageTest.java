package dev.forge.dedup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.admin.StorageService;
import dev.forge.storage.LayeredBlobStore;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/**
 * The chunk store behind the real server: LFS uploads over HTTP deduplicate, downloads and ranges answer as
 * before, {@code /api/{type}/{ns}/{name}/storage} reports a repository's figures (and hides private ones), gc
 * reclaims a deleted repository's bytes, fsck finds a corrupted chunk.
 */
class DedupStorageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LFS_JSON = "application/vnd.git-lfs+json";
    @TempDir
    static Path dir;
    static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir, new ForgeConfig.Storage(ForgeConfig.Storage.Kind.CHUNKS, 0));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }


    static String basic() {
        return basic(tf);
    }

    static String basic(TestForge tf) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + tf.adminToken).getBytes(StandardCharsets.UTF_8));
    }

    static void upload(String repoId, String path, byte[] content) throws Exception {
        upload(tf, repoId, path, content);
    }

    /** Uploads through the LFS batch API and a basic PUT, then commits a pointer on main. */
    static void upload(TestForge tf, String repoId, String path, byte[] content) throws Exception {
        String oid = sha256(content);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("operation", "upload");
        req.put("transfers", List.of("basic"));
        req.put("objects", List.of(Map.of("oid", oid, "size", content.length)));
        HttpResponse<byte[]> r = tf.send(tf.request("/" + repoId + ".git/info/lfs/objects/batch")
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON).header("Authorization", basic(tf))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode o = JSON.readTree(r.body()).path("objects").get(0);
        if (o.has("actions")) {
            String href = o.path("actions").path("upload").path("href").asText();
            HttpResponse<byte[]> put = tf.send(HttpRequest.newBuilder(URI.create(href)).PUT(HttpRequest.BodyPublishers.ofByteArray(content)));
            assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        }
        Repo repo = tf.forge.repos.find(RepoType.MODEL, RepoId.parse(repoId)).orElseThrow();
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddLfsFile(path, new LfsOid(oid), content.length)), "add " + path);
    }

    static JsonNode storage(String repoId, String... headers) throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/models/" + repoId + "/storage", headers);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void uploadsDeduplicateAndTheStorageFiguresSaySo() throws Exception {
        assertThat(tf.forge.stores().blobs()).isInstanceOf(LayeredBlobStore.class);
        byte[] base = random(3_000_000, 1);
        String a = tf.newModelRepo("dedup-base");
        String b = tf.newModelRepo("dedup-copy");
        upload(a, "model.safetensors", base);
        long afterBase = tf.forge.storage.globalUsage().storedBytes();
        upload(b, "model.safetensors", base);                          // a copy: no bytes
        assertThat(tf.forge.storage.globalUsage().storedBytes()).isEqualTo(afterBase);
        assertThat(storage(b).path("lfsObjects").asLong()).as("figures before the next commit (then cached)").isEqualTo(1);
        byte[] edited = base.clone();
        byte[] header = "{\"__metadata__\":{\"edited\":\"yes\"}}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(header, 0, edited, 8, header.length);
        upload(b, "edited.safetensors", edited);                        // a header edit: about one chunk
        long growth = tf.forge.storage.globalUsage().storedBytes() - afterBase;
        assertThat(growth).isLessThan(200_000);

        JsonNode sb = storage(b);
        assertThat(sb.path("lfsObjects").asLong()).as("the commit moved a ref, so the cached figures were dropped").isEqualTo(2);
        assertThat(sb.path("logicalBytes").asLong()).isEqualTo(2L * base.length);
        assertThat(sb.path("storedBytes").asLong()).isBetween((long) base.length, base.length + 200_000L);
        assertThat(sb.path("usedStorage").asLong()).isEqualTo(sb.path("storedBytes").asLong());
        assertThat(sb.path("savedBytes").asLong()).isEqualTo(sb.path("logicalBytes").asLong() - sb.path("storedBytes").asLong());

        // downloads and ranges answer exactly as with the plain store
        HttpResponse<byte[]> whole = tf.get("/" + b + "/resolve/main/edited.safetensors");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(edited);
        assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + sha256(edited) + "\"");
        for (int[] r : new int[][] {{0, 99}, {131_000, 1_200_000}, {edited.length - 10, edited.length - 1}}) {
            HttpResponse<byte[]> part = tf.get("/" + b + "/resolve/main/edited.safetensors", "Range", "bytes=" + r[0] + "-" + r[1]);
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes " + r[0] + "-" + r[1] + "/" + edited.length);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(edited, r[0], r[1] + 1));
        }
        assertThat(tf.get("/" + b + "/resolve/main/edited.safetensors", "Range", "bytes=" + edited.length + "-").statusCode()).isEqualTo(416);
        assertThat(tf.forge.fsck.run(s -> {}).problems()).isEmpty();
    }

    @Test
    void theStorageEndpointHidesPrivateRepositoriesAndRefusesBadInput() throws Exception {
        tf.createPrivateRepo(RepoType.MODEL, "admin/dedup-secret");
        upload("admin/dedup-secret", "w.bin", random(100_000, 2));
        HttpResponse<byte[]> anon = tf.get("/api/models/admin/dedup-secret/storage");
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        User other = tf.forge.auth.createUser("dedup-other", "Other", "other@example.com", false);
        String otherToken = tf.forge.auth.createToken(other, "t", Token.Role.READ).secret();
        HttpResponse<byte[]> stranger = tf.get("/api/models/admin/dedup-secret/storage", "Authorization", "Bearer " + otherToken);
        assertThat(stranger.statusCode()).isEqualTo(404);
        assertThat(stranger.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        assertThat(storage("admin/dedup-secret", "Authorization", "Bearer " + tf.adminToken).path("lfsObjects").asLong()).isEqualTo(1);
        // malformed and hostile names
        for (String path : new String[] {"/api/models/admin/..%2F..%2Fetc/storage", "/api/models/admin/no-such-repo/storage",
                "/api/widgets/admin/x/storage", "/api/models/admin/" + "a".repeat(500) + "/storage"}) {
            HttpResponse<byte[]> r = tf.get(path);
            assertThat(r.statusCode()).as(path).isIn(400, 401, 404);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        }
        HttpResponse<byte[]> post = tf.send(tf.request("/api/models/admin/dedup-secret/storage").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(post.statusCode()).isIn(404, 405);
    }

    @Test
    void concurrentStorageQueriesAgree() throws Exception {
        String repo = tf.newModelRepo("dedup-concurrent");
        upload(repo, "a.bin", random(500_000, 3));
        JsonNode expected = storage(repo);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < 32; i++) answers.add(pool.submit(() -> storage(repo)));
            for (Future<JsonNode> f : answers) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void gcReclaimsADeletedRepositoryAndFsckFindsACorruptChunk() throws Exception {
        byte[] shared = random(1_000_000, 4);
        byte[] own = random(1_500_000, 5);
        String keep = tf.newModelRepo("dedup-keep");
        String gone = tf.newModelRepo("dedup-gone");
        upload(keep, "shared.bin", shared);
        upload(gone, "shared.bin", shared);
        upload(gone, "own.bin", own);
        assertThat(tf.forge.stores().blobs().size(new LfsOid(sha256(own)))).isPresent();
        tf.forge.repos.delete(tf.adminActor(), RepoType.MODEL, RepoId.parse(gone));
        var report = tf.forge.storage.gc(s -> {});
        assertThat(report.filesRemoved()).isGreaterThanOrEqualTo(1);
        assertThat(tf.forge.stores().blobs().size(new LfsOid(sha256(own)))).isEmpty();
        assertThat(tf.get("/" + keep + "/resolve/main/shared.bin").body()).isEqualTo(shared);
        var second = tf.forge.storage.gc(s -> {});   // trash from the first run goes now
        assertThat(second.packsDeleted() + report.packsDeleted()).isGreaterThanOrEqualTo(1);
        assertThat(tf.forge.fsck.run(s -> {}).problems()).isEmpty();

        // damage one byte of a stored chunk: fsck names the chunk and the file
        LayeredBlobStore layered = (LayeredBlobStore) tf.forge.stores().blobs();
        Path pack = java.nio.file.Files.find(dir.resolve("chunks/packs"), 2, (p, at) -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(1000);
            int v = f.read();
            f.seek(1000);
            f.write(v ^ 0x40);
        }
        List<String> problems = tf.forge.fsck.run(s -> {}).problems();
        assertThat(problems).anyMatch(p -> p.contains("is corrupt"));
        assertThat(layered.chunks().fsck(s -> {}).problems()).isNotEmpty();
        // repair for the other tests: flip it back
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(1000);
            int v = f.read();
            f.seek(1000);
            f.write(v ^ 0x40);
        }
        assertThat(tf.forge.fsck.run(s -> {}).problems()).isEmpty();
    }

    @Test
    void usageFiguresForTheWholeStore() throws Exception {
        StorageService.Usage u = tf.forge.storage.globalUsage();
        assertThat(u.storedBytes()).isLessThanOrEqualTo(u.logicalBytes() + 10_000_000);
        assertThat(u.savedBytes()).isEqualTo(u.logicalBytes() - u.storedBytes());
    }
}
