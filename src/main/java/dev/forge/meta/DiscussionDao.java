package dev.forge.meta;

import dev.forge.core.Discussion;
import dev.forge.core.Discussion.Status;
import dev.forge.core.Ids;
import dev.forge.core.User;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Discussions, pull requests and their timelines. Every change is one transaction (SQLite's are IMMEDIATE, so writers
 * queue): a number is allocated and its discussion inserted together, an event's sequence number is taken inside the
 * transaction that appends it, and status changes are compare-and-set on the current status. Thread-safe.
 */
public final class DiscussionDao {
    private static final String USER_COLUMNS = "%1$s.user_key AS %1$s_key, %1$s.name AS %1$s_name, %1$s.fullname AS %1$s_fullname, "
            + "%1$s.email AS %1$s_email, %1$s.is_admin AS %1$s_admin, %1$s.created_at AS %1$s_created";
    private static final String DISCUSSION_SELECT = """
            SELECT d.*, %s,
                   (SELECT COUNT(*) FROM discussion_events c WHERE c.discussion_key = d.discussion_key AND c.type = 'comment') AS comments
            FROM discussions d JOIN users u ON u.user_key = d.author_key""".formatted(USER_COLUMNS.formatted("u"));

    private final Jdbi jdbi;

    public DiscussionDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** What a new discussion starts with: its first comment is its description. */
    public record NewDiscussion(String repoKey, String title, String authorKey, boolean pullRequest, Status status,
                                Optional<String> targetRef, String description, Instant at) {}

    /**
     * Inserts a discussion numbered one above both the repository's highest discussion and {@code floor} (pull request
     * refs made before discussions were stored), with its description as the first comment; returns its number.
     */
    public int insert(NewDiscussion d, int floor) {
        return jdbi.inTransaction(h -> {
            int max = h.createQuery("SELECT COALESCE(MAX(num), 0) FROM discussions WHERE repo_key = :r")
                    .bind("r", d.repoKey()).mapTo(Integer.class).one();
            int num = Math.max(max, floor) + 1;
            String key = Ids.newKey();
            h.createUpdate("""
                    INSERT INTO discussions (discussion_key, repo_key, num, title, author_key, is_pull_request, status, target_ref, created_at)
                    VALUES (:k, :r, :n, :t, :a, :pr, :s, :target, :at)""")
                    .bind("k", key).bind("r", d.repoKey()).bind("n", num).bind("t", d.title()).bind("a", d.authorKey())
                    .bind("pr", d.pullRequest()).bind("s", d.status().wire()).bind("target", d.targetRef().orElse(null))
                    .bind("at", d.at().toEpochMilli()).execute();
            appendEvent(h, key, "comment", d.authorKey(), d.at(), d.description(), null, null);
            return num;
        });
    }

    public Optional<Discussion> find(String repoKey, int num) {
        return jdbi.withHandle(h -> h.createQuery(DISCUSSION_SELECT + " WHERE d.repo_key = :r AND d.num = :n")
                .bind("r", repoKey).bind("n", num).map((rs, ctx) -> discussion(rs)).findOne());
    }

    /** Which discussions a listing shows: pull requests or not (empty: both), some statuses, one author's (by name). */
    public record Filter(Optional<Boolean> pullRequests, Set<Status> statuses, Optional<String> authorName) {}

    /** A page of matching discussions, newest first. */
    public List<Discussion> list(String repoKey, Filter f, int offset, int limit) {
        return jdbi.withHandle(h -> bind(h.createQuery(DISCUSSION_SELECT + where(f) + " ORDER BY d.num DESC LIMIT :lim OFFSET :off"), repoKey, f)
                .bind("lim", limit).bind("off", offset).map((rs, ctx) -> discussion(rs)).list());
    }

    public int count(String repoKey, Filter f) {
        return jdbi.withHandle(h -> bind(h.createQuery("SELECT COUNT(*) FROM discussions d JOIN users u ON u.user_key = d.author_key" + where(f)),
                repoKey, f).mapTo(Integer.class).one());
    }

    /** The SQL condition for a filter: fixed text, every value bound. */
    private static String where(Filter f) {
        StringBuilder w = new StringBuilder(" WHERE d.repo_key = :r");
        if (f.pullRequests().isPresent()) w.append(" AND d.is_pull_request = :pr");
        if (!f.statuses().isEmpty() && f.statuses().size() < Status.values().length) {
            w.append(" AND d.status IN (");
            for (int i = 0; i < f.statuses().size(); i++) w.append(i == 0 ? "" : ", ").append(":s").append(i);
            w.append(')');
        }
        if (f.authorName().isPresent()) w.append(" AND u.name_lower = :author");
        return w.toString();
    }

