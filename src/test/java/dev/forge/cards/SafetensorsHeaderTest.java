package dev.forge.cards;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsHeaderTest {

    static SafetensorsHeader.Summary read(byte[] file) throws Exception {
        return SafetensorsHeader.read(new CountingChannel(file), file.length);
    }

    @Test
    void countsParametersPerDtypeAndInTotal() throws Exception {
        byte[] file = WeightFiles.safetensors(List.of(
                new WeightFiles.St("embed.weight", "BF16", new long[] {100, 16}),
                new WeightFiles.St("layer.0.weight", "F32", new long[] {16, 16}),
                new WeightFiles.St("layer.0.bias", "F32", new long[] {16}),
                new WeightFiles.St("scale", "F8_E4M3", new long[] {8}),
                new WeightFiles.St("positions", "I64", new long[] {4}),
                new WeightFiles.St("flag", "BOOL", new long[] {}),
                new WeightFiles.St("empty", "F16", new long[] {0, 5})));
        SafetensorsHeader.Summary s = read(file);
        assertThat(s.parameters()).containsExactly(
                org.assertj.core.api.Assertions.entry("BF16", 1600L), org.assertj.core.api.Assertions.entry("BOOL", 1L),
                org.assertj.core.api.Assertions.entry("F16", 0L), org.assertj.core.api.Assertions.entry("F32", 272L),
                org.assertj.core.api.Assertions.entry("F8_E4M3", 8L), org.assertj.core.api.Assertions.entry("I64", 4L));
        assertThat(s.total()).isEqualTo(1600 + 1 + 272 + 8 + 4);
    }

    @Test
    void readsOnlyTheHeaderOfAFileOnDisk(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        byte[] file = WeightFiles.safetensors(List.of(new WeightFiles.St("w", "F32", new long[] {1024, 1024})));
        Path p = dir.resolve("model.safetensors");
        Files.write(p, file);
        CountingChannel counting;
        try (SeekableByteChannel ch = Files.newByteChannel(p, StandardOpenOption.READ)) {
            counting = new CountingChannel(ch);
            assertThat(SafetensorsHeader.read(counting, Files.size(p)).total()).isEqualTo(1024 * 1024);
        }
        assertThat(counting.bytesRead).isLessThan(64 * 1024 + 1).isLessThan(file.length / 10);
    }

    @Test
    void sumsShards() throws Exception {
        var a = new SafetensorsHeader.Summary(WeightFiles.map("F32", 10, "BF16", 5), 15);
        var b = new SafetensorsHeader.Summary(WeightFiles.map("BF16", 7), 7);
        var sum = SafetensorsHeader.Summary.sum(List.of(a, b));
        assertThat(sum.parameters()).isEqualTo(WeightFiles.map("BF16", 12, "F32", 10));
        assertThat(sum.total()).isEqualTo(22);
        // issue 10, finding 2: shards whose counts overflow together are an invalid header, not an ArithmeticException
        var huge = new SafetensorsHeader.Summary(WeightFiles.map("U8", Long.MAX_VALUE / 2 + 1), Long.MAX_VALUE / 2 + 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafetensorsHeader.Summary.sum(List.of(huge, huge)))
                .isInstanceOf(InvalidHeaderException.class);
    }

    @Test
    void refusesAHeaderLengthBeyondTheLimitWithoutReadingIt() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2);
        CountingChannel ch = new CountingChannel(b.array());
        assertThatThrownBy(() -> SafetensorsHeader.read(ch, 1L << 40)).isInstanceOf(InvalidHeaderException.class)
                .hasMessageContaining("more than the limit");
        assertThat(ch.bytesRead).isLessThanOrEqualTo(64);
    }

    @Test
    void refusesAHeaderLongerThanTheFile() {
        byte[] file = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        assertThatThrownBy(() -> read(file)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("only 92");
    }

    @Test
    void refusesHostileAndCorruptHeaders() {
        // negative length (top bit set)
        byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array();
        assertThatThrownBy(() -> read(negative)).isInstanceOf(InvalidHeaderException.class);
        for (String bad : List.of(
                "[1,2,3]",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",          // 2 floats need 8 bytes
                "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}",           // unknown dtype
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",         // negative dimension
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}",         // beyond the data
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", // overflow
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", // overlap
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", // duplicate
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}",                                 // no offsets
                "{\"__metadata__\":{\"x\":1}}",                                              // metadata must be strings
                "{\"w\":" + "[".repeat(50) + "]".repeat(50) + "}",                           // deep nesting
                "{not json")) {
            assertThatThrownBy(() -> read(WeightFiles.safetensorsRaw(bad, 16))).as(bad).isInstanceOf(InvalidHeaderException.class);
        }
    }

    @Test
    void refusesAFileShorterThanItsLength() {
        assertThatThrownBy(() -> read(new byte[] {1, 2, 3})).isInstanceOf(InvalidHeaderException.class);
    }

    /** A channel over bytes or another channel that counts what is read. */
    static final class CountingChannel implements SeekableByteChannel {
        private final SeekableByteChannel in;
        long bytesRead;

        CountingChannel(byte[] bytes) {
            this(new dev.forge.core.ByteArrayChannel(bytes));
        }

        CountingChannel(SeekableByteChannel in) { this.in = in; }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = in.read(dst);
            if (n > 0) bytesRead += n;
            return n;
        }

        @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
        @Override public long position() throws IOException { return in.position(); }
        @Override public SeekableByteChannel position(long p) throws IOException { in.position(p); return this; }
        @Override public long size() throws IOException { return in.size(); }
        @Override public SeekableByteChannel truncate(long size) { throw new UnsupportedOperationException(); }
        @Override public boolean isOpen() { return in.isOpen(); }
        @Override public void close() throws IOException { in.close(); }
    }
}
