package dev.forge.service.airlock;

import dev.forge.app.Forge;
import dev.forge.core.AuditEntry;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Mirror;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.forge.service.airlock.PickleFixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One refusal for each airlock rule, through both ways things come in from an upstream Forge on loopback: the
 * pull-through cache (a client's request answers 403 {@code AirlockRefused} naming the rule in
 * {@code X-Airlock-Rule}, nothing is served, siblings of a refused file still are) and a pull mirror (its sync ends
 * {@code refused}, naming the rule, with no ref visible). Each refusal is in the puller's audit log with its rule.
 *
 * <p>Policy A: namespaces {@code admin/deny-*} denied, licences {@code apache-2.0} only, pickles scanned, at most
 * 1 MB per file and 3 MB per revision. Policy B: pickle-based files refused by name.
 */
class AirlockThroughPullsTest {
    private static final ForgeConfig.Airlock A = new ForgeConfig.Airlock(List.of(), List.of("admin/deny-*"), List.of("apache-2.0"),
            ForgeConfig.Airlock.Pickle.SCAN, 1_000_000, 3_000_000);
    private static final ForgeConfig.Airlock B = new ForgeConfig.Airlock(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.REFUSE, 0, 0);
    private static final String APACHE = "---\nlicense: apache-2.0\n---\n# A model\n";

    @TempDir
    static Path dir;
    static TestForge upstream;

    /** The upstream repositories, one per rule, and one that passes every rule of A. */
    static final String DENIED = "admin/deny-me";
    static final String LICENSED = "admin/llama-licensed";
    static final String EVIL = "admin/evil-pickle";
    static final String BROKEN = "admin/broken-pickle";
    static final String BIG_FILE = "admin/big-file";
    static final String BIG_REVISION = "admin/big-revision";
    static final String FINE = "admin/fine";

    @BeforeAll
    static void upstreamWithOneRepositoryPerRule() throws Exception {
        upstream = TestForge.start(dir.resolve("upstream"));
        repo(DENIED, APACHE, Map.of("model.safetensors", bytes(100, 1)));
        repo(LICENSED, "---\nlicense: llama3\n---\n", Map.of("model.safetensors", bytes(100, 2)));
        repo(EVIL, APACHE, Map.of("model.pt", fixture("torch_os_system.pt"), "model.safetensors", bytes(100, 3)));
        repo(BROKEN, APACHE, Map.of("pytorch_model.bin", new byte[] {(byte) 0x80, 4, (byte) 0xff, 1, 2, 3}));
        repo(BIG_FILE, APACHE, Map.of("model.safetensors", bytes(1_500_000, 4), "small.safetensors", bytes(1000, 5)));
        Map<String, byte[]> shards = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) shards.put("model-0000" + i + ".safetensors", bytes(900_000, 10 + i));
        repo(BIG_REVISION, APACHE, shards);
        repo(FINE, APACHE, Map.of("model.pt", fixture("torch_state_dict.pt"), "model.safetensors", bytes(1000, 6)));
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** A public upstream model {@code id} with a card, a config and {@code lfs} files. */
    static void repo(String id, String card, Map<String, byte[]> lfs) throws Exception {
        Repo repo = upstream.createRepo(RepoType.MODEL, id);
        List<CommitOperation> ops = new ArrayList<>();
        ops.add(new CommitOperation.AddFile("README.md", card.getBytes(StandardCharsets.UTF_8)));
        ops.add(new CommitOperation.AddFile("config.json", "{}\n".getBytes(StandardCharsets.UTF_8)));
        for (var f : lfs.entrySet()) {
            LfsOid oid = upstream.forge.stores().blobs().put(new ByteArrayInputStream(f.getValue()));
            upstream.forge.stores().index().recordLfsUpload(repo.key(), oid.hex());
            ops.add(new CommitOperation.AddLfsFile(f.getKey(), oid, f.getValue().length));
        }
        upstream.forge.commits.commit(upstream.admin, repo, "main", Optional.empty(), ops, "files");
    }

    private static ForgeConfig.Cache cacheOf(TestForge up) {
        return new ForgeConfig.Cache(List.of(new ForgeConfig.Upstream(URI.create(up.baseUrl), up.adminToken)), 0, 60);
    }

    private static void assertRefused(HttpResponse<byte[]> r, String rule) {
        assertThat(r.statusCode()).as(rule).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Error-Code")).as(rule).contains("AirlockRefused");
        assertThat(r.headers().firstValue("X-Airlock-Rule")).as(rule).contains(rule);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(rule).contains("Refused by the airlock rule '" + rule + "'");
    }

    private static List<String> deniedRules(Forge forge) {
        return forge.audit.query(Actor.OPERATOR, new AuditEntry.Query(null, "airlock.", null, null, null, 500)).stream()
                .filter(e -> e.outcome().equals("denied")).map(AuditEntry::detail).toList();
    }

