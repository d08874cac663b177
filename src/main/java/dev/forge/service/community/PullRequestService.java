package dev.forge.service.community;

import dev.forge.core.Discussion;
import dev.forge.core.Discussion.Status;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.DiscussionDao;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.service.repo.MergeService;
import dev.forge.service.repo.PullRequestGate;
import dev.forge.service.repo.RefService;
import dev.forge.service.repo.RepoService;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pull requests as git sees them: merging one into its branch (writers only; a real merge commit by
 * {@link MergeService}, named after the pull request's number and authored by its author), and the
 * {@link PullRequestGate} the repository services ask when commits go to {@code refs/pr/N}: opening a pull request for
 * a {@code create_pr} commit, who may add commits to one (its author or a writer, while it is open or a draft), and its
 * timeline of commits. Merges of one pull request are serialised in this process (one lock per stripe of pull
 * requests), so it is merged once; merges of different pull requests race on the branch's compare-and-set, and each
 * lands. Thread-safe.
 */
public final class PullRequestService implements PullRequestGate {
    private static final int LOCK_STRIPES = 64;

    private final Participation rules;
    private final DiscussionDao dao;
    private final RefService refs;
    private final MergeService merges;
    private final AuditLog audit;
    private final InstantSource clock;
    private final Object[] locks = new Object[LOCK_STRIPES];

    public PullRequestService(RepoService repos, AccessPolicy policy, DiscussionDao dao, RefService refs, MergeService merges,
                              AuditLog audit, InstantSource clock) {
        this.rules = new Participation(repos, policy, dao);
        this.dao = dao;
        this.refs = refs;
        this.merges = merges;
        this.audit = audit;
        this.clock = clock;
        for (int i = 0; i < locks.length; i++) locks[i] = new Object();
    }

    /** A merged pull request and its merge commit. */
    public record Merged(Discussion pullRequest, String mergeCommit) {}

    /**
     * Merges pull request {@code num} into its branch as {@code actor}, who must be able to write to the repository, with
     * an optional closing comment. Only an open pull request merges (a draft is published first); conflicts (409) and a
     * pull request without changes (400) change nothing.
     */
    public Merged merge(Actor actor, RepoType type, RepoId id, int num, Optional<String> comment) {
        Repo repo = rules.writer(actor, type, id);
        Optional<String> text = comment.filter(s -> !s.isBlank()).map(DiscussionText::comment);
        synchronized (locks[Math.floorMod((repo.key() + "#" + num).hashCode(), LOCK_STRIPES)]) {
            Discussion pr = rules.findPullRequest(repo, num);
            switch (pr.status()) {
                case MERGED -> throw ForgeException.conflict("Pull request #" + num + " is already merged");
                case CLOSED -> throw ForgeException.conflict("Pull request #" + num + " is closed; reopen it to merge it");
                case DRAFT -> throw ForgeException.conflict("Pull request #" + num + " is a draft; publish it (set its status to open) to merge it");
                case OPEN -> { }
            }
            String branch = pr.targetRef().orElse(GitRepositories.DEFAULT_REF);
            MergeService.Merged m = merges.merge(actor, repo, new MergeService.Merge(branch, pr.gitRef().orElseThrow(), pr.author(),
                    message(pr, branch)));
            // the branch has the merge now: record it whatever the status became meanwhile
            dao.changeStatus(pr.key(), EnumSet.complementOf(EnumSet.of(Status.MERGED)), Status.MERGED, Optional.of(m.commit()),
                    actor.requireUser().key(), text, clock.instant());
            audit.record(actor, "discussion.merge", DiscussionService.target(repo), Map.of("num", num, "commit", m.commit(),
                    "into", branch, "head", m.source()));
            return new Merged(rules.find(repo, num), m.commit());
        }
    }

    /** The merge commit's message: the title and number first (as the Hub's history shows them), then where it came from. */
    private static String message(Discussion pr, String branch) {
        String into = branch.startsWith("refs/heads/") ? branch.substring("refs/heads/".length()) : branch;
        return pr.title() + " (#" + pr.num() + ")\n\nMerge pull request #" + pr.num() + " (" + pr.gitRef().orElseThrow() + ") by "
                + pr.author().name() + " into " + into + ".\n";
    }

    // ------------------------------------------------------------------------------------------ PullRequestGate

    @Override
    public int open(Actor actor, Repo repo, String baseRef, String title, String description) {
        int num = dao.insert(new DiscussionDao.NewDiscussion(repo.key(), DiscussionText.titleFromCommit(title), actor.requireUser().key(),
                true, Status.OPEN, Optional.of(baseRef), DiscussionText.descriptionFromCommit(description),
                clock.instant()), refs.highestPullRequestRef(repo));
        audit.record(actor, "discussion.create", DiscussionService.target(repo), Map.of("num", num, "pullRequest", true));
        return num;
    }

    @Override
    public void requireCommit(Actor actor, Repo repo, int num) {
        Discussion pr = dao.find(repo.key(), num)
                .orElseThrow(() -> ForgeException.notFound("Pull request #" + num + " does not exist; open it first"));
        if (!pr.pullRequest()) throw ForgeException.badRequest("#" + num + " is a discussion, not a pull request");
        rules.requireParticipant(actor, repo);
        rules.requireAuthorOrWriter(actor, repo, pr.author(), "add commits to pull request #" + num);
        if (!pr.status().isActive()) {
            throw ForgeException.conflict("Pull request #" + num + " is " + pr.status().wire() + "; it takes no more commits");
        }
    }

    @Override
    public void committed(Actor actor, Repo repo, int num, List<PushedCommit> commits) {
        Optional<Discussion> pr = dao.find(repo.key(), num);
        if (pr.isEmpty() || commits.isEmpty()) return;
        List<Map.Entry<String, String>> events = new ArrayList<>();
        for (PushedCommit c : commits) events.add(Map.entry(c.oid(), DiscussionText.titleFromCommit(c.subject())));
        dao.addCommits(pr.get().key(), actor.requireUser().key(), events, clock.instant());
    }
}
