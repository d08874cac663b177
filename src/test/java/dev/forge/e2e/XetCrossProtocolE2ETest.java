package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.service.xet.XetService;
import dev.forge.testing.GitCli;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One store, every protocol: a file uploaded through Xet (hf_xet) downloads byte for byte through git-lfs, plain
 * {@code /resolve} and the JS client (which itself takes the Xet path); a file pushed with git-lfs downloads through
 * hf_xet; a file the JS client uploads through Xet downloads through hf_xet and {@code /resolve}. The CAS counters show
 * which path the bytes took.
 */
@Tag("slow")
class XetCrossProtocolE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    private static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void xetUploadDownloadsThroughGitLfsResolveAndTheJsClient() throws Exception {
        String repo = "admin/xet-up";
        byte[] weights = random(6 * 1024 * 1024 + 7, 21);
        Path src = Files.createDirectories(dir.resolve("xet-up"));
        Files.write(src.resolve("model.safetensors"), weights);
        PythonClient py = PythonClient.of(PythonClient.HUB2, tf.baseUrl, tf.adminToken, dir.resolve("home-xet-up"));
        long shards = tf.forge.xet.traffic().shardsAccepted();
        py.run("""
                import sys
                from huggingface_hub import HfApi
                api = HfApi()
                api.create_repo(sys.argv[1], exist_ok=True)
                api.upload_file(path_or_fileobj=sys.argv[2], path_in_repo="model.safetensors", repo_id=sys.argv[1])
                """, dir, Duration.ofMinutes(3), repo, src.resolve("model.safetensors").toString()).ok();
        assertThat(tf.forge.xet.traffic().shardsAccepted()).as("uploaded through Xet").isGreaterThan(shards);

        // plain /resolve
        HttpResponse<byte[]> r = tf.get("/" + repo + "/resolve/main/model.safetensors");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Hashes.sha256(r.body())).isEqualTo(Hashes.sha256(weights));
        assertThat(r.headers().firstValue("X-Xet-Hash")).isPresent();

        // git-lfs
        GitCli git = new GitCli(dir.resolve("git-home"));
        Path clone = dir.resolve("clone");
        git.run(dir, "clone", tf.baseUrl + "/" + repo, clone.toString());
        assertThat(Hashes.sha256(Files.readAllBytes(clone.resolve("model.safetensors")))).isEqualTo(Hashes.sha256(weights));

        // the JS client, which downloads through Xet when the forge offers it
        long reconstructions = tf.forge.xet.traffic().reconstructions();
        JsonNode down = new NodeClient(tf.baseUrl, tf.adminToken).downloadAll("model", repo);
        assertThat(down.path("files").path("model.safetensors").path("sha256").asText()).isEqualTo(Hashes.sha256(weights));
        assertThat(tf.forge.xet.traffic().reconstructions()).as("the JS client took the Xet path").isGreaterThan(reconstructions);
    }

    @Test
    void gitLfsPushDownloadsThroughXet() throws Exception {
        String repo = "admin/lfs-up";
        new NodeClient(tf.baseUrl, tf.adminToken).createRepo("model", repo);
        GitCli git = new GitCli(dir.resolve("git-home-2"));
        Path work = dir.resolve("lfs-work");
        git.run(dir, "clone", tf.baseUrl + "/" + repo, work.toString());
        byte[] weights = random(5 * 1024 * 1024 + 99, 22);
        Files.write(work.resolve("model.safetensors"), weights);
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "weights through git-lfs");
        git.run(work, "remote", "set-url", "origin", tf.authedUrl("/" + repo));
        git.run(work, "push", "origin", "main");

        XetService.Traffic before = tf.forge.xet.traffic();
        PythonClient py = PythonClient.of(PythonClient.HUB2, tf.baseUrl, tf.adminToken, dir.resolve("home-lfs-up"));
        String sha = py.run("""
                import hashlib, sys
                from huggingface_hub import hf_hub_download
                print(hashlib.sha256(open(hf_hub_download(sys.argv[1], "model.safetensors"), "rb").read()).hexdigest())
                """, dir, Duration.ofMinutes(3), repo).ok().strip();
        assertThat(sha).isEqualTo(Hashes.sha256(weights));
        XetService.Traffic after = tf.forge.xet.traffic();
        assertThat(after.reconstructions()).as("hf_xet downloaded it through Xet").isGreaterThan(before.reconstructions());
        assertThat(after.xorbRangeBytes()).isGreaterThan(before.xorbRangeBytes());
    }

    @Test
    void jsXetUploadDownloadsThroughHfXetAndResolve() throws Exception {
        String repo = "admin/js-xet-up";
        NodeClient hub = new NodeClient(tf.baseUrl, tf.adminToken);
        hub.createRepo("model", repo);
        byte[] weights = random(3 * 1024 * 1024 + 5, 23);
        Path src = Files.createDirectories(dir.resolve("js-src"));
        Files.write(src.resolve("model.safetensors"), weights);
        long shards = tf.forge.xet.traffic().shardsAccepted();
        JsonNode up = hub.run("upload-files", "--repo", repo, "--dir", src.toString(), "--message", "through Xet");
        assertThat(up.toString()).contains("/xet/v1/shards");
        assertThat(tf.forge.xet.traffic().shardsAccepted()).isGreaterThan(shards);

        HttpResponse<byte[]> r = tf.get("/" + repo + "/resolve/main/model.safetensors");
        assertThat(Hashes.sha256(r.body())).isEqualTo(Hashes.sha256(weights));
        PythonClient py = PythonClient.of(PythonClient.HUB1, tf.baseUrl, tf.adminToken, dir.resolve("home-js-up"));
        String sha = py.run("""
                import hashlib, sys
                from huggingface_hub import hf_hub_download
                print(hashlib.sha256(open(hf_hub_download(sys.argv[1], "model.safetensors"), "rb").read()).hexdigest())
                """, dir, Duration.ofMinutes(3), repo).ok().strip();
        assertThat(sha).isEqualTo(Hashes.sha256(weights));
    }
}
