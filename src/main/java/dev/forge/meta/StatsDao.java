package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Likes and daily download counts. Downloads arrive in batches (the counting service flushes its
 * in-memory tallies), each batch one transaction. Thread-safe.
 */
public final class StatsDao {
    private static final int BATCH = 500;
    private final Jdbi jdbi;

    public StatsDao(Jdbi jdbi) { this.jdbi = jdbi; }

    // ------------------------------------------------------------------------------------------- likes

    /** @return true when the like is new */
    public boolean like(String repoKey, String userKey, Instant at) {
        return jdbi.withHandle(h -> h.createUpdate("""
                INSERT INTO repo_likes (repo_key, user_key, created_at) VALUES (:r, :u, :t)
                ON CONFLICT (repo_key, user_key) DO NOTHING""")
                .bind("r", repoKey).bind("u", userKey).bind("t", at.toEpochMilli()).execute() > 0);
    }

    /** @return true when there was a like to remove */
    public boolean unlike(String repoKey, String userKey) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM repo_likes WHERE repo_key = :r AND user_key = :u")
                .bind("r", repoKey).bind("u", userKey).execute() > 0);
    }

    /** A user who liked a repository: their name, full name, and when. */
    public record Liker(String name, String fullname, Instant at) {}

    /** Users who liked a repository, oldest like first. */
    public List<Liker> likers(String repoKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT u.name, u.fullname, l.created_at FROM repo_likes l JOIN users u ON u.user_key = l.user_key"
                        + " WHERE l.repo_key = :r ORDER BY l.created_at, u.name_lower")
                .bind("r", repoKey).map((rs, ctx) -> new Liker(rs.getString("name"), rs.getString("fullname"), Rows.instant(rs, "created_at"))).list());
    }

    public boolean liked(String repoKey, String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM repo_likes WHERE repo_key = :r AND user_key = :u")
                .bind("r", repoKey).bind("u", userKey).mapTo(Integer.class).findOne().isPresent());
    }

    /** Repositories a user liked, newest first: (repo key, time). */
    public List<Map.Entry<String, Instant>> likedBy(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT repo_key, created_at FROM repo_likes WHERE user_key = :u ORDER BY created_at DESC, repo_key")
                .bind("u", userKey).map((rs, ctx) -> Map.entry(rs.getString("repo_key"), Rows.instant(rs, "created_at"))).list());
    }

    // ------------------------------------------------------------------------------------------- downloads

    /** Adds counts to (repository, epoch day) rows, all in one transaction. */
    public void addDownloads(long day, Map<String, Long> countsByRepo) {
        if (countsByRepo.isEmpty()) return;
        jdbi.useTransaction(h -> {
            PreparedBatch batch = h.prepareBatch("""
                    INSERT INTO repo_downloads (repo_key, day, count) VALUES (:r, :d, :n)
                    ON CONFLICT (repo_key, day) DO UPDATE SET count = repo_downloads.count + excluded.count""");
            int n = 0;
            for (Map.Entry<String, Long> e : countsByRepo.entrySet()) {
                batch.bind("r", e.getKey()).bind("d", day).bind("n", e.getValue()).add();
                if (++n % BATCH == 0) batch.execute();
            }
            if (n % BATCH != 0) batch.execute();
        });
    }

    /**
     * The raw figures of popularity for some repositories (all of them when {@code repoKeys} is null): downloads
     * since {@code since30} (an epoch day), all-time downloads, likes, and per-day downloads and likes since
     * {@code trendSince} for the trending score.
     */
    public Map<String, Raw> raw(Collection<String> repoKeys, long since30, long trendSince) {
        Map<String, Raw> out = new HashMap<>();
        jdbi.useHandle(h -> {
            List<List<String>> chunks = repoKeys == null ? java.util.Collections.singletonList(null) : chunks(repoKeys);
            for (List<String> chunk : chunks) {
                String and = chunk == null ? "" : " AND repo_key IN (<keys>)";
                rows(h, "SELECT repo_key, day, count FROM repo_downloads WHERE day >= :t" + and, chunk, Math.min(since30, trendSince), rs -> {
                    Raw r = out.computeIfAbsent(rs.getString("repo_key"), k -> new Raw());
                    long day = rs.getLong("day");
                    long n = rs.getLong("count");
                    if (day >= since30) r.downloads30 += n;
                    if (day >= trendSince) r.downloadsByDay.merge(day, n, Long::sum);
                });
                rows(h, "SELECT repo_key, SUM(count) AS total FROM repo_downloads WHERE day >= :t" + and + " GROUP BY repo_key", chunk, Long.MIN_VALUE,
                        rs -> out.computeIfAbsent(rs.getString("repo_key"), k -> new Raw()).downloadsAllTime = rs.getLong("total"));
                rows(h, "SELECT repo_key, COUNT(*) AS n FROM repo_likes WHERE created_at >= :t" + and + " GROUP BY repo_key", chunk, Long.MIN_VALUE,
                        rs -> out.computeIfAbsent(rs.getString("repo_key"), k -> new Raw()).likes = rs.getLong("n"));
                rows(h, "SELECT repo_key, created_at FROM repo_likes WHERE created_at >= :t" + and, chunk, trendSince * 86_400_000L,
                        rs -> out.computeIfAbsent(rs.getString("repo_key"), k -> new Raw()).likesByDay
                                .merge(Math.floorDiv(rs.getLong("created_at"), 86_400_000L), 1L, Long::sum));
            }
        });
        return out;
    }

    @FunctionalInterface
    private interface RowHandler {
        void accept(java.sql.ResultSet rs) throws java.sql.SQLException;
    }

    /** Runs {@code sql} with {@code :t} bound (and {@code <keys>} when {@code keys} is not null), handing each row to {@code handler}. */
    private static void rows(org.jdbi.v3.core.Handle h, String sql, List<String> keys, long t, RowHandler handler) {
        var q = h.createQuery(sql).bind("t", t);
        if (keys != null) q.bindList("keys", keys);
        q.scanResultSet((rows, ctx) -> {
            java.sql.ResultSet rs = rows.get();
            while (rs.next()) handler.accept(rs);
            return null;
        });
    }

    /** Repositories with downloads or likes since an epoch day (those whose trending score can change). */
    public List<String> activeSince(long day) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT repo_key FROM repo_downloads WHERE day >= :d
                UNION SELECT repo_key FROM repo_likes WHERE created_at >= :t""")
                .bind("d", day).bind("t", day * 86_400_000L).mapTo(String.class).list());
    }

    /** The popularity figures of one repository, as read from the database. Mutable while being summed. */
    public static final class Raw {
        public long downloads30;
        public long downloadsAllTime;
        public long likes;
        public final Map<Long, Long> downloadsByDay = new HashMap<>();
        public final Map<Long, Long> likesByDay = new HashMap<>();
    }

    private static List<List<String>> chunks(Collection<String> keys) {
        List<String> all = List.copyOf(keys);
        List<List<String>> out = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i += BATCH) out.add(all.subList(i, Math.min(all.size(), i + BATCH)));
        return out;
    }
}
