package dev.forge.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

import java.nio.file.Path;

/**
 * The metadata database: a connection pool, the schema migrated by Flyway, and JDBI on top.
 * The embedded default is SQLite in WAL mode; write transactions start IMMEDIATE so two writers
 * queue on the busy timeout instead of failing on a lock upgrade.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        this.jdbi = Jdbi.create(dataSource);
    }

    /** Opens (creating if needed) the SQLite database at {@code file}. */
    public static Database sqlite(Path file) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath()
                + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=30000&foreign_keys=true&transaction_mode=IMMEDIATE");
        c.setMaximumPoolSize(8);
        c.setPoolName("forge-sqlite");
        return new Database(new HikariDataSource(c));
    }

    public Jdbi jdbi() { return jdbi; }

    @Override
    public void close() {
        dataSource.close();
    }
}
