package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.util.Optional;

/**
 * A content-addressed store of LFS objects, named by the SHA-256 of their bytes.
 *
 * <p>Write protocol: {@link #put} streams the bytes to a private temporary place while hashing them,
 * and makes the object visible under its name only once the hash and the size are verified, by an
 * atomic step. A crash at any point leaves either no object or the whole, verified object; a reader
 * never sees a partial one. Implementations are thread-safe; concurrent puts of the same object are
 * harmless.
 */
public interface BlobStore {

    /** The object's size, or empty when it is not stored. */
    Optional<Long> size(LfsOid oid) throws IOException;

    /**
     * The object's size, as {@link #size}, for a caller about to make a commit reference it: a store with garbage
     * collection marks the object young, so a collection running meanwhile (which decided what is live before the
     * commit) keeps it for the grace period; or, if that collection already removed it, answers empty.
     */
    default Optional<Long> retain(LfsOid oid) throws IOException { return size(oid); }

    /**
     * Opens the object for reading at any position.
     *
     * @throws java.nio.file.NoSuchFileException when it is not stored
     */
    SeekableByteChannel open(LfsOid oid) throws IOException;

    /**
     * Stores the bytes of {@code in} (read to the end) as the object {@code expected} of {@code expectedSize}
     * bytes. The object becomes visible only when both match.
     *
     * @throws BlobMismatchException when the content's SHA-256 or size differs; nothing is stored then
     */
    void put(InputStream in, LfsOid expected, long expectedSize) throws IOException;

    /**
     * Stores the content of a finished file of the store's {@code tmp} folder as {@code expected}, with the same
     * verification as {@link #put}. Implementations that can may take the file over instead of copying it;
     * the file is gone or unchanged afterwards.
     */
    default void putFile(java.nio.file.Path file, LfsOid expected, long expectedSize) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            put(in, expected, expectedSize);
        }
    }

    /**
     * A put fed in order, piece by piece, for an object whose bytes arrive over several requests (the parts of a
     * multipart upload), so the store does its work while they arrive instead of reading them back at the end; or
     * empty when the store takes only whole files.
     */
    default java.util.Optional<Assembly> assemble() throws IOException { return java.util.Optional.empty(); }

    /** An object being put piece by piece ({@link #assemble}). Not thread-safe. */
    interface Assembly extends AutoCloseable {
        /** The next bytes of the object, in order. */
        void write(byte[] b, int off, int len) throws IOException;

        /** The bytes written so far. */
        long size();

        /**
         * Makes the bytes written the object {@code expected}, with the verification of {@link #put}.
         *
         * @throws BlobMismatchException when their SHA-256 or size differs; nothing is stored then
         */
        void finish(LfsOid expected, long expectedSize) throws IOException;

        /** Abandons what was not finished. */
        @Override
        void close() throws IOException;
    }

    /**
     * This store as a {@code capability} ({@link StorageFigures}, {@link Collectable}, {@link Verifiable},
     * {@link Migratable}), or empty when it has none such. Callers ask for what they need instead of testing for a
     * class; a store that wraps another forwards the question to it.
     */
    default <T> java.util.Optional<T> capability(Class<T> capability) {
        return capability.isInstance(this) ? java.util.Optional.of(capability.cast(this)) : java.util.Optional.empty();
    }

    /** Stores bytes whose hash is not known in advance and returns their name. */
    LfsOid put(InputStream in) throws IOException;

    /** Removes the object; true when it existed. */
    boolean delete(LfsOid oid) throws IOException;

    /** The SHA-256 of everything from the channel's position to its end (what an object's name must be). */
    static LfsOid sha256(SeekableByteChannel ch) throws IOException {
        java.security.MessageDigest sha = FileBlobStore.sha256();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
        while (ch.read(buf) >= 0) {
            buf.flip();
            sha.update(buf);
            buf.clear();
        }
        return new LfsOid(java.util.HexFormat.of().formatHex(sha.digest()));
    }

    /** Thrown when uploaded bytes do not match the oid or size they were announced with. */
    final class BlobMismatchException extends IOException {
        public BlobMismatchException(String message) { super(message); }
    }
}
