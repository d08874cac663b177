package dev.forge.app;

import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the wiring root opened, closed in reverse order. A start that fails half-way closes what it had opened, so
 * nothing leaks (file locks, the database pool, mapped packs, the search index). Not thread-safe: one owner.
 */
final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** Registers {@code resource} to be closed before everything registered earlier; returns it. */
    <T extends AutoCloseable> T push(T resource) {
        opened.push(resource);
        return resource;
    }

    /** Closes everything, newest first; a failure is logged and the others still close. */
    @Override
    public void close() {
        while (!opened.isEmpty()) {
            AutoCloseable c = opened.pop();
            try {
                c.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(Closer.class).error("closing {} failed", c, e);
            }
        }
    }
}
