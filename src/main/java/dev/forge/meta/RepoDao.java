package dev.forge.meta;

import dev.forge.core.ForgeException;
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
                    INSERT INTO repos (repo_key, type, namespace, name, lookup, private, created_at)
                    VALUES (:key, :type, :ns, :name, :lookup, :private, :created)""")
                    .bind("key", repo.key()).bind("type", repo.type().singular())
                    .bind("ns", repo.id().namespace()).bind("name", repo.id().name())
                    .bind("lookup", lookup(repo.type(), repo.id())).bind("private", repo.isPrivate())
                    .bind("created", repo.createdAt().toEpochMilli()).execute());
        } catch (UnableToExecuteStatementException e) {
            if (find(repo.type(), repo.id()).isPresent()) throw ForgeException.conflict("You already created this " + repo.type().singular() + " repo");
            throw e;
        }
    }

    public boolean delete(String key) {
        return jdbi.withHandle(h -> {
            h.createUpdate("DELETE FROM file_index WHERE repo_key = :k").bind("k", key).execute();
            h.createUpdate("DELETE FROM commits WHERE repo_key = :k").bind("k", key).execute();
            return h.createUpdate("DELETE FROM repos WHERE repo_key = :k").bind("k", key).execute() > 0;
        });
    }

    public List<Repo> list(RepoType type) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM repos WHERE type = :t ORDER BY lookup")
                .bind("t", type.singular()).map((rs, ctx) -> map(rs)).list());
    }

    private static Repo map(ResultSet rs) throws SQLException {
        return new Repo(rs.getString("repo_key"), RepoType.fromName(rs.getString("type")).orElseThrow(),
                new RepoId(rs.getString("namespace"), rs.getString("name")), rs.getBoolean("private"),
                Rows.instant(rs, "created_at"));
    }
}
