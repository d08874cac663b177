package dev.forge.meta;

import dev.forge.core.CommitMeta;
import dev.forge.core.FileEntry;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The per-commit file index and commit metadata. A commit is written with all its entries in one
 * transaction, so it is either fully indexed or not at all. Thread-safe.
 */
public final class IndexDao {
    private static final int BATCH = 500;
    private final Jdbi jdbi;

    public IndexDao(Jdbi jdbi) { this.jdbi = jdbi; }

    public boolean isIndexed(String repoKey, String commitId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM commits WHERE repo_key = :r AND commit_id = :c")
                .bind("r", repoKey).bind("c", commitId).mapTo(Integer.class).findOne().isPresent());
    }

    public Optional<CommitMeta> commit(String repoKey, String commitId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM commits WHERE repo_key = :r AND commit_id = :c")
                .bind("r", repoKey).bind("c", commitId).map((rs, ctx) -> mapCommit(rs)).findOne());
    }

    /** Commit metadata for several commits at once (for {@code lastCommit} expansion). */
    public Map<String, CommitMeta> commits(String repoKey, Collection<String> ids) {
        Map<String, CommitMeta> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        jdbi.useHandle(h -> {
            List<String> all = List.copyOf(ids);
            for (int i = 0; i < all.size(); i += BATCH) {
                h.createQuery("SELECT * FROM commits WHERE repo_key = :r AND commit_id IN (<ids>)")
                        .bind("r", repoKey).bindList("ids", all.subList(i, Math.min(all.size(), i + BATCH)))
                        .map((rs, ctx) -> mapCommit(rs)).forEach(c -> out.put(c.id(), c));
            }
        });
        return out;
    }

    /** Writes a commit and its whole file index atomically; a no-op when the commit is already indexed. */
    public void write(String repoKey, CommitMeta commit, List<FileEntry> entries) {
        jdbi.useTransaction(h -> {
            if (h.createQuery("SELECT 1 FROM commits WHERE repo_key = :r AND commit_id = :c")
                    .bind("r", repoKey).bind("c", commit.id()).mapTo(Integer.class).findOne().isPresent()) {
                return;
            }
            insertEntries(h, repoKey, commit.id(), entries);
            h.createUpdate("""
                    INSERT INTO commits (repo_key, commit_id, tree_id, parents, title, message, author_name, author_email,
                                         authored_at, committed_at, history_count, card_data)
                    VALUES (:r, :c, :tree, :parents, :title, :message, :an, :ae, :aa, :ca, :hc, :card)""")
                    .bind("r", repoKey).bind("c", commit.id()).bind("tree", commit.treeId())
                    .bind("parents", String.join(" ", commit.parents())).bind("title", commit.title())
                    .bind("message", commit.message()).bind("an", commit.authorName()).bind("ae", commit.authorEmail())
                    .bind("aa", commit.authoredAt().toEpochMilli()).bind("ca", commit.committedAt().toEpochMilli())
                    .bind("hc", commit.historyCount()).bind("card", commit.cardDataJson()).execute();
        });
    }

    private static void insertEntries(Handle h, String repoKey, String commitId, List<FileEntry> entries) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO file_index (repo_key, commit_id, path, parent, is_dir, size, oid, lfs_oid, lfs_size, pointer_size, last_commit)
                VALUES (:r, :c, :path, :parent, :dir, :size, :oid, :lfsOid, :lfsSize, :ptr, :last)""");
        int n = 0;
        for (FileEntry e : entries) {
            FileEntry.LfsInfo lfs = e.lfs();
            batch.bind("r", repoKey).bind("c", commitId).bind("path", e.path()).bind("parent", e.parent())
                    .bind("dir", e.directory()).bind("size", e.size()).bind("oid", e.oid())
                    .bind("lfsOid", lfs == null ? null : lfs.oid())
                    .bind("lfsSize", lfs == null ? null : lfs.size())
                    .bind("ptr", lfs == null ? null : lfs.pointerSize())
                    .bind("last", e.lastCommit()).add();
            if (++n % BATCH == 0) batch.execute();
        }
        if (n % BATCH != 0) batch.execute();
    }

    public Optional<FileEntry> entry(String repoKey, String commitId, String path) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c AND path = :p")
                .bind("r", repoKey).bind("c", commitId).bind("p", path).map((rs, ctx) -> mapEntry(rs)).findOne());
    }

    public List<FileEntry> entries(String repoKey, String commitId, Collection<String> paths) {
        if (paths.isEmpty()) return List.of();
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c AND path IN (<p>) ORDER BY path")
                .bind("r", repoKey).bind("c", commitId).bindList("p", List.copyOf(paths)).map((rs, ctx) -> mapEntry(rs)).list());
    }

    /** Every entry of a commit, for re-indexing the child of a commit and for checks. */
    public List<FileEntry> all(String repoKey, String commitId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c ORDER BY path")
                .bind("r", repoKey).bind("c", commitId).map((rs, ctx) -> mapEntry(rs)).list());
    }

    /**
     * One page of a folder listing, ordered by path, starting after {@code after} (exclusive, or null).
     *
     * @param folder "" for the root
     * @param recursive all descendants, or only the direct children
     */
    public List<FileEntry> list(String repoKey, String commitId, String folder, boolean recursive, String after, int limit) {
        return jdbi.withHandle(h -> {
            String cursor = after == null ? "" : after;
            if (!recursive) {
                return h.createQuery("""
                        SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c AND parent = :folder AND path > :after
                        ORDER BY path LIMIT :limit""")
                        .bind("r", repoKey).bind("c", commitId).bind("folder", folder).bind("after", cursor).bind("limit", limit)
                        .map((rs, ctx) -> mapEntry(rs)).list();
            }
            if (folder.isEmpty()) {
                return h.createQuery("""
                        SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c AND path > :after ORDER BY path LIMIT :limit""")
                        .bind("r", repoKey).bind("c", commitId).bind("after", cursor).bind("limit", limit)
                        .map((rs, ctx) -> mapEntry(rs)).list();
            }
            // descendants of "a/b" are the paths in ["a/b/", "a/b0"): '0' is the character after '/'
            String lo = folder + "/";
            String start = cursor.compareTo(lo) > 0 ? cursor : lo;
            return h.createQuery("""
                    SELECT * FROM file_index WHERE repo_key = :r AND commit_id = :c AND path > :start AND path < :hi
                    ORDER BY path LIMIT :limit""")
                    .bind("r", repoKey).bind("c", commitId).bind("start", start)
                    .bind("hi", folder + "0").bind("limit", limit)
                    .map((rs, ctx) -> mapEntry(rs)).list();
        });
    }

    /** Total bytes of the files of a commit (LFS files count their real size). */
    public long totalSize(String repoKey, String commitId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COALESCE(SUM(size), 0) FROM file_index WHERE repo_key = :r AND commit_id = :c AND is_dir = :f")
                .bind("r", repoKey).bind("c", commitId).bind("f", false).mapTo(Long.class).one());
    }

    /** True when some indexed commit of the repository references the LFS object. */
    public boolean referencesLfs(String repoKey, String lfsOid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM file_index WHERE lfs_oid = :o AND repo_key = :r LIMIT 1")
                .bind("o", lfsOid).bind("r", repoKey).mapTo(Integer.class).findOne().isPresent());
    }

    /** Records that the object was uploaded to the repository (the uploader proved they hold its bytes). */
    public void recordLfsUpload(String repoKey, String lfsOid) {
        jdbi.useHandle(h -> {
            if (h.createQuery("SELECT 1 FROM lfs_repo_objects WHERE repo_key = :r AND lfs_oid = :o")
                    .bind("r", repoKey).bind("o", lfsOid).mapTo(Integer.class).findOne().isEmpty()) {
                try {
                    h.createUpdate("INSERT INTO lfs_repo_objects (repo_key, lfs_oid) VALUES (:r, :o)").bind("r", repoKey).bind("o", lfsOid).execute();
                } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
                    // recorded concurrently
                }
            }
        });
    }

    /** True when the object was uploaded to the repository through its LFS endpoints (or stored for it in-process). */
    public boolean uploadedLfs(String repoKey, String lfsOid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM lfs_repo_objects WHERE repo_key = :r AND lfs_oid = :o")
                .bind("r", repoKey).bind("o", lfsOid).mapTo(Integer.class).findOne().isPresent());
    }

    /** True when one of {@code commits} of the repository references the LFS object. */
    public boolean referencesLfsAt(String repoKey, Collection<String> commits, String lfsOid) {
        if (commits.isEmpty()) return false;
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM file_index WHERE lfs_oid = :o AND repo_key = :r AND commit_id IN (<c>) LIMIT 1")
                .bind("o", lfsOid).bind("r", repoKey).bindList("c", List.copyOf(commits)).mapTo(Integer.class).findOne().isPresent());
    }

    /** Up to {@code limit} indexed commits of the repository that reference the LFS object (reachable or not). */
    public List<String> commitsReferencingLfs(String repoKey, String lfsOid, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT commit_id FROM file_index WHERE lfs_oid = :o AND repo_key = :r LIMIT :n")
                .bind("o", lfsOid).bind("r", repoKey).bind("n", limit).mapTo(String.class).list());
    }

    /** Up to {@code limit} repositories (by key) some indexed commit of which references the LFS object. */
    public List<String> reposReferencingLfs(String lfsOid, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT repo_key FROM file_index WHERE lfs_oid = :o LIMIT :n")
                .bind("o", lfsOid).bind("n", limit).mapTo(String.class).list());
    }

    private static FileEntry mapEntry(ResultSet rs) throws SQLException {
        String lfsOid = rs.getString("lfs_oid");
        FileEntry.LfsInfo lfs = lfsOid == null ? null
                : new FileEntry.LfsInfo(lfsOid, rs.getLong("lfs_size"), rs.getInt("pointer_size"));
        return new FileEntry(rs.getString("path"), rs.getBoolean("is_dir"), rs.getLong("size"), rs.getString("oid"),
                lfs, rs.getString("last_commit"));
    }

    private static CommitMeta mapCommit(ResultSet rs) throws SQLException {
        String parents = rs.getString("parents");
        return new CommitMeta(rs.getString("commit_id"), rs.getString("tree_id"),
                parents.isEmpty() ? List.of() : Arrays.asList(parents.split(" ")),
                rs.getString("title"), rs.getString("message"), rs.getString("author_name"), rs.getString("author_email"),
                Rows.instant(rs, "authored_at"), Rows.instant(rs, "committed_at"), rs.getLong("history_count"),
                rs.getString("card_data"));
    }
}
