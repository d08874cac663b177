package dev.forge.service.discovery;

import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.meta.StatsDao;
import dev.forge.core.Counters;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Downloads, likes and the trending score. A download is counted the way the Hub counts it: a GET (never a
 * HEAD, which clients send before every GET) of one of the files that mark a download of the repository —
 * {@link DownloadRule}. Counts are tallied in memory and flushed to the database in one transaction per second
 * ({@link #flush}), so the download path never writes; a crash loses at most the last second's tallies. The
 * last 30 days and all time are sums of per-day rows. The trending score weighs the last week's downloads and
 * likes, newer days more: {@code sum over the last 7 days of (downloads + 10 x likes) x (7 - age) / 7}.
 * Every change of a repository's figures is reported to the listener (the search index). Thread-safe.
 */
public final class PopularityService {
    static final int TRENDING_DAYS = 7;
    static final int LIKE_WEIGHT = 10;
    private static final long DAY_MS = 86_400_000L;

    private final StatsDao stats;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, LongAdder> pending = new ConcurrentHashMap<>();
    private final java.util.List<Consumer<Map<String, Counters>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object flushLock = new Object();

    public PopularityService(StatsDao stats, InstantSource clock) {
        this.stats = stats;
        this.clock = clock;
    }

    /**
     * Where changed figures go, a batch at a time: the search index keeps them for sorting and listing, the answer memo
     * forgets the answers that showed the old ones.
     */
    public void onCountersChanged(Consumer<Map<String, Counters>> l) { listeners.add(l); }

    // ------------------------------------------------------------------------------------------- downloads

    /** Counts one download of the repository (the caller decided with {@link DownloadRule} that the request was one). */
    public void recordDownload(Repo repo) {
        pending.computeIfAbsent(repo.key(), k -> new LongAdder()).increment();
    }

    /** Writes the tallies counted so far into today's rows and reports the new figures. */
    public void flush() {
        synchronized (flushLock) {
            Map<String, Long> counts = new HashMap<>();
            for (String key : Set.copyOf(pending.keySet())) {
                LongAdder a = pending.remove(key);
                if (a != null && a.sum() > 0) counts.put(key, a.sum());
            }
            if (counts.isEmpty()) return;
            stats.addDownloads(today(), counts);
            counters.invalidateAll(counts.keySet());
            report(counts.keySet());
        }
    }

    // ------------------------------------------------------------------------------------------- likes

    /** Likes a repository for a user; returns false when they already liked it. */
    public boolean like(Repo repo, String userKey) {
        boolean added = stats.like(repo.key(), userKey, clock.instant());
        counters.invalidate(repo.key());
        if (added) report(List.of(repo.key()));
        return added;
    }

    public boolean unlike(Repo repo, String userKey) {
        boolean removed = stats.unlike(repo.key(), userKey);
        counters.invalidate(repo.key());
        if (removed) report(List.of(repo.key()));
        return removed;
    }

    public List<StatsDao.Liker> likers(Repo repo) { return stats.likers(repo.key()); }

    public boolean liked(Repo repo, String userKey) { return stats.liked(repo.key(), userKey); }

    public List<Map.Entry<String, Instant>> likedBy(String userKey) { return stats.likedBy(userKey); }

    // ------------------------------------------------------------------------------------------- figures

    public Counters counters(String repoKey) {
        long today = today();
        Dated held = counters.getIfPresent(repoKey);
        if (held != null && held.day() == today) return held.counters();
        Dated fresh = counters.asMap().compute(repoKey, (k, old) -> old != null && old.day() == today ? old
                : new Dated(today, countersOf(List.of(repoKey)).getOrDefault(repoKey, Counters.ZERO)));
        return fresh.counters();
    }

    /**
     * A repository's figures as last read, and the day they were read for (the windows move with the calendar).
     * The stats change only through this service, which drops a repository's entry after each change (a flush of
     * downloads, a like, an unlike): repository info, asked for before every download, does not query them each time.
     */
    private record Dated(long day, Counters counters) {}

    private final com.github.benmanes.caffeine.cache.Cache<String, Dated> counters =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(50_000).build();

    /** The figures of every repository that has any. */
    public Map<String, Counters> allCounters() {
        return countersOf(null);
    }

    /** The figures of some repositories (of all when {@code keys} is null); repositories without any are left out. */
    private Map<String, Counters> countersOf(Collection<String> keys) {
        long today = today();
        Map<String, Counters> out = new HashMap<>();
        stats.raw(keys, today - 29, today - (TRENDING_DAYS - 1)).forEach((k, r) ->
                out.put(k, new Counters(r.downloads30, r.downloadsAllTime, r.likes, trending(r, today))));
        return out;
    }

    static long trending(StatsDao.Raw r, long today) {
        double score = 0;
        for (int age = 0; age < TRENDING_DAYS; age++) {
            long day = today - age;
            long activity = r.downloadsByDay.getOrDefault(day, 0L) + LIKE_WEIGHT * r.likesByDay.getOrDefault(day, 0L);
            score += activity * (double) (TRENDING_DAYS - age) / TRENDING_DAYS;
        }
        return Math.round(score);
    }

    /**
     * Recomputes the figures of every repository active in the last week and the day before it: trending scores
     * and 30-day windows move with the calendar even when nothing happens. Run once a day (and at start).
     */
    public void refreshActive() {
        report(stats.activeSince(today() - 30));
    }

    private void report(Collection<String> keys) {
        if (keys.isEmpty()) return;
        Map<String, Counters> now = countersOf(keys);
        Map<String, Counters> changed = new HashMap<>();
        for (String k : keys) changed.put(k, now.getOrDefault(k, Counters.ZERO));
        for (Consumer<Map<String, Counters>> l : listeners) l.accept(changed);
    }

    long today() {
        return Math.floorDiv(clock.millis(), DAY_MS);
    }

    /**
     * Which GETs count as a download, as on the Hub: for models, the query files of the repository's library
     * (by default the top-level {@code config.json}, {@code config.yaml}, {@code hyperparams.yaml} or
     * {@code meta.yaml}; GGUF files for {@code gguf}; {@code model_index.json} for {@code diffusers};
     * {@code adapter_config.json} for {@code peft}; {@code .nemo} files for {@code nemo}); for datasets, the
     * top-level {@code README.md}, which every dataset load reads. A ranged GET counts only when it starts at
     * the first byte and is not the one-byte probe the JS client sends before a download.
     */
    public static final class DownloadRule {
        private static final Set<String> DEFAULT_FILES = Set.of("config.json", "config.yaml", "hyperparams.yaml", "meta.yaml");

        private DownloadRule() {}

        /** True when a path could count for some library (cheap pre-check before the repository's library is looked up). */
        public static boolean mayCount(RepoType type, String path) {
            if (type == RepoType.DATASET) return path.equals("README.md");
            return DEFAULT_FILES.contains(path) || path.equals("model_index.json") || path.equals("adapter_config.json")
                    || path.endsWith(".gguf") || path.endsWith(".nemo");
        }

        public static boolean counts(RepoType type, String library, String path) {
            if (type == RepoType.DATASET) return path.equals("README.md");
            if (library == null) return DEFAULT_FILES.contains(path);
            return switch (library) {
                case "gguf" -> path.endsWith(".gguf");
                case "diffusers" -> path.equals("model_index.json");
                case "peft" -> path.equals("adapter_config.json");
                case "nemo" -> path.endsWith(".nemo");
                default -> DEFAULT_FILES.contains(path);
            };
        }

        /** True unless the request's {@code Range} makes it a continuation or the one-byte size probe. */
        public static boolean countsRange(String rangeHeader) {
            if (rangeHeader == null || rangeHeader.isBlank()) return true;
            String r = rangeHeader.trim().replace(" ", "");
            return r.startsWith("bytes=0-") && !r.equals("bytes=0-0");
        }
    }
}
