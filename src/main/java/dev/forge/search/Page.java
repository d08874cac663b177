package dev.forge.search;

import dev.forge.core.Counters;

import java.util.List;
import java.util.Optional;

/** One page of a listing, and where the next one starts (empty on the last page). */
public record Page(List<Hit> hits, Optional<String> nextCursor) {

    /** One result: the repository's key, its stored summary and its current counters. */
    public record Hit(String key, byte[] summary, Counters counters) {}
}
