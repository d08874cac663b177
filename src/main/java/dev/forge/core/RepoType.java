package dev.forge.core;

import java.util.Optional;

/** The kinds of repository the Hub protocol knows. Spaces are reserved: their URLs are refused, never served. */
public enum RepoType {
    MODEL("model", "models", ""),
    DATASET("dataset", "datasets", "datasets/"),
    SPACE("space", "spaces", "spaces/");

    private final String singular;
    private final String plural;
    private final String urlPrefix;

    RepoType(String singular, String plural, String urlPrefix) {
        this.singular = singular;
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    /** {@code model}, as in JSON bodies ({@code "type": "model"}). */
    public String singular() { return singular; }

    /** {@code models}, as in {@code /api/models/...}. */
    public String plural() { return plural; }

    /** The prefix of non-API URLs: empty for models, {@code datasets/} for datasets. */
    public String urlPrefix() { return urlPrefix; }

    public boolean isSupported() { return this != SPACE; }

    public static Optional<RepoType> fromPlural(String s) {
        for (RepoType t : values()) if (t.plural.equals(s)) return Optional.of(t);
        return Optional.empty();
    }

    /** Accepts {@code model}/{@code models} and so on; absent or null means model, as on the Hub. */
    public static Optional<RepoType> fromName(String s) {
        if (s == null || s.isEmpty()) return Optional.of(MODEL);
        for (RepoType t : values()) if (t.singular.equals(s) || t.plural.equals(s)) return Optional.of(t);
        return Optional.empty();
    }
}
