package dev.forge.storage;

import dev.forge.core.ForgeConfig;

import java.io.IOException;

/**
 * Which form of a new chunk the chunk store keeps. With {@code NONE} (the default) every chunk stays uncompressed,
 * so a range of a file is a plain read of its packs. Otherwise each new chunk is compressed once ({@code LZ4}: with
 * LZ4; {@code AUTO}: with Xet's byte-grouped BG4_LZ4 where Xet's predictor {@link ByteGrouping#recommended} says
 * the bytes look like floats, else LZ4, as Xet chooses) and the result is kept only if it saves at least
 * {@link #MIN_SAVING} of the chunk; a chunk that does not is stored uncompressed, so random-looking data (most
 * weights) costs one failed try at ingest and nothing at read time. The chunk's hash is
 * always that of its uncompressed bytes, so dedup does not depend on how a copy is stored. Thread-safe.
 */
public final class ChunkCompression {
    /**
     * The least fraction of a chunk compression must save to be kept: below it, decompressing on every read costs
     * more than the few bytes saved (docs/benchmarks.md, "Chunk compression").
     */
    static final double MIN_SAVING = 0.10;

    public static final ChunkCompression OFF = new ChunkCompression(ForgeConfig.Storage.Compression.NONE);

    /** How a chunk is stored; the codes are Xet's {@code CompressionScheme} values. */
    enum Scheme {
        NONE(0), LZ4(1), BG4_LZ4(2);

        final byte code;

        Scheme(int code) { this.code = (byte) code; }

        static Scheme of(byte code) throws IOException {
            for (Scheme s : values()) if (s.code == code) return s;
            throw new IOException("unknown chunk compression scheme " + code);
        }
    }

    /** A chunk as stored: bytes {@code [offset, offset + length)} of {@code bytes}, in {@code scheme}. */
    record Stored(Scheme scheme, byte[] bytes, int offset, int length) {}

    private final ForgeConfig.Storage.Compression mode;

    public ChunkCompression(ForgeConfig.Storage.Compression mode) {
        this.mode = mode;
    }

    boolean enabled() { return mode != ForgeConfig.Storage.Compression.NONE; }

    /** The form to store {@code buf[off, off + len)} in: compressed if that saves enough, else the bytes as they are. */
    Stored encode(byte[] buf, int off, int len) {
        Stored plain = new Stored(Scheme.NONE, buf, off, len);
        if (!enabled()) return plain;
        long keepBelow = (long) Math.floor(len * (1 - MIN_SAVING));
        boolean grouped = mode == ForgeConfig.Storage.Compression.AUTO && ByteGrouping.recommended(buf, off, len);
        Stored compressed = compress(grouped ? Scheme.BG4_LZ4 : Scheme.LZ4, buf, off, len);
        return compressed.length() <= keepBelow ? compressed : plain;
    }

    /** {@code buf[off, off + len)} compressed with {@code scheme} (LZ4 or BG4_LZ4). */
    static Stored compress(Scheme scheme, byte[] buf, int off, int len) {
        Lz4Frame.Encoded e = switch (scheme) {
            case LZ4 -> Lz4Frame.encode(buf, off, len);
            case BG4_LZ4 -> Lz4Frame.encode(ByteGrouping.split(buf, off, len), 0, len);
            case NONE -> throw new IllegalArgumentException("NONE is not a compression");
        };
        return new Stored(scheme, e.bytes(), 0, e.length());
    }

    /**
     * The {@code rawLength} bytes of a chunk stored in {@code src[off, off + len)} under Xet scheme code
     * {@code schemeCode} (0 none, 1 LZ4, 2 BG4_LZ4): how a xorb's chunks are read (the xet formats use this).
     *
     * @throws IOException on an unknown scheme or bytes that do not decode to exactly {@code rawLength} bytes
     */
    public static byte[] decompress(int schemeCode, byte[] src, int off, int len, int rawLength) throws IOException {
        if (schemeCode < 0 || schemeCode > 127) throw new IOException("unknown chunk compression scheme " + schemeCode);
        return decode(Scheme.of((byte) schemeCode), src, off, len, rawLength);
    }

    /** {@code raw} in Xet scheme {@code schemeCode} (0 none, 1 LZ4, 2 BG4_LZ4), as a xorb writer stores it. */
    public static byte[] compress(int schemeCode, byte[] raw) throws IOException {
        Scheme s = Scheme.of((byte) schemeCode);
        if (s == Scheme.NONE) return raw.clone();
        Stored c = compress(s, raw, 0, raw.length);
        return java.util.Arrays.copyOfRange(c.bytes(), c.offset(), c.offset() + c.length());
    }

    /** The {@code rawLength} bytes of a chunk stored in {@code src[off, off + len)} in {@code scheme}. */
    static byte[] decode(Scheme scheme, byte[] src, int off, int len, int rawLength) throws IOException {
        return switch (scheme) {
            case NONE -> {
                if (len != rawLength) throw new IOException("an uncompressed chunk of " + len + " bytes should have " + rawLength);
                yield java.util.Arrays.copyOfRange(src, off, off + len);
            }
            case LZ4 -> Lz4Frame.decode(src, off, len, rawLength);
            case BG4_LZ4 -> ByteGrouping.regroup(Lz4Frame.decode(src, off, len, rawLength));
        };
    }
}
