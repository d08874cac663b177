package dev.forge.service.repo;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.service.account.AuthService;

import dev.forge.core.AccessRequest;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.meta.AccessRequestDao;

import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Access requests for gated repositories. A logged-in user asks; an {@code auto} repository accepts at once, a
 * {@code manual} one waits for someone who can write to it to accept or reject (or to grant access unasked).
 */
public final class AccessRequestService {
    public static final Set<String> STATUSES = Set.of("pending", "accepted", "rejected");
    /** The requester's answers are kept, within reason. */
    public static final int MAX_FIELDS_BYTES = 16 * 1024;

    private final RepoService repos;
    private final AccessPolicy policy;
    private final AccessRequestDao dao;
    private final AuthService auth;
    private final AuditLog audit;
    private final InstantSource clock;

    public AccessRequestService(RepoService repos, AccessPolicy policy, AccessRequestDao dao, AuthService auth, AuditLog audit,
                                InstantSource clock) {
        this.repos = repos;
        this.policy = policy;
        this.dao = dao;
        this.auth = auth;
        this.audit = audit;
        this.clock = clock;
    }

    /** Asks for access; returns the request's status ({@code accepted} at once for an {@code auto} repository). */
    public String ask(Actor actor, RepoType type, RepoId id, String fieldsJson) {
        Repo repo = repos.readable(actor, type, id);
        if (actor.isAnonymous()) throw ForgeException.unauthorized("Log in to request access to " + repo.displayId());
        if (!repo.isGated()) throw ForgeException.badRequest(repo.displayId() + " is not gated: its files are open to everyone who can see it");
        if (fieldsJson != null && fieldsJson.length() > MAX_FIELDS_BYTES) {
            throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "The request's fields exceed " + MAX_FIELDS_BYTES + " bytes");
        }
        String status = dao.request(repo.key(), actor.requireUser().key(), repo.gating() == Gating.AUTO ? "accepted" : "pending", fieldsJson,
                clock.instant());
        audit.record(actor, "access.request", repo.displayId(), Map.of("status", status));
        return status;
    }

    /** The status of the actor's own request for access to a repository they can see; empty when they never asked. */
    public java.util.Optional<String> ownStatus(Actor actor, Repo repo) {
        policy.requireRead(actor, repo);
        return actor.userOpt().flatMap(u -> dao.status(repo.key(), u.key()));
    }

    /** A page of requests in one status; only for those who can write to the repository. */
    public List<AccessRequest> list(Actor actor, RepoType type, RepoId id, String status, int offset, int limit) {
        if (!STATUSES.contains(status)) throw ForgeException.badRequest("Unknown status '" + status + "' (pending, accepted or rejected)");
        Repo repo = managed(actor, type, id);
        return dao.list(repo.key(), status, offset, limit);
    }

    /** Sets a user's request to accepted, rejected or back to pending. */
    public void handle(Actor actor, RepoType type, RepoId id, String userName, String status, String rejectionReason) {
        if (!STATUSES.contains(status)) throw ForgeException.badRequest("Unknown status '" + status + "' (pending, accepted or rejected)");
        Repo repo = managed(actor, type, id);
        User user = auth.user(userName).orElseThrow(() -> ForgeException.notFound("No user named '" + userName + "'"));
        if (dao.status(repo.key(), user.key()).isEmpty()) throw ForgeException.notFound(userName + " has not requested access to " + repo.displayId());
        if (rejectionReason != null && rejectionReason.length() > 1000) throw ForgeException.badRequest("The rejection reason exceeds 1000 characters");
        dao.decide(repo.key(), user.key(), status, actor.requireUser().key(), status.equals("rejected") ? rejectionReason : null, clock.instant());
        audit.record(actor, "access.handle", repo.displayId(), Map.of("user", user.name(), "status", status));
    }

    /** Grants access to a user who may not have asked. */
    public void grant(Actor actor, RepoType type, RepoId id, String userName) {
        Repo repo = managed(actor, type, id);
        User user = auth.user(userName).orElseThrow(() -> ForgeException.notFound("No user named '" + userName + "'"));
        dao.decide(repo.key(), user.key(), "accepted", actor.requireUser().key(), null, clock.instant());
        audit.record(actor, "access.grant", repo.displayId(), Map.of("user", user.name()));
    }

    private Repo managed(Actor actor, RepoType type, RepoId id) {
        Repo repo = repos.readable(actor, type, id);
        policy.requireWrite(actor, repo);
        if (!repo.isGated()) throw ForgeException.badRequest(repo.displayId() + " is not gated");
        return repo;
    }
}
