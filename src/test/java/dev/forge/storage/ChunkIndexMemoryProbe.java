package dev.forge.storage;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How much heap the chunk store's in-memory chunk index takes per chunk: writes {@code packs} synthetic packs of
 * 8,192 one-byte chunks with random hashes (only their footers matter), then measures the heap a {@link ChunkStore}
 * holds after indexing them at start-up. Not a test; run it by hand (the figure is in docs/benchmarks.md):
 *
 * <pre>
 * ./mvnw -B -q -Dforge.buildDir=target-lead test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/cp.txt
 * . bin/java-home.sh; $JAVA_HOME/bin/java -Xmx6g --add-modules jdk.incubator.vector -cp target-lead/test-classes:target-lead/classes:$(cat /tmp/cp.txt) dev.forge.storage.ChunkIndexMemoryProbe 256
 * </pre>
 */
public class ChunkIndexMemoryProbe {
    public static void main(String[] a) throws Exception {
        int packs = Integer.parseInt(a[0]);
        Path root = Files.createTempDirectory("chunk-index-probe");
        SplittableRandom r = new SplittableRandom(1);
        for (int p = 0; p < packs; p++) {
            List<byte[]> hashes = new ArrayList<>();
            for (int i = 0; i < Pack.MAX_CHUNKS; i++) { byte[] h = new byte[32]; r.nextBytes(h); hashes.add(h); }
            List<Integer> ones = Collections.nCopies(hashes.size(), 1);
            List<ChunkCompression.Scheme> none = Collections.nCopies(hashes.size(), ChunkCompression.Scheme.NONE);
            ByteBuffer f = Pack.footer(hashes, ones, ones, none, hashes.size());
            byte[] name = new byte[32]; r.nextBytes(name);
            String hex = XetHash.hex(name);
            Path file = root.resolve("packs").resolve(hex.substring(0, 2)).resolve(hex + ".pack");
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(hashes.size()));
                while (f.hasRemaining()) ch.write(f);
            }
        }
        long before = used();
        ChunkStore store = new ChunkStore(root, InstantSource.system());
        long after = used();
        long chunks = (long) packs * Pack.MAX_CHUNKS;
        System.out.printf("%d chunks indexed: %.1f MiB of heap, %.1f bytes per chunk%n", chunks, (after - before) / 1048576.0, (after - before) / (double) chunks);
        store.close();
        try (var walk = Files.walk(root)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    static long used() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) { System.gc(); Thread.sleep(100); }
        return rt.totalMemory() - rt.freeMemory();
    }
}
