package dev.forge.storage;

import dev.forge.core.MappedRegions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * A read-only view of a stored file over its packs. A read at any position finds its run by binary search over the
 * runs' start offsets and copies from the pack's memory mapping ({@link PackMappings}, shared by all readers); a
 * read never crosses a run, so each call is one contiguous region of one pack. {@link #region} hands the mapped
 * bytes out without copying, for servers that write them to a socket. A mapped pack stays readable even if gc
 * removes its name meanwhile. Not thread-safe (like any channel with a position); open one per reader.
 */
final class ChunkedFileChannel implements SeekableByteChannel, MappedRegions {
    private final FileManifest file;
    private final long[] starts;
    private final PackMappings packs;
    private long position;
    private boolean closed;

    ChunkedFileChannel(FileManifest file, PackMappings packs) {
        this.file = file;
        this.packs = packs;
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
        ByteBuffer src = region(position, dst.remaining());
        int n = src.remaining();
        dst.put(src);
        position += n;
        return n;
    }

    @Override
    public ByteBuffer region(long at, int max) throws IOException {
        if (at < 0 || at >= file.size() || max < 1) throw new IllegalArgumentException("no region of " + max + " bytes at " + at);
        int i = Arrays.binarySearch(starts, at);
        if (i < 0) i = -i - 2;
        FileManifest.Run run = file.runs().get(i);
        long into = at - starts[i];
        int length = (int) Math.min(max, run.length() - into);
        ByteBuffer pack = packs.pack(run.pack());
        long from = run.offset() + into;
        if (from + length > pack.capacity()) {
            throw new IOException("pack " + XetHash.hex(run.pack()) + " is shorter than its file manifest says");
        }
        return pack.slice((int) from, length);
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
    }
}
