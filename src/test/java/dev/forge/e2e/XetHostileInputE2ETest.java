package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.Flow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile HTTP input to the CAS, built from real data: a file uploaded with hf_xet into a private repository, its
 * reconstruction and xorb fetched as its owner may, then replayed, truncated, altered, renamed, oversized and asked for
 * through other repositories' tokens. Each is a clear 4xx, and the server keeps answering (the file still downloads
 * byte for byte at the end).
 */
@Tag("slow")
class XetHostileInputE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    private static TestForge tf;
    private static byte[] secret;
    private static String fileHash;
    private static String malloryToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        tf.createPrivateRepo(RepoType.MODEL, "admin/victim");
        tf.createRepo(RepoType.MODEL, "admin/hostile");
        User mallory = tf.forge.auth.createUser("mallory", "Mallory", null, false);
        malloryToken = tf.forge.auth.createToken(mallory, "m", Token.Role.WRITE).secret();
        tf.forge.repos.create(dev.forge.service.account.Actor.internal(mallory), RepoType.MODEL, dev.forge.core.RepoId.parse("mallory/own"), false);
        secret = new byte[3 * 1024 * 1024 + 333];
        new Random(31).nextBytes(secret);
        Path f = dir.resolve("secret.bin");
        Files.write(f, secret);
        PythonClient.of(PythonClient.HUB2, tf.baseUrl, tf.adminToken, dir.resolve("home")).run("""
                import sys
                from huggingface_hub import HfApi
                HfApi().upload_file(path_or_fileobj=sys.argv[2], path_in_repo="secret.bin", repo_id=sys.argv[1])
                """, dir, Duration.ofMinutes(3), "admin/victim", f.toString()).ok();
        HttpResponse<byte[]> head = tf.head("/admin/victim/resolve/main/secret.bin", "Authorization", "Bearer " + tf.adminToken);
        fileHash = head.headers().firstValue("X-Xet-Hash").orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static String xetToken(String mode, String repo, String hubToken) throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/models/" + repo + "/xet-" + mode + "-token/main", "Authorization", "Bearer " + hubToken);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).path("accessToken").asText();
    }

    static HttpResponse<byte[]> get(String path, String xetToken, String... headers) throws Exception {
        HttpRequest.Builder b = tf.request(path).header("Authorization", "Bearer " + xetToken);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return tf.send(b.GET());
    }

    static HttpResponse<byte[]> post(String path, String xetToken, byte[] body) throws Exception {
        return tf.send(tf.request(path).header("Authorization", "Bearer " + xetToken).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** The owner's view: the reconstruction, and the first xorb's bytes through its signed URL. */
    record Xorb(String hash, byte[] bytes, long first) {}

    static Xorb firstXorb() throws Exception {
        String t = xetToken("read", "admin/victim", tf.adminToken);
        HttpResponse<byte[]> r = get("/xet/v1/reconstructions/" + fileHash, t);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode rec = JSON.readTree(r.body());
        String xorb = rec.path("terms").get(0).path("hash").asText();
        JsonNode fetch = rec.path("fetch_info").path(xorb).get(0);
        long first = fetch.path("url_range").path("start").asLong();
        long last = fetch.path("url_range").path("end").asLong();
        HttpResponse<byte[]> x = tf.send(tf.request(fetch.path("url").asText().substring(tf.baseUrl.length()))
                .header("Range", "bytes=" + first + "-" + last).GET());
        assertThat(x.statusCode()).isEqualTo(206);
        assertThat(x.body().length).isEqualTo((int) (last - first + 1));
        return new Xorb(xorb, x.body(), first);
    }

    @Test
    void otherRepositoriesTokensDoNotReachTheFile() throws Exception {
        // mallory's own repository: her token is valid, the file is not in it
        assertThat(get("/xet/v1/reconstructions/" + fileHash, xetToken("read", "mallory/own", malloryToken)).statusCode()).isEqualTo(404);
        assertThat(get("/xet/v2/reconstructions/" + fileHash, xetToken("write", "mallory/own", malloryToken)).statusCode()).isEqualTo(404);
        // the admin's token for another public repository of his: the file is not there either
        assertThat(get("/xet/v1/reconstructions/" + fileHash, xetToken("read", "admin/hostile", tf.adminToken)).statusCode()).isEqualTo(404);
        // and mallory gets no token for the private repository
        assertThat(tf.get("/api/models/admin/victim/xet-read-token/main", "Authorization", "Bearer " + malloryToken).statusCode()).isEqualTo(404);
    }

    @Test
    void aRangePastTheEndIs416() throws Exception {
        String t = xetToken("read", "admin/victim", tf.adminToken);
        assertThat(get("/xet/v1/reconstructions/" + fileHash, t, "Range", "bytes=" + (secret.length + 10) + "-" + (secret.length + 20)).statusCode()).isEqualTo(416);
        assertThat(get("/xet/v1/reconstructions/" + fileHash, t, "Range", "bytes=" + secret.length + "-").statusCode()).isEqualTo(416);
        assertThat(get("/xet/v1/reconstructions/" + fileHash, t, "Range", "bytes=10-5").statusCode()).isEqualTo(400);
        HttpResponse<byte[]> inside = get("/xet/v1/reconstructions/" + fileHash, t, "Range", "bytes=100-199");
        assertThat(inside.statusCode()).isEqualTo(200);
    }

    @Test
    void badXorbsAreRefusedAndNothingIsKept() throws Exception {
        Xorb x = firstXorb();
        assertThat(x.first()).as("a small file's first xorb is fetched from its start").isZero();
        String w = xetToken("write", "mallory/own", malloryToken);
        // truncated
        HttpResponse<byte[]> truncated = post("/xet/v1/xorbs/default/" + x.hash(), w, Arrays.copyOf(x.bytes(), x.bytes().length - 100));
        assertThat(truncated.statusCode()).as(new String(truncated.body())).isBetween(400, 499);
        // a byte altered inside the first chunk's data
        byte[] altered = x.bytes().clone();
        altered[100] ^= 0x55;
        assertThat(post("/xet/v1/xorbs/default/" + x.hash(), w, altered).statusCode()).isBetween(400, 499);
        // the right bytes under another name
        String other = Hashes.sha256(new byte[] {1});
        assertThat(post("/xet/v1/xorbs/default/" + other, w, x.bytes()).statusCode()).isBetween(400, 499);
        // garbage and an empty body
        byte[] garbage = new byte[4096];
        new Random(5).nextBytes(garbage);
        assertThat(post("/xet/v1/xorbs/default/" + other, w, garbage).statusCode()).isBetween(400, 499);
        assertThat(post("/xet/v1/xorbs/default/" + other, w, new byte[0]).statusCode()).isBetween(400, 499);
        // a shard that is garbage, or names xorbs that are not there
        assertThat(post("/xet/v1/shards", w, garbage).statusCode()).isBetween(400, 499);
        assertThat(post("/xet/v1/shards", w, new byte[0]).statusCode()).isBetween(400, 499);
        // the server is unaffected: the owner still downloads the file byte for byte
        assertOwnerDownloads();
    }

    @Test
    void anOversizedXorbIs413() throws Exception {
        String w = xetToken("write", "mallory/own", malloryToken);
        long size = 65L * 1024 * 1024;
        HttpRequest.BodyPublisher zeros = HttpRequest.BodyPublishers.fromPublisher(new ZeroPublisher(size), size);
        HttpResponse<byte[]> r;
        try {
            r = tf.send(tf.request("/xet/v1/xorbs/default/" + "c".repeat(64)).header("Authorization", "Bearer " + w).POST(zeros));
        } catch (java.io.IOException e) {
            // the server may answer 413 and close before the client finished sending: the connection reset is the refusal
            assertOwnerDownloads();
            return;
        }
        assertThat(r.statusCode()).isEqualTo(413);
        assertOwnerDownloads();
    }

    static void assertOwnerDownloads() throws Exception {
        HttpResponse<byte[]> r = tf.get("/admin/victim/resolve/main/secret.bin", "Authorization", "Bearer " + tf.adminToken);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Hashes.sha256(r.body())).isEqualTo(Hashes.sha256(secret));
    }

    /** {@code size} zero bytes in 1 MiB buffers. */
    record ZeroPublisher(long size) implements Flow.Publisher<ByteBuffer> {
        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
            HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(() -> new Iterator<byte[]>() {
                long left = size;
                @Override public boolean hasNext() { return left > 0; }
                @Override public byte[] next() {
                    int n = (int) Math.min(left, 1 << 20);
                    left -= n;
                    return new byte[n];
                }
            })).subscribe(s);
        }
    }
}
