package dev.forge.storage;

import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any byte range of any stored file reads back equal to the original, in a store without compression and in one
 * with compression on. Files are built from a few shared "segments" (random bytes, and bytes that compress:
 * bf16 weights, text, quantized weights; so they deduplicate against each other in many ways and runs mix
 * compressed and uncompressed chunks), small packs force runs across packs, and the ranges hit chunk, run and
 * pack edges as well as arbitrary positions.
 */
class ChunkStorePropertiesTest {
    private static Path dir;
    private static ChunkStore store;
    private static ChunkStore compressed;
    private static final SampleData.Kind[] KINDS = {SampleData.Kind.RANDOM, SampleData.Kind.RANDOM, SampleData.Kind.RANDOM,
            SampleData.Kind.BF16_GAUSSIAN, SampleData.Kind.TOKENIZER_JSON, SampleData.Kind.F32_GAUSSIAN};
    private static final byte[][] SEGMENTS = new byte[KINDS.length][];

    @BeforeContainer
    static void createStore() throws IOException {
        dir = Files.createTempDirectory("chunkstore-props");
        store = new ChunkStore(dir.resolve("plain"), InstantSource.system(), 512 * 1024);
        compressed = new ChunkStore(dir.resolve("compressed"), InstantSource.system(), 512 * 1024,
                new ChunkCompression(ForgeConfig.Storage.Compression.AUTO));
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < SEGMENTS.length; i++) SEGMENTS[i] = KINDS[i].bytes(r.nextInt(1, 400_000), r.nextLong());
    }

    @AfterContainer
    static void deleteStore() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** A file: a sequence of pieces, each a slice of a shared segment or a run of one repeated byte. */
    record Piece(int segment, int from, int length, int fill) {}

    @Provide
    Arbitrary<List<Piece>> files() {
        Arbitrary<Piece> piece = Combinators.combine(Arbitraries.integers().between(-1, SEGMENTS.length - 1),
                        Arbitraries.integers().between(0, 399_999), Arbitraries.integers().between(0, 300_000),
                        Arbitraries.integers().between(0, 255))
                .as((s, from, len, fill) -> {
                    if (s < 0) return new Piece(-1, 0, len, fill);
                    int f = from % SEGMENTS[s].length;
                    return new Piece(s, f, Math.min(len, SEGMENTS[s].length - f), fill);
                });
        return piece.list().ofMinSize(0).ofMaxSize(8);
    }

    static byte[] build(List<Piece> pieces) {
        int total = pieces.stream().mapToInt(Piece::length).sum();
        byte[] out = new byte[total];
        int at = 0;
        for (Piece p : pieces) {
            if (p.segment() < 0) Arrays.fill(out, at, at + p.length(), (byte) p.fill());
            else System.arraycopy(SEGMENTS[p.segment()], p.from(), out, at, p.length());
            at += p.length();
        }
        return out;
    }

    @Property(tries = 60)
    void anyRangeOfAnyStoredFileReadsBackEqual(@ForAll("files") List<Piece> pieces, @ForAll("fractions") List<Double> starts,
                                               @ForAll("fractions") List<Double> lengths) throws IOException {
        byte[] content = build(pieces);
        for (ChunkStore s : List.of(store, compressed)) readsBackEqual(s, content, starts, lengths);
    }

    /**
     * The compressed store really holds compressed chunks: what it stores of the bf16 and text segments is smaller
     * (f32 weights do not shrink by the 10 % LZ4 needs; see docs/benchmarks.md).
     */
    @Example
    void compressibleSegmentsAreStoredSmaller() throws IOException {
        for (int i = 3; i <= 4; i++) {
            byte[] content = SEGMENTS[i];
            LfsOid oid = BlobStoreContract.oidOf(content);
            compressed.put(new ByteArrayInputStream(content), oid, content.length);
            StorageFigures.Footprint f = compressed.footprint(List.of(oid));
            assertThat(f.logicalBytes()).isEqualTo(content.length);
            assertThat(f.storedBytes()).as(KINDS[i].name()).isLessThan((long) (content.length * 0.9));
        }
    }

    private static void readsBackEqual(ChunkStore store, byte[] content, List<Double> starts, List<Double> lengths) throws IOException {
        LfsOid oid = BlobStoreContract.oidOf(content);
        store.put(new ByteArrayInputStream(content), oid, content.length);
        assertThat(store.size(oid)).contains((long) content.length);
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {0, content.length});
        for (int i = 0; i < Math.min(starts.size(), lengths.size()); i++) {
            long start = (long) (starts.get(i) * content.length);
            long length = (long) (lengths.get(i) * (content.length - start + 1));
            ranges.add(new long[] {start, length});
        }
        try (SeekableByteChannel ch = store.open(oid)) {
            for (long[] r : ranges) {
                ch.position(r[0]);
                ByteBuffer buf = ByteBuffer.allocate((int) r[1]);
                while (buf.hasRemaining() && ch.read(buf) >= 0) { /* read on */ }
                int expected = (int) Math.max(0, Math.min(r[1], content.length - r[0]));
                assertThat(buf.position()).isEqualTo(expected);
                assertThat(Arrays.copyOf(buf.array(), expected))
                        .isEqualTo(Arrays.copyOfRange(content, (int) r[0], (int) r[0] + expected));
            }
        }
    }

    @Provide
    Arbitrary<List<Double>> fractions() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(0, 1), Arbitraries.of(0.0, 1.0, 0.5)).list().ofMaxSize(6);
    }
}
