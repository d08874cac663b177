package dev.forge.cards;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/** A read-only channel over a byte array, for parser tests. */
final class WeightFilesChannel implements SeekableByteChannel {
    private final byte[] bytes;
    private long position;

    WeightFilesChannel(byte[] bytes) { this.bytes = bytes; }

    @Override
    public int read(ByteBuffer dst) {
        if (position >= bytes.length) return -1;
        int n = (int) Math.min(dst.remaining(), bytes.length - position);
        dst.put(bytes, (int) position, n);
        position += n;
        return n;
    }

    @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
    @Override public long position() { return position; }
    @Override public SeekableByteChannel position(long p) { position = p; return this; }
    @Override public long size() { return bytes.length; }
    @Override public SeekableByteChannel truncate(long size) { throw new UnsupportedOperationException(); }
    @Override public boolean isOpen() { return true; }
    @Override public void close() { }
}
