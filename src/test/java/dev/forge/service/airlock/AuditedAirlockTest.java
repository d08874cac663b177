package dev.forge.service.airlock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.meta.AuditDao;
import dev.forge.meta.Database;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static dev.forge.service.airlock.PickleFixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/** Every pull decision is in the audit log: who, what (upstream, repository, file), which revision, which rule. */
class AuditedAirlockTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Database db;
    private AuditLog audit;

    @BeforeEach
    void open() {
        db = Database.sqlite(dir.resolve("forge.db"));
        audit = new AuditLog(new AuditDao(db.jdbi()), () -> Instant.parse("2026-12-02T11:00:00Z"));
    }

    @AfterEach
    void close() { db.close(); }

    private Airlock airlock(ForgeConfig.Airlock config) { return new AuditedAirlock(new AirlockPolicy(config, dir), audit); }

    private List<AuditEntry> entries() {
        return audit.query(Actor.OPERATOR, new AuditEntry.Query(null, "airlock.", null, null, null, 100));
    }

    private static JsonNode detail(AuditEntry e) throws Exception { return JSON.readTree(e.detail()); }

    @Test
    void everyDecisionIsAuditedWithItsRule() throws Exception {
        Airlock airlock = airlock(new ForgeConfig.Airlock(List.of(), List.of("evil"), List.of(), ForgeConfig.Airlock.Pickle.SCAN, 0, 0));
        User alice = new User("u1", "alice", "Alice", null, false, Instant.EPOCH);
        Actor who = Actor.internal(alice).at("10.1.2.3");
        PullSubject ok = new PullSubject("http://upstream.test", RepoType.MODEL, RepoId.parse("good/model"), COMMIT, "",
                List.of(new PullSubject.PulledFile("model.safetensors", 10), new PullSubject.PulledFile("pytorch_model.bin", 20)));
        assertThat(airlock.checkRevision(who, ok)).isEqualTo(Verdict.ALLOWED);
        assertThat(airlock.checkFile(who, ok, "pytorch_model.bin", 20, FileBytes.of(fixture("torch_os_system.pt"))))
                .isInstanceOf(Verdict.Refused.class);
        PullSubject evil = new PullSubject("http://upstream.test", RepoType.DATASET, RepoId.parse("evil/data"), COMMIT, "", List.of());
        assertThat(airlock.checkRevision(Actor.anonymous("10.9.9.9"), evil)).isInstanceOf(Verdict.Refused.class);

        List<AuditEntry> log = entries();
        assertThat(log).hasSize(3);

        // one clock reading for all three: find them by what they are, not by order
        AuditEntry revision = log.stream().filter(e -> e.action().equals("airlock.revision") && e.target().startsWith("model:")).findFirst().orElseThrow();
        assertThat(revision.action()).isEqualTo("airlock.revision");
        assertThat(revision.actor()).isEqualTo("alice");
        assertThat(revision.address()).isEqualTo("10.1.2.3");
        assertThat(revision.target()).isEqualTo("model:good/model@" + COMMIT);
        assertThat(revision.outcome()).isEqualTo("ok");
        assertThat(detail(revision).get("rule").asText()).isEqualTo("allowed");
        assertThat(detail(revision).get("upstream").asText()).isEqualTo("http://upstream.test");
        assertThat(detail(revision).get("files").asInt()).isEqualTo(2);
        assertThat(detail(revision).get("bytes").asLong()).isEqualTo(30);

        AuditEntry file = log.stream().filter(e -> e.action().equals("airlock.file")).findFirst().orElseThrow();
        assertThat(file.action()).isEqualTo("airlock.file");
        assertThat(file.outcome()).isEqualTo("denied");
        assertThat(file.target()).isEqualTo("model:good/model@" + COMMIT);
        assertThat(detail(file).get("path").asText()).isEqualTo("pytorch_model.bin");
        assertThat(detail(file).get("rule").asText()).isEqualTo(AirlockRules.PICKLE_IMPORT);
        assertThat(detail(file).get("reason").asText()).contains("posix.system");

        AuditEntry denied = log.stream().filter(e -> e.target().startsWith("dataset:")).findFirst().orElseThrow();
        assertThat(denied.actor()).isEqualTo("anonymous");
        assertThat(denied.target()).isEqualTo("dataset:evil/data@" + COMMIT);
        assertThat(denied.outcome()).isEqualTo("denied");
        assertThat(detail(denied).get("rule").asText()).isEqualTo(AirlockRules.NAMESPACE);
    }

    @Test
    void theDefaultAirlockLetsEverythingInAndStillAudits() throws Exception {
        Airlock airlock = airlock(ForgeConfig.Airlock.defaults());
        PullSubject s = new PullSubject("http://upstream.test", RepoType.MODEL, RepoId.parse("a/b"), COMMIT, "", List.of());
        assertThat(airlock.checkFile(Actor.OPERATOR, s, "x.pkl", 61, FileBytes.of(fixture("os_system_p4.pkl")))).isEqualTo(Verdict.ALLOWED);
        assertThat(entries()).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("cli");
            assertThat(e.outcome()).isEqualTo("ok");
            assertThat(detail(e).get("rule").asText()).isEqualTo("allowed");
        });
    }
}
