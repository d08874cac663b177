package dev.forge.http.web;

import dev.forge.core.Discussion;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.community.PullRequestService;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Discussions and pull requests (the community service of issue 14): the list with its filters, a new discussion or
 * draft pull request, and one discussion's timeline — comments rendered as sanitized Markdown, status and title
 * changes, commits pushed to a pull request, its conflicts and diff — with the forms to comment, edit or hide a
 * comment, rename, close, reopen or publish, and merge. Each form calls the service method the API calls, so the same
 * people may do the same things; the page only hides buttons that would be refused anyway.
 */
public final class DiscussionPages {
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,8}");
    private static final Pattern COMMENT_ID = Pattern.compile("[0-9a-fA-F]{24}");
    /** A page of the timeline stops after this much rendered HTML (or {@value #EVENTS_PAGE} events), to stay in budget. */
    static final int TIMELINE_HTML_CHARS = 48 * 1024;
    static final int EVENTS_PAGE = 50;
    /** A pull request's diff is shown up to this many characters; the rest is a fetch of {@code refs/pr/N} away. */
    static final int DIFF_CHARS = 40 * 1024;

    private final Pages pages;
    private final DiscussionService discussions;
    private final PullRequestService pullRequests;
    private final RepoService repos;

    public DiscussionPages(Pages pages, DiscussionService discussions, PullRequestService pullRequests, RepoService repos) {
        this.pages = pages;
        this.discussions = discussions;
        this.pullRequests = pullRequests;
        this.repos = repos;
    }

    public record ListView(RepoNav nav, DiscussionService.Page page, String kind, String status, Optional<String> newer,
                           Optional<String> older) {}

    public void list(Exchange ex) {
        String kind = ex.param("type").orElse("all"), status = ex.param("status").orElse("open");
        DiscussionService.Kind k = DiscussionService.Kind.fromWire(kind).orElseThrow(() -> ForgeException.badRequest("Unknown type"));
        DiscussionService.StatusFilter s = DiscussionService.StatusFilter.fromWire(status).orElseThrow(() -> ForgeException.badRequest("Unknown status"));
        int p = ex.intParam("p", 0, 0, 1_000_000);
        DiscussionService.Page page = discussions.list(ex.actor(), ex.repoType(), ex.repoId(), new DiscussionService.Query(k, s, Optional.empty(), p));
        Repo repo = page.repo();
        String base = pages.links().discussions(repo) + "?type=" + Links.seg(kind) + "&status=" + Links.seg(status);
        ListView v = new ListView(RepoNav.of(pages.links(), repo, "community", "main", repos.canWrite(ex.actor(), repo)), page, kind, status,
                p == 0 ? Optional.empty() : Optional.of(base + "&p=" + (p - 1)),
                page.start() + page.discussions().size() < page.total() ? Optional.of(base + "&p=" + (p + 1)) : Optional.empty());
        pages.render(ex, 200, "discussions.jte", pages.frame(ex, "Community · " + repo.displayId()), v);
    }

    public record NewView(RepoNav nav, boolean pullRequest) {}

    public void newForm(Exchange ex) {
        Repo repo = repos.readable(ex.actor(), ex.repoType(), ex.repoId());
        ex.actor().requireUser();
        pages.render(ex, 200, "discussionNew.jte", pages.frame(ex, "New discussion · " + repo.displayId()),
                new NewView(RepoNav.of(pages.links(), repo, "community", "main", repos.canWrite(ex.actor(), repo)), ex.flag("pr")));
    }

    public void open(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        var opened = discussions.open(ex.actor(), ex.repoType(), ex.repoId(), new DiscussionService.Opening(f.optional("title").orElse(""),
                f.optional("description").orElse(""), f.checked("pull_request")));
        ex.redirect(303, pages.links().discussion(opened.repo(), opened.discussion().num()));
    }

    /** One timeline entry as the page shows it: the event, and a comment's text rendered (empty for other events). */
    public record Entry(Discussion.Event event, SafeHtml html, boolean mayChange) {
        public Optional<Discussion.Comment> comment() {
            return event instanceof Discussion.Comment c ? Optional.of(c) : Optional.empty();
        }
    }

    /** A unified diff line as the page colours it: {@code a} added, {@code d} removed, {@code h} a header, else context. */
    public record DiffLine(String kind, String text) {}

    /**
     * @param first the link to the timeline's start, when this page begins later; {@code later} to the rest, when there is more
     */
    public record DetailsView(RepoNav nav, DiscussionService.Details details, List<Entry> entries, Optional<String> first,
                              Optional<String> later, List<DiffLine> diff, boolean diffTruncated, boolean signedIn, boolean mayChange,
                              boolean mayMerge) {
        public Discussion d() { return details.discussion(); }
    }

    public void details(Exchange ex) {
        int num = num(ex);
        int from = ex.intParam("from", 0, 0, DiscussionService.MAX_COMMENTS * 4);
        DiscussionService.Details d = discussions.details(ex.actor(), ex.repoType(), ex.repoId(), num, true);
        Repo repo = d.repo();
        Optional<User> me = ex.actor().userOpt();
        boolean writer = repos.canWrite(ex.actor(), repo);
        Markdown.Resolver resolver = resolver(repo);
        List<Entry> entries = new ArrayList<>();
        int html = 0;
        List<Discussion.Event> events = d.events();
        int at = Math.min(from, events.size());
        for (; at < events.size() && entries.size() < EVENTS_PAGE && html <= TIMELINE_HTML_CHARS; at++) {
            Discussion.Event e = events.get(at);
            SafeHtml text = e instanceof Discussion.Comment c && !c.hidden() ? Markdown.comment(c.text(), resolver) : SafeHtml.EMPTY;
            html += text.html().length() + 200;
            boolean mine = me.map(u -> u.key().equals(e.author().key())).orElse(false);
            entries.add(new Entry(e, text, writer || mine));
        }
        String base = pages.links().discussion(repo, num);
        List<DiffLine> diff = new ArrayList<>();
        boolean truncated = false;
        Optional<String> unified = d.changes().flatMap(c -> c.diff());
        if (unified.isPresent()) {
            String text = unified.get();
            truncated = text.length() > DIFF_CHARS || d.changes().get().diffTruncated();
            for (String line : text.substring(0, Math.min(text.length(), DIFF_CHARS)).split("\n", -1)) {
                String kind = line.startsWith("diff --git") || line.startsWith("@@") ? "h" : line.startsWith("+++") || line.startsWith("---") ? "h"
                        : line.startsWith("+") ? "a" : line.startsWith("-") ? "d" : "";
                diff.add(new DiffLine(kind, line));
            }
        }
        boolean author = me.map(u -> u.key().equals(d.discussion().author().key())).orElse(false);
        DetailsView v = new DetailsView(RepoNav.of(pages.links(), repo, "community", "main", writer), d, entries,
                from == 0 ? Optional.empty() : Optional.of(base), at < events.size() ? Optional.of(base + "?from=" + at) : Optional.empty(),
                diff, truncated, me.isPresent(), writer || author, writer);
        pages.render(ex, 200, "discussion.jte", pages.frame(ex, d.discussion().title() + " · #" + num + " · " + repo.displayId()), v);
    }

    /** {@code POST …/discussions/{num}/{action}}: comment, title, status or merge. */
    public void act(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        int num = num(ex);
        var actor = ex.actor();
        switch (ex.var("action")) {
            case "comment" -> discussions.comment(actor, ex.repoType(), ex.repoId(), num, f.optional("comment").orElse(""));
            case "title" -> discussions.rename(actor, ex.repoType(), ex.repoId(), num, f.optional("title").orElse(""));
            case "status" -> discussions.changeStatus(actor, ex.repoType(), ex.repoId(), num, Discussion.Status.fromWire(f.text("status"))
                    .orElseThrow(() -> ForgeException.badRequest("The status must be open or closed")), f.optional("comment"));
            case "merge" -> pullRequests.merge(actor, ex.repoType(), ex.repoId(), num, f.optional("comment"));
            default -> throw ForgeException.notFound("No such action");
        }
        ex.redirect(303, pages.links().discussion(repos.readable(actor, ex.repoType(), ex.repoId()), num));
    }

    /** {@code POST …/discussions/{num}/comment/{comment}/{edit|hide}}. */
    public void actOnComment(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        int num = num(ex);
        String id = ex.var("comment");
        if (!COMMENT_ID.matcher(id).matches()) throw ForgeException.badRequest("Invalid comment id");
        String key = id.toLowerCase(Locale.ROOT);
        switch (ex.var("action")) {
            case "edit" -> discussions.editComment(ex.actor(), ex.repoType(), ex.repoId(), num, key, f.optional("comment").orElse(""));
            case "hide" -> discussions.hideComment(ex.actor(), ex.repoType(), ex.repoId(), num, key);
            default -> throw ForgeException.notFound("No such action");
        }
        ex.redirect(303, pages.links().discussion(repos.readable(ex.actor(), ex.repoType(), ex.repoId()), num));
    }

    private Markdown.Resolver resolver(Repo repo) {
        Links links = pages.links();
        return new Markdown.Resolver() {
            @Override public String link(String path) { return links.blob(repo, "main", path); }

            @Override public String image(String path) { return links.resolve(repo, "main", path); }
        };
    }

    private static int num(Exchange ex) {
        String n = ex.var("num");
        if (!NUMBER.matcher(n).matches()) throw ForgeException.notFound("No discussion " + Links.seg(n.length() > 20 ? n.substring(0, 20) : n));
        return Integer.parseInt(n);
    }
}
