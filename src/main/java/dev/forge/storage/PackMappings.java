package dev.forge.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Read-only memory mappings of pack files, shared by every reader of a store: a read is then a copy from the page
 * cache (or, for a server, a socket write straight from it) with no file to open and no system call. Packs never
 * change once named, so a mapping stays right as long as it lives.
 *
 * <p>Bounded: the least recently used mappings beyond {@code capacity} are dropped (the JVM unmaps them when they
 * are collected). A mapping older than {@code maxAge} is made again on its next use, so a pack that a gc in another
 * process deleted stops pinning its disk space; gc in this process drops its packs at once ({@link #drop}). A
 * pack that gc moved to trash is still mapped from there until its grace period ends. Thread-safe.
 */
final class PackMappings {
    private record Mapping(MappedByteBuffer bytes, long madeAt) {}

    private final ChunkStore store;
    private final InstantSource clock;
    private final long maxAgeMillis;
    private final Map<String, Mapping> maps;

    PackMappings(ChunkStore store, InstantSource clock, int capacity, Duration maxAge) {
        this.store = store;
        this.clock = clock;
        this.maxAgeMillis = maxAge.toMillis();
        this.maps = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Mapping> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The whole pack (data, footer and trailer) as read-only memory; never to be written or repositioned. */
    synchronized MappedByteBuffer pack(byte[] hash) throws IOException {
        String key = XetHash.hex(hash);
        long now = clock.millis();
        Mapping m = maps.get(key);
        if (m == null || now - m.madeAt() > maxAgeMillis) {
            m = new Mapping(map(hash), now);
            maps.put(key, m);
        }
        return m.bytes();
    }

    /** Forgets a pack gc trashed, compacted or deleted. */
    synchronized void drop(byte[] hash) {
        maps.remove(XetHash.hex(hash));
    }

    private MappedByteBuffer map(byte[] hash) throws IOException {
        try (FileChannel ch = open(hash)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()); // the mapping outlives the channel
        }
    }

    /** Opens a pack by name, or from trash when gc took it out of use meanwhile. */
    FileChannel open(byte[] hash) throws IOException {
        try {
            return FileChannel.open(store.packPath(hash), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            // gc compacted the pack after the file was opened: its bytes wait in trash for a grace period
            return FileChannel.open(store.trashPath(hash), StandardOpenOption.READ);
        }
    }
}
