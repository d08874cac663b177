package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The body source over mapped regions: exact bytes in region-sized chunks, and a failing region ends the body. */
class RegionSourceTest {

    /** An object of {@code size} bytes (byte i = i mod 251) in regions of at most 1,000 bytes; fails at {@code failAt}. */
    private record Numbered(long size, long failAt) implements MappedRegions {
        @Override
        public Region region(long position, int max) throws IOException {
            if (position >= failAt) throw new IOException("pack gone");
            int n = (int) Math.min(Math.min(max, 1000), size - position);
            ByteBuffer b = ByteBuffer.allocate(n);
            for (int i = 0; i < n; i++) b.put((byte) ((position + i) % 251));
            return Region.of(b.flip().asReadOnlyBuffer());
        }
    }

    @Test
    void readsTheRangeExactlyThenEndsAndClosesTheChannelOnce() {
        AtomicInteger closed = new AtomicInteger();
        RegionSource source = new RegionSource(new Numbered(10_000, Long.MAX_VALUE), closed::incrementAndGet, 1_500, 4_321);
        assertThat(source.getLength()).isEqualTo(4_321);
        long at = 1_500;
        Content.Chunk c;
        do {
            c = source.read();
            assertThat(c.getFailure()).isNull();
            ByteBuffer b = c.getByteBuffer();
            while (b.hasRemaining()) assertThat(b.get()).isEqualTo((byte) (at++ % 251));
        } while (!c.isLast());
        assertThat(at).isEqualTo(1_500 + 4_321);
        assertThat(source.read().isLast()).isTrue();
        assertThat(closed).hasValue(1);
    }

    /** Each chunk holds its region mapped until the chunk is released (Jetty releases it once written), and no longer. */
    @Test
    void eachRegionIsHeldUntilItsChunkIsReleased() {
        AtomicInteger held = new AtomicInteger();
        MappedRegions counted = (position, max) -> {
            MappedRegions.Region r = new Numbered(10_000, Long.MAX_VALUE).region(position, max);
            held.incrementAndGet();
            return new MappedRegions.Region(r.bytes(), held::decrementAndGet);
        };
        RegionSource source = new RegionSource(counted, () -> {}, 0, 10_000);
        Content.Chunk c;
        do {
            c = source.read();
            assertThat(held).as("the chunk just read holds its region").hasValue(1);
            c.release();
            assertThat(held).as("released with its chunk").hasValue(0);
        } while (!c.isLast());
    }

    @Test
    void aRegionThatFailsEndsTheBodyWithTheFailureAndClosesTheChannel() {
        AtomicInteger closed = new AtomicInteger();
        RegionSource source = new RegionSource(new Numbered(10_000, 2_000), closed::incrementAndGet, 0, 10_000);
        Content.Chunk c;
        do c = source.read(); while (c.getFailure() == null);
        assertThat(c.isLast()).isTrue();
        assertThat(c.getFailure()).hasMessage("pack gone");
        assertThat(source.read()).isSameAs(c);
        assertThat(closed).hasValue(1);
    }

    @Test
    void failingTheSourceFromOutsideClosesTheChannel() {
        AtomicInteger closed = new AtomicInteger();
        RegionSource source = new RegionSource(new Numbered(10_000, Long.MAX_VALUE), closed::incrementAndGet, 0, 10_000);
        source.read();
        source.fail(new IOException("client went away"));
        assertThat(source.read().getFailure()).hasMessage("client went away");
        assertThat(closed).hasValue(1);
    }
}
