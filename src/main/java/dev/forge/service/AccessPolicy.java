package dev.forge.service;

import dev.forge.core.Membership;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.meta.AccountDao;

/**
 * Who may read and write what. Public repositories are readable by anyone; private ones by their
 * owner, members of the owning organisation and admins. Writing needs a write token of the owner, of an
 * organisation member with a writing role, or of an admin. A private repository is reported to those
 * who cannot read it exactly as a missing one (401 anonymous, 404 otherwise), so existence never leaks.
 */
public final class AccessPolicy {
    private final AccountDao accounts;

    public AccessPolicy(AccountDao accounts) { this.accounts = accounts; }

    public boolean canRead(Actor actor, Repo repo) {
        return !repo.isPrivate() || isMember(actor, repo.id().namespace(), false);
    }

    public boolean canWrite(Actor actor, Repo repo) {
        return canWriteNamespace(actor, repo.id());
    }

    public boolean canWriteNamespace(Actor actor, RepoId id) {
        return actor.canWriteWithToken() && isMember(actor, id.namespace(), true);
    }

    /** Throws the not-found error a caller without read access must see. */
    public void requireRead(Actor actor, Repo repo) {
        if (!canRead(actor, repo)) throw notFound(actor);
    }

    /** Throws unless the actor may write; callers without read access see "not found". */
    public void requireWrite(Actor actor, Repo repo) {
        requireRead(actor, repo);
        if (actor.isAnonymous()) throw ForgeException.unauthorized("Authentication required to write to this repository");
        if (!canWrite(actor, repo)) {
            throw ForgeException.forbidden(actor.canWriteWithToken()
                    ? "You don't have write access to " + repo.displayId()
                    : "This token is read-only; use a token with the write role");
        }
    }

    public static ForgeException notFound(Actor actor) {
        return actor.isAnonymous()
                ? new ForgeException(ErrorKind.REPO_NOT_FOUND_ANONYMOUS, "Repository not found")
                : ForgeException.repoNotFound();
    }

    private boolean isMember(Actor actor, String namespace, boolean forWrite) {
        if (actor.isAnonymous()) return false;
        if (actor.user().admin()) return true;
        if (actor.user().name().equalsIgnoreCase(namespace)) return true;
        for (Membership m : accounts.memberships(actor.user().key())) {
            if (m.org().name().equalsIgnoreCase(namespace)) {
                return !forWrite || !m.role().equals("read");
            }
        }
        return false;
    }
}
