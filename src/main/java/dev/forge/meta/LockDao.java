package dev.forge.meta;

import dev.forge.core.LfsLock;
import dev.forge.core.User;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Git LFS locks. A path is locked at most once per repository (a unique key), so two users racing to lock it get
 * one lock and one conflict. Pages are ordered by lock time then id. Thread-safe.
 */
public final class LockDao {
    private static final String SELECT = """
            SELECT l.*, u.user_key AS u_key, u.name AS u_name, u.fullname AS u_fullname, u.email AS u_email,
                   u.is_admin AS u_admin, u.created_at AS u_created
            FROM lfs_locks l JOIN users u ON u.user_key = l.owner_key""";

    private final Jdbi jdbi;

    public LockDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** Inserts the lock, or returns the lock that already holds its path. */
    public Optional<LfsLock> insertOrExisting(LfsLock lock) {
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                    INSERT INTO lfs_locks (lock_id, repo_key, path, ref_name, owner_key, locked_at)
                    VALUES (:id, :repo, :path, :ref, :owner, :at)""")
                    .bind("id", lock.id()).bind("repo", lock.repoKey()).bind("path", lock.path())
                    .bind("ref", lock.ref().orElse(null)).bind("owner", lock.owner().key())
                    .bind("at", lock.lockedAt().toEpochMilli()).execute());
            return Optional.empty();
        } catch (UnableToExecuteStatementException e) {
            Optional<LfsLock> existing = byPath(lock.repoKey(), lock.path());
            if (existing.isPresent()) return existing;
            throw e;
        }
    }

    public Optional<LfsLock> byId(String repoKey, String id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE l.repo_key = :r AND l.lock_id = :id")
                .bind("r", repoKey).bind("id", id).map((rs, ctx) -> map(rs)).findOne());
    }

    public Optional<LfsLock> byPath(String repoKey, String path) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE l.repo_key = :r AND l.path = :p")
                .bind("r", repoKey).bind("p", path).map((rs, ctx) -> map(rs)).findOne());
    }

    /** Up to {@code limit} locks from the {@code offset}-th, oldest first. */
    public List<LfsLock> page(String repoKey, int offset, int limit) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE l.repo_key = :r ORDER BY l.locked_at, l.lock_id LIMIT :lim OFFSET :off")
                .bind("r", repoKey).bind("lim", limit).bind("off", offset).map((rs, ctx) -> map(rs)).list());
    }

    public int count(String repoKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM lfs_locks WHERE repo_key = :r")
                .bind("r", repoKey).mapTo(Integer.class).one());
    }

    /** Deletes the lock; false when it was not there (any more). */
    public boolean delete(String repoKey, String id) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM lfs_locks WHERE repo_key = :r AND lock_id = :id")
                .bind("r", repoKey).bind("id", id).execute()) == 1;
    }

    /** Removes every lock of a deleted repository. */
    public void deleteAll(String repoKey) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM lfs_locks WHERE repo_key = :r").bind("r", repoKey).execute());
    }

    private static LfsLock map(ResultSet rs) throws SQLException {
        User owner = new User(rs.getString("u_key"), rs.getString("u_name"), rs.getString("u_fullname"), rs.getString("u_email"),
                rs.getBoolean("u_admin"), Rows.instant(rs, "u_created"));
        return new LfsLock(rs.getString("lock_id"), rs.getString("repo_key"), rs.getString("path"),
                Optional.ofNullable(rs.getString("ref_name")), owner, Rows.instant(rs, "locked_at"));
    }
}
