package dev.forge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Discussion;
import dev.forge.core.ForgeException;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.JsonFields;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.community.PullRequestService;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hub's discussions and pull-request API ({@code /api/{type}/{ns}/{name}/discussions…}), as huggingface_hub calls
 * it: parse the path, query and JSON body, call one service, render {@link DiscussionJson}.
 */
public final class DiscussionHandlers {
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,8}");
    private static final Pattern COMMENT_ID = Pattern.compile("[0-9a-fA-F]{24}");
    private static final int MAX_AUTHOR = 96;

    private final DiscussionService discussions;
    private final PullRequestService pullRequests;

    public DiscussionHandlers(DiscussionService discussions, PullRequestService pullRequests) {
        this.discussions = discussions;
        this.pullRequests = pullRequests;
    }

    /** {@code GET …/discussions?p=&type=&status=&author=}. */
    public void list(Exchange ex) throws IOException {
        var kind = ex.param("type").map(t -> DiscussionService.Kind.fromWire(t)
                .orElseThrow(() -> ForgeException.badRequest("'type' must be all, discussion or pull_request"))).orElse(DiscussionService.Kind.ALL);
        var status = ex.param("status").map(s -> DiscussionService.StatusFilter.fromWire(s)
                .orElseThrow(() -> ForgeException.badRequest("'status' must be all, open or closed"))).orElse(DiscussionService.StatusFilter.ALL);
        Optional<String> author = ex.param("author").filter(a -> !a.isEmpty());
        if (author.filter(a -> a.length() > MAX_AUTHOR).isPresent()) throw ForgeException.badRequest("'author' is too long");
        int page = ex.intParam("p", 0, 0, 1_000_000);
        DiscussionService.Page p = discussions.list(ex.actor(), ex.repoType(), ex.repoId(), new DiscussionService.Query(kind, status, author, page));
        ex.json(200, DiscussionJson.page(p));
    }

    /** {@code POST …/discussions} with {@code {"title", "description", "pullRequest"}}: answers {@code {"num", …}}. */
    public void create(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        JsonNode pr = n.get("pullRequest");
        if (pr != null && !pr.isNull() && !pr.isBoolean()) throw ForgeException.badRequest("'pullRequest' must be a boolean");
        var opening = new DiscussionService.Opening(JsonFields.requiredText(n, "title"), JsonFields.optionalText(n, "description"),
                pr != null && pr.asBoolean(false));
        var opened = discussions.open(ex.actor(), ex.repoType(), ex.repoId(), opening);
        ex.json(200, DiscussionJson.item(opened.discussion(), opened.repo()));
    }

    /** {@code GET …/discussions/{num}[?diff=1]}. */
    public void details(Exchange ex) throws IOException {
        var details = discussions.details(ex.actor(), ex.repoType(), ex.repoId(), num(ex), ex.flag("diff"));
        ex.json(200, DiscussionJson.details(details));
    }

    /** {@code POST …/discussions/{num}/comment} with {@code {"comment"}}: answers {@code {"newMessage": event}}. */
    public void comment(Exchange ex) throws IOException {
        String text = JsonFields.requiredText(body(ex), "comment");
        var c = discussions.comment(ex.actor(), ex.repoType(), ex.repoId(), num(ex), text);
        ex.json(200, new DiscussionJson.NewMessage(DiscussionJson.event(c)));
    }

    /** {@code POST …/discussions/{num}/comment/{id}/edit} with {@code {"content"}}: answers {@code {"updatedComment": event}}. */
    public void editComment(Exchange ex) throws IOException {
        String text = JsonFields.requiredText(body(ex), "content");
        var c = discussions.editComment(ex.actor(), ex.repoType(), ex.repoId(), num(ex), commentId(ex), text);
        ex.json(200, new DiscussionJson.UpdatedComment(DiscussionJson.event(c)));
    }

    /** {@code POST …/discussions/{num}/comment/{id}/hide}: answers {@code {"updatedComment": event}}. */
    public void hideComment(Exchange ex) throws IOException {
        var c = discussions.hideComment(ex.actor(), ex.repoType(), ex.repoId(), num(ex), commentId(ex));
        ex.json(200, new DiscussionJson.UpdatedComment(DiscussionJson.event(c)));
    }

    /** {@code POST …/discussions/{num}/title} with {@code {"title"}}: answers {@code {"newTitle": event}}. */
    public void rename(Exchange ex) throws IOException {
        String title = JsonFields.requiredText(body(ex), "title");
        var t = discussions.rename(ex.actor(), ex.repoType(), ex.repoId(), num(ex), title);
        ex.json(200, new DiscussionJson.NewTitle(DiscussionJson.event(t)));
    }

    /** {@code POST …/discussions/{num}/status} with {@code {"status": "open"|"closed", "comment"?}}: answers {@code {"newStatus": event}}. */
    public void status(Exchange ex) throws IOException {
        JsonNode n = body(ex);
        Discussion.Status next = Discussion.Status.fromWire(JsonFields.requiredText(n, "status"))
                .filter(s -> s == Discussion.Status.OPEN || s == Discussion.Status.CLOSED)
                .orElseThrow(() -> ForgeException.badRequest("'status' must be open or closed"));
        var s = discussions.changeStatus(ex.actor(), ex.repoType(), ex.repoId(), num(ex), next,
                Optional.ofNullable(JsonFields.optionalText(n, "comment")));
        ex.json(200, new DiscussionJson.NewStatus(DiscussionJson.event(s)));
    }

    /** {@code POST …/discussions/{num}/merge} with an optional {@code {"comment"}}. */
    public void merge(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.optionalJson(ex);
        var m = pullRequests.merge(ex.actor(), ex.repoType(), ex.repoId(), num(ex), Optional.ofNullable(JsonFields.optionalText(n, "comment")));
        ex.json(200, DiscussionJson.merged(m));
    }

    private static JsonNode body(Exchange ex) throws IOException {
        return ApiHandlers.readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
    }

    private static int num(Exchange ex) {
        String n = ex.var("num");
        if (!NUMBER.matcher(n).matches()) throw ForgeException.badRequest("Invalid discussion number: '" + cut(n) + "'");
        return Integer.parseInt(n);
    }

    private static String commentId(Exchange ex) {
        String id = ex.var("comment");
        if (!COMMENT_ID.matcher(id).matches()) throw ForgeException.badRequest("Invalid comment id: '" + cut(id) + "'");
        return id.toLowerCase(java.util.Locale.ROOT);
    }

    private static String cut(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
