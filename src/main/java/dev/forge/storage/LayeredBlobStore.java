package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A chunk store in front of the plain store it replaces: new objects go to the chunk store; objects not migrated
 * yet are still read (and deleted) in the plain one, so {@code forge storage migrate} can run while the forge
 * serves. Its capabilities are the chunk store's, with the plain store's objects counted whole in the figures and
 * moved over by {@link #migrate}; Xet's view ({@link XorbStore}) is the chunk store's alone (objects still in the plain
 * store have no Xet form until {@code forge storage migrate} moves them). Thread-safe.
 */
public final class LayeredBlobStore implements BlobStore, StorageFigures, Collectable, Verifiable, Migratable {
    private final ChunkStore chunks;
    private final FileBlobStore plain;

    public LayeredBlobStore(ChunkStore chunks, FileBlobStore plain) {
        this.chunks = chunks;
        this.plain = plain;
    }

    public ChunkStore chunks() { return chunks; }

    public FileBlobStore plain() { return plain; }

    @Override
    public Optional<Long> size(LfsOid oid) throws IOException {
        Optional<Long> s = chunks.size(oid);
        return s.isPresent() ? s : plain.size(oid);
    }

    @Override
    public Optional<Long> retain(LfsOid oid) throws IOException {
        Optional<Long> s = chunks.retain(oid);
        return s.isPresent() ? s : plain.size(oid); // the plain store has no gc
    }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        try {
            return chunks.open(oid);
        } catch (NoSuchFileException e) {
            return plain.open(oid);
        }
    }

    @Override
    public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException {
        chunks.put(in, expected, expectedSize);
    }

    @Override
    public void putFile(Path file, LfsOid expected, long expectedSize) throws IOException {
        chunks.putFile(file, expected, expectedSize);
    }

    @Override
    public Optional<Assembly> assemble() throws IOException {
        return chunks.assemble();
    }

    @Override
    public LfsOid put(InputStream in) throws IOException {
        return chunks.put(in);
    }

    @Override
    public boolean delete(LfsOid oid) throws IOException {
        boolean a = chunks.delete(oid);
        boolean b = plain.delete(oid);
        return a || b;
    }

    // ------------------------------------------------------------------------------------------- capabilities

    /** The chunked objects' distinct chunks, plus the objects still in the plain store, whole. */
    @Override
    public Footprint footprint(Collection<LfsOid> oids) throws IOException {
        List<LfsOid> chunked = new ArrayList<>();
        long plainBytes = 0;
        for (LfsOid oid : new HashSet<>(oids)) {
            if (chunks.size(oid).isPresent()) chunked.add(oid);
            else plainBytes += plain.size(oid).orElse(0L);
        }
        Footprint f = chunks.footprint(chunked);
        return new Footprint(f.logicalBytes() + plainBytes, f.storedBytes() + plainBytes);
    }

    @Override
    public Totals totals() throws IOException {
        ChunkStore.Stats s = chunks.stats();
        Totals old = plain.totals();
        return new Totals(s.files() + old.objects(), s.logicalBytes() + old.logicalBytes(), s.storedBytes() + old.storedBytes());
    }

    /** The chunk store's gc; the plain store has none (its objects are moved out by {@link #migrate}). */
    @Override
    public GcReport gc(Set<LfsOid> live, Duration grace, Consumer<String> progress) throws IOException {
        return chunks.gc(live, grace, progress);
    }

    @Override
    public FsckReport fsck(Consumer<String> progress) throws IOException {
        return chunks.fsck(progress);
    }

    @Override
    public StorageMigration.Report migrate(Consumer<String> progress) throws IOException {
        return new StorageMigration(plain, chunks).run(progress);
    }

    /** Its own capabilities (the chunk store's, widened to the plain store's objects), else the chunk store's (Xet's {@link XorbStore}). */
    @Override
    public <T> Optional<T> capability(Class<T> capability) {
        return BlobStore.super.capability(capability).or(() -> chunks.capability(capability));
    }
}
