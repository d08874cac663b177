package dev.forge.xet;

import dev.forge.storage.ChunkCompression;
import dev.forge.storage.XetHash;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A serialized xorb (Xet spec "xorb format"): chunks back to back, each an 8-byte {@link ChunkHeader} and its stored
 * bytes, with no trailer. Current clients upload exactly that; a storage footer (it starts with the ident
 * {@code XETBLOB}) after the last chunk is tolerated and ignored, since everything it says is recomputed here.
 * {@link #parse} decodes every chunk, hashes it and hashes the xorb, so a parsed xorb is verified. Immutable.
 *
 * @param hash   the xorb hash (Merkle root over the chunks' hashes and uncompressed lengths)
 * @param body   the serialization the chunks point into
 * @param chunks the chunks in order
 */
public record Xorb(byte[] hash, byte[] body, List<Chunk> chunks) {
    /** At most this many chunks (xet-core's limit, and the chunk store's pack limit). */
    public static final int MAX_CHUNKS = 8192;
    /**
     * At most 64 MiB of uncompressed chunk bytes: clients cut a xorb there (xet-core {@code MAX_XORB_BYTES}), plus one
     * chunk of slack.
     */
    public static final long MAX_RAW_BYTES = 64L * 1024 * 1024 + ChunkHeader.MAX_RAW;
    /**
     * The largest serialization accepted: 64 MiB of incompressible chunks with their 8-byte headers (the client's cut
     * is on raw bytes, so the serialized xorb is larger than 64 MiB), and room for a storage footer.
     */
    public static final int MAX_BYTES = 64 * 1024 * 1024 + MAX_CHUNKS * ChunkHeader.LENGTH + 512 * 1024;
    private static final byte[] FOOTER_IDENT = "XETBLOB".getBytes(StandardCharsets.US_ASCII);

    /** One chunk: its hash (of the uncompressed bytes), header, and where its stored bytes start in the body. */
    public record Chunk(byte[] hash, ChunkHeader header, int offset) {
        public int storedLength() { return header.storedLength(); }

        public int rawLength() { return header.rawLength(); }

        public int scheme() { return header.scheme(); }
    }

    /** Uncompressed bytes of all chunks. */
    public long rawLength() {
        long n = 0;
        for (Chunk c : chunks) n += c.rawLength();
        return n;
    }

    /**
     * Parses and verifies {@code body[0, length)}: every header, every chunk's decoding and its length, and computes each
     * chunk hash and the xorb hash.
     *
     * @throws XetFormatException on any defect (never another exception)
     */
    public static Xorb parse(byte[] body, int length) {
        if (length < 0 || length > body.length) throw new XetFormatException("xorb: bad length");
        if (length > MAX_BYTES) throw new XetFormatException("xorb: larger than " + MAX_BYTES + " bytes");
        List<Chunk> chunks = new ArrayList<>();
        List<XetHash.Node> nodes = new ArrayList<>();
        long raw = 0;
        int at = 0;
        while (at < length) {
            if (length - at >= FOOTER_IDENT.length && Arrays.equals(body, at, at + FOOTER_IDENT.length, FOOTER_IDENT, 0, FOOTER_IDENT.length)) {
                if (chunks.isEmpty()) throw new XetFormatException("xorb: a footer without chunks");
                break; // the storage footer: derived data, recomputed rather than trusted
            }
            if (length - at < ChunkHeader.LENGTH) throw new XetFormatException("xorb: truncated chunk header at byte " + at);
            ChunkHeader h = ChunkHeader.decode(body, at);
            int data = at + ChunkHeader.LENGTH;
            if (h.storedLength() > length - data) throw new XetFormatException("xorb: chunk " + chunks.size() + " is truncated");
            if (chunks.size() == MAX_CHUNKS) throw new XetFormatException("xorb: more than " + MAX_CHUNKS + " chunks");
            raw += h.rawLength();
            if (raw > MAX_RAW_BYTES) throw new XetFormatException("xorb: more than " + MAX_RAW_BYTES + " bytes of chunks");
            byte[] bytes = decode(h, body, data, chunks.size());
            byte[] hash = XetHash.chunk(bytes, 0, bytes.length);
            chunks.add(new Chunk(hash, h, data));
            nodes.add(new XetHash.Node(hash, bytes.length));
            at = data + h.storedLength();
        }
        if (chunks.isEmpty()) throw new XetFormatException("xorb: no chunks");
        return new Xorb(XetHash.merkleRoot(nodes), body, List.copyOf(chunks));
    }

    /** Parses and verifies, and checks the xorb hash is {@code expected} (raw bytes). */
    public static Xorb verify(byte[] body, int length, byte[] expected) {
        Xorb x = parse(body, length);
        if (!Arrays.equals(x.hash(), expected)) {
            throw new XetFormatException("xorb: the chunks hash to " + XetHash.hex(x.hash()) + ", not " + XetHash.hex(expected));
        }
        return x;
    }

    private static byte[] decode(ChunkHeader h, byte[] body, int at, int index) {
        try {
            return ChunkCompression.decompress(h.scheme(), body, at, h.storedLength(), h.rawLength());
        } catch (IOException | RuntimeException e) {
            throw new XetFormatException("xorb: chunk " + index + " does not decode: " + e.getMessage(), e);
        }
    }

    /** The uncompressed bytes of chunk {@code i}. */
    public byte[] raw(int i) {
        return decode(chunks.get(i).header(), body, chunks.get(i).offset(), i);
    }

    /**
     * Serializes chunks (uncompressed bytes) with {@code scheme} (0 none, 1 LZ4, 2 BG4_LZ4), keeping a chunk
     * uncompressed when compression does not make it smaller, as Xet's writer does.
     */
    public static byte[] serialize(List<byte[]> rawChunks, int scheme) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] raw : rawChunks) {
            byte[] stored = raw;
            int used = 0;
            if (scheme != 0) {
                try {
                    byte[] c = ChunkCompression.compress(scheme, raw);
                    if (c.length < raw.length) {
                        stored = c;
                        used = scheme;
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException(e);
                }
            }
            out.writeBytes(new ChunkHeader(stored.length, used, raw.length).encode());
            out.writeBytes(stored);
        }
        return out.toByteArray();
    }

    /** The xorb hash of chunks given by their uncompressed bytes. */
    public static byte[] hashOf(List<byte[]> rawChunks) {
        List<XetHash.Node> nodes = new ArrayList<>();
        for (byte[] raw : rawChunks) nodes.add(new XetHash.Node(XetHash.chunk(raw, 0, raw.length), raw.length));
        return XetHash.merkleRoot(nodes);
    }
}
