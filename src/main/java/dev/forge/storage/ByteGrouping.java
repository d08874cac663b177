package dev.forge.storage;

/**
 * Xet's 4-byte grouping (xet-core {@code byte_grouping/bg4.rs}): byte {@code i} of a chunk goes to plane
 * {@code i % 4}, and the four planes are laid out one after another (plane {@code p} holds {@code n / 4} bytes plus
 * one when {@code p < n % 4}). For 2- and 4-byte floats the planes separate sign and exponent bytes (few distinct
 * values) from mantissa bytes (noise), so LZ4 finds repeats it would miss in the interleaved bytes. The layout is
 * Xet's exactly, so a stored BG4_LZ4 chunk is what an Xet client expects. Stateless.
 */
final class ByteGrouping {
    private ByteGrouping() {}

    /** The four planes of {@code src[off, off + len)}, back to back. */
    static byte[] split(byte[] src, int off, int len) {
        byte[] out = new byte[len];
        int[] starts = planeStarts(len);
        int quads = len / 4;
        int p0 = starts[0], p1 = starts[1], p2 = starts[2], p3 = starts[3];
        for (int i = 0, s = off; i < quads; i++, s += 4) {
            out[p0 + i] = src[s];
            out[p1 + i] = src[s + 1];
            out[p2 + i] = src[s + 2];
            out[p3 + i] = src[s + 3];
        }
        for (int r = 0; r < len % 4; r++) out[starts[r] + quads] = src[off + 4 * quads + r];
        return out;
    }

    /** The inverse of {@link #split}: interleaves the planes in {@code planes} back into the chunk's bytes. */
    static byte[] regroup(byte[] planes) {
        int len = planes.length;
        byte[] out = new byte[len];
        int[] starts = planeStarts(len);
        int quads = len / 4;
        int p0 = starts[0], p1 = starts[1], p2 = starts[2], p3 = starts[3];
        for (int i = 0, d = 0; i < quads; i++, d += 4) {
            out[d] = planes[p0 + i];
            out[d + 1] = planes[p1 + i];
            out[d + 2] = planes[p2 + i];
            out[d + 3] = planes[p3 + i];
        }
        for (int r = 0; r < len % 4; r++) out[4 * quads + r] = planes[starts[r] + quads];
        return out;
    }

    private static int[] planeStarts(int len) {
        int quads = len / 4;
        int rem = len % 4;
        int[] starts = new int[4];
        for (int p = 1; p < 4; p++) starts[p] = starts[p - 1] + quads + (p - 1 < rem ? 1 : 0);
        return starts;
    }
}
