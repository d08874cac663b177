package dev.forge.storage;

/**
 * Xet's 4-byte grouping (xet-core {@code byte_grouping/bg4.rs}): byte {@code i} of a chunk goes to plane
 * {@code i % 4}, and the four planes are laid out one after another (plane {@code p} holds {@code n / 4} bytes plus
 * one when {@code p < n % 4}). For 2- and 4-byte floats the planes separate sign and exponent bytes (few distinct
 * values) from mantissa bytes (noise), so LZ4 finds repeats it would miss in the interleaved bytes. The layout is
 * Xet's exactly, so a stored BG4_LZ4 chunk is what an Xet client expects. Stateless.
 */
final class ByteGrouping {
    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private ByteGrouping() {}

    /** The four planes of {@code src[off, off + len)}, back to back. */
    static byte[] split(byte[] src, int off, int len) {
        byte[] out = new byte[len];
        int[] starts = planeStarts(len);
        int quads = len / 4;
        int p0 = starts[0], p1 = starts[1], p2 = starts[2], p3 = starts[3];
        for (int i = 0, s = off; i < quads; i++, s += 4) {
            int v = (int) INT_LE.get(src, s);
            out[p0 + i] = (byte) v;
            out[p1 + i] = (byte) (v >>> 8);
            out[p2 + i] = (byte) (v >>> 16);
            out[p3 + i] = (byte) (v >>> 24);
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
        for (int i = 0; i < quads; i++) {
            INT_LE.set(out, 4 * i, (planes[p0 + i] & 0xff) | (planes[p1 + i] & 0xff) << 8 | (planes[p2 + i] & 0xff) << 16 | planes[p3 + i] << 24);
        }
        for (int r = 0; r < len % 4; r++) out[4 * quads + r] = planes[starts[r] + quads];
        return out;
    }

    /**
     * Whether byte grouping is worth trying on this chunk: Xet's test ({@code BG4Predictor} in xet-core's
     * {@code compression_scheme.rs}). It histograms the number of set bits of the bytes at each position mod 4 and
     * says yes when one position's histogram diverges from the mean of all by a Kullback-Leibler divergence above
     * 0.02 (Xet fitted that by regression over real models): the planes then differ, as sign/exponent and mantissa
     * bytes of floats do, while text and random bytes look alike at every position. One cheap pass instead of a
     * second compression.
     */
    static boolean recommended(byte[] src, int off, int len) {
        int[][] counts = new int[4][9];
        int[] c0 = counts[0], c1 = counts[1], c2 = counts[2], c3 = counts[3];
        int i = 0;
        for (; i + 3 < len; i += 4) {
            c0[Integer.bitCount(src[off + i] & 0xff)]++;
            c1[Integer.bitCount(src[off + i + 1] & 0xff)]++;
            c2[Integer.bitCount(src[off + i + 2] & 0xff)]++;
            c3[Integer.bitCount(src[off + i + 3] & 0xff)]++;
        }
        for (; i < len; i++) counts[i & 3][Integer.bitCount(src[off + i] & 0xff)]++;
        double[] base = new double[9];
        double baseTotal = 0;
        int[] totals = new int[4];
        for (int j = 0; j < 9; j++) {
            base[j] = 1; // never a zero probability
            for (int p = 0; p < 4; p++) {
                base[j] += counts[p][j];
                totals[p] += counts[p][j];
            }
            baseTotal += base[j];
        }
        double max = 0;
        for (int p = 0; p < 4; p++) {
            if (totals[p] == 0) continue;
            double kl = 0;
            for (int j = 0; j < 9; j++) {
                if (counts[p][j] == 0) continue;
                double pj = (double) counts[p][j] / totals[p];
                kl += pj * Math.log(pj / (base[j] / baseTotal));
            }
            max = Math.max(max, kl);
        }
        return max > 0.02;
    }

    private static int[] planeStarts(int len) {
        int quads = len / 4;
        int rem = len % 4;
        int[] starts = new int[4];
        for (int p = 1; p < 4; p++) starts[p] = starts[p - 1] + quads + (p - 1 < rem ? 1 : 0);
        return starts;
    }
}
