package dev.forge.git;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.app.Forge;
import dev.forge.testing.ManualClock;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.forge.git.GitFixtures.JSON;
import static dev.forge.git.GitFixtures.body;
import static dev.forge.git.GitFixtures.json;
import static dev.forge.git.GitFixtures.randomBytes;
import static dev.forge.testing.Hashes.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Git LFS batch API and its transfer URLs, spoken over raw HTTP: signed hrefs that work without an
 * Authorization header and only for what they were signed for, verified uploads that never store wrong
 * bytes, range downloads, per-object errors, and concurrent uploads of one object.
 */
class LfsTransferTest {
    private static final String LFS_JSON = "application/vnd.git-lfs+json";
    private static final AtomicInteger SEQ = new AtomicInteger();

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

    // --------------------------------------------------------------------------------------- helpers

    private static HttpResponse<byte[]> batch(TestForge forge, String repoId, String authorization, String rawJson)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = forge.request("/" + repoId + ".git/info/lfs/objects/batch")
                .header("Accept", LFS_JSON)
                .header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(rawJson));
        if (authorization != null) b.header("Authorization", authorization);
        return forge.send(b);
    }

    private static String batchJson(String operation, String oid, long size) throws IOException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("operation", operation);
        req.put("transfers", List.of("basic"));
        req.put("ref", Map.of("name", "refs/heads/main"));
        req.put("objects", List.of(Map.of("oid", oid, "size", size)));
        req.put("hash_algo", "sha256");
        return JSON.writeValueAsString(req);
    }

    private static String admin(TestForge forge) {
        return GitFixtures.basic("admin", forge.adminToken);
    }

    /** An OK batch answer's single object. */
    private static JsonNode batchObject(TestForge forge, String repoId, String operation, String oid, long size)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> r = batch(forge, repoId, admin(forge), batchJson(operation, oid, size));
        assertThat(r.statusCode()).as("batch: %s", body(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(LFS_JSON));
        JsonNode n = json(r);
        assertThat(n.path("transfer").asText()).isEqualTo("basic");
        assertThat(n.path("objects")).hasSize(1);
        JsonNode o = n.path("objects").get(0);
        assertThat(o.path("oid").asText()).isEqualTo(oid);
        return o;
    }

    private static String href(JsonNode object, String action) {
        JsonNode h = object.path("actions").path(action).path("href");
        assertThat(h.isTextual()).as("actions.%s.href in %s", action, object).isTrue();
        return h.asText();
    }

    private static HttpResponse<byte[]> put(TestForge forge, String href, byte[] bytes) throws IOException, InterruptedException {
        return forge.send(HttpRequest.newBuilder(URI.create(href)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    /** A PUT without Content-Length (chunked), so the server can only learn the size by reading. */
    private static HttpResponse<byte[]> putChunked(TestForge forge, String href, byte[] bytes) throws IOException, InterruptedException {
        return forge.send(HttpRequest.newBuilder(URI.create(href))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    }

    private static HttpResponse<byte[]> postVerify(TestForge forge, String href, String oid, long size) throws IOException, InterruptedException {
        return forge.send(HttpRequest.newBuilder(URI.create(href))
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString("{\"oid\":\"" + oid + "\",\"size\":" + size + "}")));
    }

    private static HttpResponse<byte[]> get(TestForge forge, String href, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(href)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return forge.send(b);
    }

    private static Optional<Long> stored(TestForge forge, String oid) throws IOException {
        return forge.forge.stores().blobs().size(new LfsOid(oid));
    }

    private static byte[] readStored(TestForge forge, String oid) throws IOException {
        try (SeekableByteChannel ch = forge.forge.stores().blobs().open(new LfsOid(oid))) {
            ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(ch.size()));
            while (buf.hasRemaining() && ch.read(buf) >= 0) { }
            return buf.array();
        }
    }

    /** Uploads through the batch API and commits a pointer to it on main, so the repository references it. */
    private static void uploadAndReference(String repoId, byte[] content, String path) throws Exception {
        String oid = sha256(content);
        JsonNode o = batchObject(tf, repoId, "upload", oid, content.length);
        if (o.has("actions")) assertThat(put(tf, href(o, "upload"), content).statusCode()).isEqualTo(200);
        Repo repo = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(repoId)).orElseThrow();
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddLfsFile(path, new LfsOid(oid), content.length)), "add " + path);
    }

    private static void assertLfsError(HttpResponse<byte[]> r, int status) throws IOException {
        assertThat(r.statusCode()).as("status of %s", body(r)).isEqualTo(status);
        JsonNode n = json(r);
        assertThat(n.path("message").isTextual()).as("'message' in %s", body(r)).isTrue();
        assertThat(n.path("message").asText()).isNotBlank();
    }

    /** The href with the n-th character of its {@code t=} grant's signature changed. */
    private static String tamper(String href) {
        int t = href.indexOf("t=") + 2;
        int dot = href.indexOf('.', t);
        int at = dot + 5;
        char c = href.charAt(at);
        char replacement = c == 'A' ? 'B' : 'A';
        return href.substring(0, at) + replacement + href.substring(at + 1);
    }

    // --------------------------------------------------------------------------------------- round trip

    @Test
    void uploadVerifyRepeatAndDownloadWithRanges() throws Exception {
        String repoId = newRepo("roundtrip");
        byte[] content = randomBytes(11, 100_000);
        String oid = sha256(content);

        JsonNode up = batchObject(tf, repoId, "upload", oid, content.length);
        assertThat(up.path("size").asLong()).isEqualTo(content.length);
        assertThat(up.has("error")).isFalse();
        String uploadHref = href(up, "upload");
        String verifyHref = href(up, "verify");
        assertThat(uploadHref).startsWith(tf.baseUrl + "/lfs/objects/").contains(oid).contains("t=");
        assertThat(verifyHref).startsWith(tf.baseUrl + "/lfs/objects/").contains(oid + "/verify");

        // verify before the bytes exist fails
        assertThat(postVerify(tf, verifyHref, oid, content.length).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> putR = put(tf, uploadHref, content); // no Authorization header
        assertThat(putR.statusCode()).as("PUT: %s", body(putR)).isEqualTo(200);
        assertThat(stored(tf, oid)).contains((long) content.length);
        assertThat(readStored(tf, oid)).isEqualTo(content);

        HttpResponse<byte[]> verifyR = postVerify(tf, verifyHref, oid, content.length);
        assertThat(verifyR.statusCode()).as("verify: %s", body(verifyR)).isEqualTo(200);

        JsonNode again = batchObject(tf, repoId, "upload", oid, content.length);
        assertThat(again.has("actions")).as("already stored: %s", again).isFalse();
        assertThat(again.has("error")).isFalse();

        Repo repo = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(repoId)).orElseThrow();
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddLfsFile("weights.bin", new LfsOid(oid), content.length)), "add weights");

        JsonNode down = batchObject(tf, repoId, "download", oid, content.length);
        assertThat(down.has("error")).as("%s", down).isFalse();
        assertThat(down.path("size").asLong()).isEqualTo(content.length);
        String downloadHref = href(down, "download");

        HttpResponse<byte[]> whole = get(tf, downloadHref);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(content);
        assertThat(whole.headers().firstValue("Accept-Ranges")).contains("bytes");

        HttpResponse<byte[]> part = get(tf, downloadHref, "Range", "bytes=1000-1999");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).contains("bytes 1000-1999/" + content.length);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 2000));

        HttpResponse<byte[]> resume = get(tf, downloadHref, "Range", "bytes=99990-");
        assertThat(resume.statusCode()).isEqualTo(206);
        assertThat(resume.headers().firstValue("Content-Range")).contains("bytes 99990-99999/" + content.length);
        assertThat(resume.body()).isEqualTo(Arrays.copyOfRange(content, 99_990, 100_000));

        HttpResponse<byte[]> suffix = get(tf, downloadHref, "Range", "bytes=-10");
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(content, 99_990, 100_000));

        HttpResponse<byte[]> beyond = get(tf, downloadHref, "Range", "bytes=" + content.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).contains("bytes */" + content.length);

        // a download grant is not an upload grant, nor a grant for the upload URL's size-less twin
        String downloadGrant = downloadHref.substring(downloadHref.indexOf("t="));
        String base = uploadHref.substring(0, uploadHref.indexOf('?'));
        assertThat(put(tf, base + "?size=" + content.length + "&" + downloadGrant, content).statusCode()).isEqualTo(403);
        assertThat(get(tf, uploadHref).statusCode()).as("an upload grant does not download").isEqualTo(403);
    }

    // --------------------------------------------------------------------------------------- bad uploads

    @Test
    void bytesThatDoNotHashToTheOidAreRefusedAndNotStored() throws Exception {
        String repoId = newRepo("badhash");
        byte[] content = randomBytes(12, 20_000);
        String oid = sha256(content);
        String href = href(batchObject(tf, repoId, "upload", oid, content.length), "upload");

        byte[] wrong = content.clone();
        wrong[12_345] ^= 1;
        HttpResponse<byte[]> r = put(tf, href, wrong);
        assertLfsError(r, 400);
        assertThat(stored(tf, oid)).isEmpty();
        assertThat(stored(tf, sha256(wrong))).as("nor under the hash of what was sent").isEmpty();

        HttpResponse<byte[]> chunked = putChunked(tf, href, wrong);
        assertLfsError(chunked, 400);
        assertThat(stored(tf, oid)).isEmpty();

        // the same grant still accepts the right bytes afterwards
        assertThat(put(tf, href, content).statusCode()).isEqualTo(200);
        assertThat(stored(tf, oid)).contains((long) content.length);
    }

    @Test
    void bodiesShorterOrLongerThanTheSignedSizeAreRefusedAndNotStored() throws Exception {
        String repoId = newRepo("badsize");
        byte[] content = randomBytes(13, 30_000);
        String oid = sha256(content);
        String href = href(batchObject(tf, repoId, "upload", oid, content.length), "upload");
        byte[] shorter = Arrays.copyOf(content, content.length - 1);
        byte[] longer = Arrays.copyOf(content, content.length + 1);

        for (HttpResponse<byte[]> r : List.of(put(tf, href, shorter), put(tf, href, longer),
                putChunked(tf, href, shorter), putChunked(tf, href, longer))) {
            assertThat(r.statusCode()).as("PUT of a wrong length: %s", body(r)).isBetween(400, 499);
            assertThat(stored(tf, oid)).isEmpty();
        }

        // a size the grant was not signed for is refused too, whatever the bytes
        String resized = href.replace("size=" + content.length, "size=" + (content.length - 1));
        assertThat(put(tf, resized, shorter).statusCode()).isEqualTo(403);
        assertThat(stored(tf, oid)).isEmpty();
    }

    @Test
    void tamperedForeignAndMissingGrantsAreForbidden() throws Exception {
        String repoId = newRepo("grants");
        byte[] a = randomBytes(14, 5_000);
        byte[] b = randomBytes(15, 5_000);
        String oidA = sha256(a);
        String oidB = sha256(b);
        JsonNode objA = batchObject(tf, repoId, "upload", oidA, a.length);
        String hrefA = href(objA, "upload");

        HttpResponse<byte[]> tampered = put(tf, tamper(hrefA), a);
        assertLfsError(tampered, 403);
        assertThat(stored(tf, oidA)).isEmpty();

        String expiryTampered = hrefA.replaceFirst("t=(\\d+)", "t=" + (Long.parseLong(grantExpiry(hrefA)) + 100));
        assertThat(put(tf, expiryTampered, a).statusCode()).as("a longer expiry is not signed").isEqualTo(403);

        HttpResponse<byte[]> foreign = put(tf, hrefA.replace(oidA, oidB), b);
        assertLfsError(foreign, 403);
        assertThat(stored(tf, oidB)).isEmpty();

        String noGrant = hrefA.substring(0, hrefA.indexOf("&t="));
        assertThat(put(tf, noGrant, a).statusCode()).isEqualTo(403);

        // a grant for another repository's key does not carry over
        String otherRepo = newRepo("grants-other");
        String otherKey = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(otherRepo)).orElseThrow().key();
        String ownKey = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(repoId)).orElseThrow().key();
        assertThat(put(tf, hrefA.replace(ownKey, otherKey), a).statusCode()).isEqualTo(403);

        assertThat(stored(tf, oidA)).isEmpty();
        assertThat(put(tf, hrefA, a).statusCode()).as("the untampered href still works").isEqualTo(200);
    }

    private static String grantExpiry(String href) {
        int t = href.indexOf("t=") + 2;
        return href.substring(t, href.indexOf('.', t));
    }

    @Test
    void expiredGrantsAreForbidden() throws Exception {
        ForgeConfig.Limits d = ForgeConfig.Limits.defaults();
        ForgeConfig.Limits shortLived = new ForgeConfig.Limits(d.maxRegularFileBytes(), d.maxPushBytes(), d.maxJsonBodyBytes(),
                d.maxBatchObjects(), 1);
        ManualClock clock = new ManualClock(Instant.now());
        try (TestForge quick = TestForge.start(dir.resolve("quick"), shortLived, Forge.Options.DEFAULTS.withClock(clock))) {
            quick.createRepo(RepoType.MODEL, "admin/expiring");
            byte[] content = randomBytes(16, 4_000);
            String oid = sha256(content);
            JsonNode o = batchObject(quick, "admin/expiring", "upload", oid, content.length);
            assertThat(o.path("actions").path("upload").path("expires_in").asInt()).isEqualTo(1);
            String href = href(o, "upload");
            long expiry = Long.parseLong(grantExpiry(href));
            assertThat(expiry).isEqualTo(clock.instant().getEpochSecond() + 1);
            String verify = href(o, "verify");
            assertThat(postVerify(quick, verify, oid, content.length).statusCode()).as("valid until then: the object is just not there yet")
                    .isEqualTo(404);
            // the grant is valid through its expiry second; move the forge's clock past it
            clock.advance(Duration.ofSeconds(2));

            HttpResponse<byte[]> r = put(quick, href, content);
            assertLfsError(r, 403);
            assertThat(r.headers().firstValue("X-Error-Message")).hasValueSatisfying(v -> assertThat(v).contains("expired"));
            assertThat(stored(quick, oid)).isEmpty();
            assertLfsError(postVerify(quick, verify, oid, content.length), 403);

            // a fresh grant works at once
            String fresh = href(batchObject(quick, "admin/expiring", "upload", oid, content.length), "upload");
            assertThat(put(quick, fresh, content).statusCode()).isEqualTo(200);
        }
    }

    // --------------------------------------------------------------------------------------- batch errors

    @Test
    void anonymousUploadBatchIsAskedForCredentials() throws Exception {
        String repoId = newRepo("anon");
        String oid = sha256(randomBytes(17, 10));
        HttpResponse<byte[]> r = batch(tf, repoId, null, batchJson("upload", oid, 10));
        assertLfsError(r, 401);
        assertThat(r.headers().firstValue("LFS-Authenticate")).as("headers %s", r.headers().map())
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));

        // a private repository asks anonymous downloaders for credentials the same way
        String privateId = "admin/private-" + SEQ.incrementAndGet();
        tf.createPrivateRepo(RepoType.MODEL, privateId);
        HttpResponse<byte[]> p = batch(tf, privateId, null, batchJson("download", oid, 10));
        assertLfsError(p, 401);
        assertThat(p.headers().firstValue("LFS-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        HttpResponse<byte[]> authed = batch(tf, privateId, admin(tf), batchJson("download", oid, 10));
        assertThat(authed.statusCode()).isEqualTo(200);
    }

    @Test
    void readOnlyTokenCannotUploadButCanDownload() throws Exception {
        String repoId = newRepo("ro");
        byte[] content = randomBytes(18, 1_000);
        uploadAndReference(repoId, content, "w.bin");
        String ro = tf.forge.auth.createToken(tf.admin, "ro-lfs", dev.forge.core.Token.Role.READ).secret();

        byte[] other = randomBytes(19, 1_000);
        HttpResponse<byte[]> up = batch(tf, repoId, GitFixtures.basic("admin", ro), batchJson("upload", sha256(other), other.length));
        assertLfsError(up, 403);

        HttpResponse<byte[]> down = batch(tf, repoId, GitFixtures.basic("admin", ro), batchJson("download", sha256(content), content.length));
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(json(down).path("objects").get(0).path("actions").path("download").path("href").isTextual()).isTrue();
    }

    @Test
    void downloadOfAnObjectThisRepositoryDoesNotReferenceIsAPerObject404() throws Exception {
        String owner = newRepo("owner");
        String stranger = newRepo("stranger");
        byte[] content = randomBytes(20, 2_000);
        String oid = sha256(content);
        uploadAndReference(owner, content, "secret.bin");
        assertThat(stored(tf, oid)).contains((long) content.length);

        JsonNode o = batchObject(tf, stranger, "download", oid, content.length);
        assertThat(o.has("actions")).as("%s", o).isFalse();
        assertThat(o.path("error").path("code").asInt()).isEqualTo(404);
        assertThat(o.path("error").path("message").asText()).isNotBlank();

        // uploaded to a repository but never committed there: not downloadable either
        String uploader = newRepo("uploader");
        byte[] loose = randomBytes(21, 2_000);
        String looseOid = sha256(loose);
        assertThat(put(tf, href(batchObject(tf, uploader, "upload", looseOid, loose.length), "upload"), loose).statusCode()).isEqualTo(200);
        JsonNode l = batchObject(tf, uploader, "download", looseOid, loose.length);
        assertThat(l.has("actions")).isFalse();
        assertThat(l.path("error").path("code").asInt()).isEqualTo(404);

        // the owner's download grant does not open the object through the stranger's key
        String href = href(batchObject(tf, owner, "download", oid, content.length), "download");
        String ownerKey = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(owner)).orElseThrow().key();
        String strangerKey = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(stranger)).orElseThrow().key();
        assertThat(get(tf, href).statusCode()).isEqualTo(200);
        assertThat(get(tf, href.replace(ownerKey, strangerKey)).statusCode()).isEqualTo(403);
    }

    @Test
    void malformedBatchRequestsAreClientErrorsWithAMessage() throws Exception {
        String repoId = newRepo("malformed");
        String auth = admin(tf);
        String oid = sha256(randomBytes(22, 10));

        assertLfsError4xx(batch(tf, repoId, auth, "{\"operation\": \"upload\", \"objects\": ["));
        assertLfsError4xx(batch(tf, repoId, auth, "not json at all"));
        assertLfsError4xx(batch(tf, repoId, auth, "{\"operation\":\"upload\"}"));
        assertLfsError4xx(batch(tf, repoId, auth, "{\"operation\":\"upload\",\"objects\":{}}"));
        assertLfsError4xx(batch(tf, repoId, auth, "{\"operation\":\"upload\",\"objects\":[{\"oid\":\"" + oid + "\"}]}"));
        assertLfsError4xx(batch(tf, repoId, auth, batchJson("delete", oid, 10)));
        assertLfsError4xx(batch(tf, repoId, auth, "{\"objects\":[{\"oid\":\"" + oid + "\",\"size\":10}]}"));

        // an invalid oid is a per-object 422 inside a 200
        for (String bad : List.of("abc", oid.toUpperCase(java.util.Locale.ROOT), oid.substring(1) + "g", "../../etc/passwd")) {
            HttpResponse<byte[]> r = batch(tf, repoId, auth, batchJson("upload", bad, 10));
            assertThat(r.statusCode()).as("%s: %s", bad, body(r)).isEqualTo(200);
            JsonNode o = json(r).path("objects").get(0);
            assertThat(o.path("error").path("code").asInt()).as("%s", o).isEqualTo(422);
            assertThat(o.path("error").path("message").asText()).isNotBlank();
            assertThat(o.has("actions")).isFalse();
        }

        // the transfer endpoints refuse an invalid oid before anything else
        String key = tf.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(repoId)).orElseThrow().key();
        HttpResponse<byte[]> badPut = put(tf, tf.baseUrl + "/lfs/objects/" + key + "/nothex?size=1&t=1.x", new byte[] {1});
        assertThat(badPut.statusCode()).isBetween(400, 499);
    }

    private static void assertLfsError4xx(HttpResponse<byte[]> r) throws IOException {
        assertThat(r.statusCode()).as("status of %s", body(r)).isBetween(400, 499);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        assertThat(json(r).path("message").asText()).as("'message' in %s", body(r)).isNotBlank();
    }

    // --------------------------------------------------------------------------------------- concurrency

    @Test
    void concurrentPutsOfOneObjectAllSucceedAndTheObjectVerifies() throws Exception {
        String repoId = newRepo("concurrent");
        byte[] content = randomBytes(23, 3 * 1024 * 1024);
        String oid = sha256(content);
        int n = 4;
        List<String> hrefs = new ArrayList<>();
        for (int i = 0; i < n; i++) hrefs.add(href(batchObject(tf, repoId, "upload", oid, content.length), "upload"));

        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<byte[]>>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String href = hrefs.get(i);
                boolean chunked = i % 2 == 1;
                Callable<HttpResponse<byte[]>> task = () -> {
                    go.await();
                    return chunked ? putChunked(tf, href, content) : put(tf, href, content);
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            for (Future<HttpResponse<byte[]>> f : results) {
                HttpResponse<byte[]> r = f.get(2, TimeUnit.MINUTES);
                assertThat(r.statusCode()).as("concurrent PUT: %s", body(r)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(stored(tf, oid)).contains((long) content.length);
        assertThat(sha256(readStored(tf, oid))).isEqualTo(oid);
        JsonNode again = batchObject(tf, repoId, "upload", oid, content.length);
        assertThat(again.has("actions")).isFalse();
        try (var tmp = java.nio.file.Files.list(tf.dataDir.resolve("tmp"))) {
            assertThat(tmp.filter(java.nio.file.Files::isRegularFile).toList()).as("no upload leftovers in tmp/").isEmpty();
        }
    }
}
