package dev.forge.cards;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes real-shaped safetensors and GGUF files for tests (headers and zero-filled tensor data). */
public final class WeightFiles {
    private WeightFiles() {}

    /** One tensor of a safetensors file. */
    public record St(String name, String dtype, long[] shape) {}

    private static final Map<String, Integer> BITS = Map.of("F32", 32, "F16", 16, "BF16", 16, "I64", 64, "U8", 8, "F8_E4M3", 8, "I32", 32, "F64", 64, "BOOL", 8);

    /** A safetensors file with the tensors laid out one after another, plus optional {@code __metadata__}. */
    public static byte[] safetensors(List<St> tensors) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (St t : tensors) {
            long n = 1;
            StringBuilder shape = new StringBuilder();
            for (long d : t.shape) {
                n *= d;
                shape.append(shape.isEmpty() ? "" : ",").append(d);
            }
            long bytes = n * BITS.get(t.dtype) / 8;
            json.append(",\"").append(t.name).append("\":{\"dtype\":\"").append(t.dtype).append("\",\"shape\":[").append(shape)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        return safetensorsRaw(json.toString(), offset);
    }

    /** A safetensors file with the given header JSON (padded to 8 bytes as the library does) and data bytes. */
    public static byte[] safetensorsRaw(String headerJson, long dataBytes) {
        StringBuilder h = new StringBuilder(headerJson);
        while ((h.length() + 8) % 8 != 0) h.append(' ');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate((int) (8 + header.length + dataBytes)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }

    /** Builds GGUF files: metadata pairs, tensors, data. */
    public static final class Gguf {
        private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
        private int kvCount;
        private final List<Object[]> tensors = new ArrayList<>();
        private int version = 3;
        private long alignment = 32;

        public Gguf version(int v) { version = v; return this; }

        public Gguf string(String key, String value) {
            str(kv, key);
            u32(kv, 8);
            str(kv, value);
            kvCount++;
            return this;
        }

        public Gguf u32(String key, long value) {
            str(kv, key);
            u32(kv, 4);
            u32(kv, value);
            kvCount++;
            if (key.equals("general.alignment")) alignment = value;
            return this;
        }

        public Gguf f32(String key, float value) {
            str(kv, key);
            u32(kv, 6);
            kv.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
            kvCount++;
            return this;
        }

        public Gguf strings(String key, List<String> values) {
            str(kv, key);
            u32(kv, 9);
            u32(kv, 8);
            u64(kv, values.size());
            for (String v : values) str(kv, v);
            kvCount++;
            return this;
        }

        public Gguf ints(String key, int[] values) {
            str(kv, key);
            u32(kv, 9);
            u32(kv, 5);
            u64(kv, values.length);
            for (int v : values) u32(kv, v & 0xffffffffL);
            kvCount++;
            return this;
        }

        /** A tensor of ggml type {@code type} (block size and bytes per block as ggml defines them). */
        public Gguf tensor(String name, int type, long... dims) {
            tensors.add(new Object[] {name, type, dims, -1L});
            return this;
        }

        /** A tensor at an explicit offset (for overlap tests). */
        public Gguf tensorAt(String name, int type, long offset, long... dims) {
            tensors.add(new Object[] {name, type, dims, offset});
            return this;
        }

        public byte[] build() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            u32(out, 0x46554747L);
            u32(out, version);
            u64(out, tensors.size());
            u64(out, kvCount);
            out.writeBytes(kv.toByteArray());
            long offset = 0;
            for (Object[] t : tensors) {
                long[] dims = (long[]) t[2];
                GgufHeader.TensorType type = GgufHeader.TYPES.get((Integer) t[1]);
                long n = 1;
                for (long d : dims) n *= d;
                long bytes = n / type.blockSize() * type.typeSize();
                long at = (Long) t[3] >= 0 ? (Long) t[3] : offset;
                str(out, (String) t[0]);
                u32(out, dims.length);
                for (long d : dims) u64(out, d);
                u32(out, (Integer) t[1]);
                u64(out, at);
                offset = Math.max(offset, (at + bytes + alignment - 1) / alignment * alignment);
            }
            while (out.size() % alignment != 0) out.write(0);
            out.writeBytes(new byte[(int) offset]);
            return out.toByteArray();
        }

        private static void str(ByteArrayOutputStream o, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(o, b.length);
            o.writeBytes(b);
        }

        private static void u32(ByteArrayOutputStream o, long v) {
            o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        private static void u64(ByteArrayOutputStream o, long v) {
            o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    /** A small llama-like GGUF: vocabulary, chat template, Q4_K and Q6_K weights, F32 norms. */
    public static byte[] llamaGguf(int contextLength, long fileType) {
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < 300; i++) vocab.add(i == 1 ? "<s>" : i == 2 ? "</s>" : "tok" + i);
        return new Gguf()
                .string("general.architecture", "llama")
                .string("general.name", "tiny")
                .u32("general.file_type", fileType)
                .u32("llama.context_length", contextLength)
                .f32("llama.rope.freq_base", 10000f)
                .strings("tokenizer.ggml.tokens", vocab)
                .ints("tokenizer.ggml.token_type", new int[300])
                .u32("tokenizer.ggml.bos_token_id", 1)
                .u32("tokenizer.ggml.eos_token_id", 2)
                .string("tokenizer.chat_template", "{% for m in messages %}{{ m.content }}{% endfor %}")
                .tensor("token_embd.weight", 12, 256, 300)   // Q4_K
                .tensor("blk.0.attn_q.weight", 14, 256, 256) // Q6_K
                .tensor("blk.0.attn_norm.weight", 0, 256)     // F32
                .tensor("output.weight", 8, 256, 300)          // Q8_0
                .build();
    }

    /**
     * Issue 10, finding 2: a 256-byte GGUF whose two I8 tensors of 2^62 elements each are valid one by one but
     * overflow a long together (the sum threw ArithmeticException instead of an invalid-header error).
     */
    public static byte[] overflowingGguf() {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46554747).putInt(3).putLong(2).putLong(0);
        for (int i = 0; i < 2; i++) {
            b.putLong(1).put((byte) ('a' + i)).putInt(1).putLong(1L << 62).putInt(24).putLong(i * (1L << 62));
        }
        return b.array();
    }

    public static Map<String, Long> map(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
        return m;
    }
}
