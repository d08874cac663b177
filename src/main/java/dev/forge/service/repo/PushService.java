package dev.forge.service.repo;

import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.service.account.AccessPolicy;
import dev.forge.git.GitRepositories;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checks and indexing that run before a git push moves any ref. Writers may create, update and delete branches
 * and tags (not the default branch) whose names pass {@link RefNames} and which point at commits (tags may be
 * annotated, but must peel to a commit); the author of an open pull request (or a writer) may update its
 * {@code refs/pr/N}, which is never deleted by a push; nothing else is pushed. Every LFS pointer a push introduces must
 * name an object already in the store with the pointer's size, which the pusher may read ({@link LfsReferences});
 * regular files above the configured size are refused as on the Hub. When everything passes, the new commits are
 * indexed before the refs move; afterwards, commits that landed on a pull request's ref join its timeline.
 *
 * <p>This is the bridge to JGit's smart-HTTP servlet, and the one service whose public methods speak JGit types
 * ({@link Repository}, {@link ObjectId}): the servlet needs the repository itself. {@code LayeringTest} names it as
 * the only exception to "no JGit types in public service signatures".
 */
public final class PushService {
    /** At most this many of the newest commits of one push join a pull request's timeline. */
    static final int MAX_TIMELINE_COMMITS = 100;

    /** Refs git clients are not shown: a mirror's staging area ({@link GitRepositories#STAGING_PREFIX}). */
    public static final String HIDDEN_REF_PREFIX = GitRepositories.STAGING_PREFIX;

    private final Indexer indexer;
    private final GitRepositories git;
    private final Indexer.Rules rules;
    private final AccessPolicy policy;
    private final PullRequestGate pullRequests;
    private final AuditLog audit;
    private final LfsReferences references;

    public PushService(Indexer indexer, GitRepositories git, LfsReferences references, Indexer.Rules rules, AccessPolicy policy,
                       PullRequestGate pullRequests, AuditLog audit) {
        this.references = references;
        this.indexer = indexer;
        this.git = git;
        this.rules = rules;
        this.policy = policy;
        this.pullRequests = pullRequests;
        this.audit = audit;
    }

    /** The repository for JGit's servlet to serve one request (access was checked by the caller). */
    public Repository open(Repo repo) {
        return git.openForRequest(repo.key());
    }

    /**
     * After receive-pack moved refs: caches learn of the change, the push is audited, and the new commits of each pull
     * request ref (the newest {@value #MAX_TIMELINE_COMMITS}) join that pull request's timeline.
     */
    public void pushed(Actor pusher, Repo repo, List<RefChange> applied) throws IOException {
        git.refsChanged(repo.key());
        if (applied.isEmpty()) return;
        List<String> refs = new ArrayList<>();
        for (RefChange c : applied) refs.add(c.refName() + " " + (c.newId() == null ? "deleted" : c.newId().name()));
        audit.record(pusher, "git.push", repo.type().singular() + "/" + repo.displayId(), java.util.Map.of("refs", refs));
        for (RefChange c : applied) {
            Optional<Integer> pr = PullRequestGate.number(c.refName());
            if (pr.isEmpty() || c.newId() == null) continue;
            List<ObjectId> known = new ArrayList<>();
            if (c.oldId() != null) known.add(c.oldId());
            for (GitRepositories.RefInfo r : git.refs(repo.key())) if (!r.name().equals(c.refName())) known.add(ObjectId.fromString(r.commit()));
            List<ObjectId> fresh = git.newCommits(repo.key(), List.of(c.newId()), known);
            List<PullRequestGate.PushedCommit> commits = new ArrayList<>();
            for (ObjectId id : fresh.subList(Math.max(0, fresh.size() - MAX_TIMELINE_COMMITS), fresh.size())) {
                String message = git.commit(repo.key(), id).fullMessage().strip();
                int eol = message.indexOf('\n');
                commits.add(new PullRequestGate.PushedCommit(id.name(), eol < 0 ? message : message.substring(0, eol)));
            }
            if (!commits.isEmpty()) pullRequests.committed(pusher, repo, pr.get(), commits);
        }
    }

    /**
     * After a refused push: deletes the pack receive-pack wrote for it (JGit has no quarantine; repeated refusals
     * would fill the disk). {@code lockToken} is the unique name the push's receive-pack was given as its ref-log
     * identity, which JGit writes into the pack's {@code .keep} file.
     */
    public void refused(Repo repo, String lockToken) throws IOException {
        git.discardReceivedPack(repo.key(), lockToken);
    }

    /** One ref a push wants to move; a null id means "absent" (create or delete). */
    public record RefChange(String refName, ObjectId oldId, ObjectId newId) {}

    /**
     * Checks a push by {@code pusher}, who may at least open pull requests on the repository (the caller checked); the
     * LFS objects the new pointers name must be theirs to read ({@link LfsReferences#mayReference}).
     *
     * @return the reasons to refuse the whole push; empty to accept it (its commits are then indexed)
     */
    public List<String> check(Actor pusher, Repo repo, List<RefChange> changes) throws IOException {
        List<String> problems = new ArrayList<>();
        List<ObjectId> tips = new ArrayList<>();
        boolean writer = policy.level(pusher, repo) == AccessPolicy.Level.WRITE;
        for (RefChange c : changes) {
            String name = c.refName();
            Optional<Integer> pr = PullRequestGate.number(name);
            boolean branchOrTag = name.startsWith(Constants.R_HEADS) || name.startsWith(Constants.R_TAGS);
            if (pr.isPresent()) {
                if (c.newId() == null) {
                    problems.add("Pull request refs cannot be deleted (refused " + name + ")");
                    continue;
                }
                try {
                    pullRequests.requireCommit(pusher, repo, pr.get());
                } catch (ForgeException e) {
                    problems.add(e.getMessage() + " (refused " + name + ")");
                    continue;
                }
                Optional<ObjectId> commit = git.resolve(repo.key(), c.newId().name());
                if (commit.isPresent()) tips.add(commit.get());
                else problems.add(name + " must point at a commit");
            } else if (!branchOrTag || !RefNames.isValid(name)) {
                problems.add("Only branches, tags and pull request refs (refs/pr/N) with valid names of at most " + RefNames.MAX_BYTES
                        + " bytes can be pushed (refused " + dev.forge.core.Strings.quoteForMessage(name) + ")");
            } else if (!writer) {
                problems.add("You may push only to your pull requests' refs (refs/pr/N) in this repository (refused " + name + ")");
            } else if (c.newId() == null && name.equals(GitRepositories.DEFAULT_REF)) {
                problems.add("The default branch " + GitRepositories.DEFAULT_BRANCH + " cannot be deleted");
            } else if (c.newId() != null) {
                // a tag too must peel to a commit: a tag of a tree or a blob would carry content past every check
                Optional<ObjectId> commit = git.resolve(repo.key(), c.newId().name());
                if (commit.isPresent()) tips.add(commit.get());
                else problems.add(name + " must point at a commit");
            }
        }
        if (!problems.isEmpty()) return problems;
        if (tips.isEmpty()) return List.of();
        List<ObjectId> known = new ArrayList<>();
        for (GitRepositories.RefInfo r : git.refs(repo.key())) known.add(ObjectId.fromString(r.commit()));
        try {
            indexer.indexNew(repo, tips, known, rules.referencing(oid -> references.mayReference(pusher, repo, oid)));
        } catch (Indexer.RejectedException e) {
            return e.problems();
        }
        return List.of();
    }

}
