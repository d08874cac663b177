package dev.forge.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** {@link ByteRange#parse} as a table: header, resource size, expected range or refusal. */
class ByteRangeTest {

    static Stream<Arguments> satisfiable() {
        return Stream.of(
                // header, total, first, last
                arguments("bytes=0-0", 100, 0, 0),
                arguments("bytes=0-99", 100, 0, 99),
                arguments("bytes=10-19", 100, 10, 19),
                arguments("bytes=99-99", 100, 99, 99),
                arguments("bytes=10-", 100, 10, 99),
                arguments("bytes=0-", 100, 0, 99),
                arguments("bytes=99-", 100, 99, 99),
                arguments("bytes=-10", 100, 90, 99),
                arguments("bytes=-1", 100, 99, 99),
                arguments("bytes=-100", 100, 0, 99),
                arguments("bytes=-1000", 100, 0, 99),              // suffix longer than the resource: all of it
                arguments("bytes=50-1000", 100, 50, 99),           // last past the end is clamped
                arguments("bytes=0-100", 100, 0, 99),
                arguments("bytes=0-0", 1, 0, 0),
                arguments("bytes=-5", 1, 0, 0),
                arguments("BYTES=1-2", 100, 1, 2),                 // the unit is case-insensitive
                arguments("Bytes=1-2", 100, 1, 2),
                arguments("bYtEs=-3", 100, 97, 99),
                arguments("  bytes=1-2  ", 100, 1, 2),             // surrounding whitespace
                arguments("bytes= 1-2", 100, 1, 2),
                arguments("bytes=1 - 2", 100, 1, 2),
                arguments("bytes=\t1-2\t", 100, 1, 2),
                arguments("bytes=- 3", 100, 97, 99),
                arguments("bytes=0000000003-0000000004", 100, 3, 4), // leading zeros are still decimal
                arguments("bytes=0-9223372036854775807", 100, 0, 99), // Long.MAX_VALUE as last: clamped
                arguments("bytes=-9223372036854775807", 100, 0, 99),  // Long.MAX_VALUE suffix: all of it
                arguments("bytes=5-", 9_000_000_000_000L, 5, 8_999_999_999_999L),
                arguments("bytes=-1", Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 1));
    }

    @ParameterizedTest(name = "[{index}] {0} of {1} -> {2}-{3}")
    @MethodSource("satisfiable")
    void satisfiableRanges(String header, long total, long first, long last) {
        ByteRange r = ByteRange.parse(header, total).orElseThrow();
        assertThat(r).isEqualTo(new ByteRange(first, last, total));
        assertThat(r.length()).isEqualTo(last - first + 1);
        assertThat(r.contentRange()).isEqualTo("bytes " + first + "-" + last + "/" + total);
    }

    static Stream<Arguments> unsatisfiable() {
        return Stream.of(
                arguments("bytes=100-", 100),
                arguments("bytes=100-100", 100),
                arguments("bytes=100-200", 100),
                arguments("bytes=5000-", 100),
                arguments("bytes=9223372036854775807-", 100),
                arguments("bytes=-0", 100),     // an empty suffix overlaps nothing
                arguments("bytes=0-", 0),       // nothing is satisfiable in an empty resource
                arguments("bytes=0-0", 0),
                arguments("bytes=-1", 0),
                arguments("bytes=-0", 0),
                arguments("bytes=1-", 1),
                arguments("BYTES=100-", 100));
    }

    @ParameterizedTest(name = "[{index}] {0} of {1} -> 416")
    @MethodSource("unsatisfiable")
    void unsatisfiableRangesAre416WithContentRangeStar(String header, long total) {
        assertThatThrownBy(() -> ByteRange.parse(header, total))
                .isInstanceOfSatisfying(ForgeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.RANGE_NOT_SATISFIABLE);
                    assertThat(e.kind().status()).isEqualTo(416);
                    assertThat(e.detail()).contains(new ErrorDetail.UnsatisfiableRange(total));
                });
    }

    /** Not a single well-formed byte range: the whole resource is served (RFC 9110 lets a server ignore Range). */
    @ParameterizedTest(name = "[{index}] \"{0}\" -> whole resource")
    @NullSource
    @ValueSource(strings = {
            "", " ", "bytes", "bytes=", "bytes= ", "bytes=-", "bytes= - ", "bytes=abc", "bytes=a-b", "bytes=1-b", "bytes=a-1",
            "bytes=5-3",                       // last before first
            "bytes=0-1,2-3", "bytes=0-1, 5-6", "bytes=-1,-2", "bytes=0-0,",  // multi-range
            "items=0-1", "bits=0-1", "byte=0-1", "bytes 0-1", "bytes:0-1", "bytes =0-1", "0-1",
            "bytes=1", "bytes=--1", "bytes=1--2", "bytes=1-2-3", "bytes=+1-2", "bytes=1-+2", "bytes=-+2", "bytes=-1-",
            "bytes=0x1-2", "bytes=1.0-2", "bytes=1e3-", "bytes=1 2-3", "bytes=١-٢", // Arabic-Indic digits are not ASCII digits
            "bytes=99999999999999999999-",     // 20 digits: not representable, treated as malformed
            "bytes=0-99999999999999999999",
            "bytes=9223372036854775808-",      // Long.MAX_VALUE + 1
            "bytes=-9223372036854775808",
            "bytes=-99999999999999999999999999999999999999"})
    void malformedOrMultiRangeMeansWholeResource(String header) {
        assertThat(ByteRange.parse(header, 100)).isEqualTo(Optional.empty());
        assertThat(ByteRange.parse(header, 0)).isEqualTo(Optional.empty());
    }

    @Test
    void constructorRejectsRangesOutsideTheResource() {
        assertThatThrownBy(() -> new ByteRange(-1, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ByteRange(5, 4, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ByteRange(0, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ByteRange(0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ByteRange(0, 9, 10).length()).isEqualTo(10);
    }
}
