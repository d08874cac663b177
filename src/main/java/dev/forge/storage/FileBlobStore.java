package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The plain {@link BlobStore}: one file per object at {@code root/ab/cd/<sha256>}. Uploads are written to
 * {@code tmp}, fsynced, verified, and renamed into place atomically. Thread-safe.
 */
public final class FileBlobStore implements BlobStore, StorageFigures {
    private static final int BUFFER = 256 * 1024;

    private final Path root;
    private final Path tmp;

    public FileBlobStore(Path root, Path tmp) throws IOException {
        this.root = Files.createDirectories(root);
        this.tmp = Files.createDirectories(tmp);
    }

    Path pathOf(LfsOid oid) {
        String h = oid.hex();
        return root.resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
    }

    /** Every stored object's name (in no particular order). */
    public java.util.List<LfsOid> list() throws IOException {
        try (java.util.stream.Stream<Path> s = Files.find(root, 3, (p, a) -> a.isRegularFile())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).map(LfsOid::new).toList();
        }
    }

    /** Every object once, at its size: a plain store stores each whole. */
    @Override
    public Footprint footprint(java.util.Collection<LfsOid> oids) throws IOException {
        long bytes = 0;
        for (LfsOid oid : new java.util.HashSet<>(oids)) bytes += size(oid).orElse(0L);
        return new Footprint(bytes, bytes);
    }

    @Override
    public Totals totals() throws IOException {
        List<LfsOid> all = list();
        long bytes = 0;
        for (LfsOid oid : all) bytes += size(oid).orElse(0L);
        return new Totals(all.size(), bytes, bytes);
    }

    @Override
    public Optional<Long> size(LfsOid oid) throws IOException {
        try {
            return Optional.of(Files.size(pathOf(oid)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        return FileChannel.open(pathOf(oid), StandardOpenOption.READ);
    }

    @Override
    public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException {
        Path temp = Files.createTempFile(tmp, "blob-", ".part");
        try {
            Written w = write(in, temp, expectedSize);
            if (w.size != expectedSize) {
                throw new BlobMismatchException("Size mismatch for " + expected + ": expected " + expectedSize + " bytes, got " + w.size);
            }
            if (!w.oid.equals(expected)) {
                throw new BlobMismatchException("Content does not hash to " + expected + " (got " + w.oid + ")");
            }
            publish(temp, expected);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Verifies the file by reading it once, then renames it into place: no second copy of the bytes. */
    @Override
    public void putFile(Path file, LfsOid expected, long expectedSize) throws IOException {
        long size = Files.size(file);
        if (size != expectedSize) {
            throw new BlobMismatchException("Size mismatch for " + expected + ": expected " + expectedSize + " bytes, got " + size);
        }
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(BUFFER);
            while (ch.read(buf) >= 0) {
                buf.flip();
                sha.update(buf.array(), 0, buf.limit());
                buf.clear();
            }
        }
        LfsOid actual = new LfsOid(HexFormat.of().formatHex(sha.digest()));
        if (!actual.equals(expected)) throw new BlobMismatchException("Content does not hash to " + expected + " (got " + actual + ")");
        publish(file, expected);
        Files.deleteIfExists(file);
    }

    @Override
    public LfsOid put(InputStream in) throws IOException {
        Path temp = Files.createTempFile(tmp, "blob-", ".part");
        try {
            Written w = write(in, temp, -1);
            publish(temp, w.oid);
            return w.oid;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public boolean delete(LfsOid oid) throws IOException {
        return Files.deleteIfExists(pathOf(oid));
    }

    private record Written(LfsOid oid, long size) {}

    /** Copies while hashing; stops reading one byte past {@code limit} so a lying client cannot fill the disk. */
    private static Written write(InputStream in, Path temp, long limit) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        byte[] buf = new byte[BUFFER];
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            // fill whole buffers: a network stream returns small chunks, and one hash update and one write
            // per chunk would cost several times the copy itself
            for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                sha.update(buf, 0, n);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) ch.write(b);
                size += n;
                if (limit >= 0 && size > limit) {
                    throw new BlobMismatchException("Size mismatch: more than the announced " + limit + " bytes were sent");
                }
            }
            ch.force(true);
        }
        return new Written(new LfsOid(HexFormat.of().formatHex(sha.digest())), size);
    }

    private void publish(Path temp, LfsOid oid) throws IOException {
        Path target = pathOf(oid);
        if (Files.exists(target)) return; // same name, same bytes: already there
        Files.createDirectories(target.getParent());
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // a concurrent put of the same object won the race; its bytes are ours
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The blob store and its tmp folder must be on one file system", e);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
