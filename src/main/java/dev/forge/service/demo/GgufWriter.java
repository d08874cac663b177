package dev.forge.service.demo;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a GGUF (version 3) file as ggml's {@code docs/gguf.md} specifies it: the magic, the version, the tensor
 * and metadata counts, the metadata key-value pairs, one descriptor per tensor (name, dimensions innermost first,
 * ggml type, offset), then the tensor data, every tensor aligned to 32 bytes. Tensors are stored as F32, F16, Q8_0
 * or Q4_0; the quantized encodings are ggml's reference ones (blocks of 32 values with a float16 scale). Meant for
 * the small files of the demo repositories: the whole file is built in memory. Not thread-safe.
 */
final class GgufWriter {
    static final int ALIGNMENT = 32;

    /** ggml tensor types this writer encodes, with their ggml ids. */
    enum Type {
        F32(0), F16(1), Q4_0(2), Q8_0(8);

        final int id;

        Type(int id) { this.id = id; }

        /** Bytes of {@code n} values ({@code n} a multiple of 32 for the block types). */
        long bytes(long n) {
            return switch (this) {
                case F32 -> 4 * n;
                case F16 -> 2 * n;
                case Q8_0 -> n / 32 * 34;
                case Q4_0 -> n / 32 * 18;
            };
        }
    }

    private static final int UINT16 = 2, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9;

    private final Buf metadata = new Buf();
    private int metadataCount;
    private final List<Stored> tensors = new ArrayList<>();

    private record Stored(Tensor tensor, Type type) {}

    GgufWriter putString(String key, String value) {
        key(key, STRING);
        metadata.string(value);
        return this;
    }

    GgufWriter putU32(String key, long value) {
        key(key, UINT32);
        metadata.putInt((int) value);
        return this;
    }

    GgufWriter putU16(String key, int value) {
        key(key, UINT16);
        metadata.putShort((short) value);
        return this;
    }

    GgufWriter putI32(String key, int value) {
        key(key, INT32);
        metadata.putInt(value);
        return this;
    }

    GgufWriter putF32(String key, float value) {
        key(key, FLOAT32);
        metadata.putInt(Float.floatToIntBits(value));
        return this;
    }

    GgufWriter putBool(String key, boolean value) {
        key(key, BOOL);
        metadata.put((byte) (value ? 1 : 0));
        return this;
    }

    GgufWriter putStrings(String key, List<String> values) {
        key(key, ARRAY);
        metadata.putInt(STRING);
        metadata.putLong(values.size());
        for (String v : values) metadata.string(v);
        return this;
    }

    GgufWriter putI32s(String key, int[] values) {
        key(key, ARRAY);
        metadata.putInt(INT32);
        metadata.putLong(values.length);
        for (int v : values) metadata.putInt(v);
        return this;
    }

    /** Adds a tensor; its PyTorch-order shape is written innermost dimension first, as GGUF lists them. */
    GgufWriter tensor(Tensor tensor, Type type) {
        long[] shape = tensor.shape();
        if (type != Type.F32 && type != Type.F16 && shape[shape.length - 1] % 32 != 0) {
            throw new IllegalArgumentException(tensor.name() + ": rows of " + shape[shape.length - 1] + " values do not fill 32-value blocks");
        }
        tensors.add(new Stored(tensor, type));
        return this;
    }

    byte[] toBytes() {
        Buf out = new Buf();
        out.put("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.putInt(3);
        out.putLong(tensors.size());
        out.putLong(metadataCount);
        out.write(metadata.toByteArray());
        long offset = 0;
        for (Stored s : tensors) {
            long[] shape = s.tensor().shape();
            out.string(s.tensor().name());
            out.putInt(shape.length);
            for (int d = shape.length - 1; d >= 0; d--) out.putLong(shape[d]);
            out.putInt(s.type().id);
            out.putLong(offset);
            offset = align(offset + s.type().bytes(s.tensor().elements()));
        }
        out.pad();
        for (Stored s : tensors) {
            out.write(encode(s.tensor().values(), s.type()));
            out.pad();
        }
        return out.toByteArray();
    }

    private void key(String key, int type) {
        metadata.string(key);
        metadata.putInt(type);
        metadataCount++;
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    static byte[] encode(float[] values, Type type) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.bytes(values.length))).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> { for (float v : values) out.putFloat(v); }
            case F16 -> { for (float v : values) out.putShort(Float.floatToFloat16(v)); }
            case Q8_0 -> { for (int b = 0; b < values.length; b += 32) q8Block(values, b, out); }
            case Q4_0 -> { for (int b = 0; b < values.length; b += 32) q4Block(values, b, out); }
        }
        return out.array();
    }

    /** ggml's {@code quantize_row_q8_0_ref}: scale = max |x| / 127, each value rounded to a signed byte. */
    private static void q8Block(float[] x, int from, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out.put((byte) Math.round(x[from + j] * id));
    }

    /**
     * ggml's {@code quantize_row_q4_0_ref}: scale = (the value of largest magnitude) / -8; value {@code j} in the low
     * nibble of byte {@code j}, value {@code j + 16} in its high nibble, each stored as {@code round(x / d) + 8}.
     */
    private static void q4Block(float[] x, int from, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[from + 16 + j] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /** A little-endian byte sink. */
    private static final class Buf extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void put(byte b) { write(b); }

        void put(byte[] b) { write(b, 0, b.length); }

        void putShort(short v) { scratch.clear(); scratch.putShort(v); write(scratch.array(), 0, 2); }

        void putInt(int v) { scratch.clear(); scratch.putInt(v); write(scratch.array(), 0, 4); }

        void putLong(long v) { scratch.clear(); scratch.putLong(v); write(scratch.array(), 0, 8); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            putLong(b.length);
            put(b);
        }

        void pad() { while (size() % ALIGNMENT != 0) write(0); }

        @Override
        public void write(byte[] b) { write(b, 0, b.length); }
    }
}
