package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitOperation;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.demo.DemoModels;
import dev.forge.service.demo.GeneratedFile;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.forge.http.HttpSupport.assertHubError;
import static dev.forge.http.HttpSupport.commit;
import static dev.forge.http.HttpSupport.file;
import static dev.forge.http.HttpSupport.header;
import static dev.forge.http.HttpSupport.json;
import static dev.forge.http.HttpSupport.lfs;
import static dev.forge.testing.Hashes.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /v2/{ns}/{repo}/manifests/{tag}} and {@code …/blobs/{digest}} as llama.cpp (User-Agent {@code llama-cpp}:
 * {@code ggufFile}, {@code mmprojFile}) and Ollama (Docker v2 manifest, layers by digest) read them, over the demo's
 * real GGUF files plus a projector and the Ollama side files.
 */
class GgufRegistryTest {
    @TempDir static Path dir;
    static TestForge tf;
    static final Map<String, byte[]> FILES = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/tiny-GGUF");
        List<CommitOperation> ops = new ArrayList<>();
        for (GeneratedFile f : DemoModels.generate().tinyLlamaGguf()) {
            FILES.put(f.path(), f.content());
            ops.add(f.path().endsWith(".gguf") ? lfs(tf, repo, f.path(), f.content()) : file(f.path(), f.content()));
        }
        byte[] projector = FILES.get("tiny-llama-Q4_0.gguf"); // any GGUF does: the manifest only names it
        FILES.put("mmproj-tiny-F16.gguf", projector);
        ops.add(lfs(tf, repo, "mmproj-tiny-F16.gguf", projector));
        FILES.put("template", HttpSupport.utf8("{{ .Prompt }}"));
        ops.add(file("template", "{{ .Prompt }}"));
        FILES.put("params", HttpSupport.utf8("{\"temperature\": 0}"));
        ops.add(file("params", "{\"temperature\": 0}"));
        commit(tf, repo, "main", "gguf", ops.toArray(CommitOperation[]::new));
        Repo priv = tf.createPrivateRepo(RepoType.MODEL, "admin/secret-GGUF");
        commit(tf, priv, "main", "gguf", lfs(tf, priv, "m-Q8_0.gguf", FILES.get("tiny-llama-Q8_0.gguf")));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @Test
    void llamaCppGetsTheFileNamesOfTheTagAndTheProjector() throws Exception {
        JsonNode m = json(get("/v2/admin/tiny-GGUF/manifests/Q8_0", "User-Agent", "llama-cpp"));
        assertThat(m.path("ggufFile").path("rfilename").asText()).isEqualTo("tiny-llama-Q8_0.gguf");
        assertThat(m.path("ggufFile").path("size").asLong()).isEqualTo(FILES.get("tiny-llama-Q8_0.gguf").length);
        assertThat(m.path("ggufFile").path("lfs").path("sha256").asText()).isEqualTo(sha256(FILES.get("tiny-llama-Q8_0.gguf")));
        assertThat(m.path("mmprojFile").path("rfilename").asText()).isEqualTo("mmproj-tiny-F16.gguf");
        // case-insensitive tags, latest by the Hub's rule (no Q4_K_M here: the first 4-bit one), a file name as tag
        assertThat(json(get("/v2/admin/tiny-GGUF/manifests/q4_0", "User-Agent", "llama-cpp/b6000")).path("ggufFile").path("rfilename").asText())
                .isEqualTo("tiny-llama-Q4_0.gguf");
        assertThat(json(get("/v2/admin/tiny-GGUF/manifests/latest", "User-Agent", "llama-cpp")).path("ggufFile").path("rfilename").asText())
                .isEqualTo("tiny-llama-Q4_0.gguf");
        assertThat(json(get("/v2/admin/tiny-GGUF/manifests/tiny-llama-Q8_0.gguf", "User-Agent", "llama-cpp")).path("ggufFile").path("rfilename").asText())
                .isEqualTo("tiny-llama-Q8_0.gguf");
        // a split model is named by its first part; llama.cpp fetches the rest by name
        assertThat(json(get("/v2/admin/tiny-GGUF/manifests/F16", "User-Agent", "llama-cpp")).path("ggufFile").path("rfilename").asText())
                .isEqualTo("tiny-llama-F16-00001-of-00002.gguf");
    }

