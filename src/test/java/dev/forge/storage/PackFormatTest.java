package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

import static dev.forge.storage.BlobStoreContract.bytes;
import static dev.forge.storage.BlobStoreContract.in;
import static dev.forge.storage.BlobStoreContract.oidOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stores written before compression existed keep working: a pack of format 1 ({@code FGPACK01}: hash and length
 * per chunk) and a manifest of format 1 ({@code FGGFIL01}: no stored length per run), written here byte by byte as
 * the old code wrote them, are read, verified, deduplicated against and compacted.
 */
class PackFormatTest {
    @TempDir
    Path dir;

    /** Writes {@code content} as the old code did: one format-1 pack, one format-1 manifest. */
    private static LfsOid writeFormat1(ChunkStore store, byte[] content) throws IOException {
        XetChunker chunker = new XetChunker();
        List<Integer> cuts = new ArrayList<>();
        for (int at = 0, cut; at < content.length && (cut = chunker.scan(content, at, content.length)) >= 0; at = cut) cuts.add(cut);
        if (cuts.isEmpty() || cuts.getLast() != content.length) cuts.add(content.length);
        List<XetHash.Node> nodes = new ArrayList<>();
        ByteBuffer footer = ByteBuffer.allocate(cuts.size() * (32 + 4) + 20).order(ByteOrder.LITTLE_ENDIAN);
        int from = 0;
        for (int cut : cuts) {
            byte[] h = XetHash.chunk(content, from, cut - from);
            nodes.add(new XetHash.Node(h, cut - from));
            footer.put(h).putInt(cut - from);
            from = cut;
        }
        footer.putInt(cuts.size()).putLong(content.length).putLong(0x31304b4341504746L); // "FGPACK01"
        byte[] pack = XetHash.merkleRoot(nodes);
        Path packFile = store.packPath(pack);
        Files.createDirectories(packFile.getParent());
        byte[] file = Arrays.copyOf(content, content.length + footer.capacity());
        System.arraycopy(footer.array(), 0, file, content.length, footer.capacity());
        Files.write(packFile, file);

        ByteBuffer m = ByteBuffer.allocate(8 + 8 + 32 + 4 + (32 + 4 + 4 + 8 + 8) + 4).order(ByteOrder.LITTLE_ENDIAN);
        m.putLong(0x31304c4946474746L).putLong(content.length).put(XetHash.fileHash(nodes)).putInt(1); // "FGGFIL01"
        m.put(pack).putInt(0).putInt(cuts.size()).putLong(0).putLong(content.length);
        CRC32C crc = new CRC32C();
        crc.update(m.array(), 0, m.position());
        m.putInt((int) crc.getValue());
        LfsOid oid = oidOf(content);
        Files.createDirectories(store.filePath(oid).getParent());
        Files.write(store.filePath(oid), m.array());
        return oid;
    }

    private static byte[] read(ChunkStore store, LfsOid oid, long at, int length) throws IOException {
        try (SeekableByteChannel ch = store.open(oid)) {
            ch.position(at);
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b) >= 0) { /* read on */ }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    @Test
    void aFormat1StoreReadsVerifiesAndDeduplicates() throws IOException {
        byte[] content = bytes(1_500_000, 21);
        LfsOid oid;
        try (ChunkStore old = new ChunkStore(dir, InstantSource.system())) {
            oid = writeFormat1(old, content);
        }
        try (ChunkStore store = new ChunkStore(dir, InstantSource.system(), ChunkCompression.OFF)) {
            assertThat(store.size(oid)).contains((long) content.length);
            assertThat(read(store, oid, 0, content.length)).isEqualTo(content);
            assertThat(read(store, oid, 777_777, 100_000)).isEqualTo(Arrays.copyOfRange(content, 777_777, 877_777));
            ChunkStore.FsckReport fsck = store.fsck(s -> {});
            assertThat(fsck.problems()).isEmpty();
            assertThat(fsck.verified()).containsExactly(oid);
            // the index was rebuilt from the old pack: a file sharing all but its last bytes adds one chunk at most
            long before = store.stats().storedBytes();
            byte[] longer = Arrays.copyOf(content, content.length + 10);
            store.put(in(longer), oidOf(longer), longer.length);
            assertThat(store.stats().storedBytes() - before).isLessThan(XetChunker.MAX + 1_000L);
            assertThat(read(store, oidOf(longer), 0, longer.length)).isEqualTo(longer);
        }
    }

    @Test
    void aFormat1PackIsCompactedIntoAFormat2Pack() throws IOException {
        Instant[] now = {Instant.now()};
        InstantSource clock = () -> now[0];
        byte[] content = bytes(3_000_000, 22);
        byte[] prefix = Arrays.copyOf(content, 500_000);
        LfsOid whole;
        try (ChunkStore old = new ChunkStore(dir, clock)) {
            whole = writeFormat1(old, content);
        }
        try (ChunkStore store = new ChunkStore(dir, clock)) {
            byte[] oldPack = store.manifest(whole).orElseThrow().runs().getFirst().pack();
            store.put(in(prefix), oidOf(prefix), prefix.length); // all but its last chunk from the old pack
            now[0] = now[0].plus(Duration.ofDays(2));
            ChunkStore.GcReport r = store.gc(Set.of(oidOf(prefix)), Duration.ofDays(1), s -> {});
            assertThat(r.packsCompacted()).isEqualTo(1);
            assertThat(store.size(whole)).isEmpty();
            assertThat(Files.exists(store.packPath(oldPack))).isFalse();
            assertThat(read(store, oidOf(prefix), 0, prefix.length)).isEqualTo(prefix);
            assertThat(store.fsck(s -> {}).problems()).isEmpty();
        }
    }
}
