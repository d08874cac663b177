package dev.forge.community;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.AuditEntry;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.git.GitRepositories;
import dev.forge.service.account.Actor;
import dev.forge.testing.Hashes;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.forge.community.Community.api;
import static dev.forge.community.Community.error;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pull requests over HTTP: opened by a commit ({@code create_pr=1}) or empty (a draft), added to by their author,
 * reviewed through the diff and the conflicts, and merged for real: a merge commit naming the pull request, authored by
 * its author, with the merged files on the branch byte for byte; conflicts and empty pull requests refused with nothing
 * changed; racing merges all landing.
 */
class PullRequestTest {
    @TempDir
    static Path dir;
    static Community c;

    @BeforeAll
    static void start() throws Exception {
        c = new Community(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        c.close();
    }

    @Test
    void aContributorsPullRequestIsReviewedAndMergedByAWriter() throws Exception {
        Repo repo = c.repo("flow", false);
        String base = main(repo);
        byte[] weights = new byte[200_000];
        new Random(14).nextBytes(weights);
        LfsOid oid = c.tf.forge.lfs.store(repo, new ByteArrayInputStream(weights));

        JsonNode opened = c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Add notes", "notes.md", "# Notes\n"));
        assertThat(opened.path("pullRequestUrl").asText()).isEqualTo(c.tf.baseUrl + "/" + repo.displayId() + "/discussions/1");
        String first = opened.path("commitOid").asText();
        String second = c.carlClient.ok(c.carlClient.send(c.tf.request(api(repo) + "/commit/refs%2Fpr%2F1")
                .header("Content-Type", "application/x-ndjson").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"key\":\"header\",\"value\":{\"summary\":\"Add weights\"}}\n{\"key\":\"lfsFile\",\"value\":{\"path\":\"w.safetensors\","
                                + "\"algo\":\"sha256\",\"oid\":\"" + oid.hex() + "\",\"size\":" + weights.length + "}}\n")))).path("commitOid").asText();
        // only the author (or a writer) adds to a pull request; nobody merges it but a writer
        assertThat(error(c.coraClient.commit(repo.displayId(), "refs/pr/1", "", "Hijack", "x.txt", "x"), 403)).contains("author");
        assertThat(error(c.carlClient.post(api(repo) + "/discussions/1/merge", null), 403)).isNotBlank();
        assertThat(main(repo)).isEqualTo(base);

        JsonNode details = c.ritaClient.getOk(api(repo) + "/discussions/1?diff=1");
        assertThat(details.path("isPullRequest").asBoolean()).isTrue();
        assertThat(details.path("status").asText()).isEqualTo("open");
        assertThat(details.path("title").asText()).isEqualTo("Add notes");
        assertThat(details.path("changes").path("base").asText()).isEqualTo("refs/heads/main");
        assertThat(details.path("changes").has("mergeCommitId")).isFalse();
        assertThat(details.path("filesWithConflicts")).isEmpty();
        assertThat(details.path("diff").asText()).contains("diff --git a/notes.md b/notes.md", "+# Notes",
                "diff --git a/w.safetensors b/w.safetensors", "+oid sha256:" + oid.hex());
        assertThat(types(details)).containsExactly("comment", "commit", "commit");
        assertThat(details.path("events").get(1).path("data").path("oid").asText()).isEqualTo(first);
        assertThat(details.path("events").get(2).path("data").path("subject").asText()).isEqualTo("Add weights");
        assertThat(details.path("events").get(2).path("data").path("oid").asText()).isEqualTo(second);

