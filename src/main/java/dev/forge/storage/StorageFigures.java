package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.util.Collection;

/**
 * A store that can say what objects cost on disk: a set of them (storage they share counted once, so a repository's
 * figure is what it would take alone), and everything it holds. Every store Forge runs has this capability; a store
 * that deduplicates reports fewer stored than logical bytes. Thread-safe.
 */
public interface StorageFigures {

    /** Logical bytes (what clients download) and stored bytes of {@code oids}; objects not stored count nothing. */
    Footprint footprint(Collection<LfsOid> oids) throws IOException;

    /** Every stored object, referenced or not: how many, their logical bytes and the bytes the store takes on disk. */
    Totals totals() throws IOException;

    record Footprint(long logicalBytes, long storedBytes) {}

    record Totals(long objects, long logicalBytes, long storedBytes) {}
}
