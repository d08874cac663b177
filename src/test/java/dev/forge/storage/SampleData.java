package dev.forge.storage;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Synthetic bytes shaped like what a model hub stores, for compression tests and benchmarks: random bytes are
 * incompressible, real weights are not random. Deterministic for a seed.
 */
final class SampleData {
    private SampleData() {}

    /** Kinds of content, each with the bytes of {@code n} long from a seed. */
    enum Kind {
        /** bf16 values from a normal distribution with std 0.02, like trained weights; little-endian. */
        BF16_GAUSSIAN,
        /** f32 values, normal with std 0.02. */
        F32_GAUSSIAN,
        /** int8 quantized weights: normal values scaled to [-127, 127] (most near 0). */
        INT8,
        /** Q4-like blocks: per 32 weights an f16 scale and 16 bytes of packed 4-bit values (GGUF Q4_0 layout). */
        Q4_BLOCKS,
        /** tokenizer.json-like text: a vocabulary of made-up tokens with ids. */
        TOKENIZER_JSON,
        /** uniformly random bytes (what ModelCorpus writes). */
        RANDOM,
        ZEROS;

        byte[] bytes(int n, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            byte[] out = new byte[n];
            switch (this) {
                case BF16_GAUSSIAN -> {
                    for (int i = 0; i + 1 < n; i += 2) {
                        int bits = Float.floatToRawIntBits((float) (gaussian(r) * 0.02));
                        int bf16 = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16; // round to nearest even
                        out[i] = (byte) bf16;
                        out[i + 1] = (byte) (bf16 >>> 8);
                    }
                }
                case F32_GAUSSIAN -> {
                    for (int i = 0; i + 3 < n; i += 4) {
                        int bits = Float.floatToRawIntBits((float) (gaussian(r) * 0.02));
                        for (int k = 0; k < 4; k++) out[i + k] = (byte) (bits >>> (8 * k));
                    }
                }
                case INT8 -> {
                    for (int i = 0; i < n; i++) out[i] = (byte) Math.max(-127, Math.min(127, Math.round(gaussian(r) * 127 / 4)));
                }
                case Q4_BLOCKS -> {
                    for (int i = 0; i + 17 < n; i += 18) {
                        short scale = Float.floatToFloat16((float) Math.abs(gaussian(r) * 0.002) + 0.0005f);
                        out[i] = (byte) scale;
                        out[i + 1] = (byte) (scale >>> 8);
                        for (int k = 0; k < 16; k++) {
                            int lo = q4(r);
                            int hi = q4(r);
                            out[i + 2 + k] = (byte) (lo | hi << 4);
                        }
                    }
                }
                case TOKENIZER_JSON -> {
                    StringBuilder sb = new StringBuilder("{\"model\": {\"type\": \"BPE\", \"vocab\": {");
                    String letters = "etaoinshrdlucmfwypvbgkqjxz";
                    for (int id = 0; sb.length() < n; id++) {
                        sb.append("\"").append(r.nextInt(4) == 0 ? "\u0120" : "");
                        for (int k = 1 + r.nextInt(8); k > 0; k--) sb.append(letters.charAt(Math.min(25, (int) Math.abs(gaussian(r) * 7))));
                        sb.append("\": ").append(id).append(", ");
                    }
                    byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(text, 0, out, 0, n);
                }
                case RANDOM -> r.nextBytes(out);
                case ZEROS -> { }
            }
            return out;
        }
    }

    private static int q4(SplittableRandom r) {
        return (int) Math.max(0, Math.min(15, Math.round(gaussian(r) * 2.5 + 8)));
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
