package dev.forge.service.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One upstream file on its way into the cache: the staging file the fetch writes and every reader follows. A reader
 * asks for any position of the file (its size is known from the upstream's headers before the first byte) and waits
 * until the bytes up to it have arrived; a failed fetch fails every waiting reader. The file's last byte is held back
 * until the fetch has {@linkplain #verified() checked} the whole (its SHA-256): no answer that ends at the file's end (a
 * whole download) is complete before the check passed; if it fails the reader gets an error, and the HTTP layer aborts
 * the connection short of the length it announced. A range that ends earlier is served as its bytes arrive (clients
 * fetch ranges of a file still arriving), so its bytes are not checked yet when it completes. Readers share one read handle,
 * opened with the staging file, so the store may take the file over when it is complete while they still read it.
 * Thread-safe.
 */
final class Arrival {
    private final Path staging;
    private final FileChannel shared;
    private final long size;
    private long written;
    private boolean complete;
    private boolean verified;
    private Exception failure;
    private int readers;
    private boolean released;

    Arrival(Path staging, long size) throws IOException {
        this.staging = staging;
        this.size = size;
        this.shared = FileChannel.open(staging, StandardOpenOption.READ);
    }

    Path staging() { return staging; }

    long size() { return size; }

    synchronized void advance(long bytes) {
        written += bytes;
        notifyAll();
    }

    synchronized long written() { return written; }

    /** Where the bytes are kept from now on, for a reader that comes after the staging handle was let go. */
    @FunctionalInterface
    interface Kept {
        SeekableByteChannel open() throws IOException;
    }

    private Kept kept;

    /** All bytes are in and passed the fetch's checks: readers may have the last byte now (the store takes it next). */
    synchronized void verified() {
        verified = true;
        notifyAll();
    }

    synchronized void complete(Kept kept) {
        this.kept = kept;
        complete = true;
        verified = true;
        notifyAll();
    }

    /** @param e an {@link IOException}, or the refusal ({@link dev.forge.core.ForgeException}) readers get as it is */
    synchronized void fail(Exception e) {
        failure = e;
        notifyAll();
        closeIfUnused();
    }

    /** Waits until the fetch has finished (all bytes in and checked), or throws its failure. */
    synchronized void awaitComplete() throws IOException {
        while (!complete && failure == null) waitQuietly();
        rethrow();
    }

    /** The fetch thread is done with the arrival: the handle closes once the last reader closes. */
    synchronized void release() {
        released = true;
        closeIfUnused();
    }

    /** A channel over the whole file as it arrives; closing it lets the shared handle go. */
    synchronized SeekableByteChannel reader() throws IOException {
        rethrow();
        if (!shared.isOpen()) {
            if (complete && kept != null) return kept.open();
            throw new ClosedChannelException();
        }
        readers++;
        return new Reader();
    }

    /** Waits for the bytes at {@code position}: how many are there from it on (the read itself happens unlocked). */
    private synchronized long available(long position) throws IOException {
        while (readable() <= position && failure == null) waitQuietly();
        if (failure != null) throw new IOException("the upstream transfer failed: " + failure.getMessage(), failure);
        return readable() - position;
    }

    /** Up to where readers may read: what has arrived, but for the last byte until the whole was checked. */
    private long readable() {
        return verified ? written : Math.min(written, size - 1);
    }

    private int read(ByteBuffer dst, long position) throws IOException {
        if (position >= size) return -1;
        int want = (int) Math.min(dst.remaining(), available(position));
        ByteBuffer part = dst.slice().limit(want);
        int n = shared.read(part, position);
        if (n > 0) dst.position(dst.position() + n);
        return n;
    }

    private synchronized void readerClosed() {
        readers--;
        closeIfUnused();
    }

    private void rethrow() throws IOException {
        if (failure instanceof dev.forge.core.ForgeException fe) throw fe;
        if (failure instanceof IOException io) throw io;
        if (failure != null) throw new IOException(failure.getMessage());
    }

    private void closeIfUnused() {
        if (readers == 0 && (released || failure != null)) {
            try {
                shared.close();
            } catch (IOException ignored) {
                // a read handle: nothing was written through it
            }
        }
    }

    private void waitQuietly() throws IOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for upstream bytes", e);
        }
    }

    /**
     * The bytes from {@code position} that have arrived (waiting for the first of them), mapped straight from the
     * staging file's pages: a reader's body goes out with no copy through the heap, however many readers there are.
     */
    private dev.forge.core.MappedRegions.Region region(long position, int max) throws IOException {
        if (position < 0 || position >= size || max < 1) throw new IllegalArgumentException("position " + position + " of " + size);
        long length = Math.min(max, available(position));
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        try {
            java.lang.foreign.MemorySegment segment = shared.map(FileChannel.MapMode.READ_ONLY, position, length, arena);
            return new dev.forge.core.MappedRegions.Region(segment.asByteBuffer(), releaseOnce(arena));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Runnable releaseOnce(java.lang.foreign.Arena arena) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) arena.close();
        };
    }

    private final class Reader implements SeekableByteChannel, dev.forge.core.MappedRegions {
        @Override
        public Region region(long position, int max) throws IOException {
            if (!open) throw new ClosedChannelException();
            return Arrival.this.region(position, max);
        }

        private long position;
        private boolean open = true;

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (!open) throw new ClosedChannelException();
            int n = Arrival.this.read(dst, position);
            if (n > 0) position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) { throw new NonWritableChannelException(); }

        @Override
        public long position() { return position; }

        @Override
        public SeekableByteChannel position(long p) {
            position = p;
            return this;
        }

        @Override
        public long size() { return size; }

        @Override
        public SeekableByteChannel truncate(long s) { throw new NonWritableChannelException(); }

        @Override
        public boolean isOpen() { return open; }

        @Override
        public void close() {
            if (open) {
                open = false;
                readerClosed();
            }
        }
    }
}
