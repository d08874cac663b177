package dev.forge.meta;

import dev.forge.core.AccessRequest;
import dev.forge.core.User;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Requests for access to gated repositories. Thread-safe. */
public final class AccessRequestDao {
    private final Jdbi jdbi;

    public AccessRequestDao(Jdbi jdbi) { this.jdbi = jdbi; }

    public Optional<String> status(String repoKey, String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT status FROM access_requests WHERE repo_key = :r AND user_key = :u")
                .bind("r", repoKey).bind("u", userKey).mapTo(String.class).findOne());
    }

    /** Creates a request, or leaves an existing one as it is; returns the request's status. */
    public String request(String repoKey, String userKey, String status, String fields, Instant when) {
        return jdbi.inTransaction(h -> {
            Optional<String> existing = h.createQuery("SELECT status FROM access_requests WHERE repo_key = :r AND user_key = :u")
                    .bind("r", repoKey).bind("u", userKey).mapTo(String.class).findOne();
            if (existing.isPresent()) return existing.get();
            h.createUpdate("""
                    INSERT INTO access_requests (repo_key, user_key, status, fields, requested_at, decided_at)
                    VALUES (:r, :u, :s, :f, :t, :d)""")
                    .bind("r", repoKey).bind("u", userKey).bind("s", status).bind("f", fields).bind("t", when.toEpochMilli())
                    .bind("d", status.equals("pending") ? null : when.toEpochMilli()).execute();
            return status;
        });
    }

    /** Sets a decision, creating the request when there is none (a grant without a request). */
    public void decide(String repoKey, String userKey, String status, String decidedBy, String reason, Instant when) {
        jdbi.useTransaction(h -> {
            int n = h.createUpdate("""
                    UPDATE access_requests SET status = :s, decided_at = :t, decided_by = :by, rejection_reason = :why
                    WHERE repo_key = :r AND user_key = :u""")
                    .bind("s", status).bind("t", when.toEpochMilli()).bind("by", decidedBy).bind("why", reason)
                    .bind("r", repoKey).bind("u", userKey).execute();
            if (n == 0) {
                h.createUpdate("""
                        INSERT INTO access_requests (repo_key, user_key, status, requested_at, decided_at, decided_by, rejection_reason)
                        VALUES (:r, :u, :s, :t, :t, :by, :why)""")
                        .bind("r", repoKey).bind("u", userKey).bind("s", status).bind("t", when.toEpochMilli())
                        .bind("by", decidedBy).bind("why", reason).execute();
            }
        });
    }

    /** A page of a repository's requests in one status, oldest first. */
    public List<AccessRequest> list(String repoKey, String status, int offset, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT a.*, u.user_key AS u_key, u.name AS u_name, u.fullname AS u_fullname, u.email AS u_email,
                       u.is_admin AS u_admin, u.created_at AS u_created
                FROM access_requests a JOIN users u ON u.user_key = a.user_key
                WHERE a.repo_key = :r AND a.status = :s ORDER BY a.requested_at, u.name_lower LIMIT :lim OFFSET :off""")
                .bind("r", repoKey).bind("s", status).bind("lim", limit).bind("off", offset)
                .map((rs, ctx) -> new AccessRequest(rs.getString("repo_key"),
                        new User(rs.getString("u_key"), rs.getString("u_name"), rs.getString("u_fullname"), rs.getString("u_email"),
                                rs.getBoolean("u_admin"), Rows.instant(rs, "u_created")),
                        rs.getString("status"), rs.getString("fields"), Rows.instant(rs, "requested_at"),
                        Rows.nullableInstant(rs, "decided_at"), rs.getString("decided_by"), rs.getString("rejection_reason")))
                .list());
    }
}
