package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.AuditEntry;
import dev.forge.core.CommitOperation;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pull-request flow with the real clients against a real Forge: huggingface_hub 2.x and 1.x (with hf_xet
 * installed, default settings; the files are small and regular, so no Xet transfer is involved) run
 * {@code src/test/python/pr_flow.py}, and @huggingface/hub runs {@code hub-client.mjs pr-flow}. A contributor opens a pull
 * request with {@code create_pr}, pushes a second commit to it, a writer lists it, reads its diff, comments and merges
 * it, and the merged files are read back from {@code main} byte for byte; a conflicting pull request refuses to merge
 * and changes nothing; two pull requests merged at once both land.
 */
@Tag("slow")
class PullRequestE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static TestForge tf;
    private static User alice, wendy, carl;
    private static String wendyToken, carlToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        var auth = tf.forge.auth;
        alice = auth.createUser("alice", "Alice", "alice@example.com", false);
        wendy = auth.createUser("wendy", "Wendy", null, false);
        carl = auth.createUser("carl", "Carl", "carl@example.com", false);
        var acme = auth.createOrg("acme", "ACME", alice);
        auth.setMember(Actor.OPERATOR, acme, wendy, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, acme, carl, OrgRole.CONTRIBUTOR);
        wendyToken = auth.createToken(wendy, "e2e", Token.Role.WRITE).secret();
        carlToken = auth.createToken(carl, "e2e", Token.Role.WRITE).secret();
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    private static Repo repo(String name) {
        Repo repo = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, new RepoId("acme", name), false);
        tf.forge.commits.commit(alice, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddFile("a.txt", "the original line\n".getBytes(StandardCharsets.UTF_8))), "base");
        return repo;
    }

    @ParameterizedTest
    @ValueSource(strings = {PythonClient.HUB2, PythonClient.HUB1})
    void huggingfaceHubRunsTheWholeFlow(String venv) throws Exception {
        Repo repo = repo("py-" + venv);
        Path folder = Files.createDirectories(dir.resolve("folder-" + venv));
        Files.writeString(folder.resolve("config.json"), "{\"from\": \"" + venv + "\"}\n");
        Files.writeString(folder.resolve("README.md"), "# uploaded as a folder\n");
        Path script = PythonClient.projectRoot().resolve("src/test/python/pr_flow.py");
        PythonClient py = PythonClient.of(venv, tf.baseUrl, null, dir.resolve("home-" + venv))
                .with("CONTRIB", carlToken).with("WRITER", wendyToken);
        JsonNode out = JSON.readTree(py.run(Files.readString(script), dir, Duration.ofMinutes(4), repo.displayId(), folder.toString()).ok());

        int num = out.path("pr_num").asInt();
        assertThat(num).isEqualTo(1);
        assertThat(out.path("pr_url").asText()).isEqualTo(tf.baseUrl + "/" + repo.displayId() + "/discussions/1");
        assertThat(out.path("pr_revision").asText()).isEqualTo("refs/pr/1");
        assertThat(out.path("listed")).singleElement().satisfies(d -> {
            assertThat(d.path("num").asInt()).isEqualTo(1);
            assertThat(d.path("title").asText()).isEqualTo("Add notes");
            assertThat(d.path("status").asText()).isEqualTo("open");
            assertThat(d.path("author").asText()).isEqualTo("carl");
            assertThat(d.path("git_reference").asText()).isEqualTo("refs/pr/1");
        });
        JsonNode details = out.path("details");
        assertThat(details.path("target_branch").asText()).isEqualTo("refs/heads/main");
        assertThat(details.path("conflicting_files")).isEmpty();
        assertThat(details.path("diff").asText()).contains("diff --git a/docs/notes.md b/docs/notes.md", "+# Notes",
                "diff --git a/second.txt b/second.txt", "+a second commit, pushed to the pull request");
        assertThat(details.path("events")).extracting(JsonNode::asText).containsExactly("comment", "commit", "commit");
        assertThat(details.path("commit_subjects")).extracting(JsonNode::asText).containsExactly("Add notes", "Second commit");
        assertThat(details.path("description").asText()).isEqualTo("Adds the notes file.");
        JsonNode comment = out.path("comment");
        assertThat(comment.path("content").asText()).isEqualTo("Looks good. <b>Thanks</b>!");
        assertThat(comment.path("edited").asBoolean()).isTrue();
        assertThat(comment.path("edited_content").asText()).isEqualTo("Looks **great**.");
        assertThat(comment.path("renamed_to").asText()).isEqualTo("Add notes and a second file");
        assertThat(out.path("contrib_merge").path("status").asInt()).isEqualTo(403);

        JsonNode merged = out.path("merged");
        assertThat(merged.path("status").asText()).isEqualTo("merged");
        assertThat(merged.path("merge_commit_oid").asText()).matches("[0-9a-f]{40}").isEqualTo(merged.path("main_sha").asText());
        assertThat(merged.path("notes").asText()).isEqualTo(out.path("expected").path("notes").asText());
        assertThat(merged.path("second").asText()).isEqualTo(out.path("expected").path("second").asText());
        assertThat(merged.path("events")).extracting(JsonNode::asText)
                .containsExactly("comment", "commit", "commit", "comment", "title-change", "status-change", "comment");
        assertMergeCommitNamesThePullRequest(repo, merged.path("merge_commit_oid").asText(), "Add notes and a second file (#1)");

        JsonNode conflict = out.path("conflict");
        assertThat(conflict.path("conflicting_files")).extracting(JsonNode::asText).containsExactly("a.txt");
        assertThat(conflict.path("merge").path("failed").asBoolean()).isTrue();
        assertThat(conflict.path("merge").path("status").asInt()).isEqualTo(409);
        assertThat(conflict.path("merge").path("message").asText()).contains("conflict", "a.txt");
        assertThat(conflict.path("main_unchanged").asBoolean()).isTrue();
        assertThat(conflict.path("status").asText()).isEqualTo("open");
        assertThat(conflict.path("closed").asText()).isEqualTo("closed");

        JsonNode race = out.path("race");
        assertThat(race.path("errors")).isEmpty();
        assertThat(race.path("files")).isEqualTo(race.path("expected"));
        assertThat(race.path("statuses")).extracting(JsonNode::asText).containsExactly("merged", "merged");

        JsonNode folderFlow = out.path("folder");
        assertThat(folderFlow.path("status").asText()).isEqualTo("draft");
        assertThat(folderFlow.path("draft_merge").path("status").asInt()).isEqualTo(409);
        assertThat(folderFlow.path("merged").asText()).isEqualTo("merged");
        assertThat(folderFlow.path("files").path("config.json").asText()).isEqualTo(Hashes.sha256(Files.readAllBytes(folder.resolve("config.json"))));
        assertThat(folderFlow.path("files").path("README.md").asText()).isEqualTo(Hashes.sha256(Files.readAllBytes(folder.resolve("README.md"))));

        JsonNode talk = out.path("discussion");
        assertThat(talk.path("is_pull_request").asBoolean()).isFalse();
        assertThat(talk.path("status").asText()).isEqualTo("open");
        assertThat(talk.path("hidden").asBoolean()).isTrue();
        assertThat(talk.path("hidden_content").asText()).isEmpty();
        assertThat(talk.path("all")).hasSize(6);

        // the `hf discussions` command line of the same stack reads and writes through the same API
        PythonClient hf = PythonClient.of(venv, tf.baseUrl, carlToken, dir.resolve("home-" + venv));
        JsonNode listed = JSON.readTree(hf.command("hf", dir, Duration.ofMinutes(1), "discussions", "list", repo.displayId(),
                "--status", "all", "--kind", "pull_request", "--json").ok());
        assertThat(listed).extracting(n -> n.path("num").asInt()).containsExactly(5, 4, 3, 2, 1);
        assertThat(hf.command("hf", dir, Duration.ofMinutes(1), "discussions", "diff", repo.displayId(), "1").ok())
                .contains("+a second commit, pushed to the pull request");
        hf.command("hf", dir, Duration.ofMinutes(1), "discussions", "create", repo.displayId(), "--title", "From the command line",
                "--body", "Opened with hf").ok();
        hf.command("hf", dir, Duration.ofMinutes(1), "discussions", "close", repo.displayId(), "7", "--comment", "Done", "--yes").ok();
        assertThat(tf.forge.discussions.details(Actor.internal(carl), RepoType.MODEL, repo.id(), 7, false).discussion().status().wire())
                .isEqualTo("closed");

        List<AuditEntry> audit = tf.forge.audit.query(Actor.OPERATOR, new AuditEntry.Query("wendy", null, null, null, null, 1000));
        assertThat(audit).filteredOn(e -> e.target().equals("model/" + repo.displayId()))
                .extracting(AuditEntry::action).contains("discussion.merge", "discussion.status");
    }

    @Test
    void theJavaScriptClientRunsTheWholeFlow() throws Exception {
        Repo repo = repo("js");
        NodeClient carlJs = new NodeClient(tf.baseUrl, carlToken);
        NodeClient wendyJs = new NodeClient(tf.baseUrl, wendyToken);
        JsonNode opened = carlJs.run("pr-commit", "--repo", repo.displayId(), "--path", "js/notes.md", "--content", "# from JS\n",
                "--message", "Add JS notes");
        int num = opened.path("num").asInt();
        assertThat(opened.path("pullRequestUrl").asText()).isEqualTo(tf.baseUrl + "/" + repo.displayId() + "/discussions/" + num);
        carlJs.run("pr-commit", "--repo", repo.displayId(), "--revision", "refs/pr/" + num, "--path", "js/second.txt",
                "--content", "second from JS\n", "--message", "Second JS commit");
        JsonNode review = wendyJs.run("pr-review", "--repo", repo.displayId(), "--num", Integer.toString(num), "--comment", "LGTM from JS");
        assertThat(review.path("listed")).extracting(n -> n.path("num").asInt()).containsExactly(num);
        assertThat(review.path("details").path("isPullRequest").asBoolean()).isTrue();
        assertThat(review.path("details").path("diff").asText()).contains("+# from JS", "+second from JS");
        assertThat(review.path("prFiles").path("js/second.txt").asText()).isEqualTo(Hashes.sha256("second from JS\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(review.path("comment").path("newMessage").path("data").path("latest").path("raw").asText()).isEqualTo("LGTM from JS");
        assertThat(review.path("merged").path("status").asText()).isEqualTo("merged");
        JsonNode main = wendyJs.downloadAll("model", repo.displayId());
        assertThat(main.path("sha").asText()).isEqualTo(review.path("merged").path("changes").path("mergeCommitId").asText());
        assertThat(main.path("files").path("js/notes.md").path("sha256").asText()).isEqualTo(Hashes.sha256("# from JS\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(main.path("files").path("js/second.txt").path("sha256").asText())
                .isEqualTo(Hashes.sha256("second from JS\n".getBytes(StandardCharsets.UTF_8)));
        assertMergeCommitNamesThePullRequest(repo, main.path("sha").asText(), "Add JS notes (#" + num + ")");
    }

    private static void assertMergeCommitNamesThePullRequest(Repo repo, String commit, String subject) throws Exception {
        try (RevWalk walk = new RevWalk(tf.forge.stores().git().repository(repo.key()))) {
            RevCommit m = walk.parseCommit(ObjectId.fromString(commit));
            assertThat(m.getParentCount()).isEqualTo(2);
            assertThat(m.getShortMessage()).isEqualTo(subject);
            assertThat(m.getAuthorIdent().getName()).isEqualTo("carl");
            assertThat(m.getCommitterIdent().getName()).isEqualTo("wendy");
        }
    }
}
