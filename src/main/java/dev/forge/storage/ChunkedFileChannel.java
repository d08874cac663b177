package dev.forge.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A read-only view of a stored file over its packs. A read at any position finds its run by binary search over the
 * runs' start offsets and reads straight from the pack file (positional reads, so the page cache serves it); a read
 * never crosses a run, so each call is one contiguous region of one pack. A run holding compressed chunks
 * ({@link FileManifest.Run#compressed()}) is read one chunk at a time instead: the chunk holding the position is
 * found in the pack's footer (read once per pack and channel) and decompressed, and the last decompressed chunk is
 * kept, so sequential reads decompress each chunk once. Pack files are opened on first use and closed with the
 * channel; an open pack stays readable even if gc removes its name meanwhile. Not thread-safe (like any channel
 * with a position); open one per reader.
 */
final class ChunkedFileChannel implements SeekableByteChannel {
    private final FileManifest file;
    private final long[] starts;
    private final ChunkStore store;
    private final Map<String, FileChannel> open = new HashMap<>();
    private final Map<String, Footer> footers = new HashMap<>();
    private Footer lastFooter;
    private int lastChunk = -1;
    private byte[] lastBytes;
    private long position;
    private boolean closed;

    ChunkedFileChannel(FileManifest file, ChunkStore store) {
        this.file = file;
        this.store = store;
        this.starts = new long[file.runs().size()];
        long at = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = at;
            at += file.runs().get(i).length();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closed) throw new ClosedChannelException();
        if (position >= file.size()) return -1;
        if (!dst.hasRemaining()) return 0;
        int i = Arrays.binarySearch(starts, position);
        if (i < 0) i = -i - 2;
        FileManifest.Run run = file.runs().get(i);
        long into = position - starts[i];
        if (run.compressed()) return readCompressed(run, into, dst);
        int want = (int) Math.min(dst.remaining(), run.length() - into);
        FileChannel ch = pack(run.pack());
        int limit = dst.limit();
        dst.limit(dst.position() + want);
        try {
            int n = ch.read(dst, run.offset() + into);
            if (n < 0) throw new IOException("pack " + XetHash.hex(run.pack()) + " is shorter than its file manifest says");
            position += n;
            return n;
        } finally {
            dst.limit(limit);
        }
    }

    /** A pack's footer, with each chunk's end in the uncompressed bytes of its chunks. */
    private record Footer(Pack pack, long[] rawEnds) {
        long rawStart(int chunk) { return chunk == 0 ? 0 : rawEnds[chunk - 1]; }
    }

    /** Reads from the one chunk of {@code run} holding the run's byte {@code into}. */
    private int readCompressed(FileManifest.Run run, long into, ByteBuffer dst) throws IOException {
        Footer f = footer(run.pack());
        Pack pack = f.pack();
        if (run.first() + (long) run.count() > pack.count()) throw new IOException("pack " + XetHash.hex(run.pack()) + " has fewer chunks than its file manifest says");
        long at = f.rawStart(run.first()) + into;
        int c = Arrays.binarySearch(f.rawEnds(), run.first(), run.first() + run.count(), at);
        c = c < 0 ? -c - 1 : c + 1; // the first chunk ending after byte `at`
        if (c >= run.first() + run.count()) throw new IOException("pack " + XetHash.hex(run.pack()) + " does not match its file manifest");
        int inChunk = (int) (at - f.rawStart(c));
        int want = Math.min(dst.remaining(), pack.raw()[c] - inChunk);
        if (pack.scheme(c) == ChunkCompression.Scheme.NONE) {
            int limit = dst.limit();
            dst.limit(dst.position() + want);
            try {
                int n = pack(run.pack()).read(dst, pack.start(c) + inChunk);
                if (n < 0) throw new IOException("pack " + XetHash.hex(run.pack()) + " is shorter than its footer says");
                position += n;
                return n;
            } finally {
                dst.limit(limit);
            }
        }
        if (lastFooter != f || lastChunk != c) {
            lastBytes = pack.chunk(pack(run.pack()), c);
            lastFooter = f;
            lastChunk = c;
        }
        dst.put(lastBytes, inChunk, want);
        position += want;
        return want;
    }

    private Footer footer(byte[] hash) throws IOException {
        String key = XetHash.hex(hash);
        Footer f = footers.get(key);
        if (f == null) {
            Pack p = Pack.read(pack(hash), hash, key);
            long[] rawEnds = new long[p.count()];
            long end = 0;
            for (int i = 0; i < rawEnds.length; i++) rawEnds[i] = end += p.raw()[i];
            f = new Footer(p, rawEnds);
            footers.put(key, f);
        }
        return f;
    }

    private FileChannel pack(byte[] hash) throws IOException {
        String key = XetHash.hex(hash);
        FileChannel ch = open.get(key);
        if (ch == null) {
            try {
                ch = FileChannel.open(store.packPath(hash), StandardOpenOption.READ);
            } catch (java.nio.file.NoSuchFileException e) {
                // gc compacted the pack after this file was opened: its bytes wait in trash for a grace period
                ch = FileChannel.open(store.trashPath(hash), StandardOpenOption.READ);
            }
            open.put(key, ch);
        }
        return ch;
    }

    @Override public int write(ByteBuffer src) { throw new NonWritableChannelException(); }

    @Override public long position() { return position; }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        if (closed) throw new ClosedChannelException();
        if (newPosition < 0) throw new IllegalArgumentException("negative position");
        position = newPosition;
        return this;
    }

    @Override public long size() { return file.size(); }

    @Override public SeekableByteChannel truncate(long size) { throw new NonWritableChannelException(); }

    @Override public boolean isOpen() { return !closed; }

    @Override
    public void close() throws IOException {
        closed = true;
        IOException first = null;
        for (FileChannel ch : open.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        open.clear();
        footers.clear();
        lastFooter = null;
        lastBytes = null;
        if (first != null) throw first;
    }
}
