package dev.forge.http.web;

import dev.forge.core.CommitOperation;
import dev.forge.core.Discussion;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.CommitService;
import dev.forge.testing.TestForge;
import dev.forge.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discussions and pull requests through the pages: open, comment (Markdown rendered and sanitized), edit and hide a
 * comment, rename, close and reopen; a draft pull request opened on the page, a commit pushed to its ref, published,
 * its diff shown, merged — each as the community service allows, and refused for those it does not.
 */
class WebDiscussionsTest {
    static final String PASSWORD = "a long enough password";
    @TempDir
    static Path dir;
    static TestForge tf;
    static User owner;
    static Repo repo;

    @BeforeAll
    static void setUp() throws Exception {
        tf = TestForge.start(dir);
        owner = tf.forge.auth.createUser(Actor.OPERATOR, "olive", "Olive", null, false, PASSWORD);
        tf.forge.auth.createUser(Actor.OPERATOR, "sam", "Sam", null, false, PASSWORD);
        repo = tf.forge.repos.create(Actor.internal(owner), RepoType.MODEL, new RepoId("olive", "talk"), false);
        tf.forge.commits.commit(owner, repo, "main", Optional.empty(), List.of(new CommitOperation.AddFile("a.txt",
                "one\ntwo\n".getBytes(StandardCharsets.UTF_8))), "start");
    }

    @AfterAll
    static void tearDown() throws Exception {
        tf.close();
    }

    static WebClient signedIn(String user) throws Exception {
        return WebClient.signedIn(tf.baseUrl, user, PASSWORD);
    }

    static int num(HttpResponse<String> created) {
        String location = created.headers().firstValue("Location").orElseThrow();
        return Integer.parseInt(location.substring(location.lastIndexOf('/') + 1));
    }

    @Test
    void aDiscussionFromOpeningToClosing() throws Exception {
        WebClient sam = signedIn("sam"), olive = signedIn("olive");
        assertThat(sam.get("/olive/talk/discussions/new").statusCode()).isEqualTo(200);
        HttpResponse<String> opened = sam.post("/olive/talk/discussions", "title", "Does it **work**?", "description",
                "It says `x` <script>window.__xss=1</script> [ok](javascript:alert(1))");
        assertThat(opened.statusCode()).isEqualTo(303);
        int n = num(opened);
        String page = sam.get("/olive/talk/discussions/" + n).body();
        assertThat(page).contains("Does it **work**?").contains("<code>x</code>").doesNotContain("<script>window")
                .doesNotContain("href=\"javascript").contains("&lt;script&gt;window").contains("Edit or hide");
        assertThat(new WebClient(tf.baseUrl).get("/olive/talk/discussions").body()).contains("Does it **work**?").contains("#" + n);

        assertThat(olive.post("/olive/talk/discussions/" + n + "/comment", "comment", "Yes, see [a](a.txt)").statusCode()).isEqualTo(303);
        assertThat(sam.get("/olive/talk/discussions/" + n).body()).contains("href=\"/olive/talk/blob/main/a.txt\"");
        String commentKey = tf.forge.discussions.details(Actor.internal(owner), RepoType.MODEL, repo.id(), n, false).events().getLast().key();
        assertThat(sam.post("/olive/talk/discussions/" + n + "/comment/" + commentKey + "/edit", "comment", "not mine").statusCode())
                .as("only the author or a writer edits").isEqualTo(403);
        assertThat(olive.post("/olive/talk/discussions/" + n + "/comment/" + commentKey + "/edit", "comment", "Yes, edited").statusCode())
                .isEqualTo(303);
        assertThat(sam.get("/olive/talk/discussions/" + n).body()).contains("Yes, edited").contains("edited</span>");
        assertThat(olive.post("/olive/talk/discussions/" + n + "/comment/" + commentKey + "/hide").statusCode()).isEqualTo(303);
        assertThat(sam.get("/olive/talk/discussions/" + n).body()).doesNotContain("Yes, edited").contains("This comment was hidden.");

        assertThat(sam.post("/olive/talk/discussions/" + n + "/title", "title", "Does it work at all?").statusCode()).isEqualTo(303);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/title", "title", "x").statusCode()).isEqualTo(400);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/status", "status", "closed").statusCode()).isEqualTo(303);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/status", "status", "closed").statusCode()).isEqualTo(409);
        assertThat(sam.get("/olive/talk/discussions/" + n).body()).contains("renamed it from").contains("Reopen");
        assertThat(new WebClient(tf.baseUrl).get("/olive/talk/discussions?type=all&status=closed").body()).contains("Does it work at all?");
        assertThat(new WebClient(tf.baseUrl).post("/olive/talk/discussions/" + n + "/comment", "comment", "anon").statusCode()).isEqualTo(401);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/comment", "comment", "").statusCode()).isEqualTo(400);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/nope").statusCode()).isEqualTo(404);
        assertThat(sam.get("/olive/talk/discussions/999").statusCode()).isEqualTo(404);
        assertThat(sam.get("/olive/talk/discussions/abc").statusCode()).isEqualTo(404);
        assertThat(sam.get("/olive/talk/discussions?status=maybe").statusCode()).isEqualTo(400);
    }

    @Test
    void aDraftPullRequestPublishedShownAndMerged() throws Exception {
        WebClient sam = signedIn("sam"), olive = signedIn("olive");
        HttpResponse<String> opened = sam.post("/olive/talk/discussions", "title", "Add three", "pull_request", "on");
        assertThat(opened.statusCode()).isEqualTo(303);
        int n = num(opened);
        tf.forge.commits.commit(Actor.internal(tf.forge.auth.user("sam").orElseThrow()), repo, new CommitService.Request("refs/pr/" + n,
                Optional.empty(), List.of(new CommitOperation.AddFile("a.txt", "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8))),
                "three", "", false));
        String draft = olive.get("/olive/talk/discussions/" + n).body();
        assertThat(draft).contains("draft").contains("Publish the draft").contains("+three").doesNotContain("Merge into");
        assertThat(olive.post("/olive/talk/discussions/" + n + "/merge").statusCode()).as("a draft does not merge").isEqualTo(409);
        assertThat(sam.post("/olive/talk/discussions/" + n + "/status", "status", "open").statusCode()).isEqualTo(303);
        assertThat(olive.get("/olive/talk/discussions/" + n).body()).contains("Merge into main");
        assertThat(sam.post("/olive/talk/discussions/" + n + "/merge").statusCode()).as("merging needs write access").isEqualTo(403);
        assertThat(olive.post("/olive/talk/discussions/" + n + "/merge", "comment", "Thanks").statusCode()).isEqualTo(303);
        Discussion d = tf.forge.discussions.details(Actor.internal(owner), RepoType.MODEL, repo.id(), n, false).discussion();
        assertThat(d.status()).isEqualTo(Discussion.Status.MERGED);
        assertThat(new String(tf.get("/olive/talk/resolve/main/a.txt").body(), StandardCharsets.UTF_8)).isEqualTo("one\ntwo\nthree\n");
        assertThat(olive.get("/olive/talk/discussions/" + n).body()).contains("merged as").doesNotContain("Merge into");
        assertThat(olive.get("/olive/talk/discussions?type=pull_request&status=all").body()).contains("Add three");
    }
}
