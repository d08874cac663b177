package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link BlobStore} in memory, for tests of the layers above. Thread-safe. */
public final class InMemoryBlobStore implements BlobStore {
    private final Map<LfsOid, byte[]> objects = new ConcurrentHashMap<>();

    @Override
    public Optional<Long> size(LfsOid oid) {
        byte[] b = objects.get(oid);
        return b == null ? Optional.empty() : Optional.of((long) b.length);
    }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        byte[] b = objects.get(oid);
        if (b == null) throw new NoSuchFileException(oid.hex());
        return new dev.forge.core.ByteArrayChannel(b);
    }

    @Override
    public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException {
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, expectedSize + 1));
        if (b.length != expectedSize) throw new BlobMismatchException("Size mismatch for " + expected);
        if (!oidOf(b).equals(expected)) throw new BlobMismatchException("Content does not hash to " + expected);
        objects.putIfAbsent(expected, b);
    }

    @Override
    public LfsOid put(InputStream in) throws IOException {
        byte[] b = in.readAllBytes();
        LfsOid oid = oidOf(b);
        objects.putIfAbsent(oid, b);
        return oid;
    }

    @Override
    public boolean delete(LfsOid oid) {
        return objects.remove(oid) != null;
    }

    private static LfsOid oidOf(byte[] b) {
        return new LfsOid(HexFormat.of().formatHex(FileBlobStore.sha256().digest(b)));
    }
}
