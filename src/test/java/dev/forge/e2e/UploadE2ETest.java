package dev.forge.e2e;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoType;
import dev.forge.service.repo.RepoService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/**
 * The upload API driven by the real {@code @huggingface/hub} JS client: {@code createRepo}, {@code uploadFiles}
 * with regular files, an LFS file over the basic transfer and one over HF's multipart transfer (the forge
 * offers multipart above 8 MiB in 8 MiB parts), a {@code commit} that deletes and updates, a folder deletion
 * (sent as raw NDJSON: the JS client has none), {@code createBranch}, every remaining file downloaded back
 * through the client and compared by SHA-256, and {@code deleteRepo}.
 */
@Tag("slow")
class UploadE2ETest {
    private static final int MIB = 1024 * 1024;
    private static final long PART = 8L * MIB;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPO = "admin/e2e-upload";

    @TempDir
    Path tmp;

    private TestForge forge;
    private NodeClient hub;

    @BeforeEach
    void start() throws Exception {
        forge = TestForge.start(tmp.resolve("data"), ForgeConfig.Limits.defaults(),
                new ForgeConfig.Uploads(PART, PART, 10L * MIB, 25_000, 1024L * MIB));
        hub = new NodeClient(forge.baseUrl, forge.adminToken);
    }

    @AfterEach
    void stop() throws Exception {
        if (forge != null) forge.close();
    }

    @Test
    void uploadCommitDeleteBranchDownloadAndDeleteTheRepoWithTheJsClient() throws Exception {
        JsonNode created = hub.createRepo("model", REPO);
        assertThat(created.path("id").asText()).isEqualTo(REPO);
        String initial = headSha("main");

        // ---------------------------------------------------------------- uploadFiles
        Map<String, byte[]> files = new TreeMap<>();
        files.put("README.md", utf8("---\nlicense: mit\ntags:\n- e2e\n---\n# Uploaded with the JS client\n"));
        files.put("config.json", utf8("{\"hidden_size\": 16, \"layers\": 2}\n"));
        files.put("tokenizer/vocab.txt", utf8("[PAD]\n[UNK]\nhello\nworld\n"));
        files.put("nested/deep/folder/notes.md", utf8("# deep\nnotes\n"));
        files.put("données/résumé ✓.txt", utf8("Un résumé, avec des accents ✓\n"));
        files.put("docs/guide.md", utf8("# guide\n"));
        files.put("docs/sub/api.md", utf8("# api\n"));
        files.put("obsolete.txt", utf8("to be deleted\n"));
        files.put("weights/small.safetensors", randomBytes(1, 3 * MIB + 17));
        files.put("weights/big.safetensors", randomBytes(2, 20 * MIB + 123));
        Path src = tmp.resolve("upload");
        for (Map.Entry<String, byte[]> e : files.entrySet()) write(src, e.getKey(), e.getValue());
        String smallOid = sha256(files.get("weights/small.safetensors"));
        String bigOid = sha256(files.get("weights/big.safetensors"));

        JsonNode up = hub.run("upload-files", "--repo", REPO, "--dir", src.toString(), "--message", "Upload everything", "--no-xet");
        String c1 = up.path("commit").path("oid").asText();
        assertThat(c1).matches("[0-9a-f]{40}").isNotEqualTo(initial);
        assertThat(up.path("commit").path("url").asText()).isEqualTo(forge.baseUrl + "/" + REPO + "/commit/" + c1);
        assertThat(headSha("main")).isEqualTo(c1);

        // the client's requests: one basic PUT for the small object; part PUTs and a completion for the big one
        List<String> requests = new ArrayList<>();
        up.path("requests").forEach(r -> requests.add(r.asText()));
        assertThat(requests).contains("POST /api/models/" + REPO + "/preupload/main", "POST /" + REPO + ".git/info/lfs/objects/batch",
                "POST /api/models/" + REPO + "/commit/main");
        assertThat(requests.stream().filter(r -> r.startsWith("PUT ") && r.endsWith("/" + smallOid))).hasSize(1);
        assertThat(requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("/" + bigOid + "/parts/")))
                .map(r -> r.substring(r.lastIndexOf('/') + 1)).containsExactlyInAnyOrder("1", "2", "3");
        assertThat(requests.stream().filter(r -> r.startsWith("POST ") && r.endsWith("/lfs/objects/" + repoKey() + "/" + bigOid))).hasSize(1);
        assertThat(requests.stream().filter(r -> r.startsWith("PUT ") && r.endsWith("/" + bigOid))).as("no basic PUT of the big object").isEmpty();

