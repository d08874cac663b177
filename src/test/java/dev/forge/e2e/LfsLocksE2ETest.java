package dev.forge.e2e;

import dev.forge.core.OrgRole;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code git lfs lock}, {@code git lfs locks} and {@code git lfs unlock} (the real git-lfs) with two users of one
 * repository: a lock is seen by both, git-lfs refuses to push the other user's locked file (it verifies locks before
 * pushing, now that the server answers {@code locks/verify}), the owner pushes, the other user cannot unlock without
 * {@code --force} and can with it (write access).
 */
@Tag("slow")
class LfsLocksE2ETest {
    @TempDir
    Path tmp;
    TestForge tf;
    String annUrl;
    String benUrl;

    @BeforeEach
    void start() throws Exception {
        tf = TestForge.start(tmp.resolve("data"));
        var auth = tf.forge.auth;
        User ann = auth.createUser("ann", "Ann", null, false);
        User ben = auth.createUser("ben", "Ben", null, false);
        var team = auth.createOrg("team", "Team", tf.admin);
        auth.setMember(Actor.OPERATOR, team, ann, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, team, ben, OrgRole.WRITE);
        tf.forge.repos.create(Actor.internal(tf.admin), RepoType.MODEL, new RepoId("team", "assets"), false);
        String host = tf.baseUrl.substring("http://".length());
        annUrl = "http://ann:" + auth.createToken(ann, "git", Token.Role.WRITE).secret() + "@" + host + "/team/assets";
        benUrl = "http://ben:" + auth.createToken(ben, "git", Token.Role.WRITE).secret() + "@" + host + "/team/assets";
    }

    @AfterEach
    void stop() throws Exception {
        tf.close();
    }

    @Test
    void twoUsersLockSeeVerifyAndUnlockThroughGitLfs() throws Exception {
        GitCli annGit = new GitCli(tmp.resolve("ann-home"));
        GitCli benGit = new GitCli(tmp.resolve("ben-home"));
        Path annWork = tmp.resolve("ann");
        annGit.run(tmp, "clone", annUrl, annWork.toString());
        Files.write(annWork.resolve("weights.bin"), new byte[] {1, 2, 3, 4});
        annGit.run(annWork, "add", "weights.bin");
        annGit.run(annWork, "commit", "-q", "-m", "weights");
        annGit.run(annWork, "push", "origin", "main");

        String locked = annGit.run(annWork, "lfs", "lock", "weights.bin");
        assertThat(locked).contains("Locked weights.bin");
        assertThat(annGit.run(annWork, "lfs", "locks")).contains("weights.bin").contains("ann");

        Path benWork = tmp.resolve("ben");
        benGit.run(tmp, "clone", benUrl, benWork.toString());
        assertThat(benGit.run(benWork, "lfs", "locks")).contains("weights.bin").contains("ann");
        assertThat(benGit.run(benWork, "lfs", "locks", "--verify")).contains("weights.bin").doesNotContain("O weights.bin");

        // git-lfs checks the locks before it pushes: by default it warns that ben's change touches ann's locked file
        // and that this would halt the push "with locksverify"; with the setting it suggests, the push is refused
        Files.write(benWork.resolve("weights.bin"), new byte[] {9, 9, 9});
        benGit.run(benWork, "commit", "-q", "-am", "ben's weights");
        GitCli.Result warned = benGit.tryRun(benWork, "push", "--dry-run", "origin", "main");
        assertThat(warned.output()).contains("Locking support detected").contains("weights.bin - ann");
        benGit.run(benWork, "config", "lfs." + benUrl + ".git/info/lfs.locksverify", "true");
        GitCli.Result refused = benGit.tryRun(benWork, "push", "origin", "main");
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("Unable to push locked files").contains("weights.bin - ann");

        // not his lock: refused without --force, removed with it (he can write to the repository)
        GitCli.Result notHis = benGit.tryRun(benWork, "lfs", "unlock", "weights.bin");
        assertThat(notHis.exitCode()).as(notHis.output()).isNotZero();
        assertThat(annGit.run(annWork, "lfs", "locks")).contains("weights.bin");
        assertThat(benGit.run(benWork, "lfs", "unlock", "--force", "weights.bin")).contains("Unlocked weights.bin");
        assertThat(annGit.run(annWork, "lfs", "locks").strip()).isEmpty();
        benGit.run(benWork, "push", "origin", "main");

        // ann locks again, pushes her own locked file, and unlocks
        annGit.run(annWork, "pull", "-q", "origin", "main");
        annGit.run(annWork, "lfs", "lock", "weights.bin");
        Files.write(annWork.resolve("weights.bin"), new byte[] {5, 6});
        annGit.run(annWork, "commit", "-q", "-am", "ann's weights");
        annGit.run(annWork, "push", "origin", "main");
        assertThat(annGit.run(annWork, "lfs", "unlock", "weights.bin")).contains("Unlocked weights.bin");
        assertThat(benGit.run(benWork, "lfs", "locks").strip()).isEmpty();
    }
}
