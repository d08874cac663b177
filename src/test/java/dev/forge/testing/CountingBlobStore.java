package dev.forge.testing;

import dev.forge.core.LfsOid;
import dev.forge.core.MappedRegions;
import dev.forge.storage.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A view of a blob store that counts the bytes read out of it: by {@code read} into a caller's buffer, and as mapped
 * regions handed out without a copy. A channel that offers mapped regions is still offered as one, so a server
 * takes the path it takes over the real store. For {@code Forge.Options.withBlobStoreView}. Thread-safe.
 */
public final class CountingBlobStore implements BlobStore {
    private final BlobStore store;
    private final AtomicLong bytesRead = new AtomicLong();

    public CountingBlobStore(BlobStore store) {
        this.store = store;
    }

    /** Bytes read out of the store since it was made or last reset. */
    public long bytesRead() { return bytesRead.get(); }

    public void reset() { bytesRead.set(0); }

    private volatile boolean refuseOpens;

    /** Makes every {@link #open} fail, as an unreadable store would, until called with false. */
    public void refuseOpens(boolean refuse) { refuseOpens = refuse; }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        if (refuseOpens) throw new IOException("the test made the store refuse to open " + oid.hex());
        SeekableByteChannel ch = store.open(oid);
        return ch instanceof MappedRegions ? new CountingMappedChannel(ch) : new CountingChannel(ch);
    }

    private class CountingChannel implements SeekableByteChannel {
        final SeekableByteChannel ch;

        CountingChannel(SeekableByteChannel ch) { this.ch = ch; }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = ch.read(dst);
            if (n > 0) bytesRead.addAndGet(n);
            return n;
        }

        @Override public int write(ByteBuffer src) throws IOException { return ch.write(src); }

        @Override public long position() throws IOException { return ch.position(); }

        @Override
        public SeekableByteChannel position(long p) throws IOException {
            ch.position(p);
            return this;
        }

        @Override public long size() throws IOException { return ch.size(); }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            ch.truncate(size);
            return this;
        }

        @Override public boolean isOpen() { return ch.isOpen(); }

        @Override public void close() throws IOException { ch.close(); }
    }

    private final class CountingMappedChannel extends CountingChannel implements MappedRegions {
        CountingMappedChannel(SeekableByteChannel ch) { super(ch); }

        @Override
        public Region region(long position, int max) throws IOException {
            Region r = ((MappedRegions) ch).region(position, max);
            bytesRead.addAndGet(r.bytes().remaining());
            return r;
        }
    }

    // ------------------------------------------------------------------------------------ the rest, as the store does it

    @Override public Optional<Long> size(LfsOid oid) throws IOException { return store.size(oid); }

    @Override public Optional<Long> retain(LfsOid oid) throws IOException { return store.retain(oid); }

    @Override public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException { store.put(in, expected, expectedSize); }

    @Override public void putFile(Path file, LfsOid expected, long expectedSize) throws IOException { store.putFile(file, expected, expectedSize); }

    @Override public Optional<Assembly> assemble() throws IOException { return store.assemble(); }

    @Override public LfsOid put(InputStream in) throws IOException { return store.put(in); }

    @Override public boolean delete(LfsOid oid) throws IOException { return store.delete(oid); }

    @Override public <T> Optional<T> capability(Class<T> capability) { return store.capability(capability); }
}
