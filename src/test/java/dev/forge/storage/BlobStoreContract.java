package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link BlobStore} must do. A backend's test extends this class and says how to build the
 * store in a fresh folder; backend-specific checks (such as temporary files) live in the subclass.
 */
abstract class BlobStoreContract {
    @TempDir
    protected Path dir;
    protected BlobStore store;

    /** A new, empty store; {@code dir} is a fresh temporary folder it may use. */
    protected abstract BlobStore createStore(Path dir) throws IOException;

    @BeforeEach
    void setUpStore() throws IOException {
        store = createStore(dir);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static LfsOid oidOf(byte[] b) {
        try {
            return new LfsOid(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static InputStream in(byte[] b) { return new ByteArrayInputStream(b); }

    /** Reads {@code length} bytes at {@code position} through a fresh channel. */
    byte[] read(LfsOid oid, long position, int length) throws IOException {
        try (SeekableByteChannel ch = store.open(oid)) {
            ch.position(position);
            ByteBuffer buf = ByteBuffer.allocate(length);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) break;
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }

    byte[] readAll(LfsOid oid) throws IOException {
        return read(oid, 0, Math.toIntExact(store.size(oid).orElseThrow()));
    }

    void assertAbsent(LfsOid oid) throws IOException {
        assertThat(store.size(oid)).isEmpty();
        assertThatThrownBy(() -> store.open(oid).close()).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void missingObjectHasNoSizeAndCannotBeOpened() throws IOException {
        assertAbsent(oidOf(bytes(10, 1)));
        assertThat(store.delete(oidOf(bytes(10, 1)))).isFalse();
    }

    @Test
    void putThenSizeOpenAndRead() throws IOException {
        byte[] content = bytes(1000, 2);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        assertThat(store.size(oid)).contains(1000L);
        assertThat(readAll(oid)).isEqualTo(content);
        try (SeekableByteChannel ch = store.open(oid)) {
            assertThat(ch.size()).isEqualTo(1000);
            assertThat(ch.position()).isZero();
        }
    }

    @Test
    void rangesReadThroughTheChannel() throws IOException {
        byte[] content = bytes(600 * 1024 + 3, 3); // larger than the file store's copy buffer
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        int[][] ranges = {{0, 1}, {0, 100}, {1, 1}, {100, 4096}, {256 * 1024 - 1, 2}, {content.length - 1, 1},
                {content.length - 10, 10}, {12345, 300_000}};
        for (int[] r : ranges) {
            assertThat(read(oid, r[0], r[1])).as("range %d+%d", r[0], r[1])
                    .isEqualTo(java.util.Arrays.copyOfRange(content, r[0], r[0] + r[1]));
        }
        // reading at or past the end yields end of stream, not an error
        try (SeekableByteChannel ch = store.open(oid)) {
            ch.position(content.length);
            assertThat(ch.read(ByteBuffer.allocate(8))).isEqualTo(-1);
            ch.position(content.length + 100L);
            assertThat(ch.read(ByteBuffer.allocate(8))).isEqualTo(-1);
        }
        // a range that runs past the end is cut at the end
        assertThat(read(oid, content.length - 5, 100)).isEqualTo(java.util.Arrays.copyOfRange(content, content.length - 5, content.length));
    }

    @Test
    void channelsAreIndependent() throws IOException {
        byte[] content = bytes(100, 4);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        try (SeekableByteChannel a = store.open(oid); SeekableByteChannel b = store.open(oid)) {
            a.position(50);
            ByteBuffer one = ByteBuffer.allocate(1);
            b.read(one);
            assertThat(one.get(0)).isEqualTo(content[0]);
            one.clear();
            a.read(one);
            assertThat(one.get(0)).isEqualTo(content[50]);
        }
    }

    @Test
    void wrongHashIsAMismatchAndNothingIsStored() throws IOException {
        byte[] content = bytes(500, 5);
        byte[] other = bytes(500, 6);
        LfsOid announced = oidOf(other);
        assertThatThrownBy(() -> store.put(in(content), announced, content.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(announced);
        assertAbsent(oidOf(content));
    }

    @Test
    void oneFlippedBitIsAMismatch() throws IOException {
        byte[] content = bytes(4096, 7);
        LfsOid oid = oidOf(content);
        byte[] flipped = content.clone();
        flipped[2000] ^= 1;
        assertThatThrownBy(() -> store.put(in(flipped), oid, content.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
    }

    @Test
    void fewerBytesThanAnnouncedIsAMismatch() throws IOException {
        byte[] content = bytes(500, 8);
        LfsOid oid = oidOf(content);
        // the right hash, but the stream ends before the announced size
        assertThatThrownBy(() -> store.put(in(content), oid, content.length + 1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
        // a prefix of the real content
        assertThatThrownBy(() -> store.put(in(java.util.Arrays.copyOf(content, 499)), oid, content.length))
                .isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
    }

    @Test
    void moreBytesThanAnnouncedIsAMismatch() throws IOException {
        byte[] content = bytes(500, 9);
        LfsOid oid = oidOf(content);
        assertThatThrownBy(() -> store.put(in(content), oid, content.length - 1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
        // the announced object followed by trailing bytes: the store must read to the end, not stop at the size
        byte[] longer = java.util.Arrays.copyOf(content, 600);
        assertThatThrownBy(() -> store.put(in(longer), oid, content.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
    }

    @Test
    void negativeAnnouncedSizeIsAMismatch() throws IOException {
        byte[] content = bytes(10, 10);
        LfsOid oid = oidOf(content);
        assertThatThrownBy(() -> store.put(in(content), oid, -1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertAbsent(oid);
    }

    @Test
    void aFailingUploadStreamStoresNothing() throws IOException {
        byte[] content = bytes(300_000, 11);
        LfsOid oid = oidOf(content);
        InputStream broken = new InputStream() {
            int left = 100_000;
            @Override public int read() throws IOException {
                if (left-- <= 0) throw new IOException("connection reset");
                return 1;
            }
            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) throw new IOException("connection reset");
                int n = Math.min(len, left);
                System.arraycopy(content, 100_000 - left, b, off, n);
                left -= n;
                return n;
            }
        };
        assertThatThrownBy(() -> store.put(broken, oid, content.length)).isInstanceOf(IOException.class).hasMessage("connection reset");
        assertAbsent(oid);
    }

    @Test
    void putIsIdempotent() throws IOException {
        byte[] content = bytes(2000, 12);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        store.put(in(content), oid, content.length);
        assertThat(store.put(in(content))).isEqualTo(oid);
        assertThat(store.size(oid)).contains(2000L);
        assertThat(readAll(oid)).isEqualTo(content);
    }

    @Test
    void aFailedPutDoesNotHarmAStoredObject() throws IOException {
        byte[] content = bytes(2000, 13);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        assertThatThrownBy(() -> store.put(in(bytes(2000, 14)), oid, content.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThatThrownBy(() -> store.put(in(content), oid, content.length + 1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThat(readAll(oid)).isEqualTo(content);
    }

    @Test
    void putOfUnknownHashNamesTheObject() throws IOException {
        byte[] content = bytes(70_000, 15);
        LfsOid oid = store.put(in(content));
        assertThat(oid).isEqualTo(oidOf(content));
        assertThat(readAll(oid)).isEqualTo(content);
    }

    @Test
    void concurrentPutsOfTheSameObjectAllSucceed() throws Exception {
        byte[] content = bytes(512 * 1024 + 17, 16);
        LfsOid oid = oidOf(content);
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                boolean known = i % 2 == 0;
                results.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 5; round++) {
                        if (known) store.put(in(content), oid, content.length);
                        else assertThat(store.put(in(content))).isEqualTo(oid);
                        // whenever the object is visible, it is whole
                        if (store.size(oid).isPresent()) assertThat(readAll(oid)).isEqualTo(content);
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.size(oid)).contains((long) content.length);
        assertThat(readAll(oid)).isEqualTo(content);
    }

    @Test
    void concurrentPutsOfDifferentObjects() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < threads * 4; i++) contents.add(bytes(1000 + i, 100 + i));
        try {
            List<Future<?>> results = new ArrayList<>();
            for (byte[] c : contents) results.add(pool.submit(() -> { store.put(in(c), oidOf(c), c.length); return null; }));
            for (Future<?> f : results) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        for (byte[] c : contents) assertThat(readAll(oidOf(c))).isEqualTo(c);
    }

    @Test
    void deleteRemovesTheObject() throws IOException {
        byte[] content = bytes(100, 17);
        byte[] other = bytes(100, 18);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        store.put(in(other), oidOf(other), other.length);
        assertThat(store.delete(oid)).isTrue();
        assertAbsent(oid);
        assertThat(store.delete(oid)).isFalse();
        assertThat(readAll(oidOf(other))).isEqualTo(other);   // only that object
        store.put(in(content), oid, content.length);           // and it can come back
        assertThat(readAll(oid)).isEqualTo(content);
    }

    @Test
    void emptyObject() throws IOException {
        byte[] empty = new byte[0];
        LfsOid oid = oidOf(empty);
        assertThat(oid.hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        store.put(in(empty), oid, 0);
        assertThat(store.size(oid)).contains(0L);
        try (SeekableByteChannel ch = store.open(oid)) {
            assertThat(ch.size()).isZero();
            assertThat(ch.read(ByteBuffer.allocate(4))).isEqualTo(-1);
        }
        assertThatThrownBy(() -> store.put(in(new byte[] {0}), oid, 0)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThat(store.put(in(empty))).isEqualTo(oid);
        assertThat(store.delete(oid)).isTrue();
        assertAbsent(oid);
    }
}
