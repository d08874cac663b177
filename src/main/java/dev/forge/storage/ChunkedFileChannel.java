package dev.forge.storage;

import dev.forge.core.MappedRegions;
import dev.forge.core.MappedRegions.Region;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A read-only view of a stored file over its packs. A read at any position finds its run by binary search over the
 * runs' start offsets and copies from the pack's memory mapping ({@link PackMappings}, shared by all readers); a
 * read never crosses a run, so each call is one contiguous region of one pack. {@link #region} hands the mapped
 * bytes out without copying, for servers that write them to a socket. A run holding compressed chunks
 * ({@link FileManifest.Run#compressed()}) is read one chunk at a time instead: the chunk holding the position is
 * found in the pack's footer (read once per pack and channel) and decompressed, and the last decompressed chunk is
 * kept, so sequential reads decompress each chunk once. A mapped pack stays readable even if gc removes its name
 * meanwhile. Not thread-safe (like any channel with a position); open one per reader.
 */
final class ChunkedFileChannel implements SeekableByteChannel, MappedRegions {
    private final FileManifest file;
    private final long[] starts;
    private final PackMappings packs;
    private final Map<String, Footer> footers = new HashMap<>();
    private Footer lastFooter;
    private int lastChunk = -1;
    private byte[] lastBytes;
    private long position;
    private boolean closed;

    ChunkedFileChannel(FileManifest file, ChunkStore store) {
        this.file = file;
        this.packs = store.mappings();
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
        try (Region src = region(position, dst.remaining())) {
            int n = src.bytes().remaining();
            dst.put(src.bytes());
            position += n;
            return n;
        }
    }

    @Override
    public Region region(long at, int max) throws IOException {
        if (at < 0 || at >= file.size() || max < 1) throw new IllegalArgumentException("no region of " + max + " bytes at " + at);
        int i = Arrays.binarySearch(starts, at);
        if (i < 0) i = -i - 2;
        FileManifest.Run run = file.runs().get(i);
        long into = at - starts[i];
        if (run.compressed()) return compressedRegion(run, into, max);
        return mapped(run.pack(), run.offset() + into, (int) Math.min(max, run.length() - into));
    }

    /** Bytes of a pack, held mapped until the region is closed. */
    private Region mapped(byte[] hash, long from, int length) throws IOException {
        PackMappings.Lease lease = packs.pack(hash);
        try {
            ByteBuffer pack = lease.bytes();
            if (from + length > pack.capacity()) throw new IOException("pack " + XetHash.hex(hash) + " is shorter than its file manifest says");
            return new Region(pack.slice((int) from, length), lease::close);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /** A pack's footer, with each chunk's end in the uncompressed bytes of its chunks. */
    private record Footer(Pack pack, long[] rawEnds) {
        long rawStart(int chunk) { return chunk == 0 ? 0 : rawEnds[chunk - 1]; }
    }

    /** Bytes from the one chunk of {@code run} holding the run's byte {@code into}, decompressed when it is stored so. */
    private Region compressedRegion(FileManifest.Run run, long into, int max) throws IOException {
        Footer f = footer(run.pack());
        Pack pack = f.pack();
        if (run.first() + (long) run.count() > pack.count()) throw new IOException("pack " + XetHash.hex(run.pack()) + " has fewer chunks than its file manifest says");
        long at = f.rawStart(run.first()) + into;
        int c = Arrays.binarySearch(f.rawEnds(), run.first(), run.first() + run.count(), at);
        c = c < 0 ? -c - 1 : c + 1; // the first chunk ending after byte `at`
        if (c >= run.first() + run.count()) throw new IOException("pack " + XetHash.hex(run.pack()) + " does not match its file manifest");
        int inChunk = (int) (at - f.rawStart(c));
        int want = Math.min(max, pack.raw()[c] - inChunk);
        if (pack.scheme(c) == ChunkCompression.Scheme.NONE) return mapped(run.pack(), pack.start(c) + inChunk, want);
        if (lastFooter != f || lastChunk != c) {
            byte[] b;
            try (Region stored = mapped(run.pack(), pack.start(c), pack.length(c))) {
                b = new byte[stored.bytes().remaining()];
                stored.bytes().get(b);
            }
            lastBytes = ChunkCompression.decode(pack.scheme(c), b, 0, b.length, pack.raw()[c]);
            lastFooter = f;
            lastChunk = c;
        }
        return Region.of(ByteBuffer.wrap(lastBytes, inChunk, want).slice().asReadOnlyBuffer()); // a fresh array per chunk: never reused
    }

    private Footer footer(byte[] hash) throws IOException {
        String key = XetHash.hex(hash);
        Footer f = footers.get(key);
        if (f == null) {
            Pack p;
            try (FileChannel ch = packs.open(hash)) {
                p = Pack.read(ch, hash, key);
            }
            long[] rawEnds = new long[p.count()];
            long end = 0;
            for (int i = 0; i < rawEnds.length; i++) rawEnds[i] = end += p.raw()[i];
            f = new Footer(p, rawEnds);
            footers.put(key, f);
        }
        return f;
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
    public void close() {
        closed = true;
        footers.clear();
        lastFooter = null;
        lastBytes = null;
    }
}
