package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import dev.forge.http.exchange.Exchange;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;

/**
 * The one way a stored body goes out, for every download path ({@code /resolve} and {@code /raw}, the LFS transfer
 * hrefs, and whatever serves stored bytes next): the part asked for is read from where it starts, never from the
 * object's start with the bytes before it thrown away, and where the store maps its files the part is written straight
 * from the page cache ({@link RegionSource}), with no copy and no read system call. Otherwise it is read once into
 * pooled buffers after one seek: Jetty seeks only in channels it opens itself, and would read and discard an offset
 * handed in with someone else's channel (a git-lfs resume at 40 GB once read 40 GB first).
 *
 * <p>The channel or stream is the streamer's from the call on: closed after the last byte, on failure, or at once when
 * nothing is to be sent. Thread-safe.
 */
public final class BodyStreamer {
    /** The pooled buffer of a body read by copy. */
    public static final int BUFFER = 256 * 1024;

    private final ByteBufferPool.Sized pool;

    public BodyStreamer(ByteBufferPool pool) {
        this.pool = new ByteBufferPool.Sized(pool, true, BUFFER);
    }

    /**
     * Answers the request's range of a {@code size}-byte object (status, {@code Content-Length}, {@code Content-Range})
     * and streams that part of {@code ch}, or nothing for HEAD and empty bodies. The caller sets the other headers first.
     */
    public void send(Exchange ex, SeekableByteChannel ch, long size) throws IOException {
        try {
            var slice = ex.answerRange(size);
            if (slice.isEmpty()) {
                ch.close();
                return;
            }
            stream(ex, ch, slice.get());
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Streams {@code slice} of {@code ch} as the body already answered (see {@link Exchange#answerRange}). */
    public void stream(Exchange ex, SeekableByteChannel ch, Exchange.Slice slice) throws IOException {
        ex.stream(source(ch, slice.offset(), slice.length()));
    }

    /**
     * The body source of {@code length} bytes of {@code ch} from {@code offset}: mapped regions as they are, or reads
     * into pooled buffers. It closes {@code ch} when it is done (or here, when it cannot be made).
     */
    public Content.Source source(SeekableByteChannel ch, long offset, long length) throws IOException {
        try {
            if (ch instanceof MappedRegions mapped) return new RegionSource(mapped, ch, offset, length);
            ch.position(offset);
            return new ChannelSource(pool, ch, length);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Streams {@code slice} of a stream that cannot seek (a git blob, inflated as it is read): what comes before the
     * slice is skipped once, here, so the body source starts at its first byte.
     */
    public void stream(Exchange ex, InputStream in, Exchange.Slice slice) throws IOException {
        try {
            in.skipNBytes(slice.offset());
            ex.stream(Content.Source.from(pool, in, 0, slice.length()));
        } catch (IOException | RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    /**
     * Streams regions already held (a xorb range synthesized from a pack: chunk headers on the heap, chunk bytes mapped)
     * as the body already answered (small regions copied together into pooled buffers, see {@link RegionListSource}); each
     * region is released once written or copied, the rest on failure.
     */
    public void stream(Exchange ex, java.util.List<MappedRegions.Region> regions) {
        ex.stream(new RegionListSource(regions, pool));
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the failure that brought us here is the one to report
        }
    }
}
