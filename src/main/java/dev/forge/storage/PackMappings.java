package dev.forge.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Read-only memory mappings of pack files, shared by every reader of a store: a read is then a copy from the page
 * cache (or, for a server, a socket write straight from it) with no file to open and no system call. Packs never
 * change once named, so a mapping stays right as long as it lives.
 *
 * <p>Bounded, and unmapped explicitly: a Caffeine cache holds at most {@code capacity} mappings (least recently and
 * frequently used dropped first) and drops a mapping older than {@code maxAge} (made again on its next use, so a pack a
 * gc in another process deleted stops pinning its disk space); gc in this process drops its packs at once ({@link
 * #drop}). A dropped mapping is unmapped as soon as no reader holds it, not whenever the collector gets to it.
 *
 * <p>Why this cannot crash the JVM: unmapping memory a reader still uses would. So every mapping is reference-counted
 * — the cache holds one reference while it caches it, each reader one {@link Lease} while it uses the bytes (a copy,
 * or a socket write that may finish on another thread) — and only the release of the last reference unmaps it. A
 * reader that loses the race with an eviction finds the count at zero and maps the pack again. The memory itself
 * belongs to a shared {@link Arena}: should a bug ever touch the bytes after their unmapping, the access fails with an
 * {@link IllegalStateException} instead of reading freed memory. Thread-safe.
 */
final class PackMappings implements AutoCloseable {
    private final ChunkStore store;
    private final InstantSource clock;
    private final Cache<String, Mapping> maps;
    /** Mappings made and not yet unmapped (cached or still leased), for tests and figures. */
    private final AtomicInteger live = new AtomicInteger();

    PackMappings(ChunkStore store, InstantSource clock, int capacity, Duration maxAge) {
        this.store = store;
        this.clock = clock;
        this.maps = Caffeine.newBuilder()
                .maximumSize(capacity)
                .expireAfterWrite(maxAge)
                .ticker(this::nanos)
                .executor(Runnable::run) // the cache's reference is released on the thread that evicts
                .<String, Mapping>removalListener((key, mapping, cause) -> {
                    if (mapping != null) mapping.release();
                })
                .build();
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * A lease on a whole pack (data, footer and trailer) as read-only memory, never to be written: the bytes stay
     * mapped until the lease is closed, even if the pack is dropped meanwhile. Close it once done with every buffer
     * taken from {@link Lease#bytes()}.
     */
    Lease pack(byte[] hash) throws IOException {
        String key = XetHash.hex(hash);
        while (true) {
            Mapping m;
            try {
                m = maps.get(key, k -> map(hash));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (m.acquire()) return new Lease(m);
            maps.asMap().remove(key, m); // dropped by another thread after we found it: map the pack again
        }
    }

    /** Forgets a pack gc trashed, compacted or deleted; its memory is unmapped when its last reader is done. */
    void drop(byte[] hash) {
        maps.invalidate(XetHash.hex(hash));
    }

    /** Mappings made and not unmapped yet: cached, or dropped but still leased. */
    int live() {
        maps.cleanUp();
        return live.get();
    }

    /** Drops every mapping; each is unmapped when its last reader is done. */
    @Override
    public void close() {
        maps.invalidateAll();
        maps.cleanUp();
    }

    private Mapping map(byte[] hash) {
        try (FileChannel ch = open(hash)) {
            Arena arena = Arena.ofShared();
            try {
                MemorySegment segment = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena); // outlives the channel
                live.incrementAndGet();
                return new Mapping(arena, segment.asByteBuffer().asReadOnlyBuffer());
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** One mapping and its references: the cache's (from mapping to eviction) and one per open lease. */
    private final class Mapping {
        private final Arena arena;
        private final ByteBuffer bytes;
        private final AtomicInteger refs = new AtomicInteger(1);

        Mapping(Arena arena, ByteBuffer bytes) {
            this.arena = arena;
            this.bytes = bytes;
        }

        /** Takes a reference unless the last one is gone (the memory is unmapped or about to be). */
        boolean acquire() {
            for (int n = refs.get(); n > 0; n = refs.get()) {
                if (refs.compareAndSet(n, n + 1)) return true;
            }
            return false;
        }

        void release() {
            int n = refs.decrementAndGet();
            if (n == 0) {
                arena.close();
                live.decrementAndGet();
            } else if (n < 0) {
                throw new IllegalStateException("a pack mapping was released more often than it was taken");
            }
        }
    }

    /** A reader's hold on a pack's memory. Its bytes are valid until {@link #close}; closing twice is harmless. Thread-safe. */
    static final class Lease implements AutoCloseable {
        private final Mapping mapping;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Mapping mapping) {
            this.mapping = mapping;
        }

        /** The whole pack, read-only; a new view per call (position 0), so readers never share a position. */
        ByteBuffer bytes() {
            return mapping.bytes.duplicate();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) mapping.release();
        }
    }
}
