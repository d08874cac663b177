package dev.forge.testing;

import dev.forge.core.LfsOid;
import dev.forge.storage.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A view of a blob store that counts how often objects are opened and, when armed, holds every read past a byte
 * position until released: an upstream whose transfer stops half-way, for as long as a test needs (no sleeping). Its
 * channels offer no mapped regions, so every byte goes through {@code read}. For {@code Forge.Options.withBlobStoreView}.
 * Thread-safe.
 */
public final class StallingBlobStore implements BlobStore {
    private final BlobStore store;
    private final AtomicInteger opens = new AtomicInteger();
    private volatile long stallAt = Long.MAX_VALUE;
    private volatile CountDownLatch release = new CountDownLatch(0);
    private final AtomicInteger stalled = new AtomicInteger();

    public StallingBlobStore(BlobStore store) { this.store = store; }

    /** Objects opened since made or reset. */
    public int opens() { return opens.get(); }

    public void reset() { opens.set(0); }

    /** From now on reads past {@code position} wait until {@link #release}. */
    public void stallAt(long position) {
        release = new CountDownLatch(1);
        stallAt = position;
    }

    /** Whether some read is waiting at the stall position. */
    public boolean stalling() { return stalled.get() > 0; }

    public void release() {
        stallAt = Long.MAX_VALUE;
        release.countDown();
    }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        opens.incrementAndGet();
        SeekableByteChannel ch = store.open(oid);
        return new SeekableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                long at = ch.position();
                if (at >= stallAt) {
                    stalled.incrementAndGet();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    } finally {
                        stalled.decrementAndGet();
                    }
                } else if (at + dst.remaining() > stallAt) {
                    ByteBuffer part = dst.slice().limit((int) (stallAt - at));
                    int n = ch.read(part);
                    if (n > 0) dst.position(dst.position() + n);
                    return n;
                }
                return ch.read(dst);
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
        };
    }

    @Override public Optional<Long> size(LfsOid oid) throws IOException { return store.size(oid); }

    @Override public Optional<Long> retain(LfsOid oid) throws IOException { return store.retain(oid); }

    @Override public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException { store.put(in, expected, expectedSize); }

    @Override public void putFile(Path file, LfsOid expected, long expectedSize) throws IOException { store.putFile(file, expected, expectedSize); }

    @Override public Optional<Assembly> assemble() throws IOException { return store.assemble(); }

    @Override public LfsOid put(InputStream in) throws IOException { return store.put(in); }

    @Override public boolean delete(LfsOid oid) throws IOException { return store.delete(oid); }

    @Override public <T> Optional<T> capability(Class<T> capability) { return store.capability(capability); }
}
