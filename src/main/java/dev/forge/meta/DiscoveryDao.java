package dev.forge.meta;

import org.jdbi.v3.core.Jdbi;

import java.util.Optional;

/**
 * What discovery derives and keeps: weight-file header summaries by file content, and per-commit facts.
 * Both are derived from immutable inputs, so rows are written once and never change. Thread-safe.
 */
public final class DiscoveryDao {
    private final Jdbi jdbi;

    public DiscoveryDao(Jdbi jdbi) { this.jdbi = jdbi; }

    /** A stored header reading: the summary JSON, or the reason the header was refused. */
    public record HeaderRow(String format, Optional<String> summaryJson, Optional<String> problem) {}

    public Optional<HeaderRow> header(String contentId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM weight_headers WHERE content_id = :c").bind("c", contentId)
                .map((rs, ctx) -> new HeaderRow(rs.getString("format"), Optional.ofNullable(rs.getString("summary")),
                        Optional.ofNullable(rs.getString("problem")))).findOne());
    }

    public void putHeader(String contentId, String format, String summaryJson, String problem) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO weight_headers (content_id, format, summary, problem) VALUES (:c, :f, :s, :p)
                ON CONFLICT (content_id) DO NOTHING""")
                .bind("c", contentId).bind("f", format).bind("s", summaryJson).bind("p", problem).execute());
    }

    public Optional<String> facts(String repoKey, String commitId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT facts FROM commit_facts WHERE repo_key = :r AND commit_id = :c")
                .bind("r", repoKey).bind("c", commitId).mapTo(String.class).findOne());
    }

    public void putFacts(String repoKey, String commitId, String factsJson) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO commit_facts (repo_key, commit_id, facts) VALUES (:r, :c, :f)
                ON CONFLICT (repo_key, commit_id) DO NOTHING""")
                .bind("r", repoKey).bind("c", commitId).bind("f", factsJson).execute());
    }
}
