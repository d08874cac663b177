package dev.forge.service.community;

import dev.forge.core.Discussion;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.meta.DiscussionDao;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.RepoService;

/**
 * Who may do what with discussions, in one place, on top of {@link AccessPolicy}. Reading a repository's discussions
 * needs its files (a pull request's diff is file content, so a gated repository's discussions stay closed to those
 * whose access request was not accepted, and a private one's to everyone who cannot read it, answered as if it did not
 * exist). Taking part (opening discussions and pull requests, commenting) needs the right to open pull requests
 * ({@link AccessPolicy.Level#PULL_REQUEST}): the {@code contributor} role and up, and on a public repository any
 * signed-in user whose token may write there, as on the Hub. Renaming, closing and reopening a discussion, and editing or hiding a comment, is for
 * its author or a writer; merging for writers. Thread-safe.
 */
final class Participation {
    private final RepoService repos;
    private final AccessPolicy policy;
    private final DiscussionDao dao;

    Participation(RepoService repos, AccessPolicy policy, DiscussionDao dao) {
        this.repos = repos;
        this.policy = policy;
        this.dao = dao;
    }

    /** The repository, if the actor may read its discussions; otherwise the error the actor must see. */
    Repo readable(Actor actor, RepoType type, RepoId id) {
        return repos.filesReadable(actor, type, id);
    }

    /** The repository, if the actor may also take part in its discussions. */
    Repo participant(Actor actor, RepoType type, RepoId id) {
        Repo repo = readable(actor, type, id);
        requireParticipant(actor, repo);
        return repo;
    }

    void requireParticipant(Actor actor, Repo repo) {
        policy.requireFiles(actor, repo);
        policy.requireWrite(actor, repo, true);
    }

    /** The repository, if the actor may write to it (merge). */
    Repo writer(Actor actor, RepoType type, RepoId id) {
        Repo repo = readable(actor, type, id);
        policy.requireWrite(actor, repo);
        return repo;
    }

    boolean isWriter(Actor actor, Repo repo) {
        return policy.level(actor, repo) == AccessPolicy.Level.WRITE;
    }

    /** Throws unless the actor wrote {@code author}'s piece or may write to the repository; {@code what} completes "may …". */
    void requireAuthorOrWriter(Actor actor, Repo repo, User author, String what) {
        if (isWriter(actor, repo) || actor.userOpt().map(u -> u.key().equals(author.key())).orElse(false)) return;
        throw ForgeException.forbidden("Only its author or someone with write access to " + repo.displayId() + " may " + what);
    }

    /** Discussion {@code num} of the repository, or 404. */
    Discussion find(Repo repo, int num) {
        return dao.find(repo.key(), num).orElseThrow(() -> new ForgeException(ErrorKind.NOT_FOUND, "Discussion #" + num + " not found"));
    }

    /** Pull request {@code num} of the repository: 404 when there is none, 400 when it is a discussion. */
    Discussion findPullRequest(Repo repo, int num) {
        Discussion d = find(repo, num);
        if (!d.pullRequest()) throw ForgeException.badRequest("#" + num + " is a discussion, not a pull request");
        return d;
    }
}
