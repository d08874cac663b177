package dev.forge.storage;

import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.params.Blake3Parameters;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Xet's hashes (xet-core {@code spec/hashing.md}), all 32 bytes: a chunk's hash is keyed BLAKE3 of its bytes
 * under {@code DATA_KEY}; a xorb's (our pack's) hash is the root of Xet's aggregated Merkle tree over
 * {@code (chunk hash, size)}; a file's Xet id is that root hashed again, keyed with 32 zero bytes. The text form
 * prints each 8-byte word of the raw hash as a little-endian number ({@link #hex}), as Xet does.
 *
 * <p>BLAKE3 is {@link Blake3Vector} (SIMD through the incubating Vector API, several times faster: see
 * {@code ChunkHashBenchmark} and docs/benchmarks.md) when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} and its preferred vectors hold at least 4 ints; otherwise Bouncy
 * Castle's pure-Java {@code Blake3Digest}. The choice is made once, when this class is initialised
 * ({@link #BLAKE3}). Thread-safe: hashers are per thread.
 */
public final class XetHash {
    public static final int LENGTH = 32;

    private static final byte[] DATA_KEY = key(102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28,
            157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41);
    private static final byte[] INTERNAL_NODE_KEY = key(1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138,
            2, 230, 93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63);
    private static final byte[] VERIFICATION_KEY = key(127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165,
            195, 243, 164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195);
    private static final byte[] ZERO_KEY = new byte[LENGTH];
    /** Xet's mean fan-out of the aggregated tree: a node closes after a child whose hash is 0 mod 4. */
    private static final int BRANCHING = 4;

    /** The BLAKE3 implementations {@link XetHash} can use. */
    enum Blake3 { VECTOR, BOUNCY_CASTLE }

    /**
     * The narrowest vectors measured to beat Bouncy Castle ({@code ChunkHashBenchmark}: 4 lanes ~3.6×, 16 lanes
     * ~8×); a JVM whose preferred vectors hold fewer ints (no SIMD support) keeps Bouncy Castle.
     */
    private static final int MIN_LANES = 4;
    /** {@code -Dforge.blake3=bouncycastle} keeps Bouncy Castle even with the module (A/B runs, an escape hatch). */
    static final Blake3 BLAKE3 = choose(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"bouncycastle".equals(System.getProperty("forge.blake3")));

    private static final ThreadLocal<Blake3Digest> CHUNK = ThreadLocal.withInitial(() -> keyed(DATA_KEY));
    /** Per-thread {@link Blake3Vector}s, typed as Object so that this class links without the incubator module. */
    private static final ThreadLocal<Object> CHUNK_VECTOR = ThreadLocal.withInitial(() -> new Blake3Vector(DATA_KEY));
    /**
     * Vector API code runs ~100× slower than Bouncy Castle until C2 has compiled it (about 2.5 s of one core and
     * ~100 chunks of 64 KiB in a fresh JVM, longer on a busy machine), which made a fresh server's first ingest
     * slower than with Bouncy Castle. So chunk hashes use Bouncy Castle (the same hashes) until a background thread
     * has run the vector code hot.
     */
    private static final int WARM_UP_HASHES = 512;
    private static volatile boolean vectorWarm;

    static {
        if (BLAKE3 == Blake3.VECTOR) Thread.ofPlatform().daemon().name("blake3-warm-up").start(XetHash::warmUp);
    }

    private XetHash() {}

    /**
     * Loads this class, whose initializer starts the warm-up thread: the chunk store calls it when it opens, so the
     * warm-up (about a second of one core) runs while the server starts instead of beside its first ingest (before,
     * a pull-through cache's first cold download shared the CPUs with it).
     */
    static void prepare() {
        // the class initializer does the work
    }

    /** Vector API BLAKE3 if the module was added and its preferred vectors are wide enough; touches it only then. */
    static Blake3 choose(boolean vectorModuleAdded) {
        return vectorModuleAdded && Blake3Vector.LANES >= MIN_LANES ? Blake3.VECTOR : Blake3.BOUNCY_CASTLE;
    }

    private static byte[] key(int... v) {
        byte[] k = new byte[v.length];
        for (int i = 0; i < v.length; i++) k[i] = (byte) v[i];
        return k;
    }

    private static Blake3Digest keyed(byte[] key) {
        Blake3Digest d = new Blake3Digest(256);
        d.init(Blake3Parameters.key(key));
        return d;
    }

    private static byte[] keyedHash(byte[] key, byte[] data, int off, int len) {
        Blake3Digest d = keyed(key);
        d.update(data, off, len);
        byte[] out = new byte[LENGTH];
        d.doFinal(out, 0);
        return out;
    }

    /** The Xet chunk hash of {@code data[off, off+len)}. */
    public static byte[] chunk(byte[] data, int off, int len) {
        return chunk(vectorWarm ? Blake3.VECTOR : Blake3.BOUNCY_CASTLE, data, off, len);
    }

    /** Runs the vector code hot, then lets {@link #chunk(byte[], int, int)} use it (the warm-up thread; tests). */
    static void warmUp() {
        byte[] data = new byte[128 * 1024];
        // lengths that take every path: whole batches, a short batch, a partial last BLAKE3 chunk, odd tree levels
        int[] lengths = {64 * 1024, 100_000, 9_000, 128 * 1024 - 1};
        for (int i = 0; i < WARM_UP_HASHES; i++) chunk(Blake3.VECTOR, data, 0, lengths[i % lengths.length]);
        vectorWarm = true;
    }

    /** Whether {@link #chunk(byte[], int, int)} uses the vector code yet (it waits for the warm-up). */
    static boolean vectorInUse() {
        return vectorWarm;
    }

    /** The Xet chunk hash computed by {@code blake3} (tests compare both). */
    static byte[] chunk(Blake3 blake3, byte[] data, int off, int len) {
        if (blake3 == Blake3.VECTOR) return ((Blake3Vector) CHUNK_VECTOR.get()).hash(data, off, len);
        Blake3Digest d = CHUNK.get();
        d.update(data, off, len);
        byte[] out = new byte[LENGTH];
        d.doFinal(out, 0); // resets to the keyed initial state
        return out;
    }

    /** One leaf or node of the aggregated tree: a hash and the bytes under it. */
    public record Node(byte[] hash, long size) {}

    /** Xet's xorb hash: the aggregated Merkle root, all zeros for no chunks. */
    public static byte[] merkleRoot(List<Node> chunks) {
        if (chunks.isEmpty()) return new byte[LENGTH];
        Node[] level = chunks.toArray(Node[]::new);
        int n = level.length;
        while (n > 1) {
            int write = 0;
            for (int read = 0; read < n; ) {
                int cut = read + nextCut(level, read, n);
                level[write++] = merge(level, read, cut);
                read = cut;
            }
            n = write;
        }
        return level[0].hash();
    }

    /** Xet's file id: the Merkle root hashed with an all-zero key; all zeros for an empty file. */
    public static byte[] fileHash(List<Node> chunks) {
        return chunks.isEmpty() ? new byte[LENGTH] : hmac(merkleRoot(chunks), ZERO_KEY);
    }

    /** Keyed BLAKE3 of a hash under a 32-byte key ({@code MerkleHash::hmac}). */
    public static byte[] hmac(byte[] hash, byte[] key) {
        return keyedHash(key, hash, 0, hash.length);
    }

    /** The term verification hash of a run of chunk hashes (shard {@code FileVerificationEntry}). */
    public static byte[] verification(List<byte[]> chunkHashes) {
        byte[] all = new byte[chunkHashes.size() * LENGTH];
        for (int i = 0; i < chunkHashes.size(); i++) System.arraycopy(chunkHashes.get(i), 0, all, i * LENGTH, LENGTH);
        return keyedHash(VERIFICATION_KEY, all, 0, all.length);
    }

    /** Children of the next node: cut after a child (not before the third) whose hash is 0 mod 4, at most 2 × 4 + 1. */
    private static int nextCut(Node[] level, int from, int n) {
        int left = n - from;
        if (left <= 2) return left;
        int end = Math.min(2 * BRANCHING + 1, left);
        for (int i = 2; i < end; i++) {
            if (Long.remainderUnsigned(word(level[from + i].hash(), 3), BRANCHING) == 0) return i + 1;
        }
        return end;
    }

    private static Node merge(Node[] level, int from, int to) {
        StringBuilder text = new StringBuilder((to - from) * 80);
        long total = 0;
        for (int i = from; i < to; i++) {
            text.append(hex(level[i].hash())).append(" : ").append(level[i].size()).append('\n');
            total += level[i].size();
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        return new Node(keyedHash(INTERNAL_NODE_KEY, bytes, 0, bytes.length), total);
    }

    /** The little-endian 64-bit word {@code i} (0..3) of a raw hash. */
    static long word(byte[] hash, int i) {
        long v = 0;
        for (int b = 7; b >= 0; b--) v = (v << 8) | (hash[i * 8 + b] & 0xff);
        return v;
    }

    /** Xet's text form of a raw hash: four little-endian 64-bit words, each as 16 hex digits. */
    public static String hex(byte[] hash) {
        StringBuilder s = new StringBuilder(64);
        for (int i = 0; i < 4; i++) {
            String w = Long.toHexString(word(hash, i));
            s.repeat('0', 16 - w.length()).append(w);
        }
        return s.toString();
    }

    /** The raw hash of Xet's text form. */
    public static byte[] fromHex(String text) {
        byte[] be = HexFormat.of().parseHex(text);
        if (be.length != LENGTH) throw new IllegalArgumentException("a Xet hash has 64 hex digits");
        byte[] raw = new byte[LENGTH];
        for (int w = 0; w < 4; w++) {
            for (int b = 0; b < 8; b++) raw[w * 8 + b] = be[w * 8 + 7 - b];
        }
        return raw;
    }

    static boolean isZero(byte[] hash) {
        return Arrays.equals(hash, ZERO_KEY);
    }
}
