package dev.forge.e2e;

import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a real client sees of an airlock refusal: huggingface_hub 2.x asking a pull-through cache (policy: pickles
 * scanned, namespace {@code admin/deny-*} denied) for a checkpoint that imports {@code os.system} fails with an
 * {@code HfHubHTTPError} (as the cause of {@code hf_hub_download}'s {@code LocalEntryNotFoundError}) whose message names
 * the rule and what was found; the safetensors file of the same
 * repository downloads byte for byte; {@code model_info} of a denied repository fails naming the namespace rule.
 */
@Tag("slow")
class AirlockE2ETest {
    @TempDir
    Path dir;

    private static final String SCRIPT = """
            import sys
            from huggingface_hub import hf_hub_download, model_info
            from huggingface_hub.errors import HfHubHTTPError
            what, repo, name = sys.argv[1], sys.argv[2], sys.argv[3]
            try:
                if what == "info":
                    model_info(repo)
                    print("OK")
                else:
                    path = hf_hub_download(repo, name)
                    import hashlib
                    print("OK " + hashlib.sha256(open(path, "rb").read()).hexdigest())
            except Exception as e:
                # hf_hub_download reports a failed metadata request as LocalEntryNotFoundError caused by the HTTP error;
                # the traceback a user sees shows the whole chain
                while e is not None and not isinstance(e, HfHubHTTPError):
                    e = e.__cause__
                if e is None:
                    raise
                print("REFUSED %s %s | %s" % (e.response.status_code, e.response.headers.get("X-Airlock-Rule"), e))
            """;

    @Test
    void huggingfaceHubShowsTheRuleThatRefusedAPull() throws Exception {
        byte[] weights = new byte[200_000];
        new java.util.Random(5).nextBytes(weights);
        byte[] evil;
        try (InputStream in = getClass().getResourceAsStream("/airlock/torch_os_system.pt")) {
            evil = in.readAllBytes();
        }
        try (TestForge upstream = TestForge.start(dir.resolve("upstream"))) {
            for (String id : List.of("admin/pickled", "admin/deny-this")) {
                Repo repo = upstream.createRepo(RepoType.MODEL, id);
                LfsOid w = upstream.forge.stores().blobs().put(new ByteArrayInputStream(weights));
                LfsOid e = upstream.forge.stores().blobs().put(new ByteArrayInputStream(evil));
                upstream.forge.stores().index().recordLfsUpload(repo.key(), w.hex());
                upstream.forge.stores().index().recordLfsUpload(repo.key(), e.hex());
                upstream.forge.commits.commit(upstream.admin, repo, "main", Optional.empty(), List.of(
                        new CommitOperation.AddFile("README.md", "---\nlicense: mit\n---\n".getBytes(StandardCharsets.UTF_8)),
                        new CommitOperation.AddLfsFile("model.safetensors", w, weights.length),
                        new CommitOperation.AddLfsFile("pytorch_model.bin", e, evil.length)), "files");
            }
            ForgeConfig.Airlock policy = new ForgeConfig.Airlock(List.of(), List.of("admin/deny-*"), List.of(),
                    ForgeConfig.Airlock.Pickle.SCAN, 0, 0);
            ForgeConfig.Cache cacheConfig = new ForgeConfig.Cache(List.of(new ForgeConfig.Upstream(URI.create(upstream.baseUrl),
                    upstream.adminToken)), 0, 60);
            try (TestForge cache = TestForge.startCache(dir.resolve("cache"), cacheConfig, policy)) {
                PythonClient py = PythonClient.of(PythonClient.HUB2, cache.baseUrl, null, dir.resolve("home"));
                String refused = py.run(SCRIPT, dir, Duration.ofMinutes(3), "file", "admin/pickled", "pytorch_model.bin").ok();
                assertThat(refused).startsWith("REFUSED 403 pickle-import")
                        .contains("Refused by the airlock rule 'pickle-import'").contains("posix.system");
                String fine = py.run(SCRIPT, dir, Duration.ofMinutes(3), "file", "admin/pickled", "model.safetensors").ok();
                assertThat(fine.strip()).isEqualTo("OK " + Hashes.sha256(weights));
                String denied = py.run(SCRIPT, dir, Duration.ofMinutes(3), "info", "admin/deny-this", "-").ok();
                assertThat(denied).startsWith("REFUSED 403 namespace").contains("Refused by the airlock rule 'namespace'");
            }
        }
    }
}
