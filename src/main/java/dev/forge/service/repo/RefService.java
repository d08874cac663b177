package dev.forge.service.repo;

import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitRepositories;
import dev.forge.git.RefMove;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Branches and tags through the API: create from any revision (409 when it exists, unless overwriting a
 * branch), delete (never the default branch), and super-squash (one root commit with the branch's tree); and the
 * {@code refs/pr/N} of a pull request opened without commits.
 * Every new commit is indexed before its ref moves; refs move by compare-and-set. Thread-safe.
 */
public final class RefService {
    private final RepoService repos;
    private final GitRepositories git;
    private final CommitWriter writer;
    private final Indexer indexer;
    private final AuditLog audit;
    private final InstantSource clock;

    public RefService(RepoService repos, GitRepositories git, CommitWriter writer, Indexer indexer, AuditLog audit, InstantSource clock) {
        this.audit = audit;
        this.repos = repos;
        this.git = git;
        this.writer = writer;
        this.indexer = indexer;
        this.clock = clock;
    }

    public void createBranch(Actor actor, RepoType type, RepoId id, String branch, Optional<String> startingPoint,
                             boolean emptyBranch, boolean overwrite) {
        Repo repo = repos.writable(actor, type, id);
        String ref = validName(Constants.R_HEADS, branch);
        try {
            ObjectId target;
            if (emptyBranch) {
                target = writer.writeCommit(repo.key(), writer.emptyTree(repo.key()), List.of(), author(actor.requireUser()), "Create empty branch " + branch);
                indexer.ensureIndexed(repo, target);
            } else {
                target = ObjectId.fromString(repos.resolve(repo, startingPoint.orElse("HEAD")));
            }
            Optional<ObjectId> existing = git.resolve(repo.key(), ref);
            if (existing.isPresent() && !overwrite) throw ForgeException.conflict("Branch '" + branch + "' already exists");
            if (git.moveRef(repo.key(), ref, existing.orElse(null), target) != RefMove.MOVED) {
                throw ForgeException.conflict("Branch '" + branch + "' changed concurrently; try again");
            }
            record(actor, "branch.create", repo, ref, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void deleteBranch(Actor actor, RepoType type, RepoId id, String branch) {
        Repo repo = repos.writable(actor, type, id);
        String ref = validName(Constants.R_HEADS, branch);
        if (ref.equals(GitRepositories.DEFAULT_REF)) throw ForgeException.forbidden("The default branch cannot be deleted");
        delete(repo, ref, "Branch '" + branch + "' not found");
        record(actor, "branch.delete", repo, ref, null);
    }

    public void createTag(Actor actor, RepoType type, RepoId id, String revision, String tag) {
        Repo repo = repos.writable(actor, type, id);
        String ref = validName(Constants.R_TAGS, tag);
        ObjectId target = ObjectId.fromString(repos.resolve(repo, revision));
        try {
            if (git.moveRef(repo.key(), ref, null, target) != RefMove.MOVED) throw ForgeException.conflict("Tag '" + tag + "' already exists");
            record(actor, "tag.create", repo, ref, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void deleteTag(Actor actor, RepoType type, RepoId id, String tag) {
        Repo repo = repos.writable(actor, type, id);
        String ref = validName(Constants.R_TAGS, tag);
        delete(repo, ref, "Tag '" + tag + "' not found");
        record(actor, "tag.delete", repo, ref, null);
    }

    /** Replaces the branch's history with one root commit holding its current tree; returns the new commit. */
    public String superSquash(Actor actor, RepoType type, RepoId id, String branch, String message) {
        Repo repo = repos.writable(actor, type, id);
        String ref = validName(Constants.R_HEADS, branch);
        try {
            ObjectId head = git.resolve(repo.key(), ref).orElseThrow(() -> ForgeException.revisionNotFound(branch));
            ObjectId commit = writer.writeCommit(repo.key(), writer.treeOf(repo.key(), head), List.of(), author(actor.requireUser()),
                    message == null || message.isBlank() ? "Super-squash branch '" + branch + "' using huggingface_hub" : message);
            indexer.ensureIndexed(repo, commit);
            if (git.moveRef(repo.key(), ref, head, commit) != RefMove.MOVED) {
                throw new ForgeException(ErrorKind.PRECONDITION_FAILED, CommitService.STALE);
            }
            record(actor, "branch.super-squash", repo, ref, commit);
            return commit.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates {@code refs/pr/N} at the head of {@code baseRef}, for a pull request opened without commits; the actor must
     * be able to open pull requests. 409 when the ref exists.
     */
    public void createPullRequestRef(Actor actor, Repo repo, int num, String baseRef) {
        repos.writable(actor, repo.type(), repo.id(), true);
        String ref = "refs/pr/" + num;
        try {
            ObjectId base = git.resolve(repo.key(), baseRef).orElseThrow(() -> ForgeException.revisionNotFound(baseRef));
            if (git.moveRef(repo.key(), ref, null, base) != RefMove.MOVED) throw ForgeException.conflict(ref + " already exists");
            record(actor, "pr.ref.create", repo, ref, base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The highest N among the repository's {@code refs/pr/N}; 0 when it has none. */
    public int highestPullRequestRef(Repo repo) {
        try {
            int max = 0;
            for (GitRepositories.RefInfo r : git.refs(repo.key())) {
                max = Math.max(max, PullRequestGate.number(r.name()).orElse(0));
            }
            return max;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void delete(Repo repo, String ref, String missing) {
        try {
            // the ref itself, not what it peels to: a tag of a tree (left from before pushes refused them) is deletable too
            ObjectId current = git.refTarget(repo.key(), ref).orElseThrow(() -> new ForgeException(ErrorKind.NOT_FOUND, missing));
            if (!git.deleteRef(repo.key(), ref, current)) throw ForgeException.conflict("The ref changed concurrently; try again");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void record(Actor actor, String action, Repo repo, String ref, ObjectId target) {
        java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("ref", ref);
        if (target != null) detail.put("commit", target.name());
        audit.record(actor, action, repo.type().singular() + "/" + repo.displayId(), detail);
    }

    private static String validName(String prefix, String name) {
        if (name == null || name.isEmpty() || name.startsWith(Constants.R_REFS) || !RefNames.isValid(prefix + name)) {
            throw ForgeException.badRequest("Invalid name " + dev.forge.core.Strings.quoteForMessage(name)
                    + ": names must be valid git ref names of at most " + RefNames.MAX_BYTES + " bytes");
        }
        return prefix + name;
    }

    private CommitWriter.Author author(User u) {
        return CommitWriter.Author.of(u, clock.instant());
    }
}
