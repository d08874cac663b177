package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import org.eclipse.jetty.io.Content;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A response body served from memory-mapped regions of a stored object ({@link MappedRegions}): each chunk is a
 * slice of the page cache that Jetty writes straight to the socket, with no copy into a pooled buffer and no read
 * system call; the way nginx serves with {@code sendfile}, within what Java offers. Always ready, so
 * {@link #demand} runs its callback at once. Closes the object's channel after the last chunk or on failure.
 */
public final class RegionSource extends StoredBodySource {
    /** Large enough that a chunk costs few writes, small enough that one response does not monopolise a connection. */
    private static final int MAX_CHUNK = 4 << 20;

    private final MappedRegions regions;
    private final long length;
    private long position;
    private long remaining;

    public RegionSource(MappedRegions regions, Closeable owner, long offset, long length) {
        super(owner);
        this.regions = regions;
        this.position = offset;
        this.length = length;
        this.remaining = length;
    }

    @Override
    public long getLength() { return length; }

    @Override
    Content.Chunk next() {
        if (remaining == 0) return end(Content.Chunk.EOF);
        try {
            MappedRegions.Region region = regions.region(position, (int) Math.min(remaining, MAX_CHUNK));
            ByteBuffer bytes = region.bytes();
            position += bytes.remaining();
            remaining -= bytes.remaining();
            // the region stays mapped until Jetty has written the chunk and releases it
            if (remaining > 0) return Content.Chunk.from(bytes, false, region::close);
            end(Content.Chunk.EOF);
            return Content.Chunk.from(bytes, true, region::close);
        } catch (IOException | RuntimeException e) {
            return end(Content.Chunk.from(e, true));
        }
    }
}
