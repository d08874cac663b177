package dev.forge.storage;

import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static dev.forge.storage.BlobStoreContract.bytes;
import static dev.forge.storage.BlobStoreContract.in;
import static dev.forge.storage.BlobStoreContract.oidOf;
import static org.assertj.core.api.Assertions.assertThat;

/** gc and fsck of a {@link ChunkStore}: what is removed, what survives, and that damage is found. */
class ChunkGcTest {
    private static final Duration GRACE = Duration.ofHours(1);
    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final InstantSource clock = () -> now.get();
    private ChunkStore store;

    @BeforeEach
    void open() throws IOException {
        store = new ChunkStore(dir.resolve("chunks"), clock, 8 << 20);
    }

    private LfsOid put(byte[] content) throws IOException {
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        return oid;
    }

    private byte[] read(LfsOid oid) throws IOException {
        try (var ch = store.open(oid)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b) >= 0) { /* read on */ }
            return b.array();
        }
    }

    private void later() {
        now.set(now.get().plus(GRACE).plusSeconds(60));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * gc decides what is live before it sweeps. A commit that references an old, unreferenced object in between
     * retains it (as the commit and push checks do), so the sweep keeps it; once swept, retain says it is gone
     * and the commit is refused instead of pointing at nothing.
     */
    @Test
    void anObjectRetainedByACommitAfterGcMarkedSurvivesTheSweep() throws IOException {
        byte[] content = bytes(1_500_000, 9);
        LfsOid old = put(content);
        later(); // the object is now older than the grace period and no commit references it
        Set<LfsOid> markedBeforeTheCommit = Set.of();
        assertThat(store.retain(old)).contains((long) content.length); // the commit's check
        store.gc(markedBeforeTheCommit, GRACE, s -> {});
        assertThat(read(old)).isEqualTo(content);

        later();
        store.gc(Set.of(), GRACE, s -> {}); // really unreferenced now
        assertThat(store.size(old)).isEmpty();
        assertThat(store.retain(old)).as("a later commit is refused").isEmpty();
    }

    @Test
    void unreferencedFilesAndTheirChunksGoOnlyAfterTheGracePeriod() throws IOException {
        byte[] a = bytes(2_000_000, 1);
        byte[] b = bytes(2_000_000, 2);
        LfsOid keep = put(a);
        LfsOid drop = put(b);
        // young: nothing goes even though only one file is live
        ChunkStore.GcReport young = store.gc(Set.of(keep), GRACE, s -> {});
        assertThat(young.filesRemoved()).isZero();
        assertThat(store.size(drop)).isPresent();
        later();
        ChunkStore.GcReport first = store.gc(Set.of(keep), GRACE, s -> {});
        assertThat(first.filesRemoved()).isEqualTo(1);
        assertThat(first.packsTrashed()).isEqualTo(1);
        assertThat(store.size(drop)).isEmpty();
        assertThat(read(keep)).isEqualTo(a);
        later();
        ChunkStore.GcReport second = store.gc(Set.of(keep), GRACE, s -> {});
        assertThat(second.packsDeleted()).isEqualTo(1);
        assertThat(second.bytesDeleted()).isGreaterThanOrEqualTo(b.length);
        assertThat(store.stats().storedBytes()).isLessThan(a.length + 100_000L);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
    }

    @Test
    void sharedChunksSurviveWhileAnyFileUsesThem() throws IOException {
        byte[] base = bytes(3_000_000, 3);
        LfsOid whole = put(concat(base, bytes(1_000_000, 4)));
        LfsOid prefix = put(base);   // dedups against the first file's pack
        long stored = store.stats().storedBytes();
        assertThat(stored).isLessThan(4_000_000L + 300_000);
        later();
        store.gc(Set.of(prefix), GRACE, s -> {});
        assertThat(store.size(whole)).isEmpty();
        assertThat(read(prefix)).isEqualTo(base);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
    }

    @Test
    void aPackLessThanHalfUsedIsCompacted() throws IOException {
        byte[] small = bytes(1_000_000, 5);
        byte[] big = concat(small, bytes(3_000_000, 6));
        LfsOid bigOid = put(big);
        LfsOid smallOid = put(small);
        later();
        ChunkStore.GcReport r = store.gc(Set.of(smallOid), GRACE, s -> {});
        assertThat(r.filesRemoved()).isEqualTo(1);
        assertThat(r.packsCompacted()).isEqualTo(1);
        assertThat(read(smallOid)).isEqualTo(small);
        assertThat(store.size(bigOid)).isEmpty();
        later();
        store.gc(Set.of(smallOid), GRACE, s -> {});
        assertThat(store.stats().storedBytes()).isLessThan(small.length + 300_000L);
        assertThat(read(smallOid)).isEqualTo(small);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
    }

    @Test
    void anUploadThatDeduplicatedAgainstATrashedPackTakesItBack() throws IOException {
        byte[] content = bytes(1_500_000, 7);
        LfsOid oid = put(content);
        later();
        store.gc(Set.of(), GRACE, s -> {});
        assertThat(store.size(oid)).isEmpty();
        // the chunk index still knows the trashed pack: the upload writes no new chunks and takes it back
        long before = store.stats().storedBytes();
        put(content);
        assertThat(read(oid)).isEqualTo(content);
        assertThat(store.stats().storedBytes()).isGreaterThanOrEqualTo(before + content.length);
        later();
        store.gc(Set.of(oid), GRACE, s -> {});
        assertThat(read(oid)).isEqualTo(content);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
    }

    @Test
    void aReUploadOfAnOldUnreferencedFileMakesItYoungAgain() throws IOException {
        byte[] content = bytes(100_000, 8);
        LfsOid oid = put(content);
        later();
        put(content); // whole-file dedup: nothing written, but the file is fresh for gc
        store.gc(Set.of(), GRACE, s -> {});
        assertThat(read(oid)).isEqualTo(content);
    }

    @Test
    void fsckFindsACorruptedChunk() throws IOException {
        byte[] content = bytes(600_000, 9);
        LfsOid oid = put(content);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
        List<Path> packs = store.packFiles();
        assertThat(packs).hasSize(1);
        try (RandomAccessFile f = new RandomAccessFile(packs.getFirst().toFile(), "rw")) {
            f.seek(300_000);
            int b = f.read();
            f.seek(300_000);
            f.write(b ^ 0x01);
        }
        ChunkStore.FsckReport report = store.fsck(s -> {});
        assertThat(report.problems()).anyMatch(p -> p.contains("chunk") && p.contains("is corrupt"));
        assertThat(report.problems()).anyMatch(p -> p.contains("file " + oid) && p.contains("content hashes to"));
        assertThat(report.verified()).doesNotContain(oid);
    }

    private void compressNewChunks() throws IOException {
        store.close();
        store = new ChunkStore(dir.resolve("chunks"), clock, 8 << 20, new ChunkCompression(ForgeConfig.Storage.Compression.AUTO));
    }

    @Test
    void compactionCopiesCompressedChunksAsTheyAre() throws IOException {
        compressNewChunks();
        byte[] small = SampleData.Kind.BF16_GAUSSIAN.bytes(1_000_000, 12);
        byte[] big = concat(small, bytes(3_000_000, 13));
        LfsOid bigOid = put(big);
        LfsOid smallOid = put(small);
        assertThat(store.footprint(List.of(smallOid)).storedBytes()).isLessThan(small.length * 9L / 10);
        later();
        ChunkStore.GcReport r = store.gc(Set.of(smallOid), GRACE, s -> {});
        assertThat(r.packsCompacted()).isEqualTo(1);
        assertThat(store.size(bigOid)).isEmpty();
        assertThat(read(smallOid)).isEqualTo(small);
        later();
        store.gc(Set.of(smallOid), GRACE, s -> {});
        // the new pack holds the chunks still compressed
        assertThat(store.stats().storedBytes()).isLessThan(small.length * 9L / 10);
        assertThat(read(smallOid)).isEqualTo(small);
        ChunkStore.FsckReport fsck = store.fsck(s -> {});
        assertThat(fsck.problems()).isEmpty();
        assertThat(fsck.verified()).contains(smallOid);
    }

    @Test
    void fsckFindsACorruptedCompressedChunk() throws IOException {
        compressNewChunks();
        byte[] content = SampleData.Kind.TOKENIZER_JSON.bytes(600_000, 14);
        LfsOid oid = put(content);
        assertThat(store.fsck(s -> {}).problems()).isEmpty();
        List<Path> packs = store.packFiles();
        assertThat(packs).hasSize(1);
        long dataLength = Pack.read(packs.getFirst(), new byte[32]).dataLength();
        assertThat(dataLength).isLessThan(content.length * 9L / 10);
        try (RandomAccessFile f = new RandomAccessFile(packs.getFirst().toFile(), "rw")) {
            f.seek(dataLength / 2);
            int b = f.read();
            f.seek(dataLength / 2);
            f.write(b ^ 0x5a);
        }
        ChunkStore.FsckReport report = store.fsck(s -> {});
        assertThat(report.problems()).anyMatch(p -> p.contains("chunk") && p.contains("is corrupt"));
        assertThat(report.problems()).anyMatch(p -> p.startsWith("file " + oid));
        assertThat(report.verified()).doesNotContain(oid);
    }

    @Test
    void fsckFindsAMissingPackAndADamagedManifest() throws IOException {
        LfsOid a = put(bytes(200_000, 10));
        LfsOid b = put(bytes(200_000, 11));
        Files.delete(store.packPath(store.manifest(a).orElseThrow().runs().getFirst().pack()));
        Path mb = store.filePath(b);
        byte[] m = Files.readAllBytes(mb);
        m[20] ^= 1;
        Files.write(mb, m);
        List<String> problems = store.fsck(s -> {}).problems();
        assertThat(problems).anyMatch(p -> p.startsWith("file " + a) && p.contains("missing"));
        assertThat(problems).anyMatch(p -> p.startsWith("file " + b) && p.contains("checksum"));
    }
}