    @Test
    void ollamaGetsADockerManifestWhoseLayersAndConfigAreServedByDigest() throws Exception {
        HttpResponse<byte[]> r = get("/v2/admin/tiny-GGUF/manifests/Q8_0", "Accept", "application/vnd.docker.distribution.manifest.v2+json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "Content-Type")).hasValue("application/vnd.docker.distribution.manifest.v2+json");
        JsonNode m = json(r);
        assertThat(m.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(m.has("ggufFile")).isFalse();
        List<String> types = new ArrayList<>();
        for (JsonNode layer : m.path("layers")) {
            types.add(layer.path("mediaType").asText());
            HttpResponse<byte[]> blob = get("/v2/admin/tiny-GGUF/blobs/" + layer.path("digest").asText());
            assertThat(blob.statusCode()).isEqualTo(200);
            assertThat("sha256:" + sha256(blob.body())).isEqualTo(layer.path("digest").asText());
            assertThat((long) blob.body().length).isEqualTo(layer.path("size").asLong());
        }
        assertThat(types).containsExactly("application/vnd.ollama.image.model", "application/vnd.ollama.image.projector",
                "application/vnd.ollama.image.template", "application/vnd.ollama.image.params");
        assertThat(m.path("layers").get(0).path("digest").asText()).isEqualTo("sha256:" + sha256(FILES.get("tiny-llama-Q8_0.gguf")));
        HttpResponse<byte[]> config = get("/v2/admin/tiny-GGUF/blobs/" + m.path("config").path("digest").asText());
        assertThat("sha256:" + sha256(config.body())).isEqualTo(m.path("config").path("digest").asText());
        JsonNode c = HttpSupport.JSON.readTree(config.body());
        assertThat(c.path("model_format").asText()).isEqualTo("gguf");
        assertThat(c.path("file_type").asText()).isEqualTo("Q8_0");
        assertThat(c.path("rootfs").path("diff_ids").size()).isEqualTo(4);
        // ranges, as Ollama downloads in parts
        HttpResponse<byte[]> part = get("/v2/admin/tiny-GGUF/blobs/" + m.path("layers").get(0).path("digest").asText(), "Range", "bytes=4-7");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).containsExactly(java.util.Arrays.copyOfRange(FILES.get("tiny-llama-Q8_0.gguf"), 4, 8));
        // Ollama cannot pull a split model: the Hub's 400
        assertHubError(get("/v2/admin/tiny-GGUF/manifests/F16"), 400, null);
    }

    @Test
    void missesAndHostileInputAreClearErrorsAndPrivateRepositoriesStayHidden() throws Exception {
        assertThat(json(assertStatus(get("/v2/admin/tiny-GGUF/manifests/Q2_K", "User-Agent", "llama-cpp"), 400)).path("error").asText())
                .contains("tag is not available").contains("Q8_0");
        assertHubError(get("/v2/admin/nothing/manifests/latest"), 401, "RepoNotFound");
        assertHubError(get("/v2/admin/secret-GGUF/manifests/latest"), 401, "RepoNotFound");
        assertThat(get("/v2/admin/secret-GGUF/manifests/latest", "Authorization", HttpSupport.auth(tf)).statusCode()).isEqualTo(200);
        assertHubError(get("/v2/admin/tiny-GGUF/blobs/sha256:" + "0".repeat(64)), 404, null);
        assertHubError(get("/v2/admin/tiny-GGUF/blobs/md5:abc"), 400, null);
        assertHubError(get("/v2/admin/tiny-GGUF/blobs/sha256:" + sha256(HttpSupport.utf8("{{ .Prompt }}")).toUpperCase()), 400, null);
        assertHubError(get("/v2/admin/tiny-GGUF/manifests/" + "Q".repeat(5000)), 400, null);
        assertHubError(get("/v2/admin/tiny-GGUF/manifests/..%2F..%2Fetc"), 400, null);
        // a token that matches nothing is refused, not ignored
        assertHubError(get("/v2/admin/tiny-GGUF/manifests/latest", "User-Agent", "llama-cpp", "Authorization", "Bearer hf_wrong"), 401, null);
        assertThat(get("/v2").statusCode()).isEqualTo(200);
        assertThat(get("/v2/").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<byte[]> assertStatus(HttpResponse<byte[]> r, int status) {
        assertThat(r.statusCode()).as(HttpSupport.text(r)).isEqualTo(status);
        return r;
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        return tf.get(path, headers);
    }
}
