package dev.forge.service.airlock;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.forge.service.airlock.PickleFixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/** Each rule of the airlock policy, refusing and letting in, with the rule named and a reason that says why. */
class AirlockPolicyTest {
    @TempDir
    Path tmp;

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final ForgeConfig.Airlock OPEN = ForgeConfig.Airlock.defaults();

    private static PullSubject subject(String repo, String card, PullSubject.PulledFile... files) {
        return new PullSubject("https://huggingface.co", RepoType.MODEL, RepoId.parse(repo), COMMIT, card, List.of(files));
    }

    private static PullSubject subject(String repo) { return subject(repo, ""); }

    private AirlockPolicy policy(ForgeConfig.Airlock config) { return new AirlockPolicy(config, tmp); }

    private static ForgeConfig.Airlock config(List<String> allow, List<String> deny, List<String> licenses, ForgeConfig.Airlock.Pickle pickle,
                                              long maxFile, long maxRevision) {
        return new ForgeConfig.Airlock(allow, deny, licenses, pickle, maxFile, maxRevision);
    }

    private static void assertRefused(Verdict v, String rule, String... reasonParts) {
        assertThat(v).isInstanceOfSatisfying(Verdict.Refused.class, r -> {
            assertThat(r.rule()).isEqualTo(rule);
            if (reasonParts.length > 0) assertThat(r.reason()).contains(reasonParts);
        });
    }

