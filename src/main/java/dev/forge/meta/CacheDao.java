package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;

import java.util.List;
import java.util.Optional;

/**
 * The pull-through cache's records (tables {@code cache_*}): which upstream holds a repository, where its branch names
 * pointed when last asked, the upstream's answers per commit id, the files fetched and the revisions' last use (for
 * least-recently-used eviction). Thread-safe.
 */
public final class CacheDao {
    private final Jdbi jdbi;

    public CacheDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** A repository as the upstream described it: where it lives and whether it is private or gated there. */
    public record CachedRepo(String type, String id, String upstream, boolean isPrivate, boolean gated) {}

    /** A branch or tag name and the commit it pointed to when last asked, at {@code fetchedAt} (epoch ms). */
    public record CachedRef(String commit, long fetchedAt) {}

    /** An upstream answer kept as sent: the JSON body and the paging headers that go with it. */
    public record Answer(byte[] body, Long totalCount, String linkNext, long fetchedAt) {}

    /** A file of a cached revision: its bytes are the blob {@code oid}; {@code etag} is what the upstream calls it. */
    public record CachedFile(String oid, long size, String etag, boolean lfs) {}

    /** A cached revision with the bytes of its files and when it was last served (epoch ms). */
    public record Revision(String type, String id, String commit, long lastUsed, long bytes, int files) {}

