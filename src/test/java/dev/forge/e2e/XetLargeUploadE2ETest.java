package dev.forge.e2e;

import dev.forge.service.xet.XetService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code upload_folder} of a folder holding a 1 GiB file, with huggingface_hub 2.x and 1.x and hf_xet at default
 * settings: the upload goes through Xet (many xorbs, one or more shards), the commit finds the object, and the file
 * comes back byte for byte through {@code /resolve} (hashed as it streams, never held in memory).
 */
@Tag("slow")
class XetLargeUploadE2ETest {
    private static final long GIB = 1L << 30;
    @TempDir static Path dir;
    private static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
    }

    /** A folder with a GiB of random bytes from {@code seed} (other bytes per client: no deduplication between them); its SHA-256. */
    static String folder(Path folder, long seed) throws Exception {
        Files.createDirectories(folder);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Random random = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(folder.resolve("big.bin"))) {
            for (long n = 0; n < GIB; n += buf.length) {
                random.nextBytes(buf);
                md.update(buf);
                out.write(buf);
            }
        }
        Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"big\"}\n");
        return HexFormat.of().formatHex(md.digest());
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void aOneGibFileUploadsThroughXetAndComesBackByteExact(String venv) throws Exception {
        String repo = "admin/big-" + venv;
        Path folder = dir.resolve("folder-" + venv);
        String sha = folder(folder, venv.hashCode());
        XetService.Traffic before = tf.forge.xet.traffic();
        PythonClient py = PythonClient.of(venv, tf.baseUrl, tf.adminToken, dir.resolve("home-" + venv));
        py.run("""
                import sys
                from huggingface_hub import HfApi
                api = HfApi()
                api.create_repo(sys.argv[1], exist_ok=True)
                api.upload_folder(folder_path=sys.argv[2], repo_id=sys.argv[1])
                """, dir, Duration.ofMinutes(20), repo, folder.toString()).ok();
        XetService.Traffic after = tf.forge.xet.traffic();
        assertThat(after.xorbsAccepted() - before.xorbsAccepted()).as("a GiB is many xorbs").isGreaterThanOrEqualTo(16);
        assertThat(after.shardsAccepted()).isGreaterThan(before.shardsAccepted());

        HttpResponse<InputStream> r = tf.http.send(tf.request("/" + repo + "/resolve/main/big.bin").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long n;
        try (InputStream in = new DigestInputStream(r.body(), md)) {
            n = in.transferTo(OutputStream.nullOutputStream());
        }
        assertThat(n).isEqualTo(GIB);
        assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(sha);
    }
}
