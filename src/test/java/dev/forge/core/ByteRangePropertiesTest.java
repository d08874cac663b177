package dev.forge.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Range arithmetic of {@link ByteRange#parse}, for any resource size and any valid single-range header. */
class ByteRangePropertiesTest {

    /** A valid header together with the slice it must select, computed independently of the parser. */
    record Case(String header, long total, long first, long last) {}

    @Provide
    Arbitrary<Case> smallCases() {
        return cases(Arbitraries.longs().between(1, 4096));
    }

    @Provide
    Arbitrary<Case> anyCases() {
        return cases(Arbitraries.longs().between(1, Long.MAX_VALUE));
    }

    private static Arbitrary<Case> cases(Arbitrary<Long> totals) {
        return totals.flatMap(total -> Arbitraries.oneOf(
                // a-b with a inside the resource and b anywhere at or after a
                Combinators.combine(Arbitraries.longs().between(0, total - 1), Arbitraries.longs().between(0, Long.MAX_VALUE),
                                Arbitraries.of(true, false))
                        .as((a, extra, nearby) -> {
                            long b = nearby ? a + Math.min(extra % 64, Long.MAX_VALUE - a) : a + Math.min(extra, Long.MAX_VALUE - a);
                            return new Case(decorate("bytes=" + a + "-" + b, a + b), total, a, Math.min(b, total - 1));
                        }),
                // a-
                Arbitraries.longs().between(0, total - 1)
                        .map(a -> new Case(decorate("bytes=" + a + "-", a), total, a, total - 1)),
                // -n
                Arbitraries.longs().between(1, Long.MAX_VALUE)
                        .map(n -> new Case(decorate("bytes=-" + n, n), total, Math.max(0, total - n), total - 1))));
    }

    /** Varies the unit's case and adds optional whitespace, deterministically from the numbers. */
    private static String decorate(String header, long seed) {
        String h = (seed & 1) == 0 ? header : "BYTES" + header.substring(5);
        return (seed & 2) == 0 ? h : " " + h + " ";
    }

    @Property
    void rangeLiesInsideTheResource(@ForAll("anyCases") Case c) {
        ByteRange r = ByteRange.parse(c.header(), c.total()).orElseThrow();
        assertThat(r.first()).isBetween(0L, c.total() - 1);
        assertThat(r.last()).isBetween(r.first(), c.total() - 1);
        assertThat(r.total()).isEqualTo(c.total());
        assertThat(r.length()).isEqualTo(r.last() - r.first() + 1).isPositive();
        assertThat(r).isEqualTo(new ByteRange(c.first(), c.last(), c.total()));
        assertThat(r.contentRange()).isEqualTo("bytes " + c.first() + "-" + c.last() + "/" + c.total());
    }

    @Property
    void sliceHasTheExpectedBytes(@ForAll("smallCases") Case c) {
        byte[] content = new byte[(int) c.total()];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 31 + 7);
        ByteRange r = ByteRange.parse(c.header(), c.total()).orElseThrow();
        byte[] slice = Arrays.copyOfRange(content, Math.toIntExact(r.first()), Math.toIntExact(r.first() + r.length()));
        byte[] expected = new byte[Math.toIntExact(c.last() - c.first() + 1)];
        for (int i = 0; i < expected.length; i++) expected[i] = content[Math.toIntExact(c.first()) + i];
        assertThat(slice).isEqualTo(expected);
    }

    @Property
    void arbitraryHeadersOnlyEverThrowRangeNotSatisfiable(@ForAll("headers") String header,
                                                          @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long total) {
        try {
            Optional<ByteRange> r = ByteRange.parse(header, total);
            r.ifPresent(range -> {
                assertThat(range.first()).isBetween(0L, total - 1);
                assertThat(range.last()).isBetween(range.first(), total - 1);
            });
        } catch (ForgeException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.RANGE_NOT_SATISFIABLE);
            assertThat(e.detail()).contains(new ErrorDetail.UnsatisfiableRange(total));
        }
    }

    @Provide
    Arbitrary<String> headers() {
        Arbitrary<String> tokens = Arbitraries.of("bytes=", "BYTES=", "bytes", "=", "-", ",", " ", "\t", "0", "1", "9",
                "42", "100", "9223372036854775807", "9223372036854775808", "99999999999999999999", "+", "a", "\u0000", "١");
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("bytes=-0123456789, \t").ofMaxLength(30),
                tokens.list().ofMaxSize(8).map(l -> String.join("", l)),
                tokens.list().ofMaxSize(6).map(l -> "bytes=" + String.join("", l)));
    }
}
