package dev.forge.cards;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufHeaderTest {

    static GgufHeader.Summary read(byte[] file) throws Exception {
        return GgufHeader.read(new dev.forge.core.ByteArrayChannel(file), file.length);
    }

    @Test
    void readsWhatTheHubShowsFromALlamaLikeFile() throws Exception {
        GgufHeader.Summary s = read(WeightFiles.llamaGguf(4096, 15));
        assertThat(s.version()).isEqualTo(3);
        assertThat(s.architecture()).contains("llama");
        assertThat(s.contextLength()).contains(4096L);
        assertThat(s.chatTemplate()).contains("{% for m in messages %}{{ m.content }}{% endfor %}");
        assertThat(s.bosToken()).contains("<s>");
        assertThat(s.eosToken()).contains("</s>");
        assertThat(s.quantization()).contains("Q4_K_M");
        assertThat(s.parametersByType()).isEqualTo(WeightFiles.map("F32", 256, "Q4_K", 256 * 300, "Q6_K", 256 * 256, "Q8_0", 256 * 300));
        assertThat(s.total()).isEqualTo(256 + 2 * 256 * 300 + 256 * 256);
    }

    @Test
    void readsSeveralTensorTypesAndVersionTwo() throws Exception {
        byte[] file = new WeightFiles.Gguf().version(2).string("general.architecture", "qwen2")
                .u32("qwen2.context_length", 32768).u32("general.alignment", 64)
                .tensor("a", 2, 64, 2)    // Q4_0
                .tensor("b", 10, 512)     // Q2_K
                .tensor("c", 30, 7, 3)    // BF16
                .tensor("d", 1, 5)        // F16
                .tensor("e", 23, 256)     // IQ4_XS
                .build();
        GgufHeader.Summary s = read(file);
        assertThat(s.architecture()).contains("qwen2");
        assertThat(s.contextLength()).contains(32768L);
        assertThat(s.parametersByType()).isEqualTo(WeightFiles.map("BF16", 21, "F16", 5, "IQ4_XS", 256, "Q2_K", 512, "Q4_0", 128));
        assertThat(s.total()).isEqualTo(128 + 512 + 21 + 5 + 256);
        assertThat(s.bosToken()).isEmpty();
        assertThat(s.quantization()).isEmpty();
    }

    @Test
    void refusesFilesThatAreNotGguf() {
        assertThatThrownBy(() -> read("GGML and then some bytes...".getBytes())).isInstanceOf(InvalidHeaderException.class)
                .hasMessageContaining("magic");
        byte[] v1 = new WeightFiles.Gguf().version(1).build();
        assertThatThrownBy(() -> read(v1)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("version 1");
    }

    @Test
    void refusesHugeCountsAndLengthsWithoutFollowingThem() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46554747).putInt(3).putLong(1).putLong(Long.MAX_VALUE / 4);
        assertThatThrownBy(() -> read(b.array())).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("metadata pairs");

        ByteBuffer key = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        key.putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(1L << 40); // a key 1 TiB long
        assertThatThrownBy(() -> read(key.array())).isInstanceOf(InvalidHeaderException.class);

        // an array claiming 2^40 strings in a small file
        ByteBuffer arr = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        arr.putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(1).put((byte) 'k').putInt(9).putInt(8).putLong(1L << 40);
        assertThatThrownBy(() -> read(arr.array())).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("elements");
    }

    /** Issue 10, finding 2: element counts that overflow together were an ArithmeticException that broke info and index rebuilds. */
    @Test
    void overflowingTensorCountsAreAnInvalidHeader() {
        assertThatThrownBy(() -> read(WeightFiles.overflowingGguf())).isInstanceOf(InvalidHeaderException.class);
    }

    @Test
    void refusesOverlappingMisalignedAndOutOfFileTensors() {
        byte[] overlap = new WeightFiles.Gguf().tensorAt("a", 0, 0, 64).tensorAt("b", 0, 128, 64).tensorAt("c", 0, 64, 64).build();
        // a: [0,256), c: [64,320) overlaps a
        assertThatThrownBy(() -> read(overlap)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("overlaps");
        byte[] misaligned = new WeightFiles.Gguf().tensorAt("a", 0, 4, 8).build();
        assertThatThrownBy(() -> read(misaligned)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("aligned");
        byte[] whole = new WeightFiles.Gguf().tensor("a", 0, 1024).build();
        byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 100);
        assertThatThrownBy(() -> read(truncated)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("beyond the end");
        byte[] badBlock = new WeightFiles.Gguf().tensor("q", 12, 100, 2).build(); // Q4_K needs rows of 256
        assertThatThrownBy(() -> read(badBlock)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("block size");
        assertThatThrownBy(() -> read(new WeightFiles.Gguf().u32("general.alignment", 3).build()))
                .isInstanceOf(InvalidHeaderException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> read(new WeightFiles.Gguf().tensor("x", 0, 1, 1, 1, 1, 1).build()))
                .isInstanceOf(InvalidHeaderException.class).hasMessageContaining("dimensions");
    }

    @Test
    void refusesUnknownTensorTypes() throws Exception {
        byte[] ok = new WeightFiles.Gguf().tensor("a", 0, 32).build();
        // the tensor's type field: after magic, version, counts (24 bytes), name (8 + 1), n_dims (4), one dim (8)
        int at = 24 + 9 + 4 + 8;
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 4); // type 4 was removed from ggml
        assertThatThrownBy(() -> read(ok)).isInstanceOf(InvalidHeaderException.class).hasMessageContaining("unknown ggml type");
    }

    @Test
    void readsOnlyUpToTheLimit() {
        byte[] file = WeightFiles.llamaGguf(2048, 2);
        assertThatThrownBy(() -> GgufHeader.read(new dev.forge.core.ByteArrayChannel(file), file.length, 200))
                .isInstanceOf(InvalidHeaderException.class).hasMessageContaining("header limit");
    }
}
