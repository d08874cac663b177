package dev.forge.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A stored object that can hand out its bytes as read-only memory-mapped regions, so a server writes them to a
 * socket straight from the page cache, without first copying them into a buffer of its own (what nginx gets from
 * {@code sendfile}). Implemented by the channels of stores that map their files.
 */
public interface MappedRegions {

    /**
     * A read-only region of the object's bytes from {@code position}: at least one byte and at most {@code max},
     * fewer where the object's storage is not contiguous. The bytes stay valid, even after the object's channel is
     * closed, until the region is closed; the caller closes it once done with them (after a socket write completes,
     * not before). Using the bytes after that is a bug: it fails, it never reads other memory.
     *
     * @throws IllegalArgumentException when {@code position} is not within the object or {@code max < 1}
     */
    Region region(long position, int max) throws IOException;

    /** Bytes of a stored object and the hold that keeps them mapped; {@link #close} releases the hold (once; again is harmless). */
    record Region(ByteBuffer bytes, Runnable release) implements AutoCloseable {
        /** Bytes that need no hold (on the heap). */
        public static Region of(ByteBuffer bytes) {
            return new Region(bytes, () -> {});
        }

        @Override
        public void close() {
            release.run();
        }
    }
}
