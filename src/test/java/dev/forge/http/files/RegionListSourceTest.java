package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RegionListSource}: regions smaller than a pooled buffer are copied back to back into pooled 256 KiB buffers,
 * larger ones go out as they are. Checked against the plain concatenation of the regions' bytes, with every pooled
 * buffer tracked (Jetty's leak-tracking pool) and every region's hold counted: at the end of a body, whole or failed,
 * nothing is left acquired or held.
 */
class RegionListSourceTest {
    private static final int SIZE = BodyStreamer.BUFFER;

    /** A pool as the server's (direct 256 KiB buffers) that tracks every buffer handed out and counts acquisitions. */
    private static final class Pool {
        final ArrayByteBufferPool.Tracking tracking = new ArrayByteBufferPool.Tracking(0, 4096, 4 * SIZE);
        final AtomicInteger acquired = new AtomicInteger();
        final ByteBufferPool.Sized sized = new ByteBufferPool.Sized(new ByteBufferPool.Wrapper(tracking) {
            @Override
            public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
                acquired.incrementAndGet();
                return super.acquire(size, direct);
            }
        }, true, SIZE);

        /** Buffers acquired and not released. */
        int leaks() { return tracking.getLeaks().size(); }
    }

    /** Regions over known bytes (the whole object's byte i is i mod 251), each hold counted until closed. */
    private static final class Regions {
        final AtomicInteger held = new AtomicInteger();
        final List<MappedRegions.Region> list = new ArrayList<>();
        final ByteArrayOutputStream oracle = new ByteArrayOutputStream();
        long at;

        Regions add(int... sizes) {
            for (int n : sizes) {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = (byte) (at++ % 251);
                oracle.writeBytes(b);
                ByteBuffer direct = ByteBuffer.allocateDirect(n).put(b).flip().asReadOnlyBuffer();
                held.incrementAndGet();
                list.add(new MappedRegions.Region(direct, held::decrementAndGet));
            }
            return this;
        }

        /** A region whose mapping is gone (its arena closed): reading its bytes fails, as after an unmap. */
        Regions addUnreadable(int n) {
            Arena arena = Arena.ofShared();
            ByteBuffer gone = arena.allocate(n).asByteBuffer();
            arena.close();
            held.incrementAndGet();
            list.add(new MappedRegions.Region(gone, held::decrementAndGet));
            return this;
        }
    }

    /** Every chunk's bytes in order and each chunk's size, each chunk released once read (as Jetty does once written). */
    private record Drained(byte[] bytes, List<Integer> chunks) {}

    private static Drained drain(RegionListSource source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        Content.Chunk c;
        do {
            c = source.read();
            assertThat(c).isNotNull();
            assertThat(c.getFailure()).isNull();
            ByteBuffer b = c.getByteBuffer().slice();
            sizes.add(b.remaining());
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            out.writeBytes(copy);
            c.release();
        } while (!c.isLast());
        assertThat(source.read().isLast()).as("after the last chunk, EOF again").isTrue();
        return new Drained(out.toByteArray(), sizes);
    }

    /**
     * Reads the whole body of {@code r}'s regions and checks what every body must end with: its length announced, its
     * bytes the regions' concatenation, no pooled buffer left acquired, no region left held.
     */
    private static Drained drainWhole(Regions r, Pool pool) {
        RegionListSource source = new RegionListSource(r.list, pool.sized);
        assertThat(source.getLength()).isEqualTo(r.oracle.size());
        Drained d = drain(source);
        assertThat(d.bytes()).isEqualTo(r.oracle.toByteArray());
        assertThat(pool.leaks()).as("buffers acquired and not released").isZero();
        assertThat(r.held).as("regions still held").hasValue(0);
        return d;
    }

    @Test
    void anEmptyListIsAnEmptyBodyAndAcquiresNothing() {
        Pool pool = new Pool();
        RegionListSource source = new RegionListSource(List.of(), pool.sized);
        assertThat(source.getLength()).isZero();
        Content.Chunk c = source.read();
        assertThat(c.isLast()).isTrue();
        assertThat(c.hasRemaining()).isFalse();
        assertThat(c.getFailure()).isNull();
        assertThat(pool.acquired).hasValue(0);
    }

    /** A region of exactly one buffer's size goes out as it is: no copy, held until its chunk is released. */
    @Test
    void aRegionOfExactlyTheBufferSizeIsSentWithoutCopying() {
        Pool pool = new Pool();
        Regions r = new Regions().add(SIZE);
        RegionListSource source = new RegionListSource(r.list, pool.sized);
        Content.Chunk c = source.read();
        assertThat(c.isLast()).isTrue();
        assertThat(c.remaining()).isEqualTo(SIZE);
        assertThat(r.held).as("held while Jetty writes it").hasValue(1);
        byte[] got = new byte[SIZE];
        c.getByteBuffer().slice().get(got);
        assertThat(got).isEqualTo(r.oracle.toByteArray());
        c.release();
        assertThat(r.held).hasValue(0);
        assertThat(pool.acquired).hasValue(0);
    }

    /** One byte short of the buffer size is copied: a buffer of its own. */
    @Test
    void aRegionOneByteShortOfTheBufferIsCopied() {
        Pool pool = new Pool();
        Drained d = drainWhole(new Regions().add(SIZE - 1, 1), pool);
        assertThat(d.chunks()).containsExactly(SIZE);
        assertThat(pool.acquired).hasValue(1);
    }

    /**
     * A region that would straddle the end of a buffer is not split: it starts the next buffer, whole. 100 KiB regions
     * go two to a buffer; a big one between small ones goes out on its own, in its place.
     */
    @Test
    void regionsThatWouldStraddleABufferStartTheNextOne() {
        Pool pool = new Pool();
        int k100 = 100 * 1024;
        Drained d = drainWhole(new Regions().add(k100, k100, k100, k100, k100, 3 * SIZE, 10, k100 * 2 + 7, 60 * 1024), pool);
        assertThat(d.chunks()).containsExactly(2 * k100, 2 * k100, k100, 3 * SIZE, 10 + 2 * k100 + 7, 60 * 1024);
        assertThat(pool.acquired).hasValue(5);
    }

    /** A xorb range's shape: an 8-byte header and a chunk, thousands of times, in few full buffers. */
    @Test
    void manyTinyRegionsFillFewBuffers() {
        Pool pool = new Pool();
        Regions r = new Regions();
        for (int i = 0; i < 5_000; i++) r.add(8, 1 + i % 300);
        Drained d = drainWhole(r, pool);
        int full = r.oracle.size() / SIZE;
        assertThat(d.chunks()).hasSizeBetween(full, full + 2);
        for (int i = 0; i < d.chunks().size() - 1; i++) assertThat(d.chunks().get(i)).as("chunk %d nearly full", i).isGreaterThan(SIZE - 300);
        assertThat(pool.acquired).hasValue(d.chunks().size());
    }

    /**
     * A region that cannot be read while being copied ends the body with its failure: the buffer being filled goes back
     * to the pool, the chunks already handed out release theirs, and every region, the failing one and those after it
     * included, is released. Reading again answers the same failure.
     */
    @Test
    void aRegionThatCannotBeReadFailsTheBodyAndReleasesEverything() {
        Pool pool = new Pool();
        int k100 = 100 * 1024;
        Regions r = new Regions().add(k100, k100, k100, 50).addUnreadable(10).add(20, SIZE, 30);
        RegionListSource source = new RegionListSource(r.list, pool.sized);
        Content.Chunk first = source.read();
        assertThat(first.getFailure()).isNull();
        assertThat(first.remaining()).isEqualTo(2 * k100);
        Content.Chunk failed = source.read();
        assertThat(failed.getFailure()).as("the body fails instead of skipping the region").isNotNull();
        assertThat(failed.isLast()).isTrue();
        assertThat(source.read()).isSameAs(failed);
        assertThat(pool.leaks()).as("the buffer being filled is back").isEqualTo(1);
        first.release();
        assertThat(pool.leaks()).isZero();
        assertThat(pool.acquired).hasValue(2);
        assertThat(r.held).as("every region released, the unreadable one and those after it too").hasValue(0);
        source.fail(new RuntimeException("late"));
        assertThat(source.read()).isSameAs(failed);
    }

    /** Failed from outside half-way (the client left): the rest of the regions are released, nothing is read any more. */
    @Test
    void failingTheSourceReleasesTheRegionsNotYetSent() {
        Pool pool = new Pool();
        Regions r = new Regions().add(SIZE, 10, 20, SIZE + 1, 30);
        RegionListSource source = new RegionListSource(r.list, pool.sized);
        Content.Chunk big = source.read();
        assertThat(r.held).hasValue(5);
        RuntimeException gone = new RuntimeException("client gone");
        source.fail(gone);
        assertThat(r.held).as("only the region of the chunk still out is held").hasValue(1);
        assertThat(source.read().getFailure()).isSameAs(gone);
        big.release();
        assertThat(r.held).hasValue(0);
        assertThat(pool.acquired).hasValue(0);
    }

    /** Any list of regions reads back as their concatenation, with nothing left acquired or held. */
    @Property(tries = 60)
    void anyListReadsBackAsTheConcatenationOfItsRegions(@ForAll("sizes") List<Integer> sizes) {
        Pool pool = new Pool();
        Drained d = drainWhole(new Regions().add(sizes.stream().mapToInt(Integer::intValue).toArray()), pool);
        if (!sizes.isEmpty()) for (int n : d.chunks()) assertThat(n).as("no empty chunk before the end").isPositive();
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(1, 300)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(8 * 1024, 130 * 1024)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(SIZE - 1, SIZE, SIZE + 1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(SIZE, 2 * SIZE)));
        return size.list().ofMinSize(0).ofMaxSize(40);
    }
}
