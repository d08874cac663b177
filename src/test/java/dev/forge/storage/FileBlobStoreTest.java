package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBlobStoreTest extends BlobStoreContract {
    private Path root;
    private Path tmp;

    @Override
    protected BlobStore createStore(Path dir) throws IOException {
        root = dir.resolve("blobs");
        tmp = dir.resolve("tmp");
        return new FileBlobStore(root, tmp);
    }

    /** Every contract test, success or failure, must leave the upload folder empty. */
    @AfterEach
    void noTemporaryFilesLeft() throws IOException {
        assertThat(list(tmp)).isEmpty();
    }

    private static java.util.List<Path> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.toList();
        }
    }

    @Test
    void objectsLiveUnderTheirHashPrefixes() throws IOException {
        byte[] content = bytes(10, 42);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        String h = oid.hex();
        Path file = root.resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
        assertThat(file).isRegularFile().hasBinaryContent(content);
    }

    @Test
    void aFileLeftInTmpByACrashIsNeverVisible() throws IOException {
        byte[] content = bytes(1000, 43);
        LfsOid oid = oidOf(content);
        // a crash mid-upload leaves a partial file, and one after writing everything but before the rename a whole one
        Files.write(tmp.resolve("blob-123.part"), java.util.Arrays.copyOf(content, 500));
        Files.write(tmp.resolve("blob-456.part"), content);
        Files.write(tmp.resolve(oid.hex()), content);
        assertThat(store.size(oid)).isEmpty();
        assertThatThrownBy(() -> store.open(oid).close()).isInstanceOf(NoSuchFileException.class);
        assertThat(store.delete(oid)).isFalse();
        // a store reopened over the same folders does not see them either
        BlobStore reopened = new FileBlobStore(root, tmp);
        assertThat(reopened.size(oid)).isEmpty();
        // and a real upload still works and leaves the crash debris alone (Forge clears tmp at startup)
        store.put(in(content), oid, content.length);
        assertThat(readAll(oid)).isEqualTo(content);
        for (Path p : list(tmp)) Files.delete(p);
    }

    @Test
    void failedUploadsLeaveNoTemporaryFiles() throws IOException {
        byte[] content = bytes(300_000, 44);
        LfsOid oid = oidOf(content);
        assertThatThrownBy(() -> store.put(in(content), oid, content.length - 1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThatThrownBy(() -> store.put(in(content), oid, content.length + 1)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThatThrownBy(() -> store.put(in(bytes(300_000, 45)), oid, content.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        InputStream broken = new InputStream() {
            @Override public int read() throws IOException { throw new IOException("boom"); }
        };
        assertThatThrownBy(() -> store.put(broken, oid, 10)).hasMessage("boom");
        assertThatThrownBy(() -> store.put(broken)).hasMessage("boom");
        assertThat(list(tmp)).isEmpty();
        assertThat(store.size(oid)).isEmpty();
    }

    @Test
    void successfulUploadsLeaveNoTemporaryFiles() throws IOException {
        byte[] content = bytes(300_000, 46);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        store.put(in(content), oid, content.length); // already there
        store.put(in(bytes(5, 47)));
        assertThat(list(tmp)).isEmpty();
    }

    @Test
    void theUploadStreamIsNotReadFarPastTheAnnouncedSize() throws IOException {
        // a client announcing 10 bytes and sending endless data must be cut off, not allowed to fill the disk
        byte[] small = bytes(10, 48);
        long[] served = {0};
        InputStream endless = new InputStream() {
            @Override public int read() { served[0]++; return 0; }
            @Override public int read(byte[] b, int off, int len) { served[0] += len; return len; }
        };
        assertThatThrownBy(() -> store.put(endless, oidOf(small), small.length)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThat(served[0]).isLessThanOrEqualTo(1024 * 1024);
    }
}
