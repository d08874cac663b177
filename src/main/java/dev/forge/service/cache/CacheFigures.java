package dev.forge.service.cache;

import dev.forge.core.RepoType;

import java.time.Instant;
import java.util.List;

/**
 * What the pull-through cache holds and how well it serves, for the mirror CLI and API (issue 16 item 5): figures, the
 * cached revisions, and eviction by hand. Thread-safe.
 */
public interface CacheFigures {

    /**
     * @param cachedBytes bytes of the distinct files fetched and kept (a file in several revisions counts once)
     * @param storedBytes what those files take in the blob store (chunks shared with anything else counted once)
     * @param dedupSavedBytes {@code cachedBytes - storedBytes}: what deduplication saves on them
     * @param hits requests answered from the cache alone (metadata answers and files)
     * @param misses requests that needed the upstream
     */
    record Figures(long cachedBytes, long storedBytes, long dedupSavedBytes, long hits, long misses, int revisions) {
        /** Hits over all requests the cache answered; 0 before the first. */
        public double hitRate() { return hits + misses == 0 ? 0 : (double) hits / (hits + misses); }
    }

    /** A cached revision: which repository and commit, its files' bytes, and when it was last served. */
    record CachedRevision(RepoType type, String repoId, String commit, long bytes, int files, Instant lastUsed) {}

    Figures figures();

    /** Cached revisions, least recently used first (the next to be evicted). */
    List<CachedRevision> revisions();

    /** Evicts every cached revision of the repository; returns how many there were. */
    int evict(RepoType type, String repoId);
}
