package dev.forge.community;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.community.DiscussionService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.forge.community.Community.api;
import static dev.forge.community.Community.error;
import static dev.forge.community.Community.quote;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discussions API over HTTP, as huggingface_hub calls it: opening, listing with filters and pages, the details and
 * timeline shapes the client parses, comments (edit, hide), renames and status changes, and who may do each.
 */
class DiscussionApiTest {
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
    void aDiscussionLivesThroughCommentsEditsRenamesAndStatusChanges() throws Exception {
        Repo repo = c.repo("talk", false);
        JsonNode opened = c.carlClient.postOk(api(repo) + "/discussions",
                "{\"title\":\"  Which license?  \",\"description\":\"Is **MIT** fine? <b>really</b>\",\"pullRequest\":false}");
        assertThat(opened.path("num").asInt()).isEqualTo(1);
        assertThat(opened.path("title").asText()).isEqualTo("Which license?");
        assertThat(opened.path("isPullRequest").asBoolean()).isFalse();
        assertThat(opened.path("status").asText()).isEqualTo("open");

        JsonNode comment = c.wendyClient.postOk(api(repo) + "/discussions/1/comment", "{\"comment\":\"Yes, *MIT*.\"}").path("newMessage");
        assertThat(comment.path("type").asText()).isEqualTo("comment");
        assertThat(comment.path("author").path("name").asText()).isEqualTo("wendy");
        assertThat(comment.path("data").path("latest").path("raw").asText()).isEqualTo("Yes, *MIT*.");
        assertThat(comment.path("data").path("edited").asBoolean()).isFalse();
        assertThat(comment.path("data").path("hidden").asBoolean()).isFalse();
        String commentId = comment.path("id").asText();
        assertThat(commentId).matches("[0-9a-f]{24}");

        JsonNode edited = c.wendyClient.postOk(api(repo) + "/discussions/1/comment/" + commentId + "/edit", "{\"content\":\"Yes, MIT.\"}")
                .path("updatedComment");
        assertThat(edited.path("data").path("edited").asBoolean()).isTrue();
        assertThat(edited.path("data").path("latest").path("raw").asText()).isEqualTo("Yes, MIT.");
        assertThat(edited.path("data").path("history")).hasSize(2);
        assertThat(edited.path("data").path("history").get(1).path("raw").asText()).isEqualTo("Yes, *MIT*.");

        JsonNode renamed = c.carlClient.postOk(api(repo) + "/discussions/1/title", "{\"title\":\"License: MIT?\"}").path("newTitle");
        assertThat(renamed.path("type").asText()).isEqualTo("title-change");
        assertThat(renamed.path("data").path("from").asText()).isEqualTo("Which license?");
        assertThat(renamed.path("data").path("to").asText()).isEqualTo("License: MIT?");

        JsonNode closed = c.carlClient.postOk(api(repo) + "/discussions/1/status", "{\"status\":\"closed\",\"comment\":\"Settled.\"}")
                .path("newStatus");
        assertThat(closed.path("type").asText()).isEqualTo("status-change");
        assertThat(closed.path("data").path("status").asText()).isEqualTo("closed");

        JsonNode hidden = c.aliceClient.postOk(api(repo) + "/discussions/1/comment/" + commentId.toUpperCase() + "/hide", null)
                .path("updatedComment");
        assertThat(hidden.path("data").path("hidden").asBoolean()).isTrue();
        assertThat(hidden.path("data").path("latest").path("raw").asText()).isEmpty();
        assertThat(hidden.path("data").path("history")).hasSize(1);

        JsonNode details = c.ritaClient.getOk(api(repo) + "/discussions/1?diff=1");
        assertThat(details.path("title").asText()).isEqualTo("License: MIT?");
        assertThat(details.path("status").asText()).isEqualTo("closed");
        assertThat(details.path("repo").path("name").asText()).isEqualTo(repo.displayId());
        assertThat(details.path("repo").path("type").asText()).isEqualTo("model");
        assertThat(details.path("author").path("name").asText()).isEqualTo("carl");
        assertThat(details.has("changes")).isFalse();
        assertThat(details.has("diff")).isFalse();
        List<String> types = new ArrayList<>();
        for (JsonNode e : details.path("events")) types.add(e.path("type").asText());
        assertThat(types).containsExactly("comment", "comment", "title-change", "status-change", "comment");
        JsonNode description = details.path("events").get(0).path("data").path("latest");
        // markdown and HTML are kept as written; the html field is the text escaped, never markup
        assertThat(description.path("raw").asText()).isEqualTo("Is **MIT** fine? <b>really</b>");
        assertThat(description.path("html").asText()).isEqualTo("Is **MIT** fine? &lt;b&gt;really&lt;/b&gt;");
        assertThat(details.toString()).doesNotContain("Yes, MIT").doesNotContain("Yes, *MIT*");

        JsonNode reopened = c.wendyClient.postOk(api(repo) + "/discussions/1/status", "{\"status\":\"open\"}").path("newStatus");
        assertThat(reopened.path("data").path("status").asText()).isEqualTo("open");
        assertThat(error(c.wendyClient.post(api(repo) + "/discussions/1/status", "{\"status\":\"open\"}"), 409)).contains("already open");
    }

