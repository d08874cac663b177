package dev.forge.core;

import java.util.Locale;
import java.util.Optional;

/** What a listing can be ordered by: the Hub's sort names and the doc-values field behind each. */
public enum SortKey {
    DOWNLOADS("downloads"),
    DOWNLOADS_ALL_TIME("downloadsAllTime"),
    LIKES("likes"),
    TRENDING("trendingScore"),
    LAST_MODIFIED("lastModified"),
    CREATED_AT("createdAt"),
    PARAMETERS("num_parameters"),
    ID("id");

    private final String wire;

    SortKey(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    /** Accepts the Hub's names and the snake_case ones older Python clients send ({@code last_modified}, {@code trending_score}). */
    public static Optional<SortKey> parse(String s) {
        String norm = s.replace("_", "").toLowerCase(Locale.ROOT);
        for (SortKey k : values()) if (k.wire.replace("_", "").toLowerCase(Locale.ROOT).equals(norm)) return Optional.of(k);
        if (norm.equals("modified")) return Optional.of(LAST_MODIFIED);
        if (norm.equals("created")) return Optional.of(CREATED_AT);
        return Optional.empty();
    }
}
