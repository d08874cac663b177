package dev.forge.service.repo;

import dev.forge.core.Repo;
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
 * The checks and indexing that run before a git push moves any ref. Pushes may create, update and
 * delete branches and tags (not the default branch); every LFS pointer they introduce must name an object
 * already in the store with the pointer's size; regular files above the configured size are refused as
 * on the Hub. When everything passes, the new commits are indexed before the refs move.
 *
 * <p>This is the bridge to JGit's smart-HTTP servlet, and the one service whose public methods speak JGit types
 * ({@link Repository}, {@link ObjectId}): the servlet needs the repository itself. {@code LayeringTest} names it as
 * the only exception to "no JGit types in public service signatures".
 */
public final class PushService {
    private final Indexer indexer;
    private final GitRepositories git;
    private final Indexer.Rules rules;
    private final AuditLog audit;

    public PushService(Indexer indexer, GitRepositories git, Indexer.Rules rules, AuditLog audit) {
        this.indexer = indexer;
        this.git = git;
        this.rules = rules;
        this.audit = audit;
    }

    /** The repository for JGit's servlet to serve one request (access was checked by the caller). */
    public Repository open(Repo repo) {
        return git.openForRequest(repo.key());
    }

    /** After receive-pack moved refs: caches learn of the change, and the push is audited. */
    public void pushed(Actor pusher, Repo repo, List<String> updatedRefs) {
        git.refsChanged(repo.key());
        if (!updatedRefs.isEmpty()) {
            audit.record(pusher, "git.push", repo.type().singular() + "/" + repo.displayId(), java.util.Map.of("refs", updatedRefs));
        }
    }

    /** One ref a push wants to move; a null id means "absent" (create or delete). */
    public record RefChange(String refName, ObjectId oldId, ObjectId newId) {}

    /** @return the reasons to refuse the whole push; empty to accept it (its commits are then indexed) */
    public List<String> check(Repo repo, List<RefChange> changes) throws IOException {
        List<String> problems = new ArrayList<>();
        List<ObjectId> tips = new ArrayList<>();
        for (RefChange c : changes) {
            String name = c.refName();
            if (!(name.startsWith(Constants.R_HEADS) || name.startsWith(Constants.R_TAGS)) || !org.eclipse.jgit.lib.Repository.isValidRefName(name)) {
                problems.add("Only branches and tags can be pushed (refused " + name + ")");
            } else if (c.newId() == null && name.equals(GitRepositories.DEFAULT_REF)) {
                problems.add("The default branch " + GitRepositories.DEFAULT_BRANCH + " cannot be deleted");
            } else if (c.newId() != null) {
                // tags may name any object; only commits carry files to check and index
                Optional<ObjectId> commit = git.resolve(repo.key(), c.newId().name());
                if (commit.isPresent()) tips.add(commit.get());
                else if (!name.startsWith(Constants.R_TAGS)) problems.add(name + " must point at a commit");
            }
        }
        if (!problems.isEmpty()) return problems;
        if (tips.isEmpty()) return List.of();
        List<ObjectId> known = new ArrayList<>();
        for (GitRepositories.RefInfo r : git.refs(repo.key())) known.add(ObjectId.fromString(r.commit()));
        try {
            indexer.indexNew(repo, tips, known, rules);
        } catch (Indexer.RejectedException e) {
            return e.problems();
        }
        return List.of();
    }

}