    @Test
    void theDefaultPolicyLetsEverythingIn() {
        AirlockPolicy p = policy(OPEN);
        PullSubject s = subject("anyone/anything", "", new PullSubject.PulledFile("pytorch_model.bin", 50_000_000_000L));
        assertThat(p.checkRevision(s)).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkFile(s, "pytorch_model.bin", 100, FileBytes.of(fixture("os_system_p2.pkl")))).isEqualTo(Verdict.ALLOWED);
    }

    @Test
    void namespacesAreAllowedAndDeniedByGlob() {
        AirlockPolicy p = policy(config(List.of("meta-llama", "google*", "mistralai/Mistral-7B-*"), List.of("google-bad*"), List.of(),
                ForgeConfig.Airlock.Pickle.ALLOW, 0, 0));
        assertThat(p.checkRevision(subject("meta-llama/Llama-3-8B"))).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkRevision(subject("Meta-Llama/x"))).as("namespaces ignore case").isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkRevision(subject("google-research/bert"))).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkRevision(subject("mistralai/Mistral-7B-v0.1"))).isEqualTo(Verdict.ALLOWED);
        assertRefused(p.checkRevision(subject("mistralai/Mixtral-8x7B")), AirlockRules.NAMESPACE, "mistralai/Mixtral-8x7B",
                "not in an allowed namespace", "meta-llama");
        assertRefused(p.checkRevision(subject("meta-llama-fake/x")), AirlockRules.NAMESPACE);
        assertRefused(p.checkRevision(subject("google-bad-actor/x")), AirlockRules.NAMESPACE, "denied namespace (google-bad*)");
        // a file of a refused revision is refused by the same rule
        assertRefused(p.checkFile(subject("evil/x"), "model.safetensors", 10, FileBytes.of(new byte[10])), AirlockRules.NAMESPACE);
    }

    @Test
    void deniedNamespacesAloneLetEverythingElseIn() {
        AirlockPolicy p = policy(config(List.of(), List.of("evil", "*/*-uncensored"), List.of(), ForgeConfig.Airlock.Pickle.ALLOW, 0, 0));
        assertThat(p.checkRevision(subject("good/model"))).isEqualTo(Verdict.ALLOWED);
        assertRefused(p.checkRevision(subject("evil/model")), AirlockRules.NAMESPACE, "denied");
        assertRefused(p.checkRevision(subject("someone/llama-uncensored")), AirlockRules.NAMESPACE, "*/*-uncensored");
        assertThat(AirlockPolicy.glob("a?c").matcher("abc").matches()).isTrue();
        assertThat(AirlockPolicy.glob("a.c").matcher("abc").matches()).as("dots are literal").isFalse();
    }

    @Test
    void theLicenceComesFromTheCard() {
        AirlockPolicy p = policy(config(List.of(), List.of(), List.of("apache-2.0", "MIT"), ForgeConfig.Airlock.Pickle.ALLOW, 0, 0));
        assertThat(p.checkRevision(subject("a/b", "---\nlicense: apache-2.0\n---\n# Model\n"))).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkRevision(subject("a/b", "---\nlicense: mit\n---\n"))).as("ids ignore case").isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkRevision(subject("a/b", "---\nlicense: [mit, apache-2.0]\n---\n"))).isEqualTo(Verdict.ALLOWED);
        assertRefused(p.checkRevision(subject("a/b", "---\nlicense: llama3\n---\n")), AirlockRules.LICENSE, "llama3",
                "not on the licence allow-list", "apache-2.0");
        assertRefused(p.checkRevision(subject("a/b", "---\nlicense: [mit, cc-by-nc-4.0]\n---\n")), AirlockRules.LICENSE, "cc-by-nc-4.0");
        assertRefused(p.checkRevision(subject("a/b", "# no front matter\n")), AirlockRules.LICENSE, "names no licence");
        assertRefused(p.checkRevision(subject("a/b", "")), AirlockRules.LICENSE, "names no licence");
        assertRefused(p.checkRevision(subject("a/b", "---\nlicense: [unclosed\n---\n")), AirlockRules.LICENSE, "could not be read");
        // the licence is the revision's rule: a file check needs no card
        assertThat(p.checkFile(subject("a/b", ""), "config.json", 2, FileBytes.of(new byte[2]))).isEqualTo(Verdict.ALLOWED);
    }

    @Test
    void sizesAreLimitedPerFileAndPerRevision() {
        AirlockPolicy p = policy(config(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.ALLOW, 1000, 1500));
        PullSubject fits = subject("a/b", "", new PullSubject.PulledFile("a.safetensors", 1000), new PullSubject.PulledFile("b", 500));
        assertThat(p.checkRevision(fits)).isEqualTo(Verdict.ALLOWED);
        PullSubject tooBig = subject("a/b", "", new PullSubject.PulledFile("a.safetensors", 1000), new PullSubject.PulledFile("b", 501));
        assertRefused(p.checkRevision(tooBig), AirlockRules.REVISION_SIZE, "1501 bytes", "limit of 1500");
        assertThat(p.checkFile(fits, "a.safetensors", 1000, FileBytes.of(new byte[1000]))).isEqualTo(Verdict.ALLOWED);
        assertRefused(p.checkFile(fits, "a.safetensors", 1001, FileBytes.of(new byte[1001])), AirlockRules.FILE_SIZE, "'a.safetensors'",
                "1001 bytes", "per-file limit of 1000");
    }

    @Test
    void pickleBasedFilesCanBeRefusedByName() {
        AirlockPolicy p = policy(config(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.REFUSE, 0, 0));
        PullSubject s = subject("a/b");
        for (String name : List.of("pytorch_model.bin", "model.PT", "sub/dir/weights.pth", "x.ckpt", "data.pkl", "d.pickle", "m.joblib")) {
            assertRefused(p.checkFile(s, name, 10, FileBytes.of(fixture("benign_p4.pkl"))), AirlockRules.FILE_FORMAT, "pickle-based");
        }
        for (String name : List.of("model.safetensors", "model.gguf", "config.json", "README.md", "bin", "x.binary", "tokenizer.model")) {
            assertThat(p.checkFile(s, name, 10, FileBytes.of(new byte[10]))).as(name).isEqualTo(Verdict.ALLOWED);
        }
    }

    @Test
    void scanRefusesDangerousImportsAndLetsSafeCheckpointsIn() {
        AirlockPolicy p = policy(config(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.SCAN, 0, 0));
        PullSubject s = subject("a/b");
        assertThat(p.checkFile(s, "pytorch_model.bin", 1, FileBytes.of(fixture("torch_state_dict.pt")))).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkFile(s, "old.bin", 1, FileBytes.of(fixture("torch_legacy_state_dict.bin")))).isEqualTo(Verdict.ALLOWED);
        assertThat(p.checkFile(s, "data.pkl", 1, FileBytes.of(fixture("benign_p2.pkl")))).isEqualTo(Verdict.ALLOWED);
        // an unlisted class is only suspicious: let in by SCAN
        byte[] sklearn = PickleFixtures.ops().global("sklearn.linear_model", "LogisticRegression").stop().bytes();
        assertThat(p.checkFile(s, "clf.joblib", 1, FileBytes.of(sklearn))).isEqualTo(Verdict.ALLOWED);
        assertRefused(p.checkFile(s, "pytorch_model.bin", 1, FileBytes.of(fixture("torch_os_system.pt"))), AirlockRules.PICKLE_IMPORT,
                "'pytorch_model.bin'", "dangerous globals", "posix.system (dangerous)");
        assertRefused(p.checkFile(s, "x.pkl", 1, FileBytes.of(fixture("eval_p2.pkl"))), AirlockRules.PICKLE_IMPORT, "__builtin__.eval");
        assertRefused(p.checkFile(s, "x.pkl", 1, FileBytes.of(new byte[] {(byte) 0x80, 4, (byte) 0xff})), AirlockRules.PICKLE_INVALID,
                "'x.pkl'", "invalid opcode");
        // files that are not pickle-based are not read at all
        assertThat(p.checkFile(s, "model.safetensors", 1, () -> { throw new AssertionError("read"); })).isEqualTo(Verdict.ALLOWED);
    }

    @Test
    void onlyScannedPickleFilesHaveTheirBytesRead() {
        for (ForgeConfig.Airlock.Pickle mode : ForgeConfig.Airlock.Pickle.values()) {
            AirlockPolicy p = policy(config(List.of(), List.of(), List.of(), mode, 0, 0));
            boolean scans = mode == ForgeConfig.Airlock.Pickle.SCAN || mode == ForgeConfig.Airlock.Pickle.STRICT;
            assertThat(p.readsBytes("sub/pytorch_model.bin")).as(mode.name()).isEqualTo(scans);
            assertThat(p.readsBytes("model.safetensors")).as(mode.name()).isFalse();
            // and a file whose bytes are not read is judged without them
            PullSubject s = subject("a/b");
            Verdict v = p.checkFile(s, "model.safetensors", 5, () -> { throw new AssertionError("read"); });
            assertThat(v).isEqualTo(Verdict.ALLOWED);
        }
    }

    @Test
    void strictRefusesEverythingOutsideTheSafeList() {
        AirlockPolicy p = policy(config(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.STRICT, 0, 0));
        PullSubject s = subject("a/b");
        assertThat(p.checkFile(s, "pytorch_model.bin", 1, FileBytes.of(fixture("torch_state_dict.pt")))).isEqualTo(Verdict.ALLOWED);
        byte[] sklearn = PickleFixtures.ops().global("sklearn.linear_model", "LogisticRegression").stop().bytes();
        assertRefused(p.checkFile(s, "clf.joblib", 1, FileBytes.of(sklearn)), AirlockRules.PICKLE_IMPORT, "outside the safe list",
                "sklearn.linear_model.LogisticRegression (suspicious)");
    }

    @Test
    void aRefusalBecomesAForbiddenErrorNamingItsRule() {
        ForgeException e = new Verdict.Refused(AirlockRules.LICENSE, "a/b is under llama3").toException();
        assertThat(e.kind()).isEqualTo(ErrorKind.AIRLOCK_REFUSED);
        assertThat(e.kind().status()).isEqualTo(403);
        assertThat(e.kind().hubCode()).contains("AirlockRefused");
        assertThat(e.getMessage()).isEqualTo("Refused by the airlock rule 'license': a/b is under llama3");
        assertThat(e.detail()).contains(new ErrorDetail.AirlockRule("license"));
    }
}
