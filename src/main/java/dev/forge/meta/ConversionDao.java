package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.Optional;

/** The latest parquet conversion of each dataset: what it was made from, its commit, its state and errors. Thread-safe. */
public final class ConversionDao {
    /**
     * One conversion.
     *
     * @param inputs a digest of what was converted, so an unchanged dataset is not converted again
     * @param parquetCommit the commit of {@code refs/convert/parquet}, absent when nothing could be converted
     * @param errors a JSON array of {@code {"path", "error"}} objects
     */
    public record Row(String repoKey, String sourceCommit, String inputs, Optional<String> parquetCommit, String state, String errors,
                      Instant convertedAt) {}

    private final Jdbi jdbi;

    public ConversionDao(Jdbi jdbi) { this.jdbi = jdbi; }

    public Optional<Row> find(String repoKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM parquet_conversions WHERE repo_key = :r").bind("r", repoKey)
                .map((rs, ctx) -> new Row(rs.getString("repo_key"), rs.getString("source_commit"), rs.getString("inputs"),
                        Optional.ofNullable(rs.getString("parquet_commit")), rs.getString("state"), rs.getString("errors"),
                        Rows.instant(rs, "converted_at")))
                .findOne());
    }

    public void put(Row row) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM parquet_conversions WHERE repo_key = :r").bind("r", row.repoKey()).execute();
            h.createUpdate("""
                    INSERT INTO parquet_conversions (repo_key, source_commit, inputs, parquet_commit, state, errors, converted_at)
                    VALUES (:r, :s, :i, :p, :st, :e, :t)""")
                    .bind("r", row.repoKey()).bind("s", row.sourceCommit()).bind("i", row.inputs())
                    .bind("p", row.parquetCommit().orElse(null)).bind("st", row.state()).bind("e", row.errors())
                    .bind("t", row.convertedAt().toEpochMilli()).execute();
        });
    }

    public void delete(String repoKey) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM parquet_conversions WHERE repo_key = :r").bind("r", repoKey).execute());
    }
}