        JsonNode merged = c.wendyClient.postOk(api(repo) + "/discussions/1/merge", "{\"comment\":\"Thanks!\"}");
        String mergeCommit = merged.path("changes").path("mergeCommitId").asText();
        assertThat(merged.path("status").asText()).isEqualTo("merged");
        assertThat(main(repo)).isEqualTo(mergeCommit);
        assertThat(file(repo, "main", "notes.md")).isEqualTo("# Notes\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Hashes.sha256(file(repo, "main", "w.safetensors"))).isEqualTo(Hashes.sha256(weights));

        try (RevWalk walk = new RevWalk(c.tf.forge.stores().git().repository(repo.key()))) {
            RevCommit m = walk.parseCommit(ObjectId.fromString(mergeCommit));
            assertThat(m.getParents()).extracting(RevCommit::name).containsExactly(base, second);
            assertThat(m.getShortMessage()).isEqualTo("Add notes (#1)");
            assertThat(m.getFullMessage()).contains("pull request #1", "refs/pr/1", "carl");
            assertThat(m.getAuthorIdent().getName()).isEqualTo("carl");
            assertThat(m.getAuthorIdent().getEmailAddress()).isEqualTo("carl@example.com");
            assertThat(m.getCommitterIdent().getName()).isEqualTo("wendy");
        }
        JsonNode after = c.ritaClient.getOk(api(repo) + "/discussions/1?diff=1");
        assertThat(after.path("status").asText()).isEqualTo("merged");
        assertThat(after.path("changes").path("mergeCommitId").asText()).isEqualTo(mergeCommit);
        assertThat(after.path("diff").asText()).contains("+# Notes"); // the diff as merged, not against the new main
        assertThat(types(after)).containsExactly("comment", "commit", "commit", "status-change", "comment");
        assertThat(c.ritaClient.getOk(api(repo) + "/discussions?status=closed").path("count").asInt()).isEqualTo(1);

        // a merged pull request takes no more commits, merges, or status changes
        assertThat(error(c.carlClient.commit(repo.displayId(), "refs/pr/1", "", "Late", "late.txt", "x"), 409)).contains("merged");
        assertThat(error(c.wendyClient.post(api(repo) + "/discussions/1/merge", null), 409)).contains("already merged");
        assertThat(error(c.carlClient.post(api(repo) + "/discussions/1/status", "{\"status\":\"closed\"}"), 409)).contains("merged");
        List<AuditEntry> audit = c.tf.forge.audit.query(Actor.OPERATOR, new AuditEntry.Query(null, "discussion.merge", null, null, null, 10));
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.actor()).isEqualTo("wendy");
            assertThat(e.target()).isEqualTo("model/" + repo.displayId());
            assertThat(e.detail()).contains(mergeCommit);
        });
    }

    @Test
    void anEmptyPullRequestIsADraftUntilPublishedAndCannotMergeWithoutChanges() throws Exception {
        Repo repo = c.repo("draft", false);
        String base = main(repo);
        JsonNode opened = c.carlClient.postOk(api(repo) + "/discussions", "{\"title\":\"Work in progress\",\"pullRequest\":true}");
        assertThat(opened.path("status").asText()).isEqualTo("draft");
        assertThat(headOf(repo, "refs/pr/1")).isEqualTo(base);
        assertThat(error(c.wendyClient.post(api(repo) + "/discussions/1/merge", null), 409)).contains("draft");
        c.carlClient.postOk(api(repo) + "/discussions/1/status", "{\"status\":\"open\"}");
        assertThat(error(c.wendyClient.post(api(repo) + "/discussions/1/merge", null), 400)).contains("no associated changes");

        c.carlClient.commitOk(repo.displayId(), "refs/pr/1", "Real work", "work.txt", "done\n");
        c.wendyClient.postOk(api(repo) + "/discussions/1/merge", null);
        assertThat(new String(file(repo, "main", "work.txt"), StandardCharsets.UTF_8)).isEqualTo("done\n");

        c.carlClient.postOk(api(repo) + "/discussions", "{\"title\":\"Just a question\"}");
        assertThat(error(c.wendyClient.post(api(repo) + "/discussions/2/merge", null), 400)).contains("not a pull request");
        assertThat(error(c.carlClient.commit(repo.displayId(), "refs/pr/2", "", "No", "no.txt", "x"), 400)).contains("not a pull request");
        assertThat(error(c.carlClient.commit(repo.displayId(), "refs/pr/9", "", "No", "no.txt", "x"), 404)).contains("does not exist");
    }

    @Test
    void aConflictingPullRequestRefusesToMergeAndChangesNothing() throws Exception {
        Repo repo = c.repo("conflict", false);
        c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Edit line 2", "a.txt", "line 1\nline two (carl)\nline 3\n"));
        c.carlClient.commitOk(repo.displayId(), "refs/pr/1", "Also b", "b.txt", "b\n");
        c.wendyClient.commitOk(repo.displayId(), "main", "Edit line 2 too", "a.txt", "line 1\nline 2 (wendy)\nline 3\n");
        String mainBefore = main(repo);
        String prBefore = headOf(repo, "refs/pr/1");

        JsonNode details = c.ritaClient.getOk(api(repo) + "/discussions/1?diff=1");
        assertThat(details.path("filesWithConflicts")).extracting(JsonNode::asText).containsExactly("a.txt");
        int events = details.path("events").size();
        String message = error(c.wendyClient.post(api(repo) + "/discussions/1/merge", "{\"comment\":\"merging\"}"), 409);
        assertThat(message).contains("conflict", "a.txt").doesNotContain("b.txt");

        assertThat(main(repo)).isEqualTo(mainBefore);
        assertThat(headOf(repo, "refs/pr/1")).isEqualTo(prBefore);
        JsonNode after = c.ritaClient.getOk(api(repo) + "/discussions/1");
        assertThat(after.path("status").asText()).isEqualTo("open");
        assertThat(after.path("events")).hasSize(events);
        assertThat(new String(file(repo, "main", "a.txt"), StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2 (wendy)\nline 3\n");

        // changes to different lines merge cleanly: a three-way merge, not a copy of either side
        Repo clean = c.repo("clean", false);
        c.carlClient.ok(c.carlClient.commit(clean.displayId(), "main", "?create_pr=1", "Line 1", "a.txt", "LINE 1\nline 2\nline 3\n"));
        c.wendyClient.commitOk(clean.displayId(), "main", "Line 3", "a.txt", "line 1\nline 2\nLINE 3\n");
        assertThat(c.ritaClient.getOk(api(clean) + "/discussions/1").path("filesWithConflicts")).isEmpty();
        c.wendyClient.postOk(api(clean) + "/discussions/1/merge", null);
        assertThat(new String(file(clean, "main", "a.txt"), StandardCharsets.UTF_8)).isEqualTo("LINE 1\nline 2\nLINE 3\n");
    }

    @Test
    void concurrentMergesAndCommitsNeverLoseACommit() throws Exception {
        Repo repo = c.repo("race", false);
        int prs = 8;
        List<String> heads = new ArrayList<>();
        for (int i = 1; i <= prs; i++) {
            heads.add(c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "PR " + i, "pr-" + i + ".txt", "pr " + i + "\n"))
                    .path("commitOid").asText());
        }
        ExecutorService pool = Executors.newFixedThreadPool(prs + 2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int i = 1; i <= prs; i++) {
                var merger = i % 2 == 0 ? c.wendyClient : c.aliceClient;
                String path = api(repo) + "/discussions/" + i + "/merge";
                results.add(pool.submit(awaiting(go, () -> merger.post(path, null).statusCode())));
            }
            for (int i = 1; i <= 2; i++) {
                int n = i;
                results.add(pool.submit(awaiting(go, () -> c.wendyClient.commit(repo.displayId(), "main", "", "direct " + n, "direct-" + n + ".txt",
                        "direct\n").statusCode())));
            }
            go.countDown();
            for (Future<Integer> f : results) assertThat(f.get()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
        String main = main(repo);
        GitRepositories git = c.tf.forge.stores().git();
        for (String head : heads) {
            assertThat(git.newCommits(repo.key(), List.of(ObjectId.fromString(head)), List.of(ObjectId.fromString(main)))).as(head).isEmpty();
        }
        for (int i = 1; i <= prs; i++) assertThat(file(repo, "main", "pr-" + i + ".txt")).isNotEmpty();
        for (int i = 1; i <= 2; i++) assertThat(file(repo, "main", "direct-" + i + ".txt")).isNotEmpty();
        JsonNode list = c.ritaClient.getOk(api(repo) + "/discussions?type=pull_request&status=closed");
        assertThat(list.path("count").asInt()).isEqualTo(prs);
        for (JsonNode d : list.path("discussions")) assertThat(d.path("status").asText()).isEqualTo("merged");
    }

    @Test
    void theSamePullRequestMergedTwiceAtOnceIsMergedOnce() throws Exception {
        Repo repo = c.repo("twice", false);
        c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Once", "once.txt", "once\n"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(awaiting(go, () -> c.wendyClient.post(api(repo) + "/discussions/1/merge", null).statusCode())));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) statuses.add(f.get());
            assertThat(statuses).containsOnly(200, 409).containsOnlyOnce(200);
        } finally {
            pool.shutdownNow();
        }
        assertThat(c.ritaClient.getOk(api(repo) + "/commits/main").size()).isEqualTo(4); // initial, base, PR commit, one merge
    }

    private static <T> Callable<T> awaiting(CountDownLatch go, Callable<T> task) {
        return () -> {
            go.await();
            return task.call();
        };
    }

    static List<String> types(JsonNode details) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : details.path("events")) out.add(e.path("type").asText());
        return out;
    }

    static String main(Repo repo) throws Exception {
        return headOf(repo, "main");
    }

    static String headOf(Repo repo, String rev) throws Exception {
        return c.ritaClient.getOk(api(repo) + "/revision/" + java.net.URLEncoder.encode(rev, StandardCharsets.UTF_8)).path("sha").asText();
    }

    static byte[] file(Repo repo, String rev, String path) throws Exception {
        var r = c.ritaClient.get("/" + repo.displayId() + "/resolve/" + rev + "/" + path);
        if (r.statusCode() == 302) r = c.tf.send(java.net.http.HttpRequest.newBuilder(r.uri().resolve(r.headers().firstValue("Location").orElseThrow())).GET());
        assertThat(r.statusCode()).as("%s@%s", path, rev).isEqualTo(200);
        return r.body();
    }
}
