package dev.forge.crash;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * A large object that is never held in memory: {@code size} deterministic pseudo-random bytes made from one
 * random 1 MiB block per seed, each MiB stamped with its index so no two MiB are equal. Any slice can be
 * streamed again; {@link #sha256()} hashes the whole object once.
 */
final class Payload {
    static final int BLOCK = 1 << 20;

    final long size;
    private final byte[] block;
    private String sha256;

    private final long seed;
    private final boolean unique;
    private long cachedIndex = -1;

    Payload(long size, long seed) {
        this(size, seed, false);
    }

    private Payload(long size, long seed, boolean unique) {
        this.size = size;
        this.seed = seed;
        this.unique = unique;
        this.block = new byte[BLOCK];
        new SplittableRandom(unique ? seed * 0x9E3779B97F4A7C15L : seed).nextBytes(block);
        cachedIndex = 0;
    }

    /**
     * Like {@code new Payload(size, seed)}, but every MiB is its own random block, so the object does not
     * deduplicate against itself (chunk store tests); two such payloads of one seed share their common prefix.
     */
    static Payload unique(long size, long seed) {
        return new Payload(size, seed, true);
    }

    /** The random block of MiB {@code index} (always the same block unless {@link #unique}). */
    private byte[] block(long index) {
        if (!unique || index == cachedIndex) return block;
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextBytes(block);
        cachedIndex = index;
        return block;
    }

    /** Copies bytes {@code [pos, pos + len)} of the object into {@code dst}. */
    private synchronized void fill(long pos, byte[] dst, int off, int len) {
        while (len > 0) {
            long blockIndex = pos / BLOCK;
            int inBlock = (int) (pos % BLOCK);
            int n = Math.min(len, BLOCK - inBlock);
            System.arraycopy(block(blockIndex), inBlock, dst, off, n);
            // the first 8 bytes of every MiB are its index, xor-ed into the random block
            for (int i = inBlock; i < 8 && i < inBlock + n; i++) {
                dst[off + i - inBlock] ^= (byte) (blockIndex >>> (8 * i));
            }
            pos += n;
            off += n;
            len -= n;
        }
    }

    String sha256() {
        if (sha256 == null) {
            MessageDigest md = sha();
            byte[] buf = new byte[BLOCK];
            for (long pos = 0; pos < size; ) {
                int n = (int) Math.min(buf.length, size - pos);
                fill(pos, buf, 0, n);
                md.update(buf, 0, n);
                pos += n;
            }
            sha256 = HexFormat.of().formatHex(md.digest());
        }
        return sha256;
    }

    /** The whole object. */
    Stream stream() { return new Stream(0, size); }

    /** Bytes {@code [from, from + length)}. */
    Stream slice(long from, long length) { return new Stream(from, length); }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A slice as a stream. {@code onRead} is told the running count of bytes handed out after every read, on
     * the reading thread, so a test can act (and block the sender) at an exact point of the body.
     */
    final class Stream extends InputStream {
        private final long end;
        private long pos;
        private long delivered;
        private LongConsumer onRead = n -> {};
        private Runnable onEnd = () -> {};

        private Stream(long from, long length) {
            this.pos = from;
            this.end = from + length;
        }

        Stream onRead(LongConsumer c) {
            this.onRead = c;
            return this;
        }

        /** Called once, when the last byte has been handed out and the reader asks for more. */
        Stream onEnd(Runnable r) {
            this.onEnd = r;
            return this;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos >= end) {
                Runnable r = onEnd;
                onEnd = () -> {};
                r.run();
                return -1;
            }
            int n = (int) Math.min(len, end - pos);
            fill(pos, b, off, n);
            pos += n;
            delivered += n;
            onRead.accept(delivered);
            return n;
        }
    }
}
