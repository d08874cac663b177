package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.app.Forge;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.crash.ForgeProcess;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pull-through cache with real clients: the upstream is {@code forge serve} in its own process (its access log
 * counts what the cache asked; SIGKILL takes it down), the cache a forge in front of it. huggingface_hub 2.x and 1.x
 * ({@code snapshot_download} at default settings, hf_xet installed: the cache offers no Xet header, so they take the
 * plain download path) and
 * {@code @huggingface/hub} get the upstream's bytes and commit id; 20 concurrent clients of one file cause one upstream
 * transfer in the upstream's access log; with the upstream killed, a fresh client still gets everything cached.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CacheE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static ForgeProcess upstream;
    static TestForge cache;
    static String commit;
    static final Map<String, byte[]> FILES = new LinkedHashMap<>();
    static byte[] big;

    @BeforeAll
    static void start() throws Exception {
        Path data = dir.resolve("upstream");
        String token;
        byte[] weights = new byte[3 * 1024 * 1024 + 17];
        new Random(21).nextBytes(weights);
        big = new byte[16 * 1024 * 1024];
        new Random(22).nextBytes(big);
        FILES.put("config.json", "{\"model_type\": \"gpt2\"}\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("model.safetensors", weights);
        FILES.put("sub/dir/notes.txt", "nested\n".getBytes(StandardCharsets.UTF_8));
        try (TestForge prepare = TestForge.start(data)) {
            token = prepare.adminToken;
            Repo repo = prepare.createRepo(RepoType.MODEL, "admin/cached");
            LfsOid oid = prepare.forge.stores().blobs().put(new ByteArrayInputStream(weights));
            prepare.forge.stores().index().recordLfsUpload(repo.key(), oid.hex());
            commit = prepare.forge.commits.commit(prepare.admin, repo, "main", Optional.empty(), List.of(
                    new CommitOperation.AddFile("config.json", FILES.get("config.json")),
                    new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length),
                    new CommitOperation.AddFile("sub/dir/notes.txt", FILES.get("sub/dir/notes.txt"))), "files");
            Repo flight = prepare.createRepo(RepoType.MODEL, "admin/flight");
            LfsOid bigOid = prepare.forge.stores().blobs().put(new ByteArrayInputStream(big));
            prepare.forge.stores().index().recordLfsUpload(flight.key(), bigOid.hex());
            prepare.forge.commits.commit(prepare.admin, flight, "main", Optional.empty(), List.of(
                    new CommitOperation.AddLfsFile("big.safetensors", bigOid, big.length)), "big");
        }
        upstream = ForgeProcess.startWithAccessLog(data);
        // TTL 0: every branch name is asked again, so the offline test shows the last known answer standing in
        cache = TestForge.startCache(dir.resolve("cache"), new ForgeConfig.Cache(
                List.of(new ForgeConfig.Upstream(URI.create(upstream.baseUrl), token)), 0, 0), Forge.Options.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cache != null) cache.close();
        if (upstream != null) upstream.close();
    }

    private static final String SNAPSHOT = """
            import hashlib, json, os
            from huggingface_hub import snapshot_download
            folder = snapshot_download("admin/cached")
            out = {"commit": os.path.basename(folder)}
            for root, _, files in os.walk(folder):
                for f in files:
                    p = os.path.join(root, f)
                    out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
            print(json.dumps(out))
            """;

    private static JsonNode snapshot(String venv, String home) throws Exception {
        PythonClient py = PythonClient.of(venv, cache.baseUrl, null, dir.resolve(home));
        return JSON.readTree(py.run(SNAPSHOT, dir, Duration.ofMinutes(3)).ok());
    }

    private static void assertSameFiles(JsonNode out) {
        assertThat(out.path("commit").asText()).isEqualTo(commit);
        for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
            assertThat(out.path(f.getKey()).asText()).as(f.getKey()).isEqualTo(Hashes.sha256(f.getValue()));
        }
    }

    @Test
    @Order(1)
    void huggingfaceHubGetsTheUpstreamsBytesAndCommitId() throws Exception {
        assertSameFiles(snapshot(PythonClient.HUB2, "home-hub2"));
        assertSameFiles(snapshot(PythonClient.HUB1, "home-hub1"));
    }

    @Test
    @Order(2)
    void theJsClientGetsTheUpstreamsBytesAndCommitId() throws Exception {
        JsonNode out = new NodeClient(cache.baseUrl, null).downloadAll("model", "admin/cached");
        assertThat(out.path("sha").asText()).isEqualTo(commit);
        for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
            assertThat(out.path("files").path(f.getKey()).path("sha256").asText()).as(f.getKey()).isEqualTo(Hashes.sha256(f.getValue()));
        }
    }

    @Test
    @Order(3)
    void twentyConcurrentClientsAreOneFetchInTheUpstreamsAccessLog() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(cache.http.sendAsync(cache.request("/admin/flight/resolve/main/big.safetensors").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (CompletableFuture<HttpResponse<byte[]>> c : clients) {
            HttpResponse<byte[]> r = c.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Hashes.sha256(r.body())).isEqualTo(Hashes.sha256(big));
        }
        List<String> fetches = upstream.output().lines().filter(l -> l.contains("forge.access") && l.contains("/admin/flight/resolve/")).toList();
        assertThat(fetches).as("the upstream's access log").hasSize(1);
        assertThat(fetches.getFirst()).contains("GET /admin/flight/resolve/").contains(" 200 ");
    }

    @Test
    @Order(4)
    void withTheUpstreamKilledEverythingCachedIsServed() throws Exception {
        upstream.kill();
        assertSameFiles(snapshot(PythonClient.HUB2, "home-offline"));
        JsonNode js = new NodeClient(cache.baseUrl, null).downloadAll("model", "admin/cached");
        assertThat(js.path("sha").asText()).isEqualTo(commit);
        assertThat(js.path("files").path("model.safetensors").path("sha256").asText()).isEqualTo(Hashes.sha256(FILES.get("model.safetensors")));
        HttpResponse<byte[]> never = cache.get("/api/models/admin/never-cached");
        assertThat(never.statusCode()).isEqualTo(503);
    }
}
