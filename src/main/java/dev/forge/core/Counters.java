package dev.forge.core;

/** The popularity figures of a repository: downloads in the last 30 days and of all time, likes, trending score. */
public record Counters(long downloads, long downloadsAllTime, long likes, long trendingScore) {
    public static final Counters ZERO = new Counters(0, 0, 0, 0);
}
