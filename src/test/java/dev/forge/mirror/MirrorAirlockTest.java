package dev.forge.mirror;

import dev.forge.app.Forge;
import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.core.Mirror;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mirror's sync passes the airlock before anything becomes visible: a refused revision (a denied namespace) is not
 * fetched at all, a refused file (a pickle importing {@code os.system}) keeps its ref where it was; both are reported
 * with the rule's name and are in the audit log.
 */
class MirrorAirlockTest {
    @TempDir
    Path dir;

    private static ForgeConfig withAirlock(Path data, ForgeConfig.Airlock airlock) {
        ForgeConfig d = ForgeConfig.defaults(data);
        return new ForgeConfig(d.host(), d.port(), d.dataDir(), d.publicUrl(), d.limits(), d.uploads(), d.security(), d.storage(), airlock, d.cache());
    }

    @Test
    void refusedRevisionsAndFilesAreReportedAndNotApplied() throws Exception {
        try (TestForge upstream = TestForge.start(dir.resolve("upstream"))) {
            HubClient up = new HubClient(upstream.baseUrl, upstream.adminToken);
            up.createRepo("admin/pickled", false);
            byte[] evil = Files.readAllBytes(Path.of("src/test/resources/airlock/torch_os_system.pt"));
            up.commit("admin/pickled", "main", "a checkpoint", Map.of("README.md", "# p\n".getBytes()), Map.of("model.pt", evil));

            ForgeConfig.Airlock scan = new ForgeConfig.Airlock(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.SCAN, 0, 0);
            try (Forge local = Forge.open(withAirlock(dir.resolve("scan"), scan))) {
                local.auth.createUser("admin", "Administrator", null, true);
                Mirror m = local.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, upstream.baseUrl, RepoType.MODEL,
                        "admin/pickled", "mirrors/pickled", null, null));
                m = local.mirrors.sync(Actor.OPERATOR, m.key());
                assertThat(m.status()).isEqualTo(Mirror.Status.REFUSED);
                assertThat(m.problems()).singleElement().asString().startsWith("refs/heads/main: model.pt refused by the airlock rule 'pickle-import'")
                        .endsWith("not applied");
                var repo = local.repos.find(RepoType.MODEL, RepoId.parse("mirrors/pickled")).orElseThrow();
                assertThat(local.stores().git().refs(repo.key())).as("nothing visible").isEmpty();
                assertThat(local.audit.query(Actor.OPERATOR, new AuditEntry.Query(null, "airlock.file", null, null, null, 10)))
                        .anySatisfy(e -> assertThat(e.detail()).contains("pickle-import"));
            }

            ForgeConfig.Airlock deny = new ForgeConfig.Airlock(List.of(), List.of("admin"), List.of(), ForgeConfig.Airlock.Pickle.ALLOW, 0, 0);
            try (Forge local = Forge.open(withAirlock(dir.resolve("deny"), deny))) {
                local.auth.createUser("admin", "Administrator", null, true);
                Mirror m = local.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, upstream.baseUrl, RepoType.MODEL,
                        "admin/pickled", "mirrors/pickled", null, null));
                m = local.mirrors.sync(Actor.OPERATOR, m.key());
                assertThat(m.status()).isEqualTo(Mirror.Status.REFUSED);
                assertThat(m.problems()).singleElement().asString().startsWith("refs/heads/main: refused by the airlock rule 'namespace'");
                assertThat(m.progress().objectsTotal()).as("a refused revision's objects are not fetched").isZero();
                assertThat(m.objectsFetched()).isZero();
            }
        }
    }
}
