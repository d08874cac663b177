package dev.forge.app;

import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.airlock.AirlockRules;
import dev.forge.service.airlock.FileBytes;
import dev.forge.service.airlock.PullSubject;
import dev.forge.service.airlock.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The forge's one airlock follows the configuration it was opened with, and audits into the forge's audit log. */
class ForgeAirlockWiringTest {
    @TempDir
    Path dir;

    @Test
    void theConfiguredAirlockDecidesAndAudits() throws Exception {
        ForgeConfig config = ForgeConfig.defaults(dir).withAirlock(new ForgeConfig.Airlock(List.of(), List.of("evil"), List.of(),
                ForgeConfig.Airlock.Pickle.REFUSE, 0, 0));
        try (Forge forge = Forge.open(config)) {
            PullSubject evil = new PullSubject("http://up.test", RepoType.MODEL, RepoId.parse("evil/x"), "a".repeat(40), "", List.of());
            PullSubject good = new PullSubject("http://up.test", RepoType.MODEL, RepoId.parse("good/x"), "b".repeat(40), "", List.of());
            assertThat(forge.airlock.checkRevision(Actor.OPERATOR, evil)).isInstanceOfSatisfying(Verdict.Refused.class,
                    r -> assertThat(r.rule()).isEqualTo(AirlockRules.NAMESPACE));
            assertThat(forge.airlock.checkFile(Actor.OPERATOR, good, "model.pt", 3, FileBytes.of(new byte[3])))
                    .isInstanceOfSatisfying(Verdict.Refused.class, r -> assertThat(r.rule()).isEqualTo(AirlockRules.FILE_FORMAT));
            assertThat(forge.airlock.checkFile(Actor.OPERATOR, good, "model.safetensors", 3, FileBytes.of(new byte[3]))).isEqualTo(Verdict.ALLOWED);
            assertThat(forge.airlock.readsBytes("model.pt")).isFalse();
            List<AuditEntry> log = forge.audit.query(Actor.OPERATOR, new AuditEntry.Query(null, "airlock.", null, null, null, 10));
            assertThat(log).extracting(AuditEntry::outcome).containsExactlyInAnyOrder("denied", "denied", "ok");
        }
        // no configuration: everything in
        try (Forge forge = Forge.open(ForgeConfig.defaults(dir.resolve("open")))) {
            PullSubject any = new PullSubject("http://up.test", RepoType.MODEL, RepoId.parse("evil/x"), "a".repeat(40), "", List.of());
            assertThat(forge.airlock.checkRevision(Actor.OPERATOR, any)).isEqualTo(Verdict.ALLOWED);
            assertThat(forge.airlock.checkFile(Actor.OPERATOR, any, "model.pt", 3, FileBytes.of(new byte[3]))).isEqualTo(Verdict.ALLOWED);
        }
    }
}