        // the server's view: both objects stored, both files LFS in the tree, the rest regular
        assertThat(forge.forge.stores().blobs().size(new LfsOid(smallOid))).hasValue((long) files.get("weights/small.safetensors").length);
        assertThat(forge.forge.stores().blobs().size(new LfsOid(bigOid))).hasValue((long) files.get("weights/big.safetensors").length);
        Map<String, JsonNode> tree = treeFiles("main");
        assertThat(tree.get("weights/small.safetensors").path("lfs").path("oid").asText()).isEqualTo(smallOid);
        assertThat(tree.get("weights/big.safetensors").path("lfs").path("oid").asText()).isEqualTo(bigOid);
        assertThat(tree.get("weights/big.safetensors").path("size").asLong()).isEqualTo(20L * MIB + 123);
        assertThat(tree.get("config.json").has("lfs")).isFalse();
        assertThat(tree.get("données/résumé ✓.txt").has("lfs")).isFalse();
        // and, asked directly, the forge offers exactly this multipart split for an object of the big one's size
        // (the big object itself is now stored and referenced by a public repository: nothing left to upload)
        forge.createRepo(RepoType.MODEL, "admin/e2e-probe");
        assertThat(batchUpload("admin/e2e-probe", bigOid, files.get("weights/big.safetensors").length).has("actions")).isFalse();
        JsonNode offer = batchUpload("admin/e2e-probe", sha256(utf8("probe big")), files.get("weights/big.safetensors").length);
        JsonNode header = offer.path("actions").path("upload").path("header");
        assertThat(header.path("chunk_size").asText()).isEqualTo(Long.toString(PART));
        List<String> partKeys = new ArrayList<>();
        header.fieldNames().forEachRemaining(k -> { if (k.matches("[0-9]+")) partKeys.add(k); });
        assertThat(partKeys).containsExactlyInAnyOrder("1", "2", "3");
        JsonNode small = batchUpload("admin/e2e-probe", sha256(utf8("probe small")), files.get("weights/small.safetensors").length);
        assertThat(small.path("actions").path("upload").path("href").isTextual()).as("%s", small).isTrue();
        assertThat(small.path("actions").path("upload").has("header")).as("basic for the small object: %s", small).isFalse();

        // ---------------------------------------------------------------- commit: delete one file, update another
        byte[] newConfig = utf8("{\"hidden_size\": 32, \"layers\": 4}\n");
        Path newConfigFile = tmp.resolve("config-v2.json");
        Files.write(newConfigFile, newConfig);
        Path ops = tmp.resolve("ops.json");
        Files.writeString(ops, JSON.writeValueAsString(List.of(
                Map.of("operation", "delete", "path", "obsolete.txt"),
                Map.of("operation", "addOrUpdate", "path", "config.json", "file", newConfigFile.toString()))));
        JsonNode committed = hub.run("commit", "--repo", REPO, "--ops", ops.toString(), "--message", "Delete obsolete, update config", "--no-xet");
        String c2 = committed.path("commit").path("oid").asText();
        assertThat(c2).matches("[0-9a-f]{40}").isNotEqualTo(c1);
        assertThat(headSha("main")).isEqualTo(c2);
        files.remove("obsolete.txt");
        files.put("config.json", newConfig);

