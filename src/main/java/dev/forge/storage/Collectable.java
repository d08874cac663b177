package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A store with garbage collection: it removes what no live object needs (and compacts what is mostly unused), never
 * anything written within the grace period. What is live is the caller's decision (the refs of every repository).
 */
public interface Collectable {

    /** Removes objects not in {@code live} (unless younger than {@code grace}) and the storage only they used. */
    GcReport gc(Set<LfsOid> live, Duration grace, Consumer<String> progress) throws IOException;

    /** What a gc run removed. */
    record GcReport(int filesRemoved, long fileBytesRemoved, int packsTrashed, int packsDeleted, int packsCompacted, long bytesDeleted) {}
}
