package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.service.xet.XetService;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * huggingface_hub 2.x and 1.x with hf_xet, default settings (no {@code HF_HUB_DISABLE_XET}), upload and download
 * through Forge's Xet CAS: {@code upload_file}, {@code upload_folder}, {@code create_commit(create_pr=True)},
 * {@code hf upload}, {@code hf download}, {@code snapshot_download}, {@code hf_hub_download} and a byte range through
 * {@code HfFileSystem}; every file byte-exact by SHA-256, checked against what {@code /resolve} serves too. The CAS
 * counters prove the bytes went through Xet (shards accepted for uploads, reconstructions and xorb ranges for downloads).
 */
@Tag("slow")
class XetPythonE2ETest {
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

    private static final String UPLOAD_AND_DOWNLOAD = """
            import hashlib, json, os, sys
            from huggingface_hub import HfApi, CommitOperationAdd, hf_hub_download, snapshot_download, HfFileSystem
            repo, src = sys.argv[1], sys.argv[2]
            sha = lambda b: hashlib.sha256(b).hexdigest()
            api = HfApi()
            api.create_repo(repo, exist_ok=True)
            api.upload_file(path_or_fileobj=os.path.join(src, "weights.bin"), path_in_repo="weights.bin", repo_id=repo)
            api.upload_folder(folder_path=os.path.join(src, "folder"), path_in_repo="folder", repo_id=repo)
            pr = api.create_commit(repo_id=repo, operations=[CommitOperationAdd("pr.bin", os.path.join(src, "pr.bin"))],
                                   commit_message="a pull request through Xet", create_pr=True)
            out = {"pr_revision": pr.pr_revision}
            folder = snapshot_download(repo)
            for root, _, files in os.walk(folder):
                for f in files:
                    p = os.path.join(root, f)
                    out[os.path.relpath(p, folder)] = sha(open(p, "rb").read())
            out["hf_hub_download"] = sha(open(hf_hub_download(repo, "weights.bin"), "rb").read())
            out["pr.bin"] = sha(open(hf_hub_download(repo, "pr.bin", revision=pr.pr_revision), "rb").read())
            fs = HfFileSystem()
            with fs.open(f"{repo}/weights.bin", "rb") as f:
                f.seek(1_000_003)
                out["range"] = sha(f.read(2_000_000))
            print(json.dumps(out))
            """;

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void uploadsAndDownloadsGoThroughXetByteExact(String venv) throws Exception {
        String repo = "admin/xet-py-" + venv;
        Path src = Files.createDirectories(dir.resolve("src-" + venv));
        long seed = venv.hashCode() * 100L; // other bytes per client: the second would otherwise deduplicate against the first
        byte[] weights = random(5 * 1024 * 1024 + 11, seed + 1);
        byte[] a = random(3 * 1024 * 1024, seed + 2);
        byte[] b = random(1024 * 1024 + 5, seed + 3);
        byte[] prBytes = random(2 * 1024 * 1024 + 1, seed + 4);
        Files.write(src.resolve("weights.bin"), weights);
        Files.createDirectories(src.resolve("folder/sub"));
        Files.write(src.resolve("folder/a.bin"), a);
        Files.write(src.resolve("folder/sub/b.bin"), b);
        Files.write(src.resolve("pr.bin"), prBytes);
        XetService.Traffic before = tf.forge.xet.traffic();

        PythonClient py = PythonClient.of(venv, tf.baseUrl, tf.adminToken, dir.resolve("home-" + venv));
        JsonNode out = JSON.readTree(py.run(UPLOAD_AND_DOWNLOAD, dir, Duration.ofMinutes(5), repo, src.toString()).ok());

        XetService.Traffic after = tf.forge.xet.traffic();
        assertThat(after.shardsAccepted()).as("uploads went through Xet").isGreaterThan(before.shardsAccepted());
        assertThat(after.xorbsAccepted()).isGreaterThan(before.xorbsAccepted());
        assertThat(after.reconstructions()).as("downloads went through Xet").isGreaterThan(before.reconstructions());
        assertThat(after.xorbRangeBytes()).isGreaterThan(before.xorbRangeBytes());

        assertThat(out.path("weights.bin").asText()).isEqualTo(Hashes.sha256(weights));
        assertThat(out.path("folder/a.bin").asText()).isEqualTo(Hashes.sha256(a));
        assertThat(out.path("folder/sub/b.bin").asText()).isEqualTo(Hashes.sha256(b));
        assertThat(out.path("hf_hub_download").asText()).isEqualTo(Hashes.sha256(weights));
        assertThat(out.path("pr.bin").asText()).isEqualTo(Hashes.sha256(prBytes));
        assertThat(out.path("range").asText()).isEqualTo(Hashes.sha256(Arrays.copyOfRange(weights, 1_000_003, 3_000_003)));
        assertThat(out.has("pr.bin")).isTrue();
        assertThat(out.path("pr_revision").asText()).startsWith("refs/pr/");

        // the same bytes through plain /resolve (a client that does not speak Xet)
        assertResolves(repo, "main", "weights.bin", weights);
        assertResolves(repo, "main", "folder/sub/b.bin", b);
        assertResolves(repo, out.path("pr_revision").asText().replace("/", "%2F"), "pr.bin", prBytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void theHfCommandUploadsAndDownloadsThroughXet(String venv) throws Exception {
        String repo = "admin/xet-cli-" + venv;
        byte[] data = random(4 * 1024 * 1024 + 3, venv.hashCode() * 100L + 10);
        Path src = Files.createDirectories(dir.resolve("cli-" + venv));
        Files.write(src.resolve("model.bin"), data);
        PythonClient py = PythonClient.of(venv, tf.baseUrl, tf.adminToken, dir.resolve("cli-home-" + venv));
        XetService.Traffic before = tf.forge.xet.traffic();
        py.command("hf", src, Duration.ofMinutes(3), "upload", repo, src.resolve("model.bin").toString(), "cli/model.bin").ok();
        assertThat(tf.forge.xet.traffic().shardsAccepted()).isGreaterThan(before.shardsAccepted());
        assertResolves(repo, "main", "cli/model.bin", data);

        Path down = dir.resolve("cli-down-" + venv);
        long reconstructions = tf.forge.xet.traffic().reconstructions();
        py.command("hf", src, Duration.ofMinutes(3), "download", repo, "cli/model.bin", "--local-dir", down.toString()).ok();
        assertThat(tf.forge.xet.traffic().reconstructions()).isGreaterThan(reconstructions);
        assertThat(Hashes.sha256(Files.readAllBytes(down.resolve("cli/model.bin")))).isEqualTo(Hashes.sha256(data));
    }

    static void assertResolves(String repo, String rev, String path, byte[] expected) throws Exception {
        HttpResponse<byte[]> r = tf.get("/" + repo + "/resolve/" + rev + "/" + path, "Authorization", "Bearer " + tf.adminToken);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        assertThat(Hashes.sha256(r.body())).as(path).isEqualTo(Hashes.sha256(expected));
    }
}