    @Test
    void theCacheRefusesByEachRuleAndServesWhatPasses() throws Exception {
        try (TestForge cache = TestForge.startCache(dir.resolve("cache-a"), cacheOf(upstream), A)) {
            assertRefused(cache.get("/api/models/" + DENIED), AirlockRules.NAMESPACE);
            assertRefused(cache.get("/" + DENIED + "/resolve/main/config.json"), AirlockRules.NAMESPACE);
            assertRefused(cache.get("/api/models/" + LICENSED), AirlockRules.LICENSE);
            assertRefused(cache.get("/api/models/" + BIG_REVISION), AirlockRules.REVISION_SIZE);
            assertRefused(cache.get("/" + EVIL + "/resolve/main/model.pt"), AirlockRules.PICKLE_IMPORT);
            assertRefused(cache.get("/" + BROKEN + "/resolve/main/pytorch_model.bin"), AirlockRules.PICKLE_INVALID);
            assertRefused(cache.get("/" + BIG_FILE + "/resolve/main/model.safetensors"), AirlockRules.FILE_SIZE);
            // a refused file is refused again, never served from what the cache fetched
            assertRefused(cache.get("/" + EVIL + "/resolve/main/model.pt"), AirlockRules.PICKLE_IMPORT);
            // what passes: the siblings of refused files, and a repository that passes every rule
            assertThat(cache.get("/" + EVIL + "/resolve/main/model.safetensors").statusCode()).isEqualTo(200);
            assertThat(cache.get("/" + BIG_FILE + "/resolve/main/small.safetensors").statusCode()).isEqualTo(200);
            assertThat(cache.get("/api/models/" + FINE).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> checkpoint = cache.get("/" + FINE + "/resolve/main/model.pt");
            assertThat(checkpoint.statusCode()).isEqualTo(200);
            assertThat(checkpoint.body()).isEqualTo(fixture("torch_state_dict.pt"));
            assertThat(deniedRules(cache.forge)).as("the audit log names each rule")
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"namespace\""))
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"license\""))
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"revision-size\""))
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"pickle-import\""))
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"pickle-invalid\""))
                    .anySatisfy(d -> assertThat(d).contains("\"rule\":\"file-size\""));
        }
        try (TestForge cache = TestForge.startCache(dir.resolve("cache-b"), cacheOf(upstream), B)) {
            assertRefused(cache.get("/" + FINE + "/resolve/main/model.pt"), AirlockRules.FILE_FORMAT);
            assertThat(cache.get("/" + FINE + "/resolve/main/model.safetensors").statusCode()).isEqualTo(200);
            assertThat(deniedRules(cache.forge)).anySatisfy(d -> assertThat(d).contains("\"rule\":\"file-format\""));
        }
    }

    @Test
    void aMirrorSyncRefusesByEachRuleAndAppliesNothing() throws Exception {
        try (Forge local = Forge.open(ForgeConfig.defaults(dir.resolve("mirror-a")).withAirlock(A))) {
            local.auth.createUser("admin", "Administrator", null, true);
            assertMirrorRefused(local, DENIED, AirlockRules.NAMESPACE);
            assertMirrorRefused(local, LICENSED, AirlockRules.LICENSE);
            assertMirrorRefused(local, BIG_REVISION, AirlockRules.REVISION_SIZE);
            assertMirrorRefused(local, EVIL, AirlockRules.PICKLE_IMPORT);
            assertMirrorRefused(local, BROKEN, AirlockRules.PICKLE_INVALID);
            assertMirrorRefused(local, BIG_FILE, AirlockRules.FILE_SIZE);
            Mirror fine = sync(local, FINE);
            assertThat(fine.status()).as(fine.problems().toString()).isEqualTo(Mirror.Status.OK);
            assertThat(deniedRules(local)).hasSizeGreaterThanOrEqualTo(6);
        }
        try (Forge local = Forge.open(ForgeConfig.defaults(dir.resolve("mirror-b")).withAirlock(B))) {
            local.auth.createUser("admin", "Administrator", null, true);
            assertMirrorRefused(local, FINE, AirlockRules.FILE_FORMAT);
        }
    }

    private static Mirror sync(Forge local, String remoteId) {
        Mirror m = local.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, upstream.baseUrl, RepoType.MODEL,
                remoteId, "mirrors/" + RepoId.parse(remoteId).name(), null, null));
        return local.mirrors.sync(Actor.OPERATOR, m.key());
    }

    private static void assertMirrorRefused(Forge local, String remoteId, String rule) throws Exception {
        Mirror m = sync(local, remoteId);
        assertThat(m.status()).as(remoteId).isEqualTo(Mirror.Status.REFUSED);
        assertThat(m.problems()).as(remoteId).anySatisfy(p -> assertThat(p).contains("airlock rule '" + rule + "'"));
        Repo repo = local.repos.find(RepoType.MODEL, RepoId.parse("mirrors/" + RepoId.parse(remoteId).name())).orElseThrow();
        assertThat(local.stores().git().refs(repo.key())).as(remoteId + ": nothing visible").isEmpty();
    }
}
