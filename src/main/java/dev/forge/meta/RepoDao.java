package dev.forge.meta;

import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** The repository registry. Thread-safe. */
public final class RepoDao {
    private final Jdbi jdbi;

    public RepoDao(Jdbi jdbi) { this.jdbi = jdbi; }

    static String lookup(RepoType type, RepoId id) {
        return (type.singular() + "/" + id.namespace() + "/" + id.name()).toLowerCase(java.util.Locale.ROOT);
    }

    public Optional<Repo> find(RepoType type, RepoId id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM repos WHERE lookup = :lookup")
                .bind("lookup", lookup(type, id)).map((rs, ctx) -> map(rs)).findOne());
    }

    public Optional<Repo> findByKey(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM repos WHERE repo_key = :k")
                .bind("k", key).map((rs, ctx) -> map(rs)).findOne());
    }

    /** Inserts the repo; 409 when one with the same id (ignoring case) exists. */
    public void insert(Repo repo) {
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                    INSERT INTO repos (repo_key, type, namespace, name, lookup, private, created_at, gated, created_by)
                    VALUES (:key, :type, :ns, :name, :lookup, :private, :created, :gated, :by)""")
                    .bind("key", repo.key()).bind("type", repo.type().singular())
                    .bind("ns", repo.id().namespace()).bind("name", repo.id().name())
                    .bind("lookup", lookup(repo.type(), repo.id())).bind("private", repo.isPrivate())
                    .bind("created", repo.createdAt().toEpochMilli())
                    .bind("gated", repo.gating().column()).bind("by", repo.createdBy()).execute());
        } catch (UnableToExecuteStatementException e) {
            if (find(repo.type(), repo.id()).isPresent()) throw ForgeException.conflict("You already created this " + repo.type().singular() + " repo");
            throw e;
        }
    }

    /** Renames the repository and remembers the old name for redirects; 409 when the new name is taken. */
    public void rename(Repo repo, RepoId to) {
        String newLookup = lookup(repo.type(), to);
        try {
            jdbi.useTransaction(h -> {
                h.createUpdate("DELETE FROM repo_redirects WHERE lookup = :l").bind("l", newLookup).execute();
                h.createUpdate("UPDATE repos SET namespace = :ns, name = :name, lookup = :l WHERE repo_key = :k")
                        .bind("ns", to.namespace()).bind("name", to.name()).bind("l", newLookup).bind("k", repo.key()).execute();
                h.createUpdate("DELETE FROM repo_redirects WHERE lookup = :old").bind("old", lookup(repo.type(), repo.id())).execute();
                h.createUpdate("INSERT INTO repo_redirects (lookup, repo_key) VALUES (:old, :k)")
                        .bind("old", lookup(repo.type(), repo.id())).bind("k", repo.key()).execute();
            });
        } catch (UnableToExecuteStatementException e) {
            if (find(repo.type(), to).isPresent()) throw ForgeException.conflict("A repository named " + to + " already exists");
            throw e;
        }
    }

    /** The repository that used to be called {@code id}, if it was moved. */
    public Optional<Repo> redirected(RepoType type, RepoId id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT r.* FROM repo_redirects d JOIN repos r ON r.repo_key = d.repo_key WHERE d.lookup = :l")
                .bind("l", lookup(type, id)).map((rs, ctx) -> map(rs)).findOne());
    }

    public void setPrivate(String key, boolean isPrivate) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE repos SET private = :p WHERE repo_key = :k").bind("p", isPrivate).bind("k", key).execute());
    }

    public void setGating(String key, Gating gating) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE repos SET gated = :g WHERE repo_key = :k").bind("g", gating.column()).bind("k", key).execute());
    }

    public boolean delete(String key) {
        return jdbi.inTransaction(h -> {
            h.createUpdate("DELETE FROM access_requests WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM token_scopes WHERE kind = 'repo' AND target = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM file_index WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM commits WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM repo_redirects WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM lfs_repo_objects WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM commit_facts WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM repo_likes WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM repo_downloads WHERE repo_key = :k").bind("k", key).execute();
            return h.createUpdate("DELETE FROM repos WHERE repo_key = :k").bind("k", key).execute() > 0;
        });
    }

    public long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM repos").mapTo(Long.class).one());
    }

    /** The repositories of one user or organisation (case-insensitive), by type then name. */
    public List<Repo> inNamespace(String namespace) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM repos WHERE lower(namespace) = :ns ORDER BY lookup")
                .bind("ns", namespace.toLowerCase(java.util.Locale.ROOT)).map((rs, ctx) -> map(rs)).list());
    }

    public List<Repo> all() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM repos ORDER BY lookup").map((rs, ctx) -> map(rs)).list());
    }


    private static Repo map(ResultSet rs) throws SQLException {
        return new Repo(rs.getString("repo_key"), RepoType.fromName(rs.getString("type")).orElseThrow(),
                new RepoId(rs.getString("namespace"), rs.getString("name")), rs.getBoolean("private"),
                Rows.instant(rs, "created_at"), Gating.fromColumn(rs.getString("gated")), rs.getString("created_by"));
    }
}
