package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.Optional;

/** Browser sessions: one row per signed-in browser, found by the SHA-256 of its secret. Thread-safe. */
public final class SessionDao {
    private final Jdbi jdbi;

    public SessionDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** A stored session (never its secret). */
    public record Row(String key, String userKey, Instant createdAt, Instant expiresAt, Instant lastSeenAt) {}

    public void insert(Row row, String secretHash, String address) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO web_sessions (session_key, secret_hash, user_key, created_at, expires_at, last_seen_at, address)
                VALUES (:k, :h, :u, :c, :e, :s, :a)""")
                .bind("k", row.key()).bind("h", secretHash).bind("u", row.userKey()).bind("c", row.createdAt().toEpochMilli())
                .bind("e", row.expiresAt().toEpochMilli()).bind("s", row.lastSeenAt().toEpochMilli()).bind("a", address).execute());
    }

    /** The session whose secret hashes to {@code secretHash}, with that stored hash (to compare again in constant time). */
    public Optional<java.util.Map.Entry<Row, String>> byHash(String secretHash) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM web_sessions WHERE secret_hash = :h").bind("h", secretHash)
                .map((rs, ctx) -> java.util.Map.entry(new Row(rs.getString("session_key"), rs.getString("user_key"),
                        Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"), Rows.instant(rs, "last_seen_at")),
                        rs.getString("secret_hash")))
                .findOne());
    }

    public void touch(String key, Instant when) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE web_sessions SET last_seen_at = :t WHERE session_key = :k")
                .bind("t", when.toEpochMilli()).bind("k", key).execute());
    }

    public boolean delete(String key) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM web_sessions WHERE session_key = :k").bind("k", key).execute() > 0);
    }

    /** Ends every session of a user but {@code keep} (null: all of them); returns how many ended. */
    public int deleteAllOf(String userKey, String keep) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM web_sessions WHERE user_key = :u AND session_key <> :keep")
                .bind("u", userKey).bind("keep", keep == null ? "" : keep).execute());
    }

    /** Removes sessions that expired before {@code now}. */
    public int deleteExpired(Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM web_sessions WHERE expires_at < :t").bind("t", now.toEpochMilli()).execute());
    }

    public int count(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM web_sessions WHERE user_key = :u").bind("u", userKey)
                .mapTo(Integer.class).one());
    }
}
