package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Multipart parts are fed to the chunk store in order while they arrive, so completion only verifies and
 * publishes; whatever breaks the order falls back to the staging file, and every path stores the right bytes.
 */
class MultipartStagingTest {
    private static final int PART = 700_000;
    private static final String UPLOAD = "0123456789abcdef0123";

    @TempDir Path dir;
    private ChunkStore chunks;
    private CountingStore store;
    private MultipartStaging staging;

    @BeforeEach
    void setUp() throws IOException {
        chunks = new ChunkStore(dir.resolve("chunks"), InstantSource.system(), 1 << 20);
        store = new CountingStore(chunks);
        staging = new MultipartStaging(dir.resolve("tmp"), store, InstantSource.system());
    }

    @AfterEach
    void tearDown() {
        chunks.close();
    }

    @Test
    void partsInOrderAreStoredAsTheyArriveAndCompletionReadsNothingBack() throws IOException {
        byte[] content = BlobStoreContract.bytes(5 * PART + 12_345, 70);
        for (int n = 1; n <= parts(content); n++) put(content, n);
        assertThat(staging.assembling(UPLOAD)).isTrue();
        assertThat(chunks.packFiles()).as("packs were filled while the parts arrived").isNotEmpty();
        complete(content);
        assertThat(store.putFiles.get()).as("no fallback to the staging file").isZero();
        assertStored(content);
    }

    @Test
    void partsThatArriveEarlyFollowFromTheStagingFileOnceTheGapIsFilled() throws IOException {
        byte[] content = BlobStoreContract.bytes(6 * PART, 71);
        for (int n : new int[] {3, 2, 5, 1, 6, 4}) put(content, n);
        complete(content);
        assertThat(store.putFiles.get()).isZero();
        assertStored(content);
    }

    @Test
    void concurrentPartsInAnyOrderAssembleRight() throws Exception {
        byte[] content = BlobStoreContract.bytes(16 * PART + 99, 72);
        List<Integer> order = new ArrayList<>();
        for (int n = 1; n <= parts(content); n++) order.add(n);
        Collections.shuffle(order, new Random(7));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int n : order) done.add(pool.submit(() -> { put(content, n); return null; }));
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        complete(content);
        assertThat(store.putFiles.get()).as("every part was fed, in order, by one thread or another").isZero();
        assertStored(content);
    }

    @Test
    void aPartResentAfterItWasFedDropsTheAssemblyAndTheStagingFileIsUsed() throws IOException {
        byte[] content = BlobStoreContract.bytes(3 * PART, 73);
        byte[] wrong = content.clone();
        wrong[10] ^= 1;
        put(wrong, 1);
        put(content, 2);
        put(content, 1); // the client re-sends part 1, right this time
        assertThat(staging.assembling(UPLOAD)).isFalse();
        put(content, 3);
        complete(content);
        assertThat(store.putFiles.get()).isEqualTo(1);
        assertStored(content);
    }

    @Test
    void aPartCutOffMidwayDropsTheAssemblyAndAResumedUploadStillCompletes() throws IOException {
        byte[] content = BlobStoreContract.bytes(3 * PART, 74);
        put(content, 1);
        InputStream cut = new ByteArrayInputStream(Arrays.copyOfRange(content, PART, PART + 1000));
        assertThatThrownBy(() -> staging.putPart(UPLOAD, 2, PART, PART, cut)).isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThat(staging.assembling(UPLOAD)).isFalse();
        put(content, 2);
        put(content, 3);
        complete(content);
        assertThat(store.putFiles.get()).isEqualTo(1);
        assertStored(content);
    }

    @Test
    void bytesThatDoNotMatchTheOidAreRefusedAndNothingIsStored() throws IOException {
        byte[] content = BlobStoreContract.bytes(2 * PART, 75);
        byte[] other = BlobStoreContract.bytes(2 * PART, 76);
        put(other, 1);
        put(other, 2);
        assertThatThrownBy(() -> staging.complete(UPLOAD, 2, BlobStoreContract.oidOf(content), content.length))
                .isInstanceOf(BlobStore.BlobMismatchException.class);
        assertThat(chunks.size(BlobStoreContract.oidOf(content))).isEmpty();
        assertThat(chunks.size(BlobStoreContract.oidOf(other))).isEmpty();
        // the parts stay: re-sending the bad ones is enough
        put(content, 1);
        put(content, 2);
        complete(content);
        assertStored(content);
    }

    @Test
    void aStoreThatTakesOnlyWholeFilesGetsTheStagingFile() throws IOException {
        FileBlobStore plain = new FileBlobStore(dir.resolve("blobs"), dir.resolve("tmp"));
        CountingStore counting = new CountingStore(plain);
        staging = new MultipartStaging(dir.resolve("tmp"), counting, InstantSource.system());
        byte[] content = BlobStoreContract.bytes(2 * PART + 5, 77);
        for (int n = 1; n <= parts(content); n++) put(content, n);
        assertThat(staging.assembling(UPLOAD)).isFalse();
        complete(content);
        assertThat(counting.putFiles.get()).isEqualTo(1);
        try (SeekableByteChannel ch = plain.open(BlobStoreContract.oidOf(content))) {
            assertThat(ch.size()).isEqualTo(content.length);
        }
    }

    private static int parts(byte[] content) {
        return (content.length + PART - 1) / PART;
    }

    /** Sends part {@code n} of {@code content}. */
    private void put(byte[] content, int n) throws IOException {
        int from = (n - 1) * PART;
        int to = Math.min(content.length, from + PART);
        staging.putPart(UPLOAD, n, from, to - from, new ByteArrayInputStream(Arrays.copyOfRange(content, from, to)));
    }

    private void complete(byte[] content) throws IOException {
        staging.complete(UPLOAD, parts(content), BlobStoreContract.oidOf(content), content.length);
        assertThat(Files.exists(dir.resolve("tmp/multipart").resolve(UPLOAD))).as("the upload's staging is gone").isFalse();
    }

    private void assertStored(byte[] content) throws IOException {
        LfsOid oid = BlobStoreContract.oidOf(content);
        try (SeekableByteChannel ch = chunks.open(oid)) {
            assertThat(BlobStore.sha256(ch)).isEqualTo(oid);
        }
    }

    /** A store that counts whole-file hand-overs (the fallback), delegating everything. */
    private static final class CountingStore implements BlobStore {
        final BlobStore inner;
        final AtomicInteger putFiles = new AtomicInteger();

        CountingStore(BlobStore inner) { this.inner = inner; }

        @Override public Optional<Long> size(LfsOid oid) throws IOException { return inner.size(oid); }
        @Override public SeekableByteChannel open(LfsOid oid) throws IOException { return inner.open(oid); }
        @Override public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException { inner.put(in, expected, expectedSize); }
        @Override public LfsOid put(InputStream in) throws IOException { return inner.put(in); }
        @Override public boolean delete(LfsOid oid) throws IOException { return inner.delete(oid); }
        @Override public Optional<Assembly> assemble() throws IOException { return inner.assemble(); }

        @Override
        public void putFile(Path file, LfsOid expected, long expectedSize) throws IOException {
            putFiles.incrementAndGet();
            inner.putFile(file, expected, expectedSize);
        }
    }
}
