package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One upload into a {@link ChunkStore}, streamed: bytes are chunked as they arrive, each chunk is hashed and looked
 * up, and only chunks the store does not have are appended to a new pack; the SHA-256 of the whole stream is
 * computed in the same pass. Nothing is referable until {@link ChunkStore} publishes the manifest, after the
 * SHA-256 and size are checked. Packs filled during the upload are sealed and published as they fill (64 MiB),
 * so an aborted upload may leave sealed packs nobody references: gc removes them after its grace period. Not
 * thread-safe: one per upload.
 */
final class ChunkIngest implements AutoCloseable {
    private static final int BLOCK = 1 << 20;

    private final ChunkStore store;
    private final MessageDigest sha = FileBlobStore.sha256();
    private final XetChunker chunker = new XetChunker();
    private final List<ChunkStore.Location> chunks = new ArrayList<>();
    private final Map<ChunkStore.ChunkKey, ChunkStore.Location> session = new HashMap<>();
    private final List<XetHash.Node> nodes = new ArrayList<>();
    private final byte[] buf = new byte[BLOCK + XetChunker.MAX];
    private final int[] cuts = new int[buf.length / XetChunker.MIN + 2]; // every chunk but the last is at least MIN long
    private int fill;
    private int scanned;
    private PackWriter writer;
    private long size;
    private long newBytes;

    ChunkIngest(ChunkStore store) {
        this.store = store;
    }

    record Result(LfsOid oid, long size, FileManifest manifest, long newBytes) {}

    /**
     * Reads {@code in} to the end (or until it passes {@code limit} bytes, when {@code limit >= 0}), chunking and
     * storing new chunks.
     */
    Result run(InputStream in, long limit) throws IOException {
        for (int n; (n = in.readNBytes(buf, fill, buf.length - fill)) > 0; ) {
            accept(n);
            if (limit >= 0 && size > limit) {
                throw new BlobStore.BlobMismatchException("Size mismatch: more than the announced " + limit + " bytes were sent");
            }
        }
        return finish();
    }

