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
     * A read-only buffer holding the object's bytes from {@code position}: at least one byte and at most
     * {@code max}, fewer where the object's storage is not contiguous. The buffer is the caller's; it stays valid
     * after the object's channel is closed.
     *
     * @throws IllegalArgumentException when {@code position} is not within the object or {@code max < 1}
     */
    ByteBuffer region(long position, int max) throws IOException;
}
