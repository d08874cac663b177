package dev.forge.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a pack file: the chunks' stored bytes back to back, then a footer with each chunk's Xet hash,
 * stored length, uncompressed length and compression scheme ({@link ChunkCompression.Scheme}), then a 20-byte
 * trailer (chunk count, data length, magic). Chunks are uncompressed unless compression is on and saved enough
 * ({@link ChunkCompression}), so a run of uncompressed chunks is one contiguous region readable straight from the
 * page cache. A pack is named by its Xet xorb hash (the Merkle root over its chunks' hashes and uncompressed
 * lengths, so how chunks are stored does not change it), is written once to a temporary file, synced, and renamed
 * into place; it never changes afterwards.
 *
 * <p>Format 2 ({@code FGPACK02}) is written; format 1 ({@code FGPACK01}, footer entries of hash and length only,
 * every chunk uncompressed) is still read.
 *
 * @param hash      the pack's name (Xet xorb hash)
 * @param chunks    the chunks' hashes, in order
 * @param ends      each chunk's end offset in the data region (stored bytes)
 * @param raw       each chunk's uncompressed length
 * @param schemes   each chunk's compression scheme code
 */
record Pack(byte[] hash, byte[][] chunks, long[] ends, int[] raw, byte[] schemes) {
    static final int MAX_BYTES = 64 * 1024 * 1024;
    static final int MAX_CHUNKS = 8192;
    static final int ENTRY_V1 = XetHash.LENGTH + 4;
    static final int ENTRY = XetHash.LENGTH + 4 + 4 + 1;
    static final int TRAILER = 4 + 8 + 8;
    static final long MAGIC_V1 = 0x31304b4341504746L; // "FGPACK01" little-endian
    static final long MAGIC = 0x32304b4341504746L; // "FGPACK02" little-endian

    int count() { return chunks.length; }

    long dataLength() { return ends.length == 0 ? 0 : ends[ends.length - 1]; }

    long start(int chunk) { return chunk == 0 ? 0 : ends[chunk - 1]; }

    /** Stored bytes of the chunk. */
    int length(int chunk) { return (int) (ends[chunk] - start(chunk)); }

    ChunkCompression.Scheme scheme(int chunk) throws IOException { return ChunkCompression.Scheme.of(schemes[chunk]); }

    /** The footer and trailer written after {@code dataLength} bytes of chunks. */
    static ByteBuffer footer(List<byte[]> hashes, List<Integer> lengths, List<Integer> raw, List<ChunkCompression.Scheme> schemes,
                             long dataLength) {
        ByteBuffer b = ByteBuffer.allocate(hashes.size() * ENTRY + TRAILER).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < hashes.size(); i++) b.put(hashes.get(i)).putInt(lengths.get(i)).putInt(raw.get(i)).put(schemes.get(i).code);
        b.putInt(hashes.size()).putLong(dataLength).putLong(MAGIC);
        return b.flip();
    }

    /** Reads a pack's footer; the pack's name is {@code hash} (not recomputed here: fsck does that). */
    static Pack read(Path file, byte[] hash) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, hash, file.getFileName().toString());
        }
    }

    static Pack read(FileChannel ch, byte[] hash, String name) throws IOException {
        long size = ch.size();
        if (size < TRAILER) throw new IOException("pack " + name + " is too short");
        ByteBuffer t = readFully(ch, size - TRAILER, TRAILER);
        int n = t.getInt();
        long data = t.getLong();
        long magic = t.getLong();
        int entry = magic == MAGIC ? ENTRY : ENTRY_V1;
        if ((magic != MAGIC && magic != MAGIC_V1) || n < 0 || n > MAX_CHUNKS || data < 0 || data + (long) n * entry + TRAILER != size) {
            throw new IOException("pack " + name + " has a bad trailer");
        }
        ByteBuffer f = readFully(ch, data, n * entry);
        byte[][] chunks = new byte[n][];
        long[] ends = new long[n];
        int[] raw = new int[n];
        byte[] schemes = new byte[n];
        long end = 0;
        for (int i = 0; i < n; i++) {
            chunks[i] = new byte[XetHash.LENGTH];
            f.get(chunks[i]);
            int stored = f.getInt();
            end += Integer.toUnsignedLong(stored);
            ends[i] = end;
            raw[i] = entry == ENTRY ? f.getInt() : stored;
            schemes[i] = entry == ENTRY ? f.get() : ChunkCompression.Scheme.NONE.code;
            if (raw[i] < 0) throw new IOException("pack " + name + " has a bad chunk length");
        }
        if (end != data) throw new IOException("pack " + name + ": chunk lengths do not add up to its data");
        return new Pack(hash, chunks, ends, raw, schemes);
    }

    static ByteBuffer readFully(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file");
        }
        return b.flip();
    }

    /** The uncompressed bytes of chunk {@code i}, read from the pack file {@code ch}. */
    byte[] chunk(FileChannel ch, int i) throws IOException {
        ByteBuffer b = readFully(ch, start(i), length(i));
        return ChunkCompression.decode(scheme(i), b.array(), 0, length(i), raw[i]);
    }

    List<XetHash.Node> nodes() {
        List<XetHash.Node> nodes = new ArrayList<>(chunks.length);
        for (int i = 0; i < chunks.length; i++) nodes.add(new XetHash.Node(chunks[i], raw[i]));
        return nodes;
    }
}
