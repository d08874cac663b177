package dev.forge.storage;

import dev.forge.core.ForgeConfig;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What per-chunk compression saves and costs, per kind of content ({@link SampleData}): the data is cut into Xet
 * chunks, and for each scheme the space saved (with and without the 10 % keep threshold of
 * {@link ChunkCompression}), compression and decompression MiB/s on one thread, against the Xet chunk hash
 * (keyed BLAKE3, which ingest computes for every byte anyway) measured in the same run as the yardstick. Also
 * times lz4-java's pure-Java codecs (without and with {@code sun.misc.Unsafe}) against its JNI one on the same
 * chunks. Each figure is the median of {@code ROUNDS} passes over {@code MIB} MiB per kind after one warm-up pass.
 *
 * <pre>
 * ./mvnw -B -q -Dforge.buildDir=target-compress test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/cp.txt
 * . bin/java-home.sh; $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -cp target-compress/test-classes:target-compress/classes:$(cat /tmp/cp.txt) dev.forge.storage.ChunkCompressionBenchmark [MIB] [ROUNDS]
 * </pre>
 */
public final class ChunkCompressionBenchmark {
    private ChunkCompressionBenchmark() {}

    private static java.io.PrintStream out = System.out;

    public static void main(String[] args) throws IOException {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        out = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        run(2, 2); // warm-up of every code path, not printed
        out = System.out;
        out.printf(Locale.ROOT, "%d MiB per kind, median of %d rounds, one thread%n%n", mib, rounds);
        run(mib, rounds);
    }

