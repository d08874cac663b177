package dev.forge.community;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Repo;
import dev.forge.testing.GitCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.forge.community.Community.api;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code refs/pr/N} through the real git: its author pushes to it (and the commits join the pull request's timeline),
 * a writer may too; nobody else, no branch by a contributor, no deletion, no pull request that does not exist or is
 * merged. Anyone who can read the repository fetches it.
 */
class PullRequestGitTest {
    @TempDir
    static Path dir;
    static Community c;
    static GitCli git;

    @BeforeAll
    static void start() throws Exception {
        c = new Community(dir.resolve("forge"));
        git = new GitCli(dir.resolve("home"));
    }

    @AfterAll
    static void stop() throws Exception {
        c.close();
    }

    private static String remote(String user, String token, Repo repo) {
        return c.tf.baseUrl.replace("http://", "http://" + user + ":" + token + "@") + "/" + repo.displayId();
    }

    @Test
    void theAuthorPushesToTheirPullRequestAndEveryReaderFetchesIt() throws Exception {
        Repo repo = c.repo("git", false);
        c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Start", "start.txt", "start\n"));

        Path work = checkOut("carl", c.carlClient.token, repo);
        commitFile(work, "pushed.txt", "pushed with git\n", "Pushed with git", "-m", "body line");
        git.run(work, "push", "-q", "origin", "pr/1:refs/pr/1");
        String pushed = git.run(work, "rev-parse", "HEAD").strip();

        JsonNode details = c.ritaClient.getOk(api(repo) + "/discussions/1");
        JsonNode last = details.path("events").get(details.path("events").size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("commit");
        assertThat(last.path("data").path("oid").asText()).isEqualTo(pushed);
        assertThat(last.path("data").path("subject").asText()).isEqualTo("Pushed with git");
        assertThat(last.path("author").path("name").asText()).isEqualTo("carl");

        // a contributor moves no branch, deletes no pull request ref, and pushes to no pull request that does not exist
        assertThat(refused(work, "push", "origin", "pr/1:main")).contains("refs/pr/N");
        assertThat(refused(work, "push", "origin", ":refs/pr/1")).contains("cannot be deleted");
        assertThat(refused(work, "push", "origin", "pr/1:refs/pr/7")).contains("does not exist");
        assertThat(refused(work, "push", "origin", "pr/1:refs/pull/1")).contains("Only branches, tags and pull request refs");

        // another contributor cannot push to carl's pull request; a writer can
        Path cora = checkOut("cora", c.coraClient.token, repo);
        commitFile(cora, "cora.txt", "cora\n", "Cora's change");
        assertThat(refused(cora, "push", "origin", "pr/1:refs/pr/1")).contains("author");
        git.run(cora, "remote", "set-url", "origin", remote("wendy", c.wendyClient.token, repo));
        git.run(cora, "push", "-q", "origin", "pr/1:refs/pr/1");

        // readers fetch it, anonymous callers too on a public repository
        Path reader = dir.resolve("rita");
        git.run(dir, "clone", "-q", remote("rita", c.ritaClient.token, repo), reader.toString());
        git.run(reader, "fetch", "-q", "origin", "refs/pr/1:pr/1");
        assertThat(git.run(reader, "show", "pr/1:pushed.txt")).isEqualTo("pushed with git\n");
        git.run(reader, "checkout", "-q", "pr/1");
        commitFile(reader, "rita.txt", "rita\n", "Rita's change");
        assertThat(refused(reader, "push", "origin", "pr/1:refs/pr/1")).as("only its author or a writer pushes to a pull request")
                .contains("author");
        Path anon = dir.resolve("anon");
        git.run(dir, "clone", "-q", c.tf.baseUrl + "/" + repo.displayId(), anon.toString());
        git.run(anon, "fetch", "-q", "origin", "refs/pr/1:pr/1");
        assertThat(git.run(anon, "show", "pr/1:cora.txt")).isEqualTo("cora\n");

        // once merged, the pull request takes no more pushes
        c.wendyClient.postOk(api(repo) + "/discussions/1/merge", null);
        commitFile(work, "late.txt", "late\n", "Too late");
        git.run(work, "pull", "-q", "--no-rebase", "--no-edit", "origin", "refs/pr/1");
        assertThat(refused(work, "push", "origin", "HEAD:refs/pr/1")).contains("merged");
    }

    @Test
    void aPrivateRepositorysPullRequestsStayInvisibleToGit() throws Exception {
        Repo repo = c.repo("git-secret", true);
        c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Secret", "s.txt", "s\n"));
        var r = git.tryRun(dir, "ls-remote", remote("mallory", c.malloryClient.token, repo), "refs/pr/1");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).doesNotContain("refs/pr/1");
        assertThat(git.run(dir, "ls-remote", remote("rita", c.ritaClient.token, repo), "refs/pr/1")).contains("refs/pr/1");
    }

    /** A clone by {@code user} with pull request #1 checked out as {@code pr/1}. */
    private static Path checkOut(String user, String token, Repo repo) throws Exception {
        Path work = dir.resolve(user);
        git.run(dir, "clone", "-q", remote(user, token, repo), work.toString());
        git.run(work, "fetch", "-q", "origin", "refs/pr/1:pr/1");
        git.run(work, "checkout", "-q", "pr/1");
        return work;
    }

    private static void commitFile(Path work, String name, String content, String message, String... more) throws Exception {
        Files.writeString(work.resolve(name), content);
        git.run(work, "add", name);
        List<String> args = new ArrayList<>(List.of("commit", "-q", "-m", message));
        args.addAll(List.of(more));
        git.run(work, args.toArray(String[]::new));
    }

    /** Runs a git command that must fail, and returns its output. */
    private static String refused(Path work, String... args) throws Exception {
        GitCli.Result r = git.tryRun(work, args);
        assertThat(r.exitCode()).as("git %s must fail:\n%s", String.join(" ", args), r.output()).isNotZero();
        return r.output();
    }
}
