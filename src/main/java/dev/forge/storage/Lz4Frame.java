package dev.forge.storage;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHashFactory;

import java.io.IOException;

/**
 * One chunk as an LZ4 frame (the LZ4 frame format, magic {@code 0x184D2204}), which is how Xet stores LZ4 and
 * BG4_LZ4 chunks in its xorbs (xet-core compresses with lz4_flex's {@code FrameEncoder}), so a stored chunk can
 * later be served to Xet clients byte for byte. Written as a single independent block with no checksums (the
 * chunk hash covers the content): 7 bytes of header, a 4-byte block size, the block, a 4-byte end mark. Decoding
 * accepts any frame of independent blocks, with or without checksums and content size.
 *
 * <p>Uses lz4-java's fastest codec: its JNI one (bundled in the jar for Linux, macOS and Windows; needs
 * {@code --enable-native-access}, which the launcher passes), else its pure-Java one. JNI measured 3-10x faster than
 * pure Java at decompressing (docs/benchmarks.md, "Chunk compression"), which every read of a compressed chunk pays.
 * Decompression is bounds-checked either way ({@code safeDecompressor}). Stateless and thread-safe.
 */
final class Lz4Frame {
    private static final int MAGIC = 0x184D2204;
    private static final int FLG = 0x60;      // version 01, independent blocks, no checksums, no content size
    private static final int BD = 0x50;       // blocks of at most 256 KiB (chunks are at most 128 KiB)
    private static final int HEADER = 7;
    private static final int OVERHEAD = HEADER + 4 + 4;
    private static final byte HC = (byte) ((XXHashFactory.safeInstance().hash32().hash(new byte[] {FLG, BD}, 0, 2, 0) >> 8) & 0xff);

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

    private Lz4Frame() {}

    /** The frame of {@code src[off, off + len)}; the first {@code [0]} bytes of the returned array hold it. */
    static Encoded encode(byte[] src, int off, int len) {
        byte[] out = new byte[OVERHEAD + COMPRESSOR.maxCompressedLength(len)];
        putInt(out, 0, MAGIC);
        out[4] = FLG;
        out[5] = BD;
        out[6] = HC;
        int n = COMPRESSOR.compress(src, off, len, out, HEADER + 4, out.length - OVERHEAD);
        putInt(out, HEADER, n);
        putInt(out, HEADER + 4 + n, 0);
        return new Encoded(out, OVERHEAD + n);
    }

    /** Bytes {@code [0, length)} of {@code bytes}. */
    record Encoded(byte[] bytes, int length) {}

    /** Decodes the frame in {@code src[off, off + len)}, which must hold exactly {@code rawLength} bytes. */
    static byte[] decode(byte[] src, int off, int len, int rawLength) throws IOException {
        byte[] out = new byte[rawLength];
        int end = off + len;
        try {
            if (len < HEADER || getInt(src, off) != MAGIC) throw new IOException("not an LZ4 frame");
            int flg = src[off + 4] & 0xff;
            if ((flg & 0xc0) != 0x40) throw new IOException("unsupported LZ4 frame version");
            if ((flg & 0x20) == 0) throw new IOException("LZ4 frames of linked blocks are not supported");
            boolean blockChecksum = (flg & 0x10) != 0;
            int at = off + 6 + ((flg & 0x08) != 0 ? 8 : 0) + ((flg & 0x01) != 0 ? 4 : 0) + 1;
            int filled = 0;
            while (true) {
                if (at + 4 > end) throw new IOException("LZ4 frame is truncated");
                int size = getInt(src, at);
                at += 4;
                if (size == 0) break;
                int blockLen = size & 0x7fffffff;
                if (blockLen > end - at) throw new IOException("LZ4 frame is truncated");
                if (size < 0) { // stored block: the high bit marks it uncompressed
                    if (blockLen > rawLength - filled) throw new IOException("LZ4 frame holds more than its chunk");
                    System.arraycopy(src, at, out, filled, blockLen);
                    filled += blockLen;
                } else {
                    filled += DECOMPRESSOR.decompress(src, at, blockLen, out, filled, rawLength - filled);
                }
                at += blockLen + (blockChecksum ? 4 : 0);
            }
            if (filled != rawLength) throw new IOException("LZ4 frame holds " + filled + " bytes, not " + rawLength);
            return out;
        } catch (LZ4Exception | ArrayIndexOutOfBoundsException e) {
            throw new IOException("LZ4 frame is corrupt", e);
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
