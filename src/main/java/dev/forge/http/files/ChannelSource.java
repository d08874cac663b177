package dev.forge.http.files;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * A response body read from a channel already positioned at its first byte, into pooled buffers: a small first chunk,
 * then full ones. The first chunk goes out with the response headers, so its size is the client's wait for the first
 * byte: a 1 MiB range read into one 256 KiB buffer first kept the client waiting for the whole buffer to be read
 * (about 0.2 ms, several times nginx's whole answer); read in {@link #FIRST_CHUNK} it is on its way at once, and the
 * full buffers that follow keep the writes few. Reads happen on the thread Jetty asks for the next chunk on, after the
 * previous one was written. Closes the channel after the last chunk or on failure.
 */
final class ChannelSource extends StoredBodySource {
    /** The first chunk: what goes out with the headers. */
    static final int FIRST_CHUNK = 16 * 1024;

    private final ByteBufferPool.Sized pool;
    private final SeekableByteChannel channel;
    private final long length;
    private long remaining;
    private boolean first = true;

    ChannelSource(ByteBufferPool.Sized pool, SeekableByteChannel channel, long length) {
        super(channel);
        this.pool = pool;
        this.channel = channel;
        this.length = length;
        this.remaining = length;
    }

    @Override
    public long getLength() { return length; }

    @Override
    Content.Chunk next() {
        if (remaining == 0) return end(Content.Chunk.EOF);
        int want = (int) Math.min(remaining, first ? FIRST_CHUNK : pool.getSize());
        first = false;
        RetainableByteBuffer.Mutable pooled = pool.acquire(want);
        try {
            ByteBuffer bytes = pooled.getByteBuffer();
            bytes.clear().limit(want);
            // one read: what a channel has now goes out now (a file still arriving hands out what arrived so far)
            int n;
            do {
                n = channel.read(bytes);
            } while (n == 0);
            if (n < 0) throw new EOFException("The stored object ended " + remaining + " bytes early");
            bytes.flip();
            remaining -= n;
            if (remaining > 0) return Content.Chunk.asChunk(bytes, false, pooled);
            end(Content.Chunk.EOF);
            return Content.Chunk.asChunk(bytes, true, pooled);
        } catch (IOException | RuntimeException e) {
            pooled.release();
            return end(Content.Chunk.from(e, true));
        }
    }
}
