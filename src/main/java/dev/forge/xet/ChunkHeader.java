package dev.forge.xet;

import java.nio.ByteBuffer;

/**
 * The 8-byte header before each chunk of a serialized xorb (Xet {@code XorbChunkHeader}): version (0), the stored
 * length as a 3-byte little-endian number, the compression scheme code (0 none, 1 LZ4, 2 BG4_LZ4), the uncompressed
 * length as a 3-byte little-endian number. A compressed chunk must be smaller than its uncompressed bytes (Xet's
 * writer stores it uncompressed otherwise).
 */
public record ChunkHeader(int storedLength, int scheme, int rawLength) {
    public static final int LENGTH = 8;
    /** The largest uncompressed chunk Xet makes (128 KiB); a header claiming more is refused. */
    public static final int MAX_RAW = 128 * 1024;
    /** The largest stored form of a chunk Xet accepts (twice the largest chunk). */
    public static final int MAX_STORED = 2 * MAX_RAW;
    static final int VERSION = 0;

    public ChunkHeader {
        if (storedLength < 0 || storedLength > MAX_STORED || rawLength < 0 || rawLength > MAX_RAW || scheme < 0 || scheme > 2) {
            throw new IllegalArgumentException("chunk header out of range: " + storedLength + "/" + scheme + "/" + rawLength);
        }
    }

    /** The header's 8 bytes. */
    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        b[0] = VERSION;
        put24(b, 1, storedLength);
        b[4] = (byte) scheme;
        put24(b, 5, rawLength);
        return b;
    }

    /** The header as a heap buffer (for {@code XorbSlice}). */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(encode());
    }

    /**
     * Parses a header at {@code b[off, off + 8)}.
     *
     * @throws XetFormatException on a version other than 0, an unknown scheme, or lengths past the limits
     */
    public static ChunkHeader decode(byte[] b, int off) {
        if (off < 0 || b.length - off < LENGTH) throw new XetFormatException("xorb: truncated chunk header");
        if (b[off] != VERSION) throw new XetFormatException("xorb: unknown chunk header version " + (b[off] & 0xff));
        int stored = get24(b, off + 1);
        int scheme = b[off + 4] & 0xff;
        int raw = get24(b, off + 5);
        if (scheme > 2) throw new XetFormatException("xorb: unknown compression scheme " + scheme);
        if (raw > MAX_RAW) throw new XetFormatException("xorb: chunk of " + raw + " bytes exceeds " + MAX_RAW);
        if (stored > MAX_STORED) throw new XetFormatException("xorb: stored chunk of " + stored + " bytes exceeds " + MAX_STORED);
        if (raw == 0 || stored == 0) throw new XetFormatException("xorb: empty chunk");
        if (scheme == 0 && stored != raw) throw new XetFormatException("xorb: uncompressed chunk with two lengths");
        // Xet's writer keeps a compressed form only when it is smaller; the chunk store relies on it (a run of chunks
        // whose stored length equals its length is read as plain bytes), so a larger "compressed" chunk is refused
        if (scheme != 0 && stored >= raw) throw new XetFormatException("xorb: a compressed chunk is not smaller than its " + raw + " bytes");
        return new ChunkHeader(stored, scheme, raw);
    }

    private static void put24(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
    }

    private static int get24(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16;
    }
}