    private static <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T q, String repoKey, Filter f) {
        q.bind("r", repoKey);
        f.pullRequests().ifPresent(pr -> q.bind("pr", pr));
        int i = 0;
        for (Status s : f.statuses().stream().sorted().toList()) q.bind("s" + i++, s.wire());
        f.authorName().ifPresent(a -> q.bind("author", a.toLowerCase(Locale.ROOT)));
        return q;
    }

    /** The timeline of a discussion, in order, with each edited comment's earlier versions. */
    public List<Discussion.Event> events(String discussionKey) {
        return jdbi.withHandle(h -> {
            Map<String, List<Discussion.Version>> history = new HashMap<>();
            h.createQuery("""
                    SELECT x.event_key, x.body, x.at, %s FROM discussion_comment_edits x
                    JOIN discussion_events e ON e.event_key = x.event_key JOIN users v ON v.user_key = x.author_key
                    WHERE e.discussion_key = :d ORDER BY x.event_key, x.version""".formatted(USER_COLUMNS.formatted("v")))
                    .bind("d", discussionKey)
                    .map((rs, ctx) -> Map.entry(rs.getString("event_key"),
                            new Discussion.Version(rs.getString("body"), user(rs, "v"), Rows.instant(rs, "at"))))
                    .forEach(e -> history.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            return h.createQuery("""
                    SELECT e.*, %s, %s FROM discussion_events e JOIN users a ON a.user_key = e.author_key
                    LEFT JOIN users ed ON ed.user_key = e.edited_by
                    WHERE e.discussion_key = :d ORDER BY e.seq""".formatted(USER_COLUMNS.formatted("a"), USER_COLUMNS.formatted("ed")))
                    .bind("d", discussionKey).map((rs, ctx) -> event(rs, history)).list();
        });
    }

    /** Appends a comment; returns its key. */
    public String addComment(String discussionKey, String authorKey, String text, Instant at) {
        return jdbi.inTransaction(h -> appendEvent(h, discussionKey, "comment", authorKey, at, text, null, null));
    }

    /** Appends one commit event per commit, in order. */
    public void addCommits(String discussionKey, String authorKey, List<Map.Entry<String, String>> oidsAndSubjects, Instant at) {
        jdbi.useTransaction(h -> {
            for (Map.Entry<String, String> c : oidsAndSubjects) appendEvent(h, discussionKey, "commit", authorKey, at, c.getValue(), null, c.getKey());
        });
    }

    /**
     * Moves a discussion from one of the statuses {@code from} to {@code next} and records the change (and an optional
     * comment after it), all or nothing; returns the status change's key, or empty when the status was none of
     * {@code from}. A merge also records the merge commit.
     */
    public Optional<String> changeStatus(String discussionKey, Set<Status> from, Status next, Optional<String> mergeCommit, String authorKey,
                                Optional<String> comment, Instant at) {
        return jdbi.inTransaction(h -> {
            var update = h.createUpdate("UPDATE discussions SET status = :next, merge_commit = COALESCE(:m, merge_commit)"
                            + " WHERE discussion_key = :k AND status IN (<from>)")
                    .bind("next", next.wire()).bind("m", mergeCommit.orElse(null)).bind("k", discussionKey)
                    .bindList("from", from.stream().map(Status::wire).sorted().toList());
            if (update.execute() == 0) return Optional.<String>empty();
            String key = appendEvent(h, discussionKey, "status-change", authorKey, at, next.wire(), null, null);
            if (comment.isPresent()) appendEvent(h, discussionKey, "comment", authorKey, at, comment.get(), null, null);
            return Optional.of(key);
        });
    }

    /**
     * Renames a discussion from {@code expected} and records the change; returns the change's key, or empty when the
     * title was no longer {@code expected}.
     */
    public Optional<String> rename(String discussionKey, String expected, String title, String authorKey, Instant at) {
        return jdbi.inTransaction(h -> {
            int n = h.createUpdate("UPDATE discussions SET title = :t WHERE discussion_key = :k AND title = :exp")
                    .bind("t", title).bind("k", discussionKey).bind("exp", expected).execute();
            if (n == 0) return Optional.<String>empty();
            return Optional.of(appendEvent(h, discussionKey, "title-change", authorKey, at, title, expected, null));
        });
    }

    /**
     * Replaces a visible comment's text, keeping the old text as its newest earlier version; false when the comment is
     * hidden or its text is no longer {@code expected} (edited concurrently).
     */
    public boolean editComment(String eventKey, String expected, String text, String editorKey, Instant at) {
        return jdbi.inTransaction(h -> {
            Optional<Map<String, Object>> row = h.createQuery("""
                    SELECT e.body, e.author_key, e.created_at, e.edited_by, e.edited_at FROM discussion_events e
                    WHERE e.event_key = :e AND e.type = 'comment' AND NOT e.hidden""").bind("e", eventKey).mapToMap().findOne();
            if (row.isEmpty() || !expected.equals(row.get().get("body"))) return false;
            int version = h.createQuery("SELECT COALESCE(MAX(version), 0) + 1 FROM discussion_comment_edits WHERE event_key = :e")
                    .bind("e", eventKey).mapTo(Integer.class).one();
            Object previousBy = row.get().get("edited_by") != null ? row.get().get("edited_by") : row.get().get("author_key");
            Object previousAt = row.get().get("edited_at") != null ? row.get().get("edited_at") : row.get().get("created_at");
            h.createUpdate("INSERT INTO discussion_comment_edits (event_key, version, body, author_key, at) VALUES (:e, :v, :b, :a, :at)")
                    .bind("e", eventKey).bind("v", version).bind("b", expected).bind("a", (String) previousBy)
                    .bind("at", ((Number) previousAt).longValue()).execute();
            return h.createUpdate("UPDATE discussion_events SET body = :b, edited_at = :at, edited_by = :by WHERE event_key = :e")
                    .bind("b", text).bind("at", at.toEpochMilli()).bind("by", editorKey).bind("e", eventKey).execute() == 1;
        });
    }

    /** Hides a comment for good: its text and every earlier version are erased. */
    public void hideComment(String eventKey, String editorKey, Instant at) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM discussion_comment_edits WHERE event_key = :e").bind("e", eventKey).execute();
            h.createUpdate("UPDATE discussion_events SET hidden = TRUE, body = '', edited_at = :at, edited_by = :by WHERE event_key = :e AND type = 'comment'")
                    .bind("at", at.toEpochMilli()).bind("by", editorKey).bind("e", eventKey).execute();
        });
    }

    /** Removes every discussion of a repository that no longer exists. */
    public void deleteRepo(String repoKey) {
        jdbi.useTransaction(h -> {
            String events = "SELECT e.event_key FROM discussion_events e JOIN discussions d ON d.discussion_key = e.discussion_key WHERE d.repo_key = :r";
            h.createUpdate("DELETE FROM discussion_comment_edits WHERE event_key IN (" + events + ")").bind("r", repoKey).execute();
            h.createUpdate("DELETE FROM discussion_events WHERE discussion_key IN (SELECT discussion_key FROM discussions WHERE repo_key = :r)")
                    .bind("r", repoKey).execute();
            h.createUpdate("DELETE FROM discussions WHERE repo_key = :r").bind("r", repoKey).execute();
        });
    }

    private static String appendEvent(Handle h, String discussionKey, String type, String authorKey, Instant at, String body, String previous,
                                      String oid) {
        int seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM discussion_events WHERE discussion_key = :d")
                .bind("d", discussionKey).mapTo(Integer.class).one();
        String key = Ids.newKey();
        h.createUpdate("""
                INSERT INTO discussion_events (event_key, discussion_key, seq, type, author_key, created_at, body, previous, oid)
                VALUES (:k, :d, :seq, :t, :a, :at, :b, :p, :o)""")
                .bind("k", key).bind("d", discussionKey).bind("seq", seq).bind("t", type).bind("a", authorKey).bind("at", at.toEpochMilli())
                .bind("b", body).bind("p", previous).bind("o", oid).execute();
        return key;
    }

    private static Discussion discussion(ResultSet rs) throws SQLException {
        return new Discussion(rs.getString("discussion_key"), rs.getString("repo_key"), rs.getInt("num"), rs.getString("title"), user(rs, "u"),
                rs.getBoolean("is_pull_request"), Status.fromWire(rs.getString("status")).orElseThrow(),
                Optional.ofNullable(rs.getString("target_ref")), Optional.ofNullable(rs.getString("merge_commit")),
                Rows.instant(rs, "created_at"), rs.getInt("comments"));
    }

    private static Discussion.Event event(ResultSet rs, Map<String, List<Discussion.Version>> history) throws SQLException {
        String key = rs.getString("event_key");
        User author = user(rs, "a");
        Instant at = Rows.instant(rs, "created_at");
        String body = rs.getString("body");
        return switch (rs.getString("type")) {
            case "comment" -> new Discussion.Comment(key, author, at, body, rs.getBoolean("hidden"),
                    Optional.ofNullable(Rows.nullableInstant(rs, "edited_at")),
                    rs.getString("ed_key") == null ? Optional.empty() : Optional.of(user(rs, "ed")), history.getOrDefault(key, List.of()));
            case "status-change" -> new Discussion.StatusChange(key, author, at, Status.fromWire(body).orElseThrow());
            case "title-change" -> new Discussion.TitleChange(key, author, at, rs.getString("previous"), body);
            case "commit" -> new Discussion.CommitPushed(key, author, at, rs.getString("oid"), body);
            default -> throw new IllegalStateException("unknown discussion event type " + rs.getString("type"));
        };
    }

    private static User user(ResultSet rs, String prefix) throws SQLException {
        return new User(rs.getString(prefix + "_key"), rs.getString(prefix + "_name"), rs.getString(prefix + "_fullname"),
                rs.getString(prefix + "_email"), rs.getBoolean(prefix + "_admin"), Rows.instant(rs, prefix + "_created"));
    }
}
