package dev.forge.git;

import dev.forge.core.CommitOperation;
import dev.forge.core.Gating;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.forge.git.GitFixtures.apiSha;
import static dev.forge.git.GitFixtures.cloneInto;
import static dev.forge.git.GitFixtures.commitFile;
import static dev.forge.git.GitFixtures.commitPointer;
import static dev.forge.git.GitFixtures.dropLfsPrePush;
import static dev.forge.git.GitFixtures.randomBytes;
import static dev.forge.git.GitFixtures.revParse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: the holes a hostile user found through git itself (the real {@code git} against a real server): pushed
 * pointers to gated objects, tags of trees, refused pushes that kept their packs, names that the API refuses, over-long
 * ref names, and clones of moved repositories by their old name.
 */
@DisabledIfSystemProperty(named = "forge.e2e", matches = "false")
class PushHolesTest {
    private static final AtomicInteger SEQ = new AtomicInteger();

    @TempDir
    static Path dir;

    static TestForge tf;
    static GitCli git;
    static User mallory;
    static String malloryToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        git = new GitCli(dir.resolve("home"));
        mallory = tf.forge.auth.createUser("mallory", "Mallory", "mallory@example.com", false);
        malloryToken = tf.forge.auth.createToken(mallory, "probe", Token.Role.WRITE).secret();
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    private record Fixture(Repo repo, String url, Path work, String initial) {}

    /** A public repository of Mallory's and her clone of it. */
    private Fixture mallorys(String prefix) throws Exception {
        String id = "mallory/" + prefix + "-" + SEQ.incrementAndGet();
        Repo repo = tf.forge.repos.create(Actor.internal(mallory), RepoType.MODEL, RepoId.parse(id), false);
        String url = tf.baseUrl.replace("http://", "http://mallory:" + malloryToken + "@") + "/" + id;
        Path work = cloneInto(git, dir.resolve("clones"), url, id.replace('/', '_'));
        return new Fixture(repo, url, work, revParse(git, work, "HEAD"));
    }

    private static void assertRefused(GitCli.Result r, String... fragments) {
        assertThat(r.exitCode()).as("git push must fail:\n%s", r.output()).isNotZero();
        for (String f : fragments) assertThat(r.output()).contains(f);
        assertThat(r.output()).as("no data-folder path in what git shows").doesNotContain(dir.toString());
    }

    private void assertUnchanged(Fixture f) throws Exception {
        assertThat(apiSha(tf, f.repo.id().toString(), null)).isEqualTo(f.initial);
    }

    /** Finding 1 through git: a pointer naming a gated file's oid was accepted and the file then served from Mallory's repository. */
    @Test
    void gatedObjectsCannotBeReferencedByAPushedPointer() throws Exception {
        Repo gated = tf.createRepo(RepoType.MODEL, "admin/gated-" + SEQ.incrementAndGet());
        byte[] weights = randomBytes(1, 4000);
        LfsOid oid = tf.forge.lfs.store(gated, new ByteArrayInputStream(weights));
        tf.forge.commits.commit(tf.admin, gated, "main", Optional.empty(), List.of(new CommitOperation.AddLfsFile("w.bin", oid, weights.length)), "w");
        tf.forge.repos.updateSettings(tf.adminActor(), RepoType.MODEL, gated.id(), null, Gating.MANUAL);

        Fixture f = mallorys("leak");
        commitPointer(git, f.work, "stolen.bin", oid.hex(), weights.length, "point at the gated file");
        dropLfsPrePush(f.work);
        assertRefused(git.tryRun(f.work, "-c", "lfs.allowincompletepush=true", "push", "origin", "main"), "missing from the store");
        assertUnchanged(f);
    }

    /** Finding 9: tags of trees and blobs skipped every content rule, then could be neither listed nor deleted. */
    @Test
    void tagsMustPeelToCommits() throws Exception {
        Fixture f = mallorys("tags");
        commitFile(git, f.work, "big.dat", randomBytes(9, 64), "a file");
        String tree = git.run(f.work, "rev-parse", "HEAD^{tree}").trim();
        String blob = git.run(f.work, "rev-parse", "HEAD:big.dat").trim();
        git.run(f.work, "tag", "tree-tag", tree);
        git.run(f.work, "tag", "-a", "-m", "annotated", "blob-tag", blob);
        assertRefused(git.tryRun(f.work, "push", "origin", "refs/tags/tree-tag"), "must point at a commit");
        assertRefused(git.tryRun(f.work, "push", "origin", "refs/tags/blob-tag"), "must point at a commit");
        assertThat(tf.forge.stores().git().refTarget(f.repo.key(), "refs/tags/tree-tag")).isEmpty();
        // a tag of a commit (annotated too) is fine
        git.run(f.work, "tag", "-a", "-m", "release", "v1", "HEAD");
        assertThat(git.tryRun(f.work, "push", "origin", "main", "refs/tags/v1").exitCode()).isZero();
    }