    public void putRepo(CachedRepo r) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO cache_repos (repo_type, repo_id, upstream, is_private, gated) VALUES (:t, :id, :u, :p, :g)
                ON CONFLICT (repo_type, repo_id) DO UPDATE SET upstream = :u, is_private = :p, gated = :g""")
                .bind("t", r.type()).bind("id", r.id()).bind("u", r.upstream()).bind("p", r.isPrivate() ? 1 : 0)
                .bind("g", r.gated() ? 1 : 0).execute());
    }

    public Optional<CachedRepo> repo(String type, String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM cache_repos WHERE repo_type = :t AND repo_id = :id")
                .bind("t", type).bind("id", id)
                .map((rs, c) -> new CachedRepo(rs.getString("repo_type"), rs.getString("repo_id"), rs.getString("upstream"),
                        rs.getInt("is_private") != 0, rs.getInt("gated") != 0)).findOne());
    }

    public void putRef(String type, String id, String rev, String commit, long at) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO cache_refs (repo_type, repo_id, rev, commit_id, fetched_at) VALUES (:t, :id, :rev, :c, :at)
                ON CONFLICT (repo_type, repo_id, rev) DO UPDATE SET commit_id = :c, fetched_at = :at""")
                .bind("t", type).bind("id", id).bind("rev", rev).bind("c", commit).bind("at", at).execute());
    }

    public Optional<CachedRef> ref(String type, String id, String rev) {
        return jdbi.withHandle(h -> h.createQuery("SELECT commit_id, fetched_at FROM cache_refs WHERE repo_type = :t AND repo_id = :id AND rev = :rev")
                .bind("t", type).bind("id", id).bind("rev", rev)
                .map((rs, c) -> new CachedRef(rs.getString("commit_id"), rs.getLong("fetched_at"))).findOne());
    }

    public void putAnswer(String type, String id, String scope, String request, Answer a) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO cache_answers (repo_type, repo_id, scope, request, body, total_count, link_next, fetched_at)
                VALUES (:t, :id, :s, :r, :b, :tc, :ln, :at)
                ON CONFLICT (repo_type, repo_id, scope, request) DO UPDATE SET body = :b, total_count = :tc, link_next = :ln, fetched_at = :at""")
                .bind("t", type).bind("id", id).bind("s", scope).bind("r", request).bind("b", a.body())
                .bind("tc", a.totalCount()).bind("ln", a.linkNext()).bind("at", a.fetchedAt()).execute());
    }

    public Optional<Answer> answer(String type, String id, String scope, String request) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT body, total_count, link_next, fetched_at FROM cache_answers
                WHERE repo_type = :t AND repo_id = :id AND scope = :s AND request = :r""")
                .bind("t", type).bind("id", id).bind("s", scope).bind("r", request)
                .map((rs, c) -> new Answer(rs.getBytes("body"), Rows.nullableLong(rs, "total_count"), rs.getString("link_next"),
                        rs.getLong("fetched_at"))).findOne());
    }

    /** Records that the revision was served at {@code at} (creating it when new). */
    public void touch(String type, String id, String commit, long at) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO cache_revisions (repo_type, repo_id, commit_id, last_used) VALUES (:t, :id, :c, :at)
                ON CONFLICT (repo_type, repo_id, commit_id) DO UPDATE SET last_used = MAX(last_used, :at)""")
                .bind("t", type).bind("id", id).bind("c", commit).bind("at", at).execute());
    }

    public void putFile(String type, String id, String commit, String path, CachedFile f) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO cache_files (repo_type, repo_id, commit_id, path, oid, size, etag, lfs) VALUES (:t, :id, :c, :p, :o, :s, :e, :l)
                ON CONFLICT (repo_type, repo_id, commit_id, path) DO UPDATE SET oid = :o, size = :s, etag = :e, lfs = :l""")
                .bind("t", type).bind("id", id).bind("c", commit).bind("p", path).bind("o", f.oid()).bind("s", f.size())
                .bind("e", f.etag()).bind("l", f.lfs() ? 1 : 0).execute());
    }

    public Optional<CachedFile> file(String type, String id, String commit, String path) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT oid, size, etag, lfs FROM cache_files WHERE repo_type = :t AND repo_id = :id AND commit_id = :c AND path = :p""")
                .bind("t", type).bind("id", id).bind("c", commit).bind("p", path)
                .map((rs, c) -> new CachedFile(rs.getString("oid"), rs.getLong("size"), rs.getString("etag"), rs.getInt("lfs") != 0))
                .findOne());
    }

    /** Bytes of distinct cached objects (an object in several revisions counts once). */
    public long cachedBytes() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(size), 0) FROM (SELECT oid, MAX(size) AS size FROM cache_files GROUP BY oid)")
                .mapTo(Long.class).one());
    }

    /** Every distinct cached object id. */
    public List<String> oids() {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT oid FROM cache_files").mapTo(String.class).list());
    }

    /** Cached revisions, least recently used first. */
    public List<Revision> revisions() {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT r.repo_type, r.repo_id, r.commit_id, r.last_used,
                       (SELECT COALESCE(SUM(f.size), 0) FROM cache_files f WHERE f.repo_type = r.repo_type AND f.repo_id = r.repo_id
                            AND f.commit_id = r.commit_id) AS bytes,
                       (SELECT COUNT(*) FROM cache_files f WHERE f.repo_type = r.repo_type AND f.repo_id = r.repo_id
                            AND f.commit_id = r.commit_id) AS files
                FROM cache_revisions r ORDER BY r.last_used, r.repo_type, r.repo_id, r.commit_id""")
                .map((rs, c) -> new Revision(rs.getString("repo_type"), rs.getString("repo_id"), rs.getString("commit_id"),
                        rs.getLong("last_used"), rs.getLong("bytes"), rs.getInt("files"))).list());
    }

    /**
     * Forgets a revision: its answers and files (and the names that pointed to it). Returns the object ids it
     * referenced that no cached revision references any more (the caller may delete them from the blob store).
     */
    public List<String> removeRevision(String type, String id, String commit) {
        return jdbi.inTransaction(h -> {
            List<String> oids = h.createQuery("SELECT DISTINCT oid FROM cache_files WHERE repo_type = :t AND repo_id = :id AND commit_id = :c")
                    .bind("t", type).bind("id", id).bind("c", commit).mapTo(String.class).list();
            for (String table : List.of("cache_files", "cache_revisions", "cache_refs")) {
                h.createUpdate("DELETE FROM " + table + " WHERE repo_type = :t AND repo_id = :id AND commit_id = :c")
                        .bind("t", type).bind("id", id).bind("c", commit).execute();
            }
            h.createUpdate("DELETE FROM cache_answers WHERE repo_type = :t AND repo_id = :id AND scope = :c")
                    .bind("t", type).bind("id", id).bind("c", commit).execute();
            return oids.stream().filter(o -> h.createQuery("SELECT COUNT(*) FROM cache_files WHERE oid = :o").bind("o", o)
                    .mapTo(Integer.class).one() == 0).toList();
        });
    }
}
