package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.Mirror;
import dev.forge.core.RepoType;
import dev.forge.mirror.HubClient;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mirror seen through real clients: {@code git clone} of the mirror and of the upstream give the same commit ids,
 * and huggingface_hub's {@code snapshot_download} (hub 2.x with hf_xet at default settings: a mirror's LFS files are downloaded through Xet) and the JS client's download of every file
 * get the same bytes from the mirror as the upstream holds; then the upstream is closed and the mirror still serves.
 */
@Tag("slow")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MirrorClientsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestForge upstream;
    static TestForge local;
    static final Map<String, byte[]> LFS = new LinkedHashMap<>();
    static final Map<String, byte[]> INLINE = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = TestForge.start(dir.resolve("upstream"));
        local = TestForge.start(dir.resolve("local"));
        HubClient up = new HubClient(upstream.baseUrl, upstream.adminToken);
        up.createRepo("admin/e2e", false);
        INLINE.put("README.md", "# e2e\n".getBytes());
        INLINE.put("config.json", "{\"model_type\":\"bert\"}".getBytes());
        LFS.put("model.safetensors", HubClient.random(41, 2_000_000));
        LFS.put("sub/dir/shard.bin", HubClient.random(42, 700_000));
        up.commit("admin/e2e", "main", "weights", INLINE, LFS);
        Mirror m = local.forge.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, upstream.baseUrl, RepoType.MODEL,
                "admin/e2e", "mirrors/e2e", null, null));
        assertThat(local.forge.mirrors.sync(Actor.OPERATOR, m.key()).status()).isEqualTo(Mirror.Status.OK);
    }

    @AfterAll
    static void stop() throws Exception {
        if (local != null) local.close();
        if (upstream != null) upstream.close();
    }

    private static Map<String, String> expected() {
        Map<String, String> out = new LinkedHashMap<>();
        INLINE.forEach((p, b) -> out.put(p, HubClient.sha256(b)));
        LFS.forEach((p, b) -> out.put(p, HubClient.sha256(b)));
        return out;
    }

    @Test
    void gitCloneOfTheMirrorHasTheUpstreamsCommitIds() throws Exception {
        GitCli git = new GitCli(dir.resolve("git-home"));
        git.run(dir, "-c", "lfs.fetchexclude=*", "clone", "--mirror", upstream.baseUrl + "/admin/e2e", "up.git");
        git.run(dir, "-c", "lfs.fetchexclude=*", "clone", "--mirror", local.baseUrl + "/mirrors/e2e", "here.git");
        String upRefs = git.run(dir.resolve("up.git"), "for-each-ref", "--format=%(objectname) %(refname)");
        String hereRefs = git.run(dir.resolve("here.git"), "for-each-ref", "--format=%(objectname) %(refname)");
        assertThat(hereRefs).isEqualTo(upRefs).contains("refs/heads/main").doesNotContain("refs/mirror/");
        assertThat(git.run(dir.resolve("here.git"), "rev-list", "--all")).isEqualTo(git.run(dir.resolve("up.git"), "rev-list", "--all"));
    }

    @Test
    void huggingfaceHubSnapshotDownloadFromTheMirrorIsByteExact() throws Exception {
        PythonClient py = PythonClient.of(PythonClient.HUB2, local.baseUrl, null, dir.resolve("py-home"));
        String script = """
                import hashlib, json, os
                from huggingface_hub import snapshot_download
                folder = snapshot_download("mirrors/e2e")
                out = {}
                for root, _, files in os.walk(folder):
                    for f in files:
                        p = os.path.join(root, f)
                        out[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
                print(json.dumps(out))
                """;
        JsonNode out = JSON.readTree(py.run(script, dir, Duration.ofMinutes(3)).ok());
        Map<String, String> got = new LinkedHashMap<>();
        out.fields().forEachRemaining(e -> got.put(e.getKey(), e.getValue().asText()));
        got.remove(".gitattributes");
        Map<String, String> want = expected();
        assertThat(got).containsAllEntriesOf(want);
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void withTheUpstreamDownTheMirrorStillServesEverything() throws Exception {
        upstream.close();
        upstream = null;
        JsonNode out = new NodeClient(local.baseUrl, null).downloadAll("model", "mirrors/e2e");
        for (Map.Entry<String, String> e : expected().entrySet()) {
            assertThat(out.path("files").path(e.getKey()).path("sha256").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
        Mirror m = local.forge.mirrors.list(Actor.OPERATOR).getFirst();
        m = local.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).isEqualTo(Mirror.Status.ERROR);
        assertThat(m.message()).contains("cannot be reached");
        assertThat(new HubClient(local.baseUrl, null).snapshot("mirrors/e2e", "main")).containsAllEntriesOf(expected());
    }

    @Test
    void theJsClientDownloadsTheSameBytesFromTheMirror() throws Exception {
        JsonNode out = new NodeClient(local.baseUrl, null).downloadAll("model", "mirrors/e2e");
        assertThat(out.path("sha").asText()).isEqualTo(new HubClient(upstream.baseUrl, null).refs("admin/e2e").get("refs/heads/main"));
        for (Map.Entry<String, String> e : expected().entrySet()) {
            assertThat(out.path("files").path(e.getKey()).path("sha256").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }
}
