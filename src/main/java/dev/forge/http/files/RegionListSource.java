package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A response body of regions handed in as a list (see {@link BodyStreamer#stream(dev.forge.http.exchange.Exchange, List)}):
 * a region of at least a pooled buffer's size is written as it is, straight from where it lives, and released by Jetty
 * once written; smaller ones (a xorb range is an 8-byte chunk header, then a chunk of 8–128 KiB, over and over) are
 * copied back to back into one pooled buffer, so the socket sees a few large writes instead of two small writes per
 * chunk. On failure (from outside, or a region that cannot be read while copying) the body ends with the failure and
 * the regions not yet handed out are released here, as is the buffer being filled. Always ready. Thread-safe (reads synchronized).
 */
final class RegionListSource implements Content.Source {
    private final List<MappedRegions.Region> regions;
    private final long length;
    private int next;
    private Content.Chunk terminal;

    private final ByteBufferPool.Sized pool;

    RegionListSource(List<MappedRegions.Region> regions, ByteBufferPool.Sized pool) {
        this.regions = List.copyOf(regions);
        this.pool = pool;
        this.length = this.regions.stream().mapToLong(r -> r.bytes().remaining()).sum();
    }

    @Override
    public long getLength() { return length; }

    @Override
    public synchronized Content.Chunk read() {
        if (terminal != null) return terminal;
        if (next == regions.size()) return terminal = Content.Chunk.EOF;
        MappedRegions.Region region = regions.get(next);
        if (region.bytes().remaining() >= pool.getSize()) {
            next++;
            boolean last = next == regions.size();
            if (last) terminal = Content.Chunk.EOF;
            return Content.Chunk.from(region.bytes().slice(), last, region::close);
        }
        RetainableByteBuffer buffer = pool.acquire();
        ByteBuffer out = buffer.getByteBuffer();
        int at = org.eclipse.jetty.util.BufferUtil.flipToFill(out);
        MappedRegions.Region copying = null;
        try {
            while (next < regions.size() && regions.get(next).bytes().remaining() <= out.remaining()) {
                copying = regions.get(next++);
                out.put(copying.bytes().slice());
                MappedRegions.Region done = copying;
                copying = null;
                done.close();
            }
        } catch (RuntimeException e) {
            // a region that cannot be read (its mapping gone): the body cannot be completed, so it ends here, failed,
            // with this buffer back in the pool and every region not yet copied, this one included, released
            buffer.release();
            if (copying != null) release(copying, e);
            fail(e);
            return terminal;
        } finally {
            org.eclipse.jetty.util.BufferUtil.flipToFlush(out, at);
        }
        boolean last = next == regions.size();
        if (last) terminal = Content.Chunk.EOF;
        return Content.Chunk.asChunk(out, last, buffer);
    }

    @Override
    public void demand(Runnable demandCallback) {
        demandCallback.run();
    }

    @Override
    public synchronized void fail(Throwable failure) {
        if (terminal != null) return;
        terminal = Content.Chunk.from(failure, true);
        while (next < regions.size()) release(regions.get(next++), failure);
    }

    /** Releases a region on the way out of a failure: a release that fails too is recorded on the failure, not thrown. */
    private static void release(MappedRegions.Region region, Throwable failure) {
        try {
            region.close();
        } catch (RuntimeException e) {
            if (e != failure) failure.addSuppressed(e);
        }
    }
}
