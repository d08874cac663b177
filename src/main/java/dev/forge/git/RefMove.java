package dev.forge.git;

/**
 * The outcome of moving a ref by compare-and-set. {@code STALE} means the ref no longer holds the
 * expected value (the caller's parent is out of date: HTTP 412 or rebase and retry); {@code BUSY}
 * means another writer holds the ref's lock right now (retry).
 */
public enum RefMove {
    MOVED, STALE, BUSY
}
