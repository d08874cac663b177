package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Python clients download from Forge byte for byte: {@code snapshot_download} and {@code hf_hub_download}
 * of huggingface_hub 2.x and 1.x (both with hf_xet installed, default settings), a regular file, an LFS file and a
 * nested one, and a private repository refused to an anonymous client with {@code RepositoryNotFoundError}.
 */
@Tag("slow")
class PythonDownloadE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static TestForge tf;
    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/py-down");
        byte[] weights = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(weights);
        FILES.put("config.json", "{\"model_type\": \"gpt2\"}\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("model.safetensors", weights);
        FILES.put("sub/dir/notes.txt", "nested\n".getBytes(StandardCharsets.UTF_8));
        LfsOid oid = tf.forge.stores().blobs().put(new ByteArrayInputStream(weights));
        tf.forge.stores().index().recordLfsUpload(repo.key(), oid.hex());
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("config.json", FILES.get("config.json")),
                new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length),
                new CommitOperation.AddFile("sub/dir/notes.txt", FILES.get("sub/dir/notes.txt"))), "files");
        tf.createPrivateRepo(RepoType.MODEL, "admin/py-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    private static final String SNAPSHOT = """
            import hashlib, json, os, sys
            from huggingface_hub import snapshot_download, hf_hub_download
            folder = snapshot_download("admin/py-down")
            out = {}
            for root, _, files in os.walk(folder):
                for f in files:
                    p = os.path.join(root, f)
                    out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
            one = hf_hub_download("admin/py-down", "model.safetensors", revision="main")
            out["hf_hub_download"] = hashlib.sha256(open(one, "rb").read()).hexdigest()
            print(json.dumps(out))
            """;

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void snapshotAndSingleFileDownloadsAreByteExact(String venv) throws Exception {
        PythonClient py = PythonClient.of(venv, tf.baseUrl, null, dir.resolve("home-" + venv));
        JsonNode out = JSON.readTree(py.run(SNAPSHOT, dir, Duration.ofMinutes(3)).ok());
        for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
            assertThat(out.path(f.getKey()).asText()).as(f.getKey()).isEqualTo(Hashes.sha256(f.getValue()));
        }
        assertThat(out.path("hf_hub_download").asText()).isEqualTo(Hashes.sha256(FILES.get("model.safetensors")));
    }

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void aPrivateRepositoryIsNotFoundForAnAnonymousClient(String venv) throws Exception {
        PythonClient py = PythonClient.of(venv, tf.baseUrl, null, dir.resolve("anon-" + venv));
        String script = """
                from huggingface_hub import hf_hub_download
                from huggingface_hub.errors import RepositoryNotFoundError
                try:
                    hf_hub_download("admin/py-secret", "README.md")
                    print("downloaded")
                except RepositoryNotFoundError:
                    print("RepositoryNotFoundError")
                """;
        assertThat(py.run(script, dir, Duration.ofMinutes(2)).ok().strip()).isEqualTo("RepositoryNotFoundError");
    }
}