    @Test
    void listingFiltersAndPagesAsTheClientReadsThem() throws Exception {
        Repo repo = c.repo("list", false);
        for (int i = 1; i <= 55; i++) {
            c.carlClient.postOk(api(repo) + "/discussions", "{\"title\":\"Question " + i + "\",\"description\":\"?\"}");
        }
        c.coraClient.postOk(api(repo) + "/discussions", "{\"title\":\"Empty PR\",\"pullRequest\":true}");
        c.carlClient.ok(c.carlClient.commit(repo.displayId(), "main", "?create_pr=1", "Add b", "b.txt", "b\n"));
        c.carlClient.postOk(api(repo) + "/discussions/3/status", "{\"status\":\"closed\"}");

        JsonNode first = c.anonymous.getOk(api(repo) + "/discussions");
        assertThat(first.path("count").asInt()).isEqualTo(57);
        assertThat(first.path("start").asInt()).isZero();
        assertThat(first.path("discussions")).hasSize(50);
        assertThat(first.path("numClosedDiscussions").asInt()).isEqualTo(1);
        JsonNode newest = first.path("discussions").get(0);
        assertThat(newest.path("num").asInt()).isEqualTo(57);
        assertThat(newest.path("isPullRequest").asBoolean()).isTrue();
        assertThat(newest.path("status").asText()).isEqualTo("open");
        assertThat(newest.path("author").path("name").asText()).isEqualTo("carl");
        assertThat(newest.path("repo").path("name").asText()).isEqualTo(repo.displayId());
        assertThat(newest.path("createdAt").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        JsonNode second = c.anonymous.getOk(api(repo) + "/discussions?p=1");
        assertThat(second.path("start").asInt()).isEqualTo(50);
        assertThat(second.path("discussions")).hasSize(7);
        assertThat(second.path("discussions").get(6).path("num").asInt()).isEqualTo(1);
        assertThat(c.anonymous.getOk(api(repo) + "/discussions?p=2").path("discussions")).isEmpty();

        JsonNode prs = c.anonymous.getOk(api(repo) + "/discussions?type=pull_request");
        assertThat(prs.path("count").asInt()).isEqualTo(2);
        assertThat(prs.path("discussions").get(1).path("status").asText()).isEqualTo("draft");
        assertThat(c.anonymous.getOk(api(repo) + "/discussions?type=discussion&status=closed").path("count").asInt()).isEqualTo(1);
        assertThat(c.anonymous.getOk(api(repo) + "/discussions?status=open").path("count").asInt()).isEqualTo(56); // the draft is open
        assertThat(c.anonymous.getOk(api(repo) + "/discussions?author=CORA").path("count").asInt()).isEqualTo(1);
        assertThat(c.anonymous.getOk(api(repo) + "/discussions?author=nobody").path("count").asInt()).isZero();

        for (String bad : List.of("type=issue", "status=merged", "p=-1", "p=x", "p=99999999999", "author=" + "a".repeat(97))) {
            assertThat(error(c.anonymous.get(api(repo) + "/discussions?" + bad), 400)).as(bad).isNotBlank();
        }
    }

    @Test
    void whoMayDoWhatFollowsTheRepositoryRoles() throws Exception {
        Repo repo = c.repo("roles", false);
        String discussions = api(repo) + "/discussions";
        // anyone may read a public repository's discussions; as on the Hub, any signed-in user may take part in a
        // public repository's (a private one's need the contributor role or more: see the private case below)
        assertThat(error(c.anonymous.post(discussions, "{\"title\":\"Hello there\"}"), 401)).isNotBlank();
        c.carlClient.postOk(discussions, "{\"title\":\"Carl's question\"}");
        c.coraClient.postOk(discussions + "/1/comment", "{\"comment\":\"me too\"}");
        String coraComment = c.ritaClient.getOk(discussions + "/1").path("events").get(1).path("id").asText();
        c.malloryClient.postOk(discussions + "/1/comment", "{\"comment\":\"a stranger's view\"}");
        c.ritaClient.postOk(discussions + "/1/comment", "{\"comment\":\"a reader's view\"}");
        Repo closed = c.repo("roles-private", true);
        String privateDiscussions = api(closed) + "/discussions";
        assertThat(error(c.malloryClient.post(privateDiscussions, "{\"title\":\"Hello there\"}"), 404)).isNotBlank();
        assertThat(error(c.ritaClient.post(privateDiscussions, "{\"title\":\"Hello there\"}"), 403)).isNotBlank();
        c.carlClient.postOk(privateDiscussions, "{\"title\":\"Carl's question\"}");

        // the author or a writer renames, closes, reopens; edits and hides are for the comment's author or a writer
        assertThat(error(c.coraClient.post(discussions + "/1/title", "{\"title\":\"Cora's now\"}"), 403)).contains("author");
        assertThat(error(c.coraClient.post(discussions + "/1/status", "{\"status\":\"closed\"}"), 403)).contains("author");
        assertThat(error(c.carlClient.post(discussions + "/1/comment/" + coraComment + "/edit", "{\"content\":\"x\"}"), 403)).isNotBlank();
        assertThat(error(c.carlClient.post(discussions + "/1/comment/" + coraComment + "/hide", null), 403)).isNotBlank();
        c.coraClient.postOk(discussions + "/1/comment/" + coraComment + "/edit", "{\"content\":\"me three\"}");
        c.wendyClient.postOk(discussions + "/1/title", "{\"title\":\"Renamed by a writer\"}");
        c.carlClient.postOk(discussions + "/1/status", "{\"status\":\"closed\"}");
        c.wendyClient.postOk(discussions + "/1/status", "{\"status\":\"open\"}");
        c.wendyClient.postOk(discussions + "/1/comment/" + coraComment + "/hide", null);
        assertThat(error(c.coraClient.post(discussions + "/1/comment/" + coraComment + "/edit", "{\"content\":\"again\"}"), 400))
                .contains("hidden");

        // a read token reads but never takes part, even as the author
        String carlRead = c.tf.forge.auth.createToken(c.carl, "read", dev.forge.core.Token.Role.READ).secret();
        var carlReading = c.new Client(carlRead);
        carlReading.getOk(discussions + "/1");
        assertThat(error(carlReading.post(discussions + "/1/status", "{\"status\":\"closed\"}"), 403)).contains("read-only");
    }

    @Test
    void privateAndGatedRepositoriesKeepTheirDiscussionsToThoseWhoMayReadTheirFiles() throws Exception {
        Repo secret = c.repo("secret", true);
        c.carlClient.postOk(api(secret) + "/discussions", "{\"title\":\"Internal question\"}");
        for (String path : List.of("/discussions", "/discussions/1", "/discussions/2")) {
            assertThat(c.anonymous.get(api(secret) + path).headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
            assertThat(c.anonymous.get(api(secret) + path).statusCode()).isEqualTo(401);
            assertThat(c.malloryClient.get(api(secret) + path).statusCode()).isEqualTo(404);
            assertThat(c.malloryClient.get(api(secret) + path).headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
        }
        assertThat(c.malloryClient.post(api(secret) + "/discussions/1/comment", "{\"comment\":\"hi\"}").statusCode()).isEqualTo(404);
        assertThat(c.ritaClient.getOk(api(secret) + "/discussions").path("count").asInt()).isEqualTo(1);

        Repo gated = c.repo("gated", false);
        c.tf.forge.repos.updateSettings(dev.forge.service.account.Actor.internal(c.alice), RepoType.MODEL, gated.id(), null,
                dev.forge.core.Gating.MANUAL);
        c.carlClient.postOk(api(gated) + "/discussions", "{\"title\":\"About the weights\"}");
        assertThat(c.anonymous.get(api(gated) + "/discussions/1").headers().firstValue("X-Error-Code")).hasValue("GatedRepo");
        assertThat(c.malloryClient.get(api(gated) + "/discussions").statusCode()).isEqualTo(403);
        assertThat(c.malloryClient.get(api(gated) + "/discussions").headers().firstValue("X-Error-Code")).hasValue("GatedRepo");
        assertThat(c.ritaClient.getOk(api(gated) + "/discussions/1").path("title").asText()).isEqualTo("About the weights");
    }

    @Test
    void hostileInputIsRefusedClearlyAndChangesNothing() throws Exception {
        Repo repo = c.repo("hostile", false);
        String discussions = api(repo) + "/discussions";
        c.carlClient.postOk(discussions, "{\"title\":\"The one discussion\"}");
        record Bad(String path, String body, int status) {}
        List<Bad> bad = List.of(
                new Bad("", "{\"title\":\"ab\"}", 400),
                new Bad("", "{\"title\":" + quote("x".repeat(201)) + "}", 400),
                new Bad("", "{\"title\":\"line\\nbreak\"}", 400),
                new Bad("", "{\"title\":\"nul\\u0000here\"}", 400),
                new Bad("", "{\"title\":\"lone \\ud800 surrogate\"}", 400),
                new Bad("", "{\"title\":42}", 400),
                new Bad("", "{\"description\":\"no title\"}", 400),
                new Bad("", "{\"title\":\"Fine title\",\"pullRequest\":\"yes\"}", 400),
                new Bad("", "{\"title\":\"Fine title\",\"description\":" + quote("d".repeat(65_537)) + "}", 400),
                new Bad("", "not json", 400),
                new Bad("", "[1,2]", 400),
                new Bad("/1/comment", "{\"comment\":\"   \"}", 400),
                new Bad("/1/comment", "{\"comment\":" + quote("c".repeat(65_537)) + "}", 400),
                new Bad("/1/comment", "{\"comment\":\"bell\\u0007\"}", 400),
                new Bad("/1/comment", "{\"text\":\"wrong field\"}", 400),
                new Bad("/1/comment", "{\"comment\":" + quote("x".repeat(2 * 1024 * 1024)) + "}", 400),
                new Bad("/abc/comment", "{\"comment\":\"hi\"}", 400),
                new Bad("/0/comment", "{\"comment\":\"hi\"}", 400),
                new Bad("/-1/comment", "{\"comment\":\"hi\"}", 400),
                new Bad("/01/comment", "{\"comment\":\"hi\"}", 400),
                new Bad("/99999999999/comment", "{\"comment\":\"hi\"}", 400),
                new Bad("/2/comment", "{\"comment\":\"hi\"}", 404),
                new Bad("/1/comment/zz/edit", "{\"content\":\"hi\"}", 400),
                new Bad("/1/comment/0123456789abcdef01234567/edit", "{\"content\":\"hi\"}", 404),
                new Bad("/1/status", "{\"status\":\"merged\"}", 400),
                new Bad("/1/status", "{\"status\":\"draft\"}", 400),
                new Bad("/1/title", "{\"title\":\"  \"}", 400),
                new Bad("/1/merge", null, 403)); // contributors never merge
        for (Bad b : bad) {
            var r = c.carlClient.post(discussions + b.path(), b.body());
            assertThat(r.statusCode()).as("%s %s: %s", b.path(), b.body() == null ? "" : b.body().substring(0, Math.min(60, b.body().length())),
                    Community.text(r)).isEqualTo(b.status());
            assertThat(r.headers().firstValue("X-Error-Message")).isPresent();
        }
        assertThat(c.carlClient.getOk(discussions + "/1").path("events")).hasSize(1);
        assertThat(c.carlClient.getOk(discussions).path("count").asInt()).isEqualTo(1);
        assertThat(c.carlClient.getOk(discussions + "/1").path("title").asText()).isEqualTo("The one discussion");
        assertThat(error(c.carlClient.get(discussions + "/1x"), 400)).contains("1x");

        // a discussion takes at most MAX_COMMENTS comments (filled here straight in the database: 5,000 requests are slow)
        c.carlClient.postOk(discussions, "{\"title\":\"A very long thread\"}");
        var jdbi = c.tf.forge.stores().database().jdbi();
        String key = c.tf.forge.discussions.details(dev.forge.service.account.Actor.internal(c.carl), RepoType.MODEL, repo.id(), 2, false)
                .discussion().key();
        jdbi.useTransaction(h -> {
            var batch = h.prepareBatch("INSERT INTO discussion_events (event_key, discussion_key, seq, type, author_key, created_at, body)"
                    + " VALUES (:k, :d, :seq, 'comment', :a, 0, 'filler')");
            for (int i = 2; i <= DiscussionService.MAX_COMMENTS; i++) {
                batch.bind("k", String.format("%024x", i)).bind("d", key).bind("seq", i).bind("a", c.carl.key()).add();
            }
            batch.execute();
        });
        assertThat(error(c.coraClient.post(discussions + "/2/comment", "{\"comment\":\"one more\"}"), 400)).contains("5000 comments");
        assertThat(c.carlClient.getOk(discussions + "/2").path("events")).hasSize(DiscussionService.MAX_COMMENTS);
    }

    @Test
    void discussionsFollowARenamedRepositoryAndGoWithADeletedOne() throws Exception {
        Repo repo = c.repo("moving", false);
        c.carlClient.postOk(api(repo) + "/discussions", "{\"title\":\"Before the move\"}");
        c.aliceClient.postOk("/api/repos/move", "{\"fromRepo\":\"" + repo.displayId() + "\",\"toRepo\":\"" + repo.displayId() + "-moved\",\"type\":\"model\"}");
        JsonNode moved = c.ritaClient.getOk("/api/models/" + repo.displayId() + "-moved/discussions/1");
        assertThat(moved.path("title").asText()).isEqualTo("Before the move");
        assertThat(moved.path("repo").path("name").asText()).isEqualTo(repo.displayId() + "-moved");

        var delete = c.tf.request("/api/repos/delete").header("Content-Type", "application/json").header("Authorization", "Bearer " + c.aliceClient.token)
                .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"model\",\"name\":\"" + repo.displayId() + "-moved\"}"));
        assertThat(c.tf.send(delete).statusCode()).isEqualTo(200);
        int left = c.tf.forge.stores().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM discussions WHERE repo_key = :r").bind("r", repo.key()).mapTo(Integer.class).one());
        assertThat(left).isZero();
        Repo again = c.tf.forge.repos.create(dev.forge.service.account.Actor.internal(c.alice), RepoType.MODEL, repo.id(), false);
        assertThat(c.ritaClient.getOk(api(again) + "/discussions").path("count").asInt()).isZero();
    }

    @Test
    void concurrentOpeningsAndCommentsAllLandWithDistinctNumbers() throws Exception {
        Repo repo = c.repo("race", false);
        String discussions = api(repo) + "/discussions";
        c.carlClient.postOk(discussions, "{\"title\":\"Busy thread\"}");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                results.add(pool.submit(() -> (n % 2 == 0 ? c.carlClient : c.coraClient)
                        .post(discussions + (n % 5 == 0 ? "" : "/1/comment"), n % 5 == 0 ? "{\"title\":\"Parallel " + n + "\"}"
                                : "{\"comment\":\"comment " + n + "\"}").statusCode()));
            }
            for (var f : results) assertThat(f.get()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
        JsonNode list = c.carlClient.getOk(discussions);
        assertThat(list.path("count").asInt()).isEqualTo(9);
        List<Integer> nums = new ArrayList<>();
        for (JsonNode d : list.path("discussions")) nums.add(d.path("num").asInt());
        assertThat(nums).containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1);
        assertThat(c.carlClient.getOk(discussions + "/1").path("events")).hasSize(1 + 32);
    }

}
