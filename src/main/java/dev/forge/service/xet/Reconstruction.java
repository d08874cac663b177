package dev.forge.service.xet;

import java.util.List;
import java.util.Map;

/**
 * How to rebuild a file, or a byte range of it, from xorbs: the Xet {@code QueryReconstructionResponse} without the
 * URLs (the http layer signs one URL per fetch range).
 *
 * @param offsetIntoFirstRange bytes to skip at the start of the first term's decoded chunks (a range that starts
 *                             inside a chunk)
 * @param terms                the file's (or range's) chunk runs in file order
 * @param fetchInfo            per xorb, the byte ranges of its serialization that hold the terms' chunks; every term's
 *                             chunk range lies inside one of its xorb's fetch ranges
 * @param fileSize             the whole file's size
 */
public record Reconstruction(long offsetIntoFirstRange, List<Term> terms, Map<XetHashHex, List<FetchRange>> fetchInfo,
                             long fileSize) {
    public Reconstruction {
        terms = List.copyOf(terms);
        fetchInfo = Map.copyOf(fetchInfo);
    }

    /** Chunks {@code [chunkStart, chunkEnd)} of xorb {@code xorbHash}, {@code unpackedLength} bytes once decoded. */
    public record Term(XetHashHex xorbHash, long unpackedLength, int chunkStart, int chunkEnd) {}

    /**
     * Chunks {@code [chunkStart, chunkEnd)} of a xorb are bytes {@code [byteStart, byteEndInclusive]} of its
     * serialization (inclusive end, as an HTTP {@code Range} and Xet's {@code url_range} say it).
     */
    public record FetchRange(int chunkStart, int chunkEnd, long byteStart, long byteEndInclusive) {
        public long length() { return byteEndInclusive - byteStart + 1; }
    }
}
