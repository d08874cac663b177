package dev.forge.storage;

import dev.forge.core.LfsOid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The default store (a chunk store in front of the plain store it replaces) keeps the {@link BlobStore} contract, reads
 * and deletes what only the plain store holds, writes nothing there, and offers the capabilities the services ask for.
 */
class LayeredBlobStoreTest extends BlobStoreContract {
    private ChunkStore chunks;
    private FileBlobStore plain;
    private Path tmp;

    @Override
    protected BlobStore createStore(Path dir) throws IOException {
        tmp = dir.resolve("tmp");
        chunks = new ChunkStore(dir.resolve("chunks"), InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")), 1 << 20);
        plain = new FileBlobStore(dir.resolve("blobs"), tmp);
        return new LayeredBlobStore(chunks, plain);
    }

    /** Every contract test, success or failure, leaves no temporary file in either store. */
    @AfterEach
    void noTemporaryFilesLeftAndClose() throws IOException {
        for (Path folder : List.of(chunks.tmpDir(), tmp)) {
            try (Stream<Path> s = Files.list(folder)) {
                assertThat(s.toList()).as("%s", folder).isEmpty();
            }
        }
        chunks.close();
    }

    @Test
    void newObjectsGoToTheChunkStoreOnly() throws IOException {
        byte[] content = bytes(300_000, 60);
        LfsOid oid = oidOf(content);
        store.put(in(content), oid, content.length);
        assertThat(chunks.size(oid)).contains((long) content.length);
        assertThat(plain.size(oid)).isEmpty();
        assertThat(store.put(in(bytes(1000, 61)))).satisfies(o -> assertThat(plain.size(o)).isEmpty());
    }

    @Test
    void objectsStillInThePlainStoreAreReadRetainedAndDeleted() throws IOException {
        byte[] content = bytes(200_000, 62);
        LfsOid oid = oidOf(content);
        plain.put(in(content), oid, content.length);
        assertThat(store.size(oid)).contains((long) content.length);
        assertThat(store.retain(oid)).contains((long) content.length);
        assertThat(readAll(oid)).isEqualTo(content);
        assertThat(read(oid, 150_000, 1_000)).isEqualTo(java.util.Arrays.copyOfRange(content, 150_000, 151_000));
        assertThat(store.delete(oid)).isTrue();
        assertAbsent(oid);
        assertThatThrownBy(() -> store.open(oid)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void capabilitiesCoverBothStores() throws IOException {
        byte[] moved = bytes(500_000, 63);
        byte[] old = bytes(100_000, 64);
        store.put(in(moved), oidOf(moved), moved.length);
        plain.put(in(old), oidOf(old), old.length);

        StorageFigures figures = store.capability(StorageFigures.class).orElseThrow();
        StorageFigures.Footprint f = figures.footprint(List.of(oidOf(moved), oidOf(old), oidOf(bytes(5, 65))));
        assertThat(f.logicalBytes()).isEqualTo(moved.length + old.length);
        assertThat(f.storedBytes()).isBetween((long) moved.length + old.length, moved.length + old.length + 10_000L);
        StorageFigures.Totals t = figures.totals();
        assertThat(t.objects()).isEqualTo(2);
        assertThat(t.logicalBytes()).isEqualTo(moved.length + old.length);

        Verifiable.FsckReport fsck = store.capability(Verifiable.class).orElseThrow().fsck(s -> {});
        assertThat(fsck.problems()).isEmpty();
        assertThat(fsck.verified()).contains(oidOf(moved));

        StorageMigration.Report migrated = store.capability(Migratable.class).orElseThrow().migrate(s -> {});
        assertThat(migrated.moved()).isEqualTo(1);
        assertThat(chunks.size(oidOf(old))).contains((long) old.length);
        assertThat(readAll(oidOf(old))).isEqualTo(old);

        Collectable.GcReport gc = store.capability(Collectable.class).orElseThrow().gc(Set.of(oidOf(moved), oidOf(old)), Duration.ZERO, s -> {});
        assertThat(gc.filesRemoved()).isZero();
        assertThat(readAll(oidOf(moved))).isEqualTo(moved);
    }

    @Test
    void thePlainStoreAloneOffersFiguresButNoChunkStoreCapabilities() throws IOException {
        byte[] content = bytes(1_000, 66);
        plain.put(in(content), oidOf(content), content.length);
        assertThat(plain.capability(StorageFigures.class).orElseThrow().totals()).isEqualTo(new StorageFigures.Totals(1, 1_000, 1_000));
        assertThat(plain.capability(Collectable.class)).isEmpty();
        assertThat(plain.capability(Verifiable.class)).isEmpty();
        assertThat(plain.capability(Migratable.class)).isEmpty();
        assertThat(plain.capability(XorbStore.class)).as("no Xet on the plain store").isEmpty();
    }

    /** Xet's view is the chunk store's own, through either store; a file put through the layers has its Xet form there. */
    @Test
    void xetsViewIsTheChunkStores() throws IOException {
        XorbStore xorbs = store.capability(XorbStore.class).orElseThrow();
        assertThat(chunks.capability(XorbStore.class)).containsSame(xorbs);
        assertThat(store).isNotInstanceOf(XorbStore.class);
        assertThat(chunks).isNotInstanceOf(XorbStore.class);
        byte[] content = bytes(300_000, 67);
        store.put(in(content), oidOf(content), content.length);
        XorbStore.XetFile f = xorbs.xetFile(oidOf(content)).orElseThrow();
        assertThat(f.size()).isEqualTo(content.length);
        assertThat(xorbs.oidOfXetHash(f.fileHash())).contains(oidOf(content));
    }
}
