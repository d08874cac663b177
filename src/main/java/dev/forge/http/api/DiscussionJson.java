package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.Dates;
import dev.forge.core.Discussion;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.http.exchange.Html;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.community.PullRequestService;
import dev.forge.service.repo.MergeService;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Hub's JSON for discussions and pull requests, as huggingface_hub parses it ({@code Discussion},
 * {@code DiscussionWithDetails}, {@code deserialize_event}): Jackson-bound records, one per shape. A comment's
 * {@code html} is its text escaped, not rendered markdown (the web pages render markdown safely themselves). Absent
 * values (null here) are left out.
 */
final class DiscussionJson {
    private DiscussionJson() {}

    record Author(@JsonProperty("_id") String id, String name, String fullname, String avatarUrl, String type) {}

    record RepoRef(String name, String type) {}

    /** One discussion in a listing, and the answer to opening one. */
    record Item(int num, String title, String status, String createdAt, boolean isPullRequest, Author author, RepoRef repo,
                int numComments, boolean pinned, List<Object> topReactions) {}

    record Page(List<Item> discussions, int count, int start, int numClosedDiscussions) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Changes(String base, String mergeCommitId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Details(@JsonProperty("_id") String id, int num, String title, String status, String createdAt, boolean isPullRequest,
                   Author author, RepoRef repo, boolean pinned, boolean locked, List<Event> events, Changes changes,
                   List<String> filesWithConflicts, String diff, Boolean diffTruncated) {}

    record Event(String id, String type, String createdAt, Author author, Data data) {}

    /** What an event says, by type. */
    sealed interface Data permits CommentData, StatusData, TitleData, CommitData {}

    record Version(String raw, String html, String updatedAt, Author author) {}

    record CommentData(boolean edited, boolean hidden, Version latest, int numEdits, List<String> editors, List<Version> history,
                       List<Object> reactions, boolean isReport) implements Data {}

    record StatusData(String status) implements Data {}

    record TitleData(String from, String to) implements Data {}

    record CommitData(String subject, String oid) implements Data {}

    record NewMessage(Event newMessage) {}

    record NewTitle(Event newTitle) {}

    record NewStatus(Event newStatus) {}

    record UpdatedComment(Event updatedComment) {}

    record Merged(int num, String status, Changes changes) {}

    // ------------------------------------------------------------------------------------------------- mapping

    static Page page(DiscussionService.Page p) {
        List<Item> items = new ArrayList<>();
        for (Discussion d : p.discussions()) items.add(item(d, p.repo()));
        return new Page(items, p.total(), p.start(), p.closed());
    }

    static Item item(Discussion d, Repo repo) {
        return new Item(d.num(), d.title(), d.status().wire(), Dates.iso(d.createdAt()), d.pullRequest(), author(d.author()), repo(repo),
                d.comments(), false, List.of());
    }

    static Details details(DiscussionService.Details s) {
        Discussion d = s.discussion();
        List<Event> events = new ArrayList<>();
        for (Discussion.Event e : s.events()) events.add(event(e));
        Changes changes = null;
        List<String> conflicts = null;
        String diff = null;
        Boolean truncated = null;
        if (d.pullRequest()) {
            changes = changes(d);
            Optional<MergeService.Changes> c = s.changes();
            conflicts = c.map(MergeService.Changes::conflictingFiles).orElse(List.of());
            diff = c.flatMap(MergeService.Changes::diff).orElse(null);
            truncated = c.filter(MergeService.Changes::diffTruncated).isPresent() ? Boolean.TRUE : null;
        }
        return new Details(d.key(), d.num(), d.title(), d.status().wire(), Dates.iso(d.createdAt()), d.pullRequest(), author(d.author()),
                repo(s.repo()), false, false, events, changes, conflicts, diff, truncated);
    }

    static Merged merged(PullRequestService.Merged m) {
        return new Merged(m.pullRequest().num(), m.pullRequest().status().wire(), changes(m.pullRequest()));
    }

    private static Changes changes(Discussion d) {
        return new Changes(d.targetRef().orElse("refs/heads/main"), d.mergeCommit().orElse(null));
    }

    static Event event(Discussion.Event e) {
        Data data = switch (e) {
            case Discussion.Comment c -> comment(c);
            case Discussion.StatusChange s -> new StatusData(s.status().wire());
            case Discussion.TitleChange t -> new TitleData(t.from(), t.to());
            case Discussion.CommitPushed c -> new CommitData(c.subject(), c.oid());
        };
        String type = switch (e) {
            case Discussion.Comment c -> "comment";
            case Discussion.StatusChange s -> "status-change";
            case Discussion.TitleChange t -> "title-change";
            case Discussion.CommitPushed c -> "commit";
        };
        return new Event(e.key(), type, Dates.iso(e.at()), author(e.author()), data);
    }

    /** The current text first in the history, then the earlier ones, newest first. */
    private static CommentData comment(Discussion.Comment c) {
        User by = c.editor().orElse(c.author());
        Version latest = new Version(c.text(), Html.escape(c.text()), Dates.iso(c.editedAt().orElse(c.at())), author(by));
        List<Version> history = new ArrayList<>();
        history.add(latest);
        List<String> editors = new ArrayList<>();
        for (Discussion.Version v : c.history().reversed()) {
            history.add(new Version(v.text(), Html.escape(v.text()), Dates.iso(v.at()), author(v.author())));
        }
        for (Version v : history) if (!editors.contains(v.author().name())) editors.add(v.author().name());
        return new CommentData(c.edited(), c.hidden(), latest, c.history().size(), editors, history, List.of(), false);
    }

    private static Author author(User u) {
        return new Author(u.key(), u.name(), u.fullname(), "/avatars/" + u.name(), "user");
    }

    private static RepoRef repo(Repo r) {
        return new RepoRef(r.displayId(), r.type().singular());
    }
}
