package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ChunkStoreTest extends BlobStoreContract {
    private ChunkStore chunks;

    @Override
    protected BlobStore createStore(Path dir) throws IOException {
        chunks = new ChunkStore(dir.resolve("chunks"), InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")), 1 << 20);
        return chunks;
    }

    /** Every contract test, success or failure, leaves no temporary file behind. */
    @AfterEach
    void noTemporaryFilesLeft() throws IOException {
        try (Stream<Path> s = Files.list(chunks.tmpDir())) {
            assertThat(s.toList()).isEmpty();
        }
    }

    long packBytes() throws IOException {
        long total = 0;
        for (Path p : chunks.packFiles()) total += Files.size(p);
        return total;
    }

    @Test
    void aCopyCostsNoChunkBytes() throws IOException {
        byte[] content = bytes(3_000_000, 50);
        store.put(in(content), oidOf(content), content.length);
        long before = packBytes();
        assertThat(before).isBetween((long) content.length, content.length + 10_000L);
        // the same bytes with a one-byte header in front: only the first chunk changes
        byte[] shifted = new byte[content.length + 1];
        System.arraycopy(content, 0, shifted, 1, content.length);
        store.put(in(shifted), oidOf(shifted), shifted.length);
        assertThat(packBytes() - before).isLessThan(2L * XetChunker.MAX + 10_000);
        assertThat(readAll(oidOf(shifted))).isEqualTo(shifted);
        assertThat(readAll(oidOf(content))).isEqualTo(content);
    }

    @Test
    void largeFilesSpanSeveralPacks() throws IOException {
        byte[] content = bytes(5_000_000, 51);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        assertThat(chunks.packFiles()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(readAll(oid)).isEqualTo(content);
        // reads across pack boundaries
        for (int at : new int[] {0, 1 << 20, (1 << 20) - 7, 2_500_000, content.length - 300_000}) {
            assertThat(read(oid, at, 300_000)).isEqualTo(Arrays.copyOfRange(content, at, Math.min(content.length, at + 300_000)));
        }
    }

    @Test
    void mappedRegionsHoldTheFileBytesStayWithinOnePackAndOutliveTheirChannel() throws IOException {
        byte[] content = bytes(3_500_000, 53);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        java.util.List<dev.forge.core.MappedRegions.Region> regions = new java.util.ArrayList<>();
        try (var ch = store.open(oid)) {
            dev.forge.core.MappedRegions mapped = (dev.forge.core.MappedRegions) ch;
            for (long at = 0; at < content.length; ) {
                dev.forge.core.MappedRegions.Region r = mapped.region(at, 700_000);
                assertThat(r.bytes().remaining()).isBetween(1, 700_000);
                assertThat(r.bytes().isReadOnly()).isTrue();
                regions.add(r);
                at += r.bytes().remaining();
            }
            assertThat(regions.size()).as("a region never crosses a 1 MiB pack").isGreaterThan(content.length / 700_000);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mapped.region(content.length, 1)).isInstanceOf(IllegalArgumentException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mapped.region(0, 0)).isInstanceOf(IllegalArgumentException.class);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (dev.forge.core.MappedRegions.Region r : regions) {
            byte[] b = new byte[r.bytes().remaining()];
            r.bytes().get(b);
            out.writeBytes(b);
            r.close();
        }
        assertThat(out.toByteArray()).isEqualTo(content);
    }

    @Test
    void theIndexIsRebuiltFromPacksOnReopen() throws IOException {
        byte[] content = bytes(1_500_000, 52);
        store.put(in(content), oidOf(content), content.length);
        long before = packBytes();
        ChunkStore reopened = new ChunkStore(chunks.root(), InstantSource.system(), 1 << 20);
        byte[] again = Arrays.copyOf(content, content.length + 5);
        reopened.put(in(again), oidOf(again), again.length);
        assertThat(packBytes() - before).isLessThan(XetChunker.MAX + 10_000L);
        assertThat(reopened.open(oidOf(again)).size()).isEqualTo(again.length);
    }

    /** A pack that cannot be read at start-up is left out of the index, and the operator is told which one and why. */
    @Test
    void aDamagedPackIsLeftOutAtStartUpWithALogLine() throws IOException {
        byte[] content = bytes(2_500_000, 54);
        store.put(in(content), oidOf(content), content.length);
        Path damaged = chunks.packFiles().getFirst();
        try (var ch = java.nio.channels.FileChannel.open(damaged, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3); // the trailer is gone
        }
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ChunkStore.class);
        var captured = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        captured.start();
        log.addAppender(captured);
        try (ChunkStore reopened = new ChunkStore(chunks.root(), InstantSource.system(), 1 << 20)) {
            assertThat(captured.list).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(e.getFormattedMessage()).contains(damaged.getFileName().toString(), "damaged", "forge fsck");
            });
            assertThat(reopened.fsck(line -> {}).problems()).isNotEmpty();
        } finally {
            log.detachAppender(captured);
        }
    }

    @Test
    void dataCutAtTheMinimumChunkSizeEverywhere() throws IOException {
        // xet-core's boundary-triggering pattern: a boundary just past every 8 KiB, the most chunks per block
        byte[] content = XetCompatibilityTest.triggering(5_000_000, 0);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        assertThat(readAll(oid)).isEqualTo(content);
        assertThat(store.put(in(content))).isEqualTo(oid);
    }

    @Test
    void manifestsRecordTheXetFileHash() throws IOException {
        byte[] content = XetCompatibilityTest.linear(1_000_000, 13, 37);
        store.put(in(content), oidOf(content), content.length);
        FileManifest m = chunks.manifest(oidOf(content)).orElseThrow();
        assertThat(XetHash.hex(m.xetHash())).isEqualTo("041a50f3639f4a080a89237025d643e2a3e22935ca5d7dbc1a38f5c1e859f859");
    }
}
