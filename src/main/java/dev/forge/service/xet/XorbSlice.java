package dev.forge.service.xet;

import dev.forge.core.MappedRegions;

import java.util.List;

/**
 * Bytes {@code [start, endExclusive)} of a xorb's serialization, as regions to write to a socket in order: the 8-byte
 * chunk headers (small heap buffers) and the chunks' stored bytes (mapped regions of the pack, no copy). The regions
 * stay valid until {@link #close}; the caller closes the slice once the last write completed.
 *
 * @param xorbLength the whole serialization's length (for {@code Content-Range})
 */
public record XorbSlice(long start, long endExclusive, long xorbLength, List<MappedRegions.Region> regions) implements AutoCloseable {
    public XorbSlice {
        regions = List.copyOf(regions);
    }

    public long length() { return endExclusive - start; }

    /** Releases every region (once; again is harmless). */
    @Override
    public void close() {
        for (MappedRegions.Region r : regions) r.close();
    }
}
