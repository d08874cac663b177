package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import static dev.forge.storage.BlobStoreContract.bytes;
import static dev.forge.storage.BlobStoreContract.in;
import static dev.forge.storage.BlobStoreContract.oidOf;
import static org.assertj.core.api.Assertions.assertThat;

class StorageMigrationTest {
    @TempDir
    Path dir;

    @Test
    void movesEveryObjectOnceAndCanBeRerun() throws IOException {
        FileBlobStore plain = new FileBlobStore(dir.resolve("blobs"), dir.resolve("tmp"));
        ChunkStore chunks = new ChunkStore(dir.resolve("chunks"), InstantSource.system());
        LayeredBlobStore layered = new LayeredBlobStore(chunks, plain);
        List<byte[]> contents = new ArrayList<>();
        byte[] base = bytes(700_000, 1);
        contents.add(base);
        byte[] copyPlusTail = java.util.Arrays.copyOf(base, 800_000);
        contents.add(copyPlusTail);
        contents.add(bytes(10, 2));
        contents.add(new byte[0]);
        for (byte[] c : contents) plain.put(in(c), oidOf(c), c.length);
        // an object already in both stores, as after a crash between publish and delete
        chunks.put(in(base), oidOf(base), base.length);

        StorageMigration.Report r = new StorageMigration(plain, chunks).run(s -> {});
        assertThat(r.objects()).isEqualTo(4);
        assertThat(r.moved()).isEqualTo(3);
        assertThat(r.alreadyMoved()).isEqualTo(1);
        assertThat(r.problems()).isEmpty();
        assertThat(plain.list()).isEmpty();
        // the copy with a tail deduplicated against the base
        assertThat(chunks.stats().storedBytes()).isLessThan(700_000L + 100_000 + 200_000);
        for (byte[] c : contents) {
            LfsOid oid = oidOf(c);
            try (SeekableByteChannel ch = layered.open(oid)) {
                ByteBuffer b = ByteBuffer.allocate(c.length);
                while (b.hasRemaining() && ch.read(b) >= 0) { /* read on */ }
                assertThat(b.array()).isEqualTo(c);
            }
        }
        StorageMigration.Report again = new StorageMigration(plain, chunks).run(s -> {});
        assertThat(again.objects()).isZero();
        assertThat(chunks.fsck(s -> {}).problems()).isEmpty();
    }

    @Test
    void theLayeredStoreReadsUnmigratedObjectsAndWritesNewOnesAsChunks() throws IOException {
        FileBlobStore plain = new FileBlobStore(dir.resolve("blobs"), dir.resolve("tmp"));
        ChunkStore chunks = new ChunkStore(dir.resolve("chunks"), InstantSource.system());
        LayeredBlobStore layered = new LayeredBlobStore(chunks, plain);
        byte[] old = bytes(1000, 3);
        plain.put(in(old), oidOf(old), old.length);
        byte[] fresh = bytes(1000, 4);
        layered.put(in(fresh), oidOf(fresh), fresh.length);
        assertThat(layered.size(oidOf(old))).contains(1000L);
        assertThat(chunks.size(oidOf(fresh))).contains(1000L);
        assertThat(plain.size(oidOf(fresh))).isEmpty();
        assertThat(layered.delete(oidOf(old))).isTrue();
        assertThat(layered.size(oidOf(old))).isEmpty();
    }
}
