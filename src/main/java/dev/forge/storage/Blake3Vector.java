package dev.forge.storage;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Keyed BLAKE3 (32-byte output) with the Vector API, the way the reference C and Rust implementations use SIMD:
 * each vector lane compresses its own 1 KiB BLAKE3 chunk, so a 64 KiB Xet chunk is 4 batches of 16 chunks with
 * 512-bit vectors (8 batches of 8 with 256-bit); lane {@code j} of message vector {@code w} holds word {@code w}
 * of the current block of chunk {@code j} (the input is transposed into a scratch array first). The parent nodes
 * are then hashed a tree level at a time, one parent per lane. Pairing a level left to right and carrying an odd
 * last node up unchanged builds the same tree as the specification's "left subtree is the largest power of two"
 * rule. The last chunk when partial, and inputs of one chunk or less, go through a scalar compression.
 *
 * <p>Needs the incubator module {@code jdk.incubator.vector} (load this class only when it is present; see
 * {@link XetHash}). Not thread-safe: an instance keeps scratch arrays that grow to the largest input.
 */
final class Blake3Vector {
    static final int OUT_LEN = 32;
    private static final int BLOCK_LEN = 64;
    private static final int CHUNK_LEN = 1024;
    private static final int CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8, KEYED_HASH = 16;
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int[] MSG_PERMUTATION = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};
    private static final int[][] SCHEDULE = schedule();

    /**
     * The vector shape, a constant because C2 only compiles Vector API calls to SIMD instructions when the species
     * is one: read once from {@code -Dforge.blake3.lanes=4|8|16} (for benchmarks and tests), else the preferred.
     */
    static final VectorSpecies<Integer> SPECIES = species(Integer.getInteger("forge.blake3.lanes", 0));
    static final int LANES = SPECIES.length();
    private final int[] key = new int[8];
    private final IntVector laneIndex;
    /** One batch of input and its chaining values, transposed: see {@link #compress}. */
    private final int[] in, out;
    private int[] cvs = new int[0], next = new int[0];
    private final int[] state = new int[16], block = new int[16];

    /** A hasher under a 32-byte key. */
    Blake3Vector(byte[] key) {
        if (key.length != OUT_LEN) throw new IllegalArgumentException("a BLAKE3 key has 32 bytes");
        ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(this.key);
        in = new int[CHUNK_LEN / 4 * LANES];
        out = new int[8 * LANES];
        int[] iota = new int[LANES];
        for (int i = 0; i < LANES; i++) iota[i] = i;
        laneIndex = IntVector.fromArray(SPECIES, iota, 0);
    }

    private static VectorSpecies<Integer> species(int lanes) {
        return switch (lanes) {
            case 0 -> IntVector.SPECIES_PREFERRED;
            case 4 -> IntVector.SPECIES_128;
            case 8 -> IntVector.SPECIES_256;
            case 16 -> IntVector.SPECIES_512;
            default -> throw new IllegalArgumentException("forge.blake3.lanes is 4, 8 or 16, not " + lanes);
        };
    }

    /** Keyed BLAKE3 of {@code data[off, off+len)}. */
    byte[] hash(byte[] data, int off, int len) {
        int[] root = len <= CHUNK_LEN ? singleChunk(data, off, len) : tree(data, off, len);
        byte[] hash = new byte[OUT_LEN];
        ByteBuffer.wrap(hash).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(root, 0, 8);
        return hash;
    }

    private int[] singleChunk(byte[] data, int off, int len) {
        int[] cv = key.clone();
        scalarChunk(cv, data, off, len, 0, ROOT);
        return cv;
    }

    private int[] tree(byte[] data, int off, int len) {
        int full = len / CHUNK_LEN, rest = len % CHUNK_LEN, chunks = full + (rest > 0 ? 1 : 0);
        if (cvs.length < chunks * 8) {
            cvs = new int[chunks * 8];
            next = new int[chunks * 8];
        }
        for (int first = 0; first < full; first += LANES) {
            int count = Math.min(LANES, full - first);
            for (int j = 0; j < count; j++) {
                int from = off + (first + j) * CHUNK_LEN;
                for (int w = 0; w < CHUNK_LEN / 4; w++) in[w * LANES + j] = (int) LE_INT.get(data, from + 4 * w);
            }
            compress(CHUNK_LEN / BLOCK_LEN, laneIndex.add(first), 0);
            untranspose(count, cvs, first * 8);
        }
        if (rest > 0) {
            int[] cv = key.clone();
            scalarChunk(cv, data, off + full * CHUNK_LEN, rest, full, 0);
            System.arraycopy(cv, 0, cvs, full * 8, 8);
        }
        IntVector zero = IntVector.zero(SPECIES);
        for (int n = chunks; n > 1; ) {
            int pairs = n / 2;
            int flags = PARENT | (n == 2 ? ROOT : 0);
            for (int first = 0; first < pairs; first += LANES) {
                int count = Math.min(LANES, pairs - first);
                for (int j = 0; j < count; j++) {
                    for (int w = 0; w < 16; w++) in[w * LANES + j] = cvs[(first + j) * 16 + w];
                }
                compress(1, zero, flags);
                untranspose(count, next, first * 8);
            }
            if (n % 2 == 1) System.arraycopy(cvs, (n - 1) * 8, next, pairs * 8, 8);
            int[] t = cvs;
            cvs = next;
            next = t;
            n = pairs + n % 2;
        }
        return cvs;
    }

    /** The chaining values of the first {@code count} lanes, each as 8 consecutive ints from {@code dst[at]}. */
    private void untranspose(int count, int[] dst, int at) {
        for (int j = 0; j < count; j++) {
            for (int w = 0; w < 8; w++) dst[at + 8 * j + w] = out[w * LANES + j];
        }
    }

    /**
     * Compresses one node per lane, its {@code blocks} 64-byte blocks transposed in {@link #in} (word {@code w} of
     * block {@code b} of lane {@code j} at {@code (16 b + w) * LANES + j}): a chunk if {@code parentFlags} is 0
     * (start and end flags on its first and last block, the counters given), otherwise a parent with those flags.
     * The chaining values land transposed in {@link #out}. Contiguous loads only: gathers were not intrinsified
     * here (JDK 25) and ran two orders of magnitude slower.
     */
    private void compress(int blocks, IntVector counter, int parentFlags) {
        VectorSpecies<Integer> s = SPECIES;
        IntVector h0 = IntVector.broadcast(s, key[0]), h1 = IntVector.broadcast(s, key[1]);
        IntVector h2 = IntVector.broadcast(s, key[2]), h3 = IntVector.broadcast(s, key[3]);
        IntVector h4 = IntVector.broadcast(s, key[4]), h5 = IntVector.broadcast(s, key[5]);
        IntVector h6 = IntVector.broadcast(s, key[6]), h7 = IntVector.broadcast(s, key[7]);
        // rotation counts as vectors: a scalar count costs a broadcast per use, which C2 stopped inlining here
        IntVector r16 = IntVector.broadcast(s, 16), r12 = IntVector.broadcast(s, 12);
        IntVector r8 = IntVector.broadcast(s, 8), r7 = IntVector.broadcast(s, 7);
        IntVector iv0 = IntVector.broadcast(s, 0x6A09E667), iv1 = IntVector.broadcast(s, 0xBB67AE85);
        IntVector iv2 = IntVector.broadcast(s, 0x3C6EF372), iv3 = IntVector.broadcast(s, 0xA54FF53A);
        IntVector zero = IntVector.zero(s), blockLen = IntVector.broadcast(s, BLOCK_LEN);
        for (int b = 0; b < blocks; b++) {
            int at = b * 16 * LANES;
            IntVector m0 = IntVector.fromArray(s, in, at), m1 = IntVector.fromArray(s, in, at + 1 * LANES);
            IntVector m2 = IntVector.fromArray(s, in, at + 2 * LANES), m3 = IntVector.fromArray(s, in, at + 3 * LANES);
            IntVector m4 = IntVector.fromArray(s, in, at + 4 * LANES), m5 = IntVector.fromArray(s, in, at + 5 * LANES);
            IntVector m6 = IntVector.fromArray(s, in, at + 6 * LANES), m7 = IntVector.fromArray(s, in, at + 7 * LANES);
            IntVector m8 = IntVector.fromArray(s, in, at + 8 * LANES), m9 = IntVector.fromArray(s, in, at + 9 * LANES);
            IntVector m10 = IntVector.fromArray(s, in, at + 10 * LANES), m11 = IntVector.fromArray(s, in, at + 11 * LANES);
            IntVector m12 = IntVector.fromArray(s, in, at + 12 * LANES), m13 = IntVector.fromArray(s, in, at + 13 * LANES);
            IntVector m14 = IntVector.fromArray(s, in, at + 14 * LANES), m15 = IntVector.fromArray(s, in, at + 15 * LANES);
            int flags = KEYED_HASH | (parentFlags != 0 ? parentFlags : (b == 0 ? CHUNK_START : 0) | (b == blocks - 1 ? CHUNK_END : 0));
            IntVector v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
            IntVector v8 = iv0, v9 = iv1, v10 = iv2, v11 = iv3;
            IntVector v12 = counter, v13 = zero; // counters stay below 2^32 chunks in a byte[]
            IntVector v14 = blockLen, v15 = IntVector.broadcast(s, flags);
            for (int round = 0; round < 7; round++) {
                // columns
                v0 = v0.add(v4).add(m0); v12 = v12.lanewise(VectorOperators.XOR, v0).lanewise(VectorOperators.ROR, r16);
                v8 = v8.add(v12); v4 = v4.lanewise(VectorOperators.XOR, v8).lanewise(VectorOperators.ROR, r12);
                v0 = v0.add(v4).add(m1); v12 = v12.lanewise(VectorOperators.XOR, v0).lanewise(VectorOperators.ROR, r8);
                v8 = v8.add(v12); v4 = v4.lanewise(VectorOperators.XOR, v8).lanewise(VectorOperators.ROR, r7);
                v1 = v1.add(v5).add(m2); v13 = v13.lanewise(VectorOperators.XOR, v1).lanewise(VectorOperators.ROR, r16);
                v9 = v9.add(v13); v5 = v5.lanewise(VectorOperators.XOR, v9).lanewise(VectorOperators.ROR, r12);
                v1 = v1.add(v5).add(m3); v13 = v13.lanewise(VectorOperators.XOR, v1).lanewise(VectorOperators.ROR, r8);
                v9 = v9.add(v13); v5 = v5.lanewise(VectorOperators.XOR, v9).lanewise(VectorOperators.ROR, r7);
                v2 = v2.add(v6).add(m4); v14 = v14.lanewise(VectorOperators.XOR, v2).lanewise(VectorOperators.ROR, r16);
                v10 = v10.add(v14); v6 = v6.lanewise(VectorOperators.XOR, v10).lanewise(VectorOperators.ROR, r12);
                v2 = v2.add(v6).add(m5); v14 = v14.lanewise(VectorOperators.XOR, v2).lanewise(VectorOperators.ROR, r8);
                v10 = v10.add(v14); v6 = v6.lanewise(VectorOperators.XOR, v10).lanewise(VectorOperators.ROR, r7);
                v3 = v3.add(v7).add(m6); v15 = v15.lanewise(VectorOperators.XOR, v3).lanewise(VectorOperators.ROR, r16);
                v11 = v11.add(v15); v7 = v7.lanewise(VectorOperators.XOR, v11).lanewise(VectorOperators.ROR, r12);
                v3 = v3.add(v7).add(m7); v15 = v15.lanewise(VectorOperators.XOR, v3).lanewise(VectorOperators.ROR, r8);
                v11 = v11.add(v15); v7 = v7.lanewise(VectorOperators.XOR, v11).lanewise(VectorOperators.ROR, r7);
                // diagonals
                v0 = v0.add(v5).add(m8); v15 = v15.lanewise(VectorOperators.XOR, v0).lanewise(VectorOperators.ROR, r16);
                v10 = v10.add(v15); v5 = v5.lanewise(VectorOperators.XOR, v10).lanewise(VectorOperators.ROR, r12);
                v0 = v0.add(v5).add(m9); v15 = v15.lanewise(VectorOperators.XOR, v0).lanewise(VectorOperators.ROR, r8);
                v10 = v10.add(v15); v5 = v5.lanewise(VectorOperators.XOR, v10).lanewise(VectorOperators.ROR, r7);
                v1 = v1.add(v6).add(m10); v12 = v12.lanewise(VectorOperators.XOR, v1).lanewise(VectorOperators.ROR, r16);
                v11 = v11.add(v12); v6 = v6.lanewise(VectorOperators.XOR, v11).lanewise(VectorOperators.ROR, r12);
                v1 = v1.add(v6).add(m11); v12 = v12.lanewise(VectorOperators.XOR, v1).lanewise(VectorOperators.ROR, r8);
                v11 = v11.add(v12); v6 = v6.lanewise(VectorOperators.XOR, v11).lanewise(VectorOperators.ROR, r7);
                v2 = v2.add(v7).add(m12); v13 = v13.lanewise(VectorOperators.XOR, v2).lanewise(VectorOperators.ROR, r16);
                v8 = v8.add(v13); v7 = v7.lanewise(VectorOperators.XOR, v8).lanewise(VectorOperators.ROR, r12);
                v2 = v2.add(v7).add(m13); v13 = v13.lanewise(VectorOperators.XOR, v2).lanewise(VectorOperators.ROR, r8);
                v8 = v8.add(v13); v7 = v7.lanewise(VectorOperators.XOR, v8).lanewise(VectorOperators.ROR, r7);
                v3 = v3.add(v4).add(m14); v14 = v14.lanewise(VectorOperators.XOR, v3).lanewise(VectorOperators.ROR, r16);
                v9 = v9.add(v14); v4 = v4.lanewise(VectorOperators.XOR, v9).lanewise(VectorOperators.ROR, r12);
                v3 = v3.add(v4).add(m15); v14 = v14.lanewise(VectorOperators.XOR, v3).lanewise(VectorOperators.ROR, r8);
                v9 = v9.add(v14); v4 = v4.lanewise(VectorOperators.XOR, v9).lanewise(VectorOperators.ROR, r7);
                // the message permutation, MSG_PERMUTATION applied to the sixteen locals
                IntVector t0 = m2, t1 = m6, t2 = m3, t3 = m10, t4 = m7, t5 = m0, t6 = m4, t7 = m13;
                IntVector t8 = m1, t9 = m11, t10 = m12, t11 = m5, t12 = m9, t13 = m14, t14 = m15, t15 = m8;
                m0 = t0; m1 = t1; m2 = t2; m3 = t3; m4 = t4; m5 = t5; m6 = t6; m7 = t7;
                m8 = t8; m9 = t9; m10 = t10; m11 = t11; m12 = t12; m13 = t13; m14 = t14; m15 = t15;
            }
            h0 = v0.lanewise(VectorOperators.XOR, v8); h1 = v1.lanewise(VectorOperators.XOR, v9);
            h2 = v2.lanewise(VectorOperators.XOR, v10); h3 = v3.lanewise(VectorOperators.XOR, v11);
            h4 = v4.lanewise(VectorOperators.XOR, v12); h5 = v5.lanewise(VectorOperators.XOR, v13);
            h6 = v6.lanewise(VectorOperators.XOR, v14); h7 = v7.lanewise(VectorOperators.XOR, v15);
        }
        h0.intoArray(out, 0 * LANES); h1.intoArray(out, 1 * LANES);
        h2.intoArray(out, 2 * LANES); h3.intoArray(out, 3 * LANES);
        h4.intoArray(out, 4 * LANES); h5.intoArray(out, 5 * LANES);
        h6.intoArray(out, 6 * LANES); h7.intoArray(out, 7 * LANES);
    }

    /** One chunk of {@code len} (0..1024) bytes, scalar; {@code cv} goes in as the key and comes out as its value. */
    private void scalarChunk(int[] cv, byte[] data, int off, int len, long counter, int rootFlag) {
        int blocks = Math.max(1, (len + BLOCK_LEN - 1) / BLOCK_LEN);
        for (int b = 0; b < blocks; b++) {
            int blockLen = Math.min(BLOCK_LEN, len - b * BLOCK_LEN);
            Arrays.fill(block, 0);
            for (int i = 0; i < blockLen; i++) block[i >> 2] |= (data[off + b * BLOCK_LEN + i] & 0xff) << (8 * (i & 3));
            boolean last = b == blocks - 1;
            int flags = KEYED_HASH | (b == 0 ? CHUNK_START : 0) | (last ? CHUNK_END | rootFlag : 0);
            scalarCompress(cv, block, counter, blockLen, flags);
        }
    }

    private void scalarCompress(int[] cv, int[] m, long counter, int blockLen, int flags) {
        int[] v = state;
        System.arraycopy(cv, 0, v, 0, 8);
        v[8] = 0x6A09E667; v[9] = 0xBB67AE85; v[10] = 0x3C6EF372; v[11] = 0xA54FF53A;
        v[12] = (int) counter; v[13] = (int) (counter >>> 32); v[14] = blockLen; v[15] = flags;
        for (int[] s : SCHEDULE) {
            g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for (int i = 0; i < 8; i++) cv[i] = v[i] ^ v[i + 8];
    }

    /** Which message word each of the 7 rounds reads at each position: MSG_PERMUTATION applied 0 to 6 times. */
    private static int[][] schedule() {
        int[][] rounds = new int[7][16];
        for (int i = 0; i < 16; i++) rounds[0][i] = i;
        for (int r = 1; r < 7; r++) {
            for (int i = 0; i < 16; i++) rounds[r][i] = rounds[r - 1][MSG_PERMUTATION[i]];
        }
        return rounds;
    }

    private static void g(int[] v, int a, int b, int c, int d, int x, int y) {
        v[a] += v[b] + x;
        v[d] = Integer.rotateRight(v[d] ^ v[a], 16);
        v[c] += v[d];
        v[b] = Integer.rotateRight(v[b] ^ v[c], 12);
        v[a] += v[b] + y;
        v[d] = Integer.rotateRight(v[d] ^ v[a], 8);
        v[c] += v[d];
        v[b] = Integer.rotateRight(v[b] ^ v[c], 7);
    }
}
