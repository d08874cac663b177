package dev.forge.service.airlock;

import dev.forge.service.account.Actor;

/**
 * The gate every pulled thing passes before it becomes visible here: a revision's metadata (namespace, licence
 * from the card, sizes, file names) before its info, tree or refs are served or stored, and each file's bytes
 * before they are served or kept. The pull-through cache and the mirrors call it; they turn a
 * {@link Verdict.Refused} into {@link Verdict.Refused#toException()} (a 403 naming the rule) and keep nothing.
 *
 * <p>Both calls write one audit entry (who pulled what, at which revision, and the verdict with its rule), whatever
 * the verdict. Implementations are thread-safe and never throw for what they are given: unreadable or malformed
 * bytes are a refusal, not an exception.
 */
public interface Airlock {

    /** Before a revision's metadata becomes visible: namespace, licence (from the card text), sizes, file names. */
    Verdict checkRevision(Actor actor, PullSubject subject);

    /**
     * Before one file's bytes become visible: format rules, the pickle scan and the size limit. The bytes are
     * already here (on local disk or in a stream {@code bytes} opens); {@code size} is their length.
     */
    Verdict checkFile(Actor actor, PullSubject subject, String path, long size, FileBytes bytes);

    /**
     * Whether {@link #checkFile} reads the bytes of a file at {@code path} (a pickle-based file the policy scans): a
     * caller must then hold the whole file before it asks, and serve none of it before the verdict. Any other file is
     * judged by its path and size alone, so a caller may ask before its bytes arrive (with an empty {@link FileBytes}).
     * The default says yes, which is always safe.
     */
    default boolean readsBytes(String path) { return true; }
}
