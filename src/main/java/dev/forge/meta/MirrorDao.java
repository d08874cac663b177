package dev.forge.meta;

import dev.forge.core.Mirror;
import dev.forge.core.RepoType;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Mirrors and the state of their syncs (see {@link Mirror}). Progress is written as a sync goes, so another process
 * (the command line next to a server) reads it live. The remote token is read only through {@link #token}. Thread-safe.
 */
public final class MirrorDao {
    private final Jdbi jdbi;

    public MirrorDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** What a new mirror is made of. */
    public record NewMirror(String key, Mirror.Direction direction, String remoteUrl, RepoType type, String remoteId, String localId,
                            String repoKey, String parentKey, String token, long intervalSeconds, Instant createdAt) {}

    public void insert(NewMirror m) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO mirrors (mirror_key, direction, remote_url, repo_type, remote_id, local_id, repo_key, parent_key,
                                     remote_token, paused, interval_seconds, next_sync_at, created_at, status)
                VALUES (:k, :d, :url, :type, :rid, :lid, :repo, :parent, :token, FALSE, :interval, :next, :created, 'new')""")
                .bind("k", m.key()).bind("d", m.direction().wire()).bind("url", m.remoteUrl()).bind("type", m.type().singular())
                .bind("rid", m.remoteId()).bind("lid", m.localId()).bind("repo", m.repoKey()).bind("parent", m.parentKey())
                .bind("token", m.token()).bind("interval", m.intervalSeconds()).bind("next", m.createdAt().toEpochMilli())
                .bind("created", m.createdAt().toEpochMilli()).execute());
    }

    public Optional<Mirror> find(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM mirrors WHERE mirror_key = :k").bind("k", key)
                .map((rs, ctx) -> map(rs)).findOne());
    }

    public List<Mirror> all() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM mirrors ORDER BY local_id, direction, created_at")
                .map((rs, ctx) -> map(rs)).list());
    }

    public List<Mirror> children(String parentKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM mirrors WHERE parent_key = :p ORDER BY local_id")
                .bind("p", parentKey).map((rs, ctx) -> map(rs)).list());
    }

    /** The pull mirror that fills this local repository, if it is one. */
    public Optional<Mirror> pullInto(String repoKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM mirrors WHERE repo_key = :r AND direction = 'pull'")
                .bind("r", repoKey).map((rs, ctx) -> map(rs)).findFirst());
    }

    /** Top-level mirrors (not a namespace mirror's children) that are due, not paused and not running. */
    public List<Mirror> due(Instant now) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT * FROM mirrors WHERE parent_key IS NULL AND paused = FALSE AND status <> 'syncing' AND next_sync_at <= :now
                ORDER BY next_sync_at""").bind("now", now.toEpochMilli()).map((rs, ctx) -> map(rs)).list());
    }

    public Optional<String> token(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT remote_token FROM mirrors WHERE mirror_key = :k").bind("k", key)
                .mapTo(String.class).findOne());
    }

    public void setPaused(String key, boolean paused) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE mirrors SET paused = :p WHERE mirror_key = :k OR parent_key = :k")
                .bind("p", paused).bind("k", key).execute());
    }

    /** Marks the mirror as syncing, unless it already is; false when another sync holds it. */
    public boolean begin(String key) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE mirrors SET status = 'syncing', objects_done = 0, objects_total = 0, bytes_done = 0, bytes_total = 0
                WHERE mirror_key = :k AND status <> 'syncing'""").bind("k", key).execute()) == 1;
    }

    public void progress(String key, Mirror.Progress p) {
        jdbi.useHandle(h -> h.createUpdate("""
                UPDATE mirrors SET objects_done = :od, objects_total = :ot, bytes_done = :bd, bytes_total = :bt WHERE mirror_key = :k""")
                .bind("od", p.objectsDone()).bind("ot", p.objectsTotal()).bind("bd", p.bytesDone()).bind("bt", p.bytesTotal())
                .bind("k", key).execute());
    }

    /** One object fully transferred: the progress and the lifetime figures move together. */
    public void fetched(String key, long bytes) {
        jdbi.useHandle(h -> h.createUpdate("""
                UPDATE mirrors SET objects_done = objects_done + 1, bytes_done = bytes_done + :b,
                                   objects_fetched = objects_fetched + 1, bytes_fetched = bytes_fetched + :b WHERE mirror_key = :k""")
                .bind("b", bytes).bind("k", key).execute());
    }

    /** Ends a sync: its outcome, and when the next one is due. */
    public void end(String key, Mirror.Status status, String message, List<String> problems, Instant at, Instant next) {
        jdbi.useHandle(h -> h.createUpdate("""
                UPDATE mirrors SET status = :s, message = :m, problems = :p, last_sync_at = :at, next_sync_at = :next,
                                   syncs = syncs + 1,
                                   last_success_at = CASE WHEN :s IN ('ok', 'diverged') THEN :at ELSE last_success_at END
                WHERE mirror_key = :k""")
                .bind("s", status.wire()).bind("m", message).bind("p", String.join("\n", problems))
                .bind("at", at.toEpochMilli()).bind("next", next.toEpochMilli()).bind("k", key).execute());
    }

    /** After a crash: a sync the dead process was running is due again now (it resumes where its objects left off). */
    public int interrupted(Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("""
                UPDATE mirrors SET status = 'error', message = 'interrupted (the process stopped during the sync); resumes at the next sync',
                                   next_sync_at = :now WHERE status = 'syncing'""").bind("now", now.toEpochMilli()).execute());
    }

    public void dueNow(String key, Instant now) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE mirrors SET next_sync_at = :now WHERE mirror_key = :k")
                .bind("now", now.toEpochMilli()).bind("k", key).execute());
    }

    public void delete(String key) {
        jdbi.useHandle(h -> {
            h.createUpdate("DELETE FROM mirrors WHERE parent_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM mirrors WHERE mirror_key = :k").bind("k", key).execute();
        });
    }

    private static Mirror map(ResultSet rs) throws SQLException {
        String problems = rs.getString("problems");
        return new Mirror(rs.getString("mirror_key"), Mirror.Direction.parse(rs.getString("direction")), rs.getString("remote_url"),
                RepoType.fromName(rs.getString("repo_type")).orElseThrow(), rs.getString("remote_id"), rs.getString("local_id"),
                rs.getString("repo_key"), rs.getString("parent_key"), rs.getString("remote_token") != null, rs.getBoolean("paused"),
                rs.getLong("interval_seconds"), Instant.ofEpochMilli(rs.getLong("next_sync_at")), Instant.ofEpochMilli(rs.getLong("created_at")),
                instant(rs, "last_sync_at"), instant(rs, "last_success_at"), Mirror.Status.parse(rs.getString("status")),
                rs.getString("message"), problems == null || problems.isEmpty() ? List.of() : Arrays.asList(problems.split("\n")),
                new Mirror.Progress(rs.getLong("objects_done"), rs.getLong("objects_total"), rs.getLong("bytes_done"), rs.getLong("bytes_total")),
                rs.getLong("objects_fetched"), rs.getLong("bytes_fetched"), rs.getLong("syncs"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
