package dev.forge.service.cache;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An upstream (a stand-in on loopback) that misbehaves while the cache streams a file on to its client: bytes that do not
 * match the SHA-256 the upstream named them by, a body cut off before its length, and a body held half-way. The client
 * never gets a complete answer the check did not pass (its connection is cut short instead), the cache keeps nothing of a
 * failed transfer and asks again next time, and a range of a file still arriving streams at once but for its last byte,
 * which follows the check. No sleeping: the held transfer waits on a latch.
 */
class FaultyUpstreamTest {
    private static final String SHA = "89abcdef0123456789abcdef0123456789abcdef";
    /** Larger than {@link Arrival#BATCH}, so the answer begins before the whole has arrived. */
    private static final byte[] BYTES = new byte[3 << 20];
    private static final int SENT_FIRST = 2 << 20;
    /** What held.bin holds: other bytes than the failing files', so that the store holding them says nothing about those. */
    private static final byte[] HELD = new byte[700_000];
    private static final int HELD_AT = 400_000;
    @TempDir
    static Path dir;
    static HttpServer hub;
    static TestForge cache;
    static String oid;
    static String heldOid;
    static final AtomicInteger wrongAsked = new AtomicInteger();
    static final AtomicInteger cutAsked = new AtomicInteger();
    static final CountDownLatch release = new CountDownLatch(1);
    /** One permit per attempt: the failing upstream sends the rest (wrong, or nothing) once the client has read a part. */
    static final java.util.concurrent.Semaphore rest = new java.util.concurrent.Semaphore(0);

    @BeforeAll
    static void start() throws Exception {
        new Random(5).nextBytes(BYTES);
        oid = Hashes.sha256(BYTES);
        new Random(6).nextBytes(HELD);
        heldOid = Hashes.sha256(HELD);
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        hub.createContext("/", FaultyUpstreamTest::hub);
        hub.start();
        String url = "http://127.0.0.1:" + hub.getAddress().getPort();
        cache = TestForge.startCache(dir.resolve("cache"), new ForgeConfig.Cache(List.of(new ForgeConfig.Upstream(URI.create(url), "")), 0, 60),
                Forge.Options.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        release.countDown();
        cache.close();
        hub.stop(0);
    }

    private static void hub(HttpExchange ex) throws IOException {
        String p = ex.getRequestURI().getPath();
        String prefix = "/hub/faulty/resolve/" + SHA + "/";
        if (p.equals("/api/models/hub/faulty") || p.startsWith("/api/models/hub/faulty/revision/")) {
            byte[] info = ("{\"id\":\"hub/faulty\",\"sha\":\"" + SHA + "\",\"private\":false,\"gated\":false}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, info.length);
            ex.getResponseBody().write(info);
            ex.close();
        } else if (p.startsWith(prefix)) {
            String name = p.substring(prefix.length());
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + (name.equals("held.bin") ? heldOid : oid) + "\"");
            ex.getResponseHeaders().add("X-Repo-Commit", SHA);
            ex.sendResponseHeaders(200, name.equals("held.bin") ? HELD.length : BYTES.length);
            OutputStream out = ex.getResponseBody();
            switch (name) {
                case "wrong.bin" -> {
                    wrongAsked.incrementAndGet();
                    byte[] wrong = BYTES.clone();
                    wrong[SENT_FIRST + 123] ^= 1;
                    out.write(wrong, 0, SENT_FIRST);
                    out.flush();
                    rest.acquireUninterruptibly();
                    out.write(wrong, SENT_FIRST, wrong.length - SENT_FIRST);
                    ex.close();
                }
                case "cut.bin" -> {
                    cutAsked.incrementAndGet();
                    out.write(BYTES, 0, SENT_FIRST);
                    out.flush();
                    rest.acquireUninterruptibly();
                    throw new IOException("the upstream stops mid-body"); // the server drops the connection
                }
                case "held.bin" -> {
                    out.write(HELD, 0, HELD_AT);
                    out.flush();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.write(HELD, HELD_AT, HELD.length - HELD_AT);
                    ex.close();
                }
                default -> ex.close();
            }
        } else {
            ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            ex.sendResponseHeaders(404, -1);
            ex.close();
        }
    }

    /** The whole answer, or the error the client got reading it. */
    private static byte[] download(String name) throws Exception {
        return cache.send(cache.request("/hub/faulty/resolve/main/" + name).GET()).body();
    }

    /**
     * Reads the first MiB of the answer (which the upstream has sent), lets the upstream go on, and asserts that the
     * rest of the answer fails: the connection is cut short of the announced length.
     */
    private static void assertCutShort(String name) throws Exception {
        HttpResponse<InputStream> r = cache.http.send(cache.request("/hub/faulty/resolve/main/" + name).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            assertThat(in.readNBytes(1 << 20)).isEqualTo(Arrays.copyOf(BYTES, 1 << 20));
            rest.release();
            assertThatThrownBy(in::readAllBytes).as("the rest of %s", name).isInstanceOf(IOException.class);
        }
    }

    private static int filesRecorded() {
        return cache.forge.cache.revisions().stream().mapToInt(CacheFigures.CachedRevision::files).sum();
    }

    private static void assertNothingKept(int filesBefore) throws IOException {
        assertThat(cache.forge.stores().blobs().size(new LfsOid(oid))).as("the blob store holds nothing").isEmpty();
        assertThat(filesRecorded()).as("no file recorded").isEqualTo(filesBefore);
    }

    @Test
    void bytesThatFailTheirSha256AreCutShortAndNothingIsKept() throws Exception {
        for (int attempt = 1; attempt <= 2; attempt++) {
            int before = filesRecorded();
            assertCutShort("wrong.bin");
            assertNothingKept(before);
            // nothing was kept, so the next request asks the upstream again
            assertThat(wrongAsked.get()).isEqualTo(attempt);
        }
    }

    @Test
    void aBodyCutOffMidwayIsCutShortForTheClientAndNothingIsHalfVisible() throws Exception {
        for (int attempt = 1; attempt <= 2; attempt++) {
            int before = filesRecorded();
            assertCutShort("cut.bin");
            assertNothingKept(before);
            assertThat(cutAsked.get()).isEqualTo(attempt);
        }
    }

    @Test
    void aRangeOfAFileStillArrivingIsServedWhileTheWholeWaitsForTheCheck() throws Exception {
        int length = 200_000;
        // the upstream holds its transfer at HELD_AT bytes: a range before that is served whole meanwhile
        HttpResponse<byte[]> range = cache.send(cache.request("/hub/faulty/resolve/main/held.bin").header("Range", "bytes=1000-" + (1000 + length - 1)).GET());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(HELD, 1000, 1000 + length));
        // a whole download streams what is there, and its last byte waits for the rest and the check
        HttpResponse<InputStream> whole = cache.http.send(cache.request("/hub/faulty/resolve/main/held.bin").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = whole.body()) {
            assertThat(in.readNBytes(HELD_AT)).isEqualTo(Arrays.copyOf(HELD, HELD_AT));
            release.countDown();
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(HELD, HELD_AT, HELD.length));
        }
        assertThat(Hashes.sha256(download("held.bin"))).isEqualTo(heldOid);
        // the record follows the answer's last byte: wait for it, so that the other tests count files after it
        while (cache.forge.stores().blobs().size(new LfsOid(heldOid)).isEmpty() || filesRecorded() < 1) Thread.onSpinWait();
    }
}