    private static void run(int mib, int rounds) throws IOException {
        out.println("| content | scheme | saved, all chunks | saved, chunks kept (>= 10 %) | chunks kept | compress MiB/s | decompress MiB/s | BLAKE3 chunk hash MiB/s (same run) |");
        out.println("|---|---|---|---|---|---|---|---|");
        for (SampleData.Kind kind : SampleData.Kind.values()) {
            byte[] data = kind.bytes(mib << 20, 42);
            int[] cuts = cut(data);
            double hash = mibPerSecond(data.length, rounds, () -> {
                int from = 0;
                for (int c : cuts) {
                    XetHash.chunk(data, from, c - from);
                    from = c;
                }
            });
            for (ChunkCompression.Scheme scheme : List.of(ChunkCompression.Scheme.LZ4, ChunkCompression.Scheme.BG4_LZ4)) {
                ChunkCompression.Stored[] stored = new ChunkCompression.Stored[cuts.length];
                double compress = mibPerSecond(data.length, rounds, () -> {
                    int from = 0;
                    for (int i = 0; i < cuts.length; i++) {
                        stored[i] = ChunkCompression.compress(scheme, data, from, cuts[i] - from);
                        from = cuts[i];
                    }
                });
                long all = 0;
                long kept = 0;
                int keptChunks = 0;
                int from = 0;
                for (int i = 0; i < cuts.length; i++) {
                    int len = cuts[i] - from;
                    all += stored[i].length();
                    boolean keep = stored[i].length() <= (long) Math.floor(len * (1 - ChunkCompression.MIN_SAVING));
                    kept += keep ? stored[i].length() : len;
                    if (keep) keptChunks++;
                    from = cuts[i];
                }
                double decompress = mibPerSecond(data.length, rounds, () -> {
                    int start = 0;
                    for (int i = 0; i < cuts.length; i++) {
                        try {
                            ChunkCompression.decode(scheme, stored[i].bytes(), 0, stored[i].length(), cuts[i] - start);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        start = cuts[i];
                    }
                });
                out.printf(Locale.ROOT, "| %s | %s | %.1f %% | %.1f %% | %d / %d | %.0f | %.0f | %.0f |%n", kind, scheme,
                        100.0 * (data.length - all) / data.length, 100.0 * (data.length - kept) / data.length, keptChunks, cuts.length,
                        compress, decompress, hash);
            }
        }
        out.println();
        out.println("| content | lz4-java codec | LZ4 block compress MiB/s | decompress MiB/s |");
        out.println("|---|---|---|---|");
        for (SampleData.Kind kind : List.of(SampleData.Kind.BF16_GAUSSIAN, SampleData.Kind.TOKENIZER_JSON, SampleData.Kind.RANDOM)) {
            byte[] data = kind.bytes(mib << 20, 43);
            int[] cuts = cut(data);
            for (String name : List.of("safe (pure Java)", "unsafe (pure Java)", "JNI (native, used)")) {
                LZ4Factory f = switch (name.charAt(0)) {
                    case 's' -> LZ4Factory.safeInstance();
                    case 'u' -> LZ4Factory.unsafeInstance();
                    default -> LZ4Factory.nativeInstance();
                };
                LZ4Compressor c = f.fastCompressor();
                byte[][] blocks = new byte[cuts.length][];
                int[] lengths = new int[cuts.length];
                double compress = mibPerSecond(data.length, rounds, () -> {
                    int from = 0;
                    for (int i = 0; i < cuts.length; i++) {
                        int len = cuts[i] - from;
                        if (blocks[i] == null) blocks[i] = new byte[c.maxCompressedLength(len)];
                        lengths[i] = c.compress(data, from, len, blocks[i], 0, blocks[i].length);
                        from = cuts[i];
                    }
                });
                byte[] back = new byte[XetChunker.MAX];
                double decompress = mibPerSecond(data.length, rounds, () -> {
                    int from = 0;
                    for (int i = 0; i < cuts.length; i++) {
                        f.safeDecompressor().decompress(blocks[i], 0, lengths[i], back, 0, back.length);
                        from = cuts[i];
                    }
                });
                out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f |%n", kind, name, compress, decompress);
            }
        }
        out.println();
        out.println("| content | zstd-jni (native) | saved, chunks kept (>= 10 %) | compress MiB/s | decompress MiB/s |");
        out.println("|---|---|---|---|---|");
        for (SampleData.Kind kind : List.of(SampleData.Kind.BF16_GAUSSIAN, SampleData.Kind.F32_GAUSSIAN, SampleData.Kind.INT8,
                SampleData.Kind.Q4_BLOCKS, SampleData.Kind.TOKENIZER_JSON, SampleData.Kind.RANDOM)) {
            byte[] data = kind.bytes(mib << 20, 45);
            int[] cuts = cut(data);
            for (int level : new int[] {1, 3}) {
                for (boolean grouped : new boolean[] {false, true}) {
                    byte[][] packed = new byte[cuts.length][];
                    long[] lengths = new long[cuts.length];
                    double compress = mibPerSecond(data.length, rounds, () -> {
                        int from = 0;
                        for (int i = 0; i < cuts.length; i++) {
                            int len = cuts[i] - from;
                            byte[] src = grouped ? ByteGrouping.split(data, from, len) : data;
                            int off = grouped ? 0 : from;
                            if (packed[i] == null) packed[i] = new byte[(int) com.github.luben.zstd.Zstd.compressBound(len)];
                            lengths[i] = com.github.luben.zstd.Zstd.compressByteArray(packed[i], 0, packed[i].length, src, off, len, level);
                            from = cuts[i];
                        }
                    });
                    long kept = 0;
                    int from = 0;
                    for (int i = 0; i < cuts.length; i++) {
                        int len = cuts[i] - from;
                        kept += lengths[i] <= (long) Math.floor(len * (1 - ChunkCompression.MIN_SAVING)) ? lengths[i] : len;
                        from = cuts[i];
                    }
                    byte[] back = new byte[XetChunker.MAX];
                    double decompress = mibPerSecond(data.length, rounds, () -> {
                        int start = 0;
                        for (int i = 0; i < cuts.length; i++) {
                            com.github.luben.zstd.Zstd.decompressByteArray(back, 0, cuts[i] - start, packed[i], 0, (int) lengths[i]);
                            if (grouped) ByteGrouping.regroup(Arrays.copyOf(back, cuts[i] - start));
                            start = cuts[i];
                        }
                    });
                    out.printf(Locale.ROOT, "| %s | level %d%s | %.1f %% | %.0f | %.0f |%n", kind, level, grouped ? ", byte-grouped" : "",
                            100.0 * (data.length - kept) / data.length, compress, decompress);
                }
            }
        }
        storeSection(mib * 4, rounds);
        // the policy as ingest runs it, one scheme tried per chunk
        out.println();
        out.println("| content | mode | encode (try + keep) MiB/s | stored / logical |");
        out.println("|---|---|---|---|");
        for (SampleData.Kind kind : SampleData.Kind.values()) {
            byte[] data = kind.bytes(mib << 20, 44);
            int[] cuts = cut(data);
            for (ForgeConfig.Storage.Compression mode : List.of(ForgeConfig.Storage.Compression.LZ4, ForgeConfig.Storage.Compression.AUTO)) {
                ChunkCompression policy = new ChunkCompression(mode);
                long[] stored = new long[1];
                double speed = mibPerSecond(data.length, rounds, () -> {
                    int from = 0;
                    long total = 0;
                    for (int c : cuts) {
                        total += policy.encode(data, from, c - from).length();
                        from = c;
                    }
                    stored[0] = total;
                });
                out.printf(Locale.ROOT, "| %s | %s | %.0f | %.3f |%n", kind, mode, speed, (double) stored[0] / data.length);
            }
        }
    }

    /**
     * The store end to end, in-process: {@code ChunkStore.put} of {@code mib} MiB (chunking, hashing, compression,
     * pack writing and fsync, SHA-256) with compression off and AUTO, and random 1 MiB ranged reads of the stored
     * file, each store fresh in a temporary folder, the order alternating per round.
     */
    private static void storeSection(int mib, int rounds) throws IOException {
        out.println();
        out.printf(Locale.ROOT, "Store, in-process, %d MiB file, median of %d rounds%n%n", mib, rounds);
        out.println("| content | compression | ingest MiB/s | stored / logical | random 1 MiB ranges MiB/s |");
        out.println("|---|---|---|---|---|");
        for (SampleData.Kind kind : List.of(SampleData.Kind.BF16_GAUSSIAN, SampleData.Kind.TOKENIZER_JSON, SampleData.Kind.RANDOM)) {
            byte[] data = kind.bytes(mib << 20, 46);
            dev.forge.core.LfsOid oid = BlobStoreContract.oidOf(data);
            List<ForgeConfig.Storage.Compression> modes = List.of(ForgeConfig.Storage.Compression.NONE, ForgeConfig.Storage.Compression.AUTO);
            double[][] ingest = new double[2][rounds];
            double[][] ranges = new double[2][rounds];
            double[] ratio = new double[2];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    int m = (r % 2 == 0) ? k : 1 - k;
                    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("compress-bench");
                    try (ChunkStore store = new ChunkStore(dir, java.time.InstantSource.system(), new ChunkCompression(modes.get(m)))) {
                        long t0 = System.nanoTime();
                        store.put(new java.io.ByteArrayInputStream(data), oid, data.length);
                        ingest[m][r] = mib / ((System.nanoTime() - t0) / 1e9);
                        ratio[m] = (double) store.stats().storedBytes() / data.length;
                        java.util.SplittableRandom random = new java.util.SplittableRandom(r);
                        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
                        int reads = 4 * mib;
                        long t1 = System.nanoTime();
                        try (java.nio.channels.SeekableByteChannel ch = store.open(oid)) {
                            for (int i = 0; i < reads; i++) {
                                ch.position(random.nextLong(data.length - buf.capacity()));
                                buf.clear();
                                while (buf.hasRemaining() && ch.read(buf) >= 0) { /* read on */ }
                            }
                        }
                        ranges[m][r] = reads / ((System.nanoTime() - t1) / 1e9);
                    } finally {
                        try (var walk = java.nio.file.Files.walk(dir)) {
                            for (java.nio.file.Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
                        }
                    }
                }
            }
            for (int m = 0; m < 2; m++) {
                Arrays.sort(ingest[m]);
                Arrays.sort(ranges[m]);
                out.printf(Locale.ROOT, "| %s | %s | %.0f | %.3f | %.0f |%n", kind, modes.get(m), ingest[m][rounds / 2], ratio[m], ranges[m][rounds / 2]);
            }
        }
    }

    private static int[] cut(byte[] data) {
        XetChunker chunker = new XetChunker();
        List<Integer> cuts = new ArrayList<>();
        for (int at = 0, c; at < data.length && (c = chunker.scan(data, at, data.length)) >= 0; at = c) cuts.add(c);
        if (cuts.isEmpty() || cuts.getLast() != data.length) cuts.add(data.length);
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Median MiB/s of {@code rounds} timed runs of {@code pass} over {@code bytes}, after one untimed run. */
    private static double mibPerSecond(long bytes, int rounds, Runnable pass) {
        pass.run();
        double[] speeds = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            pass.run();
            speeds[r] = bytes / 1048576.0 / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(speeds);
        return speeds[rounds / 2];
    }
}
