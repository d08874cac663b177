package dev.forge.http.files;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The body source over a stored object's channel: a small first chunk (what goes out with the headers), full buffers
 * after it, what a channel hands out now sent now, an object that ends early failing the body, and every pooled buffer
 * returned (Jetty's leak-tracking pool).
 */
class ChannelSourceTest {
    static final int BUFFER = 64 * 1024;

    /** {@code size} bytes (byte i = i mod 251) from {@code position}, at most {@code perRead} per read; closes are counted. */
    private static final class Numbered implements SeekableByteChannel {
        final long size;
        final int perRead;
        long position;
        final AtomicInteger closed = new AtomicInteger();

        Numbered(long size, int perRead, long position) {
            this.size = size;
            this.perRead = perRead;
            this.position = position;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= size) return -1;
            int n = (int) Math.min(Math.min(dst.remaining(), perRead), size - position);
            for (int i = 0; i < n; i++) dst.put((byte) (position++ % 251));
            return n;
        }

        @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
        @Override public long position() { return position; }
        @Override public SeekableByteChannel position(long p) { position = p; return this; }
        @Override public long size() { return size; }
        @Override public SeekableByteChannel truncate(long s) { throw new UnsupportedOperationException(); }
        @Override public boolean isOpen() { return closed.get() == 0; }
        @Override public void close() { closed.incrementAndGet(); }
    }

    private static List<Integer> drain(ChannelSource source, long from) {
        List<Integer> sizes = new ArrayList<>();
        long at = from;
        Content.Chunk c;
        do {
            c = source.read();
            assertThat(c.getFailure()).isNull();
            ByteBuffer b = c.getByteBuffer();
            sizes.add(b.remaining());
            while (b.hasRemaining()) assertThat(b.get()).isEqualTo((byte) (at++ % 251));
            c.release();
        } while (!c.isLast());
        return sizes;
    }

    @Test
    void aSmallFirstChunkThenFullBuffersExactlyToTheEnd() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
        Numbered ch = new Numbered(1_000_000, Integer.MAX_VALUE, 12_345);
        long length = 300_000;
        ChannelSource source = new ChannelSource(new ByteBufferPool.Sized(pool, true, BUFFER), ch, length);
        assertThat(source.getLength()).isEqualTo(length);
        List<Integer> sizes = drain(source, 12_345);
        assertThat(sizes.getFirst()).isEqualTo(ChannelSource.FIRST_CHUNK);
        assertThat(sizes.subList(1, sizes.size() - 1)).allMatch(n -> n == BUFFER);
        assertThat(sizes.stream().mapToLong(Integer::longValue).sum()).isEqualTo(length);
        assertThat(source.read().isLast()).isTrue();
        assertThat(ch.closed).hasValue(1);
        assertThat(pool.getLeaks()).isEmpty();
    }

    @Test
    void whatTheChannelHasNowGoesOutNow() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
        Numbered ch = new Numbered(100_000, 1_000, 0); // an object still arriving: short reads
        ChannelSource source = new ChannelSource(new ByteBufferPool.Sized(pool, true, BUFFER), ch, 100_000);
        List<Integer> sizes = drain(source, 0);
        assertThat(sizes).hasSize(100).allMatch(n -> n == 1_000);
        assertThat(pool.getLeaks()).isEmpty();
    }

    @Test
    void anObjectThatEndsEarlyFailsTheBodyAndClosesTheChannel() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
        Numbered ch = new Numbered(50_000, Integer.MAX_VALUE, 0);
        ChannelSource source = new ChannelSource(new ByteBufferPool.Sized(pool, true, BUFFER), ch, 80_000);
        long got = 0;
        Content.Chunk c;
        while ((c = source.read()).getFailure() == null) {
            assertThat(c.isLast()).as("no end before the failure").isFalse();
            got += c.getByteBuffer().remaining();
            c.release();
        }
        assertThat(got).isEqualTo(50_000);
        assertThat(c.getFailure()).isInstanceOf(IOException.class).hasMessageContaining("ended");
        assertThat(source.read().getFailure()).as("the same end again").isSameAs(c.getFailure());
        assertThat(ch.closed).hasValue(1);
        assertThat(pool.getLeaks()).isEmpty();
    }

    @Test
    void aFailureFromOutsideEndsTheBody() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
        Numbered ch = new Numbered(1_000_000, Integer.MAX_VALUE, 0);
        ChannelSource source = new ChannelSource(new ByteBufferPool.Sized(pool, true, BUFFER), ch, 1_000_000);
        source.read().release();
        source.fail(new IOException("client gone"));
        assertThat(source.read().getFailure()).hasMessage("client gone");
        assertThat(ch.closed).hasValue(1);
        assertThat(pool.getLeaks()).isEmpty();
    }
}
