package dev.forge.service.community;

import dev.forge.core.Discussion;
import dev.forge.core.Discussion.Status;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.DiscussionDao;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.AuditLog;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.MergeService;
import dev.forge.service.repo.RefService;
import dev.forge.service.repo.RepoService;

import java.time.InstantSource;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The discussions of a repository as the Hub keeps them: listing with filters and pages of {@value #PAGE_SIZE}, one
 * discussion with its timeline (and, for a pull request, what it would change), opening discussions and empty pull
 * requests (drafts, published by setting them open), comments (edit, hide), renames, closing and reopening. Who may do
 * what is {@link Participation}'s decision; every change is audited. Merging is {@link PullRequestService}'s. The
 * records returned are what the API and the web pages render. Thread-safe.
 */
public final class DiscussionService {
    public static final int PAGE_SIZE = 50;
    /** A discussion takes at most this many comments. */
    public static final int MAX_COMMENTS = 5_000;

    private final Participation rules;
    private final DiscussionDao dao;
    private final RefService refs;
    private final MergeService merges;
    private final AuditLog audit;
    private final InstantSource clock;

    public DiscussionService(RepoService repos, AccessPolicy policy, DiscussionDao dao, RefService refs, MergeService merges,
                             AuditLog audit, InstantSource clock) {
        this.rules = new Participation(repos, policy, dao);
        this.dao = dao;
        this.refs = refs;
        this.merges = merges;
        this.audit = audit;
        this.clock = clock;
    }

    /** Which discussions to list: the Hub's {@code type} filter. */
    public enum Kind {
        ALL("all"), DISCUSSION("discussion"), PULL_REQUEST("pull_request");

        private final String wire;

        Kind(String wire) { this.wire = wire; }

        public static Optional<Kind> fromWire(String s) {
            for (Kind k : values()) if (k.wire.equals(s)) return Optional.of(k);
            return Optional.empty();
        }
    }

    /** The Hub's {@code status} filter: open takes drafts in, closed takes merged pull requests in. */
    public enum StatusFilter {
        ALL("all", EnumSet.allOf(Status.class)), OPEN("open", EnumSet.of(Status.OPEN, Status.DRAFT)),
        CLOSED("closed", EnumSet.of(Status.CLOSED, Status.MERGED));

        private final String wire;
        private final Set<Status> statuses;

        StatusFilter(String wire, Set<Status> statuses) {
            this.wire = wire;
            this.statuses = statuses;
        }

        public static Optional<StatusFilter> fromWire(String s) {
            for (StatusFilter f : values()) if (f.wire.equals(s)) return Optional.of(f);
            return Optional.empty();
        }
    }

    /** A listing request: page {@code page} (from 0) of the discussions matching the filters. */
    public record Query(Kind kind, StatusFilter status, Optional<String> author, int page) {}

    /**
     * A page of the repository's discussions, newest first: {@code total} match, this page starts at {@code start};
     * {@code closed} of those matching all but the status filter are closed or merged.
     */
    public record Page(Repo repo, List<Discussion> discussions, int total, int start, int closed) {}

    public Page list(Actor actor, RepoType type, RepoId id, Query q) {
        Repo repo = rules.readable(actor, type, id);
        Optional<Boolean> pullRequests = switch (q.kind()) {
            case ALL -> Optional.empty();
            case DISCUSSION -> Optional.of(false);
            case PULL_REQUEST -> Optional.of(true);
        };
        DiscussionDao.Filter filter = new DiscussionDao.Filter(pullRequests, q.status().statuses, q.author());
        int start = Math.multiplyExact(q.page(), PAGE_SIZE);
        return new Page(repo, dao.list(repo.key(), filter, start, PAGE_SIZE), dao.count(repo.key(), filter), start,
                dao.count(repo.key(), new DiscussionDao.Filter(pullRequests, StatusFilter.CLOSED.statuses, q.author())));
    }

    /** One discussion and its timeline; a pull request also with what it changes (its diff when asked for). */
    public record Details(Repo repo, Discussion discussion, List<Discussion.Event> events, Optional<MergeService.Changes> changes) {}

    public Details details(Actor actor, RepoType type, RepoId id, int num, boolean withDiff) {
        Repo repo = rules.readable(actor, type, id);
        Discussion d = rules.find(repo, num);
        Optional<MergeService.Changes> changes = d.gitRef().map(ref ->
                merges.changes(actor, repo, d.targetRef().orElse(GitRepositories.DEFAULT_REF), ref, d.mergeCommit(), withDiff));
        return new Details(repo, d, dao.events(d.key()), changes);
    }

    /** What opening a discussion takes: a pull request opened this way is an empty draft on {@code main}. */
    public record Opening(String title, String description, boolean pullRequest) {}

    /** Opens a discussion; returns it with its timeline (a new pull request's changes are not computed here). */
    public Details open(Actor actor, RepoType type, RepoId id, Opening o) {
        Repo repo = rules.participant(actor, type, id);
        String title = DiscussionText.title(o.title());
        String description = DiscussionText.description(o.description());
        Optional<String> target = o.pullRequest() ? Optional.of(GitRepositories.DEFAULT_REF) : Optional.empty();
        int num = dao.insert(new DiscussionDao.NewDiscussion(repo.key(), title, actor.requireUser().key(), o.pullRequest(),
                o.pullRequest() ? Status.DRAFT : Status.OPEN, target, description, clock.instant()), refs.highestPullRequestRef(repo));
        // the number was chosen above every refs/pr/N, so the ref is new (a failure here leaves a draft without a ref,
        // which shows no changes and takes no commits)
        if (o.pullRequest()) refs.createPullRequestRef(actor, repo, num, target.get());
        audit.record(actor, "discussion.create", target(repo), Map.of("num", num, "pullRequest", o.pullRequest()));
        Discussion d = rules.find(repo, num);
        return new Details(repo, d, dao.events(d.key()), Optional.empty());
    }

    public Discussion.Comment comment(Actor actor, RepoType type, RepoId id, int num, String text) {
        Repo repo = rules.participant(actor, type, id);
        Discussion d = rules.find(repo, num);
        String body = DiscussionText.comment(text);
        if (d.comments() >= MAX_COMMENTS) {
            throw ForgeException.badRequest("Discussion #" + num + " has reached " + MAX_COMMENTS + " comments; open a new one");
        }
        String key = dao.addComment(d.key(), actor.requireUser().key(), body, clock.instant());
        audit.record(actor, "discussion.comment", target(repo), Map.of("num", num, "comment", key));
        return comment(d, key);
    }

    public Discussion.Comment editComment(Actor actor, RepoType type, RepoId id, int num, String commentKey, String text) {
        Repo repo = rules.participant(actor, type, id);
        Discussion d = rules.find(repo, num);
        Discussion.Comment c = comment(d, commentKey);
        rules.requireAuthorOrWriter(actor, repo, c.author(), "edit this comment");
        if (c.hidden()) throw ForgeException.badRequest("A hidden comment cannot be edited");
        String body = DiscussionText.comment(text);
        if (!dao.editComment(c.key(), c.text(), body, actor.requireUser().key(), clock.instant())) {
            throw ForgeException.conflict("The comment changed meanwhile; reload it and edit again");
        }
        audit.record(actor, "discussion.comment.edit", target(repo), Map.of("num", num, "comment", c.key()));
        return comment(d, c.key());
    }

    /** Hides a comment for good: nobody can read its text or its earlier versions again. Hiding twice changes nothing. */
    public Discussion.Comment hideComment(Actor actor, RepoType type, RepoId id, int num, String commentKey) {
        Repo repo = rules.participant(actor, type, id);
        Discussion d = rules.find(repo, num);
        Discussion.Comment c = comment(d, commentKey);
        rules.requireAuthorOrWriter(actor, repo, c.author(), "hide this comment");
        if (c.hidden()) return c;
        dao.hideComment(c.key(), actor.requireUser().key(), clock.instant());
        audit.record(actor, "discussion.comment.hide", target(repo), Map.of("num", num, "comment", c.key()));
        return comment(d, c.key());
    }

    public Discussion.TitleChange rename(Actor actor, RepoType type, RepoId id, int num, String newTitle) {
        Repo repo = rules.participant(actor, type, id);
        Discussion d = rules.find(repo, num);
        rules.requireAuthorOrWriter(actor, repo, d.author(), "rename discussion #" + num);
        String title = DiscussionText.title(newTitle);
        String key = dao.rename(d.key(), d.title(), title, actor.requireUser().key(), clock.instant())
                .orElseThrow(() -> ForgeException.conflict("Discussion #" + num + " was renamed meanwhile; reload it and try again"));
        audit.record(actor, "discussion.rename", target(repo), Map.of("num", num));
        return event(d, key, Discussion.TitleChange.class);
    }

    /**
     * Closes or reopens a discussion, or publishes a draft pull request (sets it open), with an optional comment. A
     * merged pull request keeps its status; nothing moves back to draft.
     */
    public Discussion.StatusChange changeStatus(Actor actor, RepoType type, RepoId id, int num, Status next, Optional<String> comment) {
        Repo repo = rules.participant(actor, type, id);
        Discussion d = rules.find(repo, num);
        rules.requireAuthorOrWriter(actor, repo, d.author(), (next == Status.CLOSED ? "close" : "reopen") + " discussion #" + num);
        if (next != Status.OPEN && next != Status.CLOSED) throw ForgeException.badRequest("The status must be open or closed");
        if (d.status() == Status.MERGED) throw ForgeException.conflict("Pull request #" + num + " is merged; its status cannot change");
        if (d.status() == next) throw ForgeException.conflict("Discussion #" + num + " is already " + next.wire());
        Optional<String> text = comment.filter(s -> !s.isBlank()).map(DiscussionText::comment);
        String key = dao.changeStatus(d.key(), Set.of(d.status()), next, Optional.empty(), actor.requireUser().key(), text, clock.instant())
                .orElseThrow(() -> ForgeException.conflict("The status of discussion #" + num + " changed meanwhile; reload it and try again"));
        audit.record(actor, "discussion.status", target(repo), Map.of("num", num, "from", d.status().wire(), "to", next.wire()));
        return event(d, key, Discussion.StatusChange.class);
    }

    /**
     * Forgets the discussions of a repository that no longer exists (called with every repository change; a rename or a
     * visibility change keeps them, since they belong to the repository's immutable key).
     */
    public void repoChanged(String repoKey, boolean exists) {
        if (!exists) dao.deleteRepo(repoKey);
    }

    private Discussion.Comment comment(Discussion d, String key) {
        return event(d, key, Discussion.Comment.class);
    }

    /** Event {@code key} of the discussion, of the given kind; 404 when there is none. */
    private <E extends Discussion.Event> E event(Discussion d, String key, Class<E> kind) {
        for (Discussion.Event e : dao.events(d.key())) {
            if (e.key().equals(key) && kind.isInstance(e)) return kind.cast(e);
        }
        throw new ForgeException(ErrorKind.NOT_FOUND, (kind == Discussion.Comment.class ? "Comment " : "Event ") + key
                + " not found in discussion #" + d.num());
    }

    static String target(Repo repo) {
        return repo.type().singular() + "/" + repo.displayId();
    }
}
