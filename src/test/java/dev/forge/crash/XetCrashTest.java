package dev.forge.crash;

import dev.forge.e2e.PythonClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL of a forge while hf_xet (huggingface_hub 2.x, default settings) uploads a 150 MiB file through Xet: once the
 * first xorb is stored as a pack, while a later one is being written, and once the shard registered the file but
 * before the commit. Afterwards fsck finds nothing wrong and nothing is half visible (the file is not in the
 * repository); the same upload then succeeds and downloads byte for byte, through /resolve and through Xet.
 */
@Tag("slow")
class XetCrashTest {
    private static final int SIZE = 150 * 1024 * 1024 + 17;
    @TempDir
    Path dir;
    private ForgeProcess forge;

    @AfterEach
    void stop() throws Exception {
        if (forge != null) forge.close();
    }

    private static final String UPLOAD = """
            import sys
            from huggingface_hub import HfApi
            api = HfApi()
            api.create_repo(sys.argv[1], exist_ok=True)
            api.upload_file(path_or_fileobj=sys.argv[2], path_in_repo="big.bin", repo_id=sys.argv[1])
            print("uploaded")
            """;

    private static final String DOWNLOAD = """
            import hashlib, sys
            from huggingface_hub import hf_hub_download
            print(hashlib.sha256(open(hf_hub_download(sys.argv[1], "big.bin"), "rb").read()).hexdigest())
            """;

    /** {@code packs}: kill once this many packs exist; {@code xet}: once the Xet index names the file (shard done). */
    @ParameterizedTest
    @ValueSource(strings = {"packs:1", "packs:2", "xet:1"})
    void killDuringAXetUpload(String moment) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("forge.properties"), "storage=chunks\n");
        forge = ForgeProcess.start(data);
        String token = forge.printedToken;
        String[] m = moment.split(":");
        Path watched = data.resolve("chunks").resolve(m[0]);
        long want = count(watched) + Integer.parseInt(m[1]); // beyond what the forge holds already (a demo seed)
        Path file = dir.resolve("big.bin");
        String sha = writeRandom(file, SIZE, moment.hashCode());
        String repo = "admin/xet-crash";
        PythonClient py = PythonClient.of(PythonClient.HUB2, forge.baseUrl, token, dir.resolve("home"));
        CompletableFuture<PythonClient.Result> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return py.run(UPLOAD, dir, Duration.ofMinutes(10), repo, file.toString());
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        boolean reached = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!upload.isDone() && System.nanoTime() < deadline) {
            if (count(watched) >= want) {
                reached = true;
                break;
            }
            Thread.sleep(20); // polling the data folder for the moment to kill at; no assertion depends on timing
        }
        forge.kill();
        PythonClient.Result first = upload.get(10, TimeUnit.MINUTES);
        assertThat(reached).as("the upload reached %s before it ended: %s", moment, first).isTrue();

        // nothing half visible: fsck is clean, and the repository has no big.bin (the commit never happened)
        ForgeProcess.Result fsck = ForgeProcess.fsck(data);
        assertThat(fsck.exitCode()).as("forge fsck:\n%s", fsck.output()).isZero();
        assertThat(fsck.output()).contains(": clean").doesNotContain("problem:");
        forge = ForgeProcess.start(data);
        assertThat(status(forge.baseUrl + "/" + repo + "/resolve/main/big.bin", token)).isIn(404);

        // the same upload again succeeds, and reads back whole through /resolve and through Xet
        PythonClient again = PythonClient.of(PythonClient.HUB2, forge.baseUrl, token, dir.resolve("home"));
        assertThat(again.run(UPLOAD, dir, Duration.ofMinutes(10), repo, file.toString()).ok()).contains("uploaded");
        assertThat(resolveSha256(forge.baseUrl + "/" + repo + "/resolve/main/big.bin", token)).isEqualTo(sha);
        PythonClient fresh = PythonClient.of(PythonClient.HUB2, forge.baseUrl, token, dir.resolve("home-download"));
        assertThat(fresh.run(DOWNLOAD, dir, Duration.ofMinutes(10), repo).ok().trim()).isEqualTo(sha);
        forge.stop();
        ForgeProcess.Result after = ForgeProcess.fsck(data);
        assertThat(after.output()).contains(": clean").doesNotContain("problem:");
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static String writeRandom(Path file, int size, long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = size; left > 0; ) {
                int n = Math.min(left, buf.length);
                r.nextBytes(buf);
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    private static int status(String url, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String resolveSha256(String url, String token) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