        // ---------------------------------------------------------------- folder deletion (raw NDJSON)
        String ndjson = JSON.writeValueAsString(Map.of("key", "header", "value", Map.of("summary", "Remove docs", "parentCommit", c2)))
                + "\n" + JSON.writeValueAsString(Map.of("key", "deletedFolder", "value", Map.of("path", "docs/")));
        HttpResponse<byte[]> folder = forge.send(forge.request("/api/models/" + REPO + "/commit/main")
                .header("Authorization", "Bearer " + forge.adminToken).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)));
        assertThat(folder.statusCode()).as(text(folder.body())).isEqualTo(200);
        String c3 = JSON.readTree(folder.body()).path("commitOid").asText();
        assertThat(headSha("main")).isEqualTo(c3);
        files.remove("docs/guide.md");
        files.remove("docs/sub/api.md");
        assertThat(treeFiles("main").keySet()).noneMatch(p -> p.startsWith("docs/"));
        assertThat(commitIds("main")).startsWith(c3, c2, c1, initial);

        // ---------------------------------------------------------------- createBranch
        assertThat(hub.run("create-branch", "--repo", REPO, "--branch", "dev", "--revision", "main").isObject()).isTrue();
        assertThat(headSha("dev")).isEqualTo(c3);

        // ---------------------------------------------------------------- everything back through the client
        files.put(".gitattributes", utf8(RepoService.DEFAULT_GITATTRIBUTES));
        for (String rev : List.of("main", "dev")) {
            JsonNode download = hub.run("download-all", "--repo", REPO, "--revision", rev);
            assertThat(download.path("sha").asText()).as("sha of %s", rev).isEqualTo(c3);
            JsonNode got = download.path("files");
            TreeSet<String> names = new TreeSet<>();
            got.fieldNames().forEachRemaining(names::add);
            assertThat(names).as("files of %s", rev).isEqualTo(new TreeSet<>(files.keySet()));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                JsonNode f = got.path(e.getKey());
                assertThat(f.path("sha256").asText()).as("sha256 of %s@%s", e.getKey(), rev).isEqualTo(sha256(e.getValue()));
                assertThat(f.path("size").asLong()).as("size of %s@%s", e.getKey(), rev).isEqualTo(e.getValue().length);
            }
        }

        // ---------------------------------------------------------------- deleteRepo
        assertThat(hub.run("delete-repo", "--repo", REPO).isObject()).isTrue();
        HttpResponse<byte[]> gone = forge.get("/api/models/" + REPO, "Authorization", "Bearer " + forge.adminToken);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        assertThat(forge.get("/" + REPO + "/resolve/main/config.json", "Authorization", "Bearer " + forge.adminToken).statusCode())
                .isEqualTo(404);
        // anonymous callers get the Hub's 401 RepoNotFound (existence is never revealed to them)
        HttpResponse<byte[]> anonymous = forge.get("/api/models/" + REPO);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        AssertionError download = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> hub.run("download-all", "--repo", REPO));
        assertThat(download.getMessage()).contains("404");
        // the other branch went with it
        assertThat(forge.get("/api/models/" + REPO + "/revision/dev", "Authorization", "Bearer " + forge.adminToken).statusCode())
                .isEqualTo(404);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private String repoKey() {
        return forge.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse(REPO)).orElseThrow().key();
    }

    private JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = forge.get(path, "Authorization", "Bearer " + forge.adminToken);
        assertThat(r.statusCode()).as("%s: %s", path, text(r.body())).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private String headSha(String rev) throws IOException, InterruptedException {
        return getJson("/api/models/" + REPO + "/revision/" + rev).path("sha").asText();
    }

    private Map<String, JsonNode> treeFiles(String rev) throws IOException, InterruptedException {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode e : getJson("/api/models/" + REPO + "/tree/" + rev + "?recursive=true")) {
            if (e.path("type").asText().equals("file")) out.put(e.path("path").asText(), e);
        }
        return out;
    }

    private List<String> commitIds(String rev) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode c : getJson("/api/models/" + REPO + "/commits/" + rev)) out.add(c.path("id").asText());
        return out;
    }

    /** A raw upload batch call listing basic and multipart, as the JS client sends it with {@code useXet: false}; returns the one object. */
    private JsonNode batchUpload(String repo, String oid, long size) throws IOException, InterruptedException {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("operation", "upload");
        req.put("transfers", List.of("basic", "multipart"));
        req.put("hash_algo", "sha_256");
        req.put("ref", Map.of("name", "main"));
        req.put("objects", List.of(Map.of("oid", oid, "size", size)));
        HttpResponse<byte[]> r = forge.send(forge.request("/" + repo + ".git/info/lfs/objects/batch")
                .header("Authorization", "Bearer " + forge.adminToken)
                .header("Accept", "application/vnd.git-lfs+json").header("Content-Type", "application/vnd.git-lfs+json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))));
        assertThat(r.statusCode()).as(text(r.body())).isEqualTo(200);
        return JSON.readTree(r.body()).path("objects").get(0);
    }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static String text(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }


    private static void write(Path root, String path, byte[] content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
    }
}
