package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A chunk store in front of the plain store it replaces: new objects go to the chunk store; objects not migrated
 * yet are still read (and deleted) in the plain one, so {@code forge storage migrate} can run while the forge
 * serves. Thread-safe.
 */
public final class LayeredBlobStore implements BlobStore {
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
}
