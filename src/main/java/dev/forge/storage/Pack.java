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
 * The layout of a pack file: the chunks' bytes back to back, uncompressed (so any byte range of a file is one
 * contiguous region per run of chunks, readable straight from the page cache), then a footer with each chunk's
 * Xet hash and length, then a 20-byte trailer (chunk count, data length, magic). A pack is named by its Xet xorb
 * hash (the Merkle root over its chunks), is written once to a temporary file, synced, and renamed into place;
 * it never changes afterwards.
 *
 * @param hash      the pack's name (Xet xorb hash)
 * @param chunks    the chunks' hashes, in order
 * @param ends      each chunk's end offset in the data region
 */
record Pack(byte[] hash, byte[][] chunks, long[] ends) {
    static final int MAX_BYTES = 64 * 1024 * 1024;
    static final int MAX_CHUNKS = 8192;
    static final int ENTRY = XetHash.LENGTH + 4;
    static final int TRAILER = 4 + 8 + 8;
    static final long MAGIC = 0x31304b4341504746L; // "FGPACK01" little-endian

    int count() { return chunks.length; }

    long dataLength() { return ends.length == 0 ? 0 : ends[ends.length - 1]; }

    long start(int chunk) { return chunk == 0 ? 0 : ends[chunk - 1]; }

    int length(int chunk) { return (int) (ends[chunk] - start(chunk)); }

    /** The footer and trailer written after {@code dataLength} bytes of chunks. */
    static ByteBuffer footer(List<byte[]> hashes, List<Integer> lengths, long dataLength) {
        ByteBuffer b = ByteBuffer.allocate(hashes.size() * ENTRY + TRAILER).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < hashes.size(); i++) b.put(hashes.get(i)).putInt(lengths.get(i));
        b.putInt(hashes.size()).putLong(dataLength).putLong(MAGIC);
        return b.flip();
    }

    /** Reads a pack's footer; the pack's name is {@code hash} (not recomputed here: fsck does that). */
    static Pack read(Path file, byte[] hash) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < TRAILER) throw new IOException("pack " + file.getFileName() + " is too short");
            ByteBuffer t = readFully(ch, size - TRAILER, TRAILER);
            int n = t.getInt();
            long data = t.getLong();
            if (t.getLong() != MAGIC || n < 0 || n > MAX_CHUNKS || data + (long) n * ENTRY + TRAILER != size) {
                throw new IOException("pack " + file.getFileName() + " has a bad trailer");
            }
            ByteBuffer f = readFully(ch, data, n * ENTRY);
            byte[][] chunks = new byte[n][];
            long[] ends = new long[n];
            long end = 0;
            for (int i = 0; i < n; i++) {
                chunks[i] = new byte[XetHash.LENGTH];
                f.get(chunks[i]);
                end += Integer.toUnsignedLong(f.getInt());
                ends[i] = end;
            }
            if (end != data) throw new IOException("pack " + file.getFileName() + ": chunk lengths do not add up to its data");
            return new Pack(hash, chunks, ends);
        }
    }

    static ByteBuffer readFully(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file");
        }
        return b.flip();
    }

    List<XetHash.Node> nodes() {
        List<XetHash.Node> nodes = new ArrayList<>(chunks.length);
        for (int i = 0; i < chunks.length; i++) nodes.add(new XetHash.Node(chunks[i], length(i)));
        return nodes;
    }
}
