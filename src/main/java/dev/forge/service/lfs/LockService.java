package dev.forge.service.lfs;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Ids;
import dev.forge.core.LfsLock;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.meta.LockDao;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.service.repo.RepoService;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Git LFS file locking, as git-lfs's locking API and Gitea have it: a writer locks a path (one lock per path and
 * repository, whatever the ref), anyone who can read the repository lists the locks, a writer verifies before
 * pushing which locks are theirs and which are others', and unlocks their own locks — or, with {@code force},
 * anyone's. Reading and writing follow {@link dev.forge.service.AccessPolicy} through {@link RepoService}, so a
 * private repository's locks are as invisible as the repository. A repository holds at most
 * {@link #MAX_LOCKS_PER_REPOSITORY} locks. Locks of a deleted repository are removed. Thread-safe.
 */
public final class LockService {
    public static final int MAX_LOCKS_PER_REPOSITORY = 10_000;
    public static final int DEFAULT_PAGE = 100;
    public static final int MAX_PAGE = 1_000;
    private static final int MAX_CURSOR = MAX_LOCKS_PER_REPOSITORY;

    private final RepoService repos;
    private final LockDao locks;
    private final AuditLog audit;
    private final InstantSource clock;

    public LockService(RepoService repos, LockDao locks, AuditLog audit, InstantSource clock) {
        this.repos = repos;
        this.locks = locks;
        this.audit = audit;
        this.clock = clock;
        repos.onChange(key -> {
            if (repos.findByKey(key).isEmpty()) locks.deleteAll(key);
        });
    }

    /** A new lock, or the lock that already holds the path (git-lfs shows it with the 409). */
    public sealed interface Outcome {
        LfsLock lock();

        record Created(LfsLock lock) implements Outcome {}

        record AlreadyLocked(LfsLock lock) implements Outcome {}
    }

    /** A page of locks and the cursor of the next one, if there are more. */
    public record Page(List<LfsLock> locks, Optional<String> nextCursor) {}

    /** The locks a pusher must know of: their own, and everyone else's. */
    public record Verification(List<LfsLock> ours, List<LfsLock> theirs, Optional<String> nextCursor) {}

    public Outcome lock(Actor actor, RepoType type, RepoId id, String path, Optional<String> ref) {
        Repo repo = repos.writable(actor, type, id);
        RepoPath.validate(path);
        ref.ifPresent(LockService::validateRef);
        if (locks.count(repo.key()) >= MAX_LOCKS_PER_REPOSITORY) {
            throw new ForgeException(ErrorKind.UNPROCESSABLE, "This repository already holds " + MAX_LOCKS_PER_REPOSITORY + " locks");
        }
        LfsLock lock = new LfsLock(Ids.newKey(), repo.key(), path, ref, actor.requireUser(), clock.instant());
        Optional<LfsLock> existing = locks.insertOrExisting(lock);
        if (existing.isPresent()) return new Outcome.AlreadyLocked(existing.get());
        audit.record(actor, "lfs.lock", type.singular() + "/" + repo.displayId(), Map.of("path", path, "lock", lock.id()));
        return new Outcome.Created(lock);
    }

    /** The locks of a repository: one by id, the one on a path, or a page of all. */
    public Page list(Actor actor, RepoType type, RepoId id, Optional<String> lockId, Optional<String> path,
                     Optional<String> cursor, int limit) {
        Repo repo = repos.readable(actor, type, id);
        if (lockId.isPresent()) return new Page(locks.byId(repo.key(), lockId.get()).stream().toList(), Optional.empty());
        if (path.isPresent()) {
            RepoPath.validate(path.get());
            return new Page(locks.byPath(repo.key(), path.get()).stream().toList(), Optional.empty());
        }
        return page(repo, cursor, limit);
    }

    public Verification verify(Actor actor, RepoType type, RepoId id, Optional<String> cursor, int limit) {
        Repo repo = repos.writable(actor, type, id);
        Page page = page(repo, cursor, limit);
        List<LfsLock> ours = new ArrayList<>();
        List<LfsLock> theirs = new ArrayList<>();
        for (LfsLock l : page.locks()) (l.owner().key().equals(actor.requireUser().key()) ? ours : theirs).add(l);
        return new Verification(ours, theirs, page.nextCursor());
    }

    /** Removes a lock: the owner's own, or anyone's with {@code force}; both need write access. */
    public LfsLock unlock(Actor actor, RepoType type, RepoId id, String lockId, boolean force) {
        Repo repo = repos.writable(actor, type, id);
        LfsLock lock = locks.byId(repo.key(), lockId).orElseThrow(() -> ForgeException.notFound("No lock with id " + lockId));
        boolean own = lock.owner().key().equals(actor.requireUser().key());
        if (!own && !force) {
            audit.denied(actor, "lfs.unlock", type.singular() + "/" + repo.displayId(), Map.of("path", lock.path(), "lock", lockId));
            throw ForgeException.forbidden("The lock on " + lock.path() + " belongs to " + lock.owner().name()
                    + "; unlock it with --force to remove it anyway");
        }
        if (!locks.delete(repo.key(), lockId)) throw ForgeException.notFound("No lock with id " + lockId);
        audit.record(actor, "lfs.unlock", type.singular() + "/" + repo.displayId(),
                Map.of("path", lock.path(), "lock", lockId, "force", !own));
        return lock;
    }

    private Page page(Repo repo, Optional<String> cursor, int limit) {
        int offset = cursor.map(LockService::offset).orElse(0);
        int size = Math.max(1, Math.min(limit, MAX_PAGE));
        List<LfsLock> page = locks.page(repo.key(), offset, size + 1);
        Optional<String> next = page.size() > size ? Optional.of(Integer.toString(offset + size)) : Optional.empty();
        return new Page(page.size() > size ? List.copyOf(page.subList(0, size)) : page, next);
    }

    private static int offset(String cursor) {
        if (cursor.isEmpty()) return 0;
        try {
            int n = Integer.parseInt(cursor);
            if (n < 0 || n > MAX_CURSOR) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("Invalid cursor: " + (cursor.length() > 40 ? cursor.substring(0, 40) + "…" : cursor));
        }
    }

    private static void validateRef(String ref) {
        if (ref.length() > 255 || !ref.startsWith("refs/") || ref.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ForgeException.badRequest("Invalid ref name");
        }
    }
}
