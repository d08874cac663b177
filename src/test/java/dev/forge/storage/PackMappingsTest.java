package dev.forge.storage;

import dev.forge.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pack mappings are dropped by the cache (capacity, age, gc) but unmapped only when their last reader lets go: a
 * reader's bytes stay right through any eviction, every mapping made is unmapped in the end, and bytes touched after
 * their release fail with an exception instead of reading unmapped memory.
 */
class PackMappingsTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private ChunkStore store;
    private List<byte[]> packs;

    @BeforeEach
    void storeSomePacks() throws IOException {
        store = new ChunkStore(dir.resolve("chunks"), clock, 1 << 20);
        byte[] content = new byte[5_000_000];
        new Random(7).nextBytes(content);
        store.put(new ByteArrayInputStream(content));
        packs = new ArrayList<>();
        for (Path p : store.packFiles()) packs.add(XetHash.fromHex(p.getFileName().toString().replace(".pack", "")));
        assertThat(packs).hasSizeGreaterThanOrEqualTo(4);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private byte[] fileBytes(byte[] hash) throws IOException {
        return Files.readAllBytes(store.packPath(hash));
    }

    private static byte[] all(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void aLeasedMappingOutlivesItsEvictionAndIsUnmappedWhenItsReaderLetsGo() throws IOException {
        PackMappings maps = new PackMappings(store, clock, 1, Duration.ofMinutes(1));
        PackMappings.Lease a = maps.pack(packs.get(0));
        ByteBuffer bytes = a.bytes();
        try (PackMappings.Lease b = maps.pack(packs.get(1))) { // evicts the first from the cache of one
            assertThat(all(b.bytes())).isEqualTo(fileBytes(packs.get(1)));
        }
        assertThat(maps.live()).as("evicted but still leased, and the second cached").isEqualTo(2);
        assertThat(all(bytes.duplicate())).isEqualTo(fileBytes(packs.get(0)));
        a.close();
        assertThat(maps.live()).as("the evicted mapping is unmapped once released").isEqualTo(1);
        assertThatThrownBy(bytes::get).as("bytes touched after their release fail instead of reading unmapped memory")
                .isInstanceOf(IllegalStateException.class);
        a.close(); // closing twice is harmless
        assertThat(maps.live()).isEqualTo(1);
        maps.close();
        assertThat(maps.live()).isZero();
    }

    @Test
    void droppingAPackUnmapsItWhenTheLastOfItsReadersIsDone() throws IOException {
        PackMappings maps = new PackMappings(store, clock, 16, Duration.ofMinutes(1));
        PackMappings.Lease first = maps.pack(packs.get(0));
        PackMappings.Lease second = maps.pack(packs.get(0));
        maps.drop(packs.get(0));
        assertThat(maps.live()).isEqualTo(1);
        first.close();
        assertThat(all(second.bytes())).isEqualTo(fileBytes(packs.get(0)));
        second.close();
        assertThat(maps.live()).isZero();
        try (PackMappings.Lease again = maps.pack(packs.get(0))) {
            assertThat(all(again.bytes())).as("mapped afresh on its next use").isEqualTo(fileBytes(packs.get(0)));
        }
        assertThat(maps.live()).isEqualTo(1);
        maps.close();
        assertThat(maps.live()).isZero();
    }

    @Test
    void aMappingOlderThanItsMaximumAgeIsMadeAgain() throws IOException {
        PackMappings maps = new PackMappings(store, clock, 16, Duration.ofMinutes(1));
        PackMappings.Lease old = maps.pack(packs.get(0));
        try (PackMappings.Lease same = maps.pack(packs.get(0))) {
            assertThat(maps.live()).isEqualTo(1);
        }
        clock.advance(Duration.ofSeconds(61));
        try (PackMappings.Lease fresh = maps.pack(packs.get(0))) {
            assertThat(maps.live()).as("a new mapping, the old one still leased").isEqualTo(2);
            assertThat(all(fresh.bytes())).isEqualTo(fileBytes(packs.get(0)));
        }
        old.close();
        assertThat(maps.live()).isEqualTo(1);
        maps.close();
        assertThat(maps.live()).isZero();
    }

    /** Readers on eight threads while a ninth drops packs and a cache of two evicts: every read is right, nothing leaks. */
    @Test
    void concurrentReadersNeverSeeAnUnmappedPackAndNothingLeaks() throws Exception {
        PackMappings maps = new PackMappings(store, clock, 2, Duration.ofMinutes(1));
        List<byte[]> expected = new ArrayList<>();
        for (byte[] p : packs) expected.add(fileBytes(p));
        ExecutorService pool = Executors.newFixedThreadPool(9);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 2_000; i++) {
                        int p = r.nextInt(packs.size());
                        try (PackMappings.Lease l = maps.pack(packs.get(p))) {
                            ByteBuffer b = l.bytes();
                            int at = r.nextInt(b.capacity() - 64);
                            for (int k = 0; k < 64; k++) {
                                if (b.get(at + k) != expected.get(p)[at + k]) throw new AssertionError("pack " + p + " byte " + (at + k));
                            }
                        }
                    }
                    return 2_000;
                }));
            }
            Future<?> dropper = pool.submit(() -> {
                Random r = new Random(99);
                while (!stop.get()) maps.drop(packs.get(r.nextInt(packs.size())));
                return null;
            });
            for (Future<Integer> f : readers) assertThat(f.get()).isEqualTo(2_000);
            stop.set(true);
            dropper.get();
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        maps.close();
        assertThat(maps.live()).as("every mapping made was unmapped").isZero();
    }
}