    /** Finding 10: each refused push left its pack in the repository, so repeated refusals filled the disk. */
    @Test
    void refusedPushesLeaveNoPackBehind() throws Exception {
        Fixture f = mallorys("packs");
        long before = packBytes(f.repo);
        commitFile(git, f.work, "big.dat", randomBytes(10, 10 * 1024 * 1024 + 1), "too big for git");
        for (int i = 0; i < 3; i++) assertRefused(git.tryRun(f.work, "push", "origin", "main"), "git-lfs");
        assertThat(packBytes(f.repo)).as("bytes of packs after three refused 10 MiB pushes").isLessThan(before + 64 * 1024);
        assertUnchanged(f);
        // an accepted push still keeps its objects
        git.run(f.work, "reset", "-q", "--hard", f.initial);
        String ok = commitFile(git, f.work, "small.txt", "hello\n".getBytes(StandardCharsets.UTF_8), "small");
        git.run(f.work, "push", "origin", "main");
        assertThat(apiSha(tf, f.repo.id().toString(), null)).isEqualTo(ok);
        assertThat(tf.get("/" + f.repo.id() + "/resolve/main/small.txt").body()).isEqualTo("hello\n".getBytes(StandardCharsets.UTF_8));
    }

    private static long packBytes(Repo repo) throws Exception {
        Path packs = tf.dataDir.resolve("git").resolve(repo.key() + ".git").resolve("objects").resolve("pack");
        if (!Files.isDirectory(packs)) return 0;
        try (Stream<Path> s = Files.list(packs)) {
            long n = 0;
            for (Path p : s.toList()) n += Files.size(p);
            return n;
        }
    }

    /** Finding 15: pushes accepted names the API refuses (backslashes, .git look-alikes with zero-width joiners). */
    @Test
    void pushedPathsFollowTheApiPathRules() throws Exception {
        // (git itself refuses to add GIT~1 and .git. locally; the API test covers those)
        for (String name : List.of("dir\\evil.txt", ".g\u200cit/config", "sub/.\u200dgit/hooks/x")) {
            Fixture f = mallorys("paths");
            Path file = f.work.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "x\n");
            git.run(f.work, "add", "--", name);
            git.run(f.work, "commit", "-q", "-m", "odd name");
            GitCli.Result r = git.tryRun(f.work, "push", "origin", "main");
            assertThat(r.exitCode()).as("push of %s:\n%s", name, r.output()).isNotZero();
            assertUnchanged(f);
        }
    }

    /** Finding 14: a branch name over 255 bytes failed with a lock error that printed the data folder and the repository key. */
    @Test
    void overlongBranchNamesAreRefusedWithoutPaths() throws Exception {
        Fixture f = mallorys("long-ref");
        GitCli.Result r = git.tryRun(f.work, "push", "origin", "HEAD:refs/heads/" + "b".repeat(300));
        assertRefused(r, "255 bytes");
        assertThat(r.output()).doesNotContain(f.repo.key());
    }

    /** Finding 8: cloning a moved repository by its old name looped on a redirect to itself (the query was dropped). */
    @Test
    void cloneByTheOldNameFollowsTheMove() throws Exception {
        String id = "admin/old-name-" + SEQ.incrementAndGet();
        Repo repo = tf.createRepo(RepoType.MODEL, id);
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddFile("hello.txt", "moved\n".getBytes(StandardCharsets.UTF_8))), "hello");
        tf.forge.repos.move(tf.adminActor(), RepoType.MODEL, RepoId.parse(id), RepoId.parse(id + "-new"));

        Path clone = cloneInto(git, dir.resolve("moved"), tf.authedUrl("/" + id), "moved");
        assertThat(Files.readString(clone.resolve("hello.txt"))).isEqualTo("moved\n");
        GitCli.Result fetch = git.tryRun(clone, "fetch", tf.authedUrl("/" + id + ".git"), "main");
        assertThat(fetch.exitCode()).as(fetch.output()).isZero();
    }
}