    /** Takes the next bytes of the stream (for bytes that arrive in pieces, as multipart parts do). */
    void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, buf.length - fill);
            System.arraycopy(b, off, buf, fill, n);
            accept(n);
            off += n;
            len -= n;
        }
    }

    long size() { return size; }

    /** Cuts and stores the rest, seals the open pack and names the whole stream. */
    Result finish() throws IOException {
        cut();
        if (fill > 0) {
            cuts[0] = fill;
            addChunks(buf, 0, cuts, 1);
            fill = 0;
        }
        seal();
        LfsOid oid = new LfsOid(HexFormat.of().formatHex(sha.digest()));
        return new Result(oid, size, manifest(), newBytes);
    }

    /** Counts {@code n} new bytes at {@code buf[fill]}; a full buffer is cut into chunks (hashed in parallel). */
    private void accept(int n) throws IOException {
        sha.update(buf, fill, n);
        size += n;
        fill += n;
        if (fill == buf.length) cut();
    }

    /** Stores the chunks the buffer holds whole and keeps the unfinished last one at its start. */
    private void cut() throws IOException {
        int count = 0;
        for (int at = scanned, c; at < fill && (c = chunker.scan(buf, at, fill)) >= 0; at = c) cuts[count++] = c;
        scanned = fill;
        addChunks(buf, 0, cuts, count);
        int keep = count > 0 ? cuts[count - 1] : 0;
        System.arraycopy(buf, keep, buf, 0, fill - keep);
        fill -= keep;
        scanned -= keep;
    }

    /**
     * Hashes the chunks ending at {@code cuts[0..count)} (in parallel when there are several), compresses those the
     * store does not have yet (when compression is on, in the same parallel pass), then stores them in order.
     */
    private void addChunks(byte[] buf, int start, int[] cuts, int count) throws IOException {
        if (count == 0) return;
        byte[][] hashes = new byte[count][];
        ChunkCompression.Stored[] stored = new ChunkCompression.Stored[count];
        ChunkCompression compression = store.compression();
        IntStream ids = IntStream.range(0, count);
        (count > 1 ? ids.parallel() : ids).forEach(i -> {
            int from = i == 0 ? start : cuts[i - 1];
            hashes[i] = XetHash.chunk(buf, from, cuts[i] - from);
            if (compression.enabled() && !known(hashes[i])) stored[i] = compression.encode(buf, from, cuts[i] - from);
        });
        int from = start;
        for (int i = 0; i < count; i++) {
            int len = cuts[i] - from;
            add(hashes[i], stored[i] != null ? stored[i] : new ChunkCompression.Stored(ChunkCompression.Scheme.NONE, buf, from, len), len);
            from = cuts[i];
        }
    }

    /** Whether the chunk is already stored (a hint for whether to compress it: no file system check, no writes). */
    private boolean known(byte[] hash) {
        ChunkStore.ChunkKey key = ChunkStore.ChunkKey.of(hash);
        return session.containsKey(key) || store.indexed(key);
    }

    private void add(byte[] hash, ChunkCompression.Stored chunk, int len) throws IOException {
        nodes.add(new XetHash.Node(hash, len));
        ChunkStore.ChunkKey key = ChunkStore.ChunkKey.of(hash);
        ChunkStore.Location known = session.get(key);
        if (known == null) known = store.find(key);
        if (known != null) {
            chunks.add(known);
            return;
        }
        if (writer != null && (writer.bytes + chunk.length() > store.packLimit() || writer.hashes.size() >= Pack.MAX_CHUNKS)) seal();
        if (writer == null) writer = new PackWriter(store.newTempFile("pack-"));
        ChunkStore.Location loc = writer.append(hash, chunk, len);
        newBytes += len;
        session.put(key, loc);
        chunks.add(loc);
    }

    /** Finishes the open pack, if any: footer, sync, rename under its hash; its chunks become known to the store. */
    private void seal() throws IOException {
        if (writer == null) return;
        PackWriter w = writer;
        writer = null;
        store.publishPack(w.finish(), w.file, w.pack);
    }

    private FileManifest manifest() {
        List<FileManifest.Run> runs = new ArrayList<>();
        ChunkStore.Location first = null;
        int count = 0;
        long length = 0;
        long stored = 0;
        for (ChunkStore.Location c : chunks) {
            if (first != null && c.pack() == first.pack() && c.index() == first.index() + count) {
                count++;
                length += c.length();
                stored += c.stored();
                continue;
            }
            if (first != null) runs.add(new FileManifest.Run(first.pack().hash(), first.index(), count, first.offset(), length, stored));
            first = c;
            count = 1;
            length = c.length();
            stored = c.stored();
        }
        if (first != null) runs.add(new FileManifest.Run(first.pack().hash(), first.index(), count, first.offset(), length, stored));
        return new FileManifest(size, XetHash.fileHash(nodes), runs);
    }

    /** Drops the unsealed pack of an upload that failed or was refused. */
    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.abort();
            writer = null;
        }
    }

    /** Appends chunks to a temporary pack file. */
    static final class PackWriter {
        final Path file;
        final ChunkStore.PackName pack = new ChunkStore.PackName();
        final List<byte[]> hashes = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        final List<Integer> raw = new ArrayList<>();
        final List<ChunkCompression.Scheme> schemes = new ArrayList<>();
        private final FileChannel ch;
        long bytes;

        PackWriter(Path file) throws IOException {
            this.file = file;
            this.ch = FileChannel.open(file, StandardOpenOption.WRITE);
        }

        /** Appends a chunk of {@code rawLength} bytes, stored as {@code chunk}. */
        ChunkStore.Location append(byte[] hash, ChunkCompression.Stored chunk, int rawLength) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(chunk.bytes(), chunk.offset(), chunk.length());
            while (b.hasRemaining()) ch.write(b);
            ChunkStore.Location loc = new ChunkStore.Location(pack, hashes.size(), bytes, chunk.length(), rawLength);
            hashes.add(hash);
            lengths.add(chunk.length());
            raw.add(rawLength);
            schemes.add(chunk.scheme());
            bytes += chunk.length();
            return loc;
        }

        /** Writes the footer and syncs; returns the pack's footer data (its name is now set). */
        Pack finish() throws IOException {
            try (ch) {
                ByteBuffer f = Pack.footer(hashes, lengths, raw, schemes, bytes);
                while (f.hasRemaining()) ch.write(f);
                ch.force(true);
            }
            long[] ends = new long[lengths.size()];
            int[] rawLengths = new int[ends.length];
            byte[] codes = new byte[ends.length];
            long end = 0;
            List<XetHash.Node> nodes = new ArrayList<>(hashes.size());
            for (int i = 0; i < ends.length; i++) {
                end += lengths.get(i);
                ends[i] = end;
                rawLengths[i] = raw.get(i);
                codes[i] = schemes.get(i).code;
                nodes.add(new XetHash.Node(hashes.get(i), raw.get(i)));
            }
            byte[] name = XetHash.merkleRoot(nodes);
            pack.set(name);
            return new Pack(name, hashes.toArray(byte[][]::new), ends, rawLengths, codes);
        }

        void abort() throws IOException {
            try {
                ch.close();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
