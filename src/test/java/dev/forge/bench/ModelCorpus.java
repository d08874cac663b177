package dev.forge.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A deterministic model family, made from a seed, to measure deduplication on (no file is ever held whole in
 * memory; each is a stream that can be made again):
 * <ol>
 *   <li>{@code base}: a Llama-shaped safetensors model of about {@code baseBytes} (16 layers, bf16 weights);</li>
 *   <li>{@code copy}: the same file again (as a copy in another repository or namespace);</li>
 *   <li>{@code resharded}: the same tensors in 3 safetensors shards, each with its own header;</li>
 *   <li>{@code header-edit}: the base with only its {@code __metadata__} changed (so every tensor moves by a few bytes);</li>
 *   <li>{@code fine-tune}: the base with the tensors of its last 4 of 16 layers replaced (a partial fine-tune: a
 *       quarter of the layers' tensors, about 23 % of the bytes);</li>
 *   <li>{@code gguf-family}: GGUF v3 files of the same model as F16, Q8_0 and Q4_0, sharing their metadata
 *       (tokenizer) and their F32 norm tensors, with each variant's weights its own bytes.</li>
 * </ol>
 * Tensor bytes are random (real weights do not dedup within a file either); a tensor's bytes depend only on the
 * seed, its name and the variant, so the same tensor is the same bytes wherever it appears.
 */
public final class ModelCorpus {
    /** One file of a case. */
    public record File(String path, long size, Supplier<InputStream> open) {}

    /** One case: a name and the files a repository gets for it. */
    public record Case(String name, String description, List<File> files) {
        public long bytes() { return files.stream().mapToLong(File::size).sum(); }
    }

    private record Tensor(String name, long rows, long cols, boolean norm) {
        long elements() { return rows * cols; }
    }

    private final long seed;
    private final List<Tensor> tensors = new ArrayList<>();
    private final int hidden;
    private final int vocab;

    public ModelCorpus(long seed, long baseBytes) {
        this.seed = seed;
        // 16 layers of 12·H² weights plus embeddings and head of V·H each (V = 8·H), all bf16: about 416·H² bytes
        int h = (int) (Math.sqrt(baseBytes / 416.0) / 64) * 64;
        this.hidden = Math.max(64, h);
        this.vocab = 8 * hidden;
        int inter = (8 * hidden / 3 + 63) / 64 * 64;
        tensors.add(new Tensor("model.embed_tokens.weight", vocab, hidden, false));
        for (int l = 0; l < 16; l++) {
            String p = "model.layers." + l + ".";
            tensors.add(new Tensor(p + "input_layernorm.weight", 1, hidden, true));
            for (String proj : new String[] {"q", "k", "v", "o"}) tensors.add(new Tensor(p + "self_attn." + proj + "_proj.weight", hidden, hidden, false));
            tensors.add(new Tensor(p + "post_attention_layernorm.weight", 1, hidden, true));
            tensors.add(new Tensor(p + "mlp.gate_proj.weight", inter, hidden, false));
            tensors.add(new Tensor(p + "mlp.up_proj.weight", inter, hidden, false));
            tensors.add(new Tensor(p + "mlp.down_proj.weight", hidden, inter, false));
        }
        tensors.add(new Tensor("model.norm.weight", 1, hidden, true));
        tensors.add(new Tensor("lm_head.weight", vocab, hidden, false));
    }

    public List<Case> cases() {
        List<Case> out = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        File base = safetensors("model.safetensors", tensors, meta, t -> 0);
        out.add(new Case("base", "base model, one safetensors file", List.of(base)));
        out.add(new Case("copy", "the same file in another repository", List.of(base)));
        List<File> shards = new ArrayList<>();
        List<List<Tensor>> groups = split(3);
        for (int i = 0; i < 3; i++) {
            shards.add(safetensors(String.format("model-%05d-of-00003.safetensors", i + 1), groups.get(i), meta, t -> 0));
        }
        out.add(new Case("resharded", "the same tensors in 3 shards", shards));
        Map<String, String> edited = new LinkedHashMap<>(meta);
        edited.put("base_model", "forge-bench/base");
        edited.put("license", "apache-2.0");
        out.add(new Case("header-edit", "only __metadata__ changed", List.of(safetensors("model.safetensors", tensors, edited, t -> 0))));
        // a partial fine-tune: the top quarter of the layers trained, the rest (and embeddings, head) frozen
        out.add(new Case("fine-tune", "the last 4 of 16 layers changed", List.of(safetensors("model.safetensors", tensors, meta,
                t -> layer(t) >= 12 ? 1 : 0))));
        List<File> gguf = new ArrayList<>();
        for (GgufType type : GgufType.values()) gguf.add(gguf("model-" + type.name().toLowerCase() + ".gguf", type));
        out.add(new Case("gguf-family", "GGUF F16, Q8_0, Q4_0 of the model", gguf));
        return out;
    }

    private static int layer(Tensor t) {
        if (!t.name().startsWith("model.layers.")) return -1;
        return Integer.parseInt(t.name().substring("model.layers.".length(), t.name().indexOf('.', "model.layers.".length())));
    }

    private List<List<Tensor>> split(int n) {
        long total = tensors.stream().mapToLong(t -> t.elements() * 2).sum();
        List<List<Tensor>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) groups.add(new ArrayList<>());
        long acc = 0;
        for (Tensor t : tensors) {
            int g = (int) Math.min(n - 1, acc * n / total);
            groups.get(g).add(t);
            acc += t.elements() * 2;
        }
        return groups;
    }

    // ------------------------------------------------------------------------------------------ tensor bytes

    /** The bytes of a tensor: random for weights, near 1.0 for norms, a function of seed, name and variant. */
    private InputStream tensorBytes(Tensor t, long length, int variant, String kind) {
        long s = seed * 31 + t.name().hashCode() * 1_000_003L + variant * 7919L + kind.hashCode();
        if (t.norm()) {
            byte[] b = new byte[(int) length];
            SplittableRandom r = new SplittableRandom(s);
            boolean f32 = kind.equals("f32");
            for (int i = 0; i < b.length; i += f32 ? 4 : 2) {
                float v = 1.0f + (float) (r.nextGaussian() * 0.05);
                int bits = Float.floatToIntBits(v);
                if (f32) ByteBuffer.wrap(b, i, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(bits);
                else ByteBuffer.wrap(b, i, 2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (bits >>> 16));
            }
            return new java.io.ByteArrayInputStream(b);
        }
        return new RandomStream(s, length);
    }

    /** {@code length} bytes from a seeded generator, made as they are read. */
    static final class RandomStream extends InputStream {
        private final SplittableRandom random;
        private long left;
        private final byte[] block = new byte[64 * 1024];
        private int pos = block.length;

        RandomStream(long seed, long length) {
            this.random = new SplittableRandom(seed);
            this.left = length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) return -1;
            if (pos == block.length) {
                random.nextBytes(block);
                pos = 0;
            }
            int n = (int) Math.min(Math.min(len, block.length - pos), left);
            System.arraycopy(block, pos, b, off, n);
            pos += n;
            left -= n;
            return n;
        }
    }

    private interface VariantOf {
        int of(Tensor t);
    }

    // ------------------------------------------------------------------------------------------ safetensors

    private File safetensors(String path, List<Tensor> ts, Map<String, String> meta, VariantOf variant) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{");
        int i = 0;
        for (Map.Entry<String, String> e : meta.entrySet()) {
            json.append(i++ == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
        }
        json.append('}');
        long offset = 0;
        for (Tensor t : ts) {
            long len = t.elements() * 2;
            json.append(",\"").append(t.name()).append("\":{\"dtype\":\"BF16\",\"shape\":[");
            if (t.rows() > 1) json.append(t.rows()).append(',');
            json.append(t.cols()).append("],\"data_offsets\":[").append(offset).append(',').append(offset + len).append("]}");
            offset += len;
        }
        json.append('}');
        while ((json.length() + 8) % 8 != 0) json.append(' ');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(header.length).put(header);
        long size = 8 + header.length + offset;
        byte[] head = prefix.array();
        return new File(path, size, () -> {
            List<InputStream> parts = new ArrayList<>();
            parts.add(new java.io.ByteArrayInputStream(head));
            for (Tensor t : ts) parts.add(tensorBytes(t, t.elements() * 2, variant.of(t), "bf16"));
            return new SequenceInputStream(Collections.enumeration(parts));
        });
    }

    // ------------------------------------------------------------------------------------------ GGUF

    /** GGML tensor types with their bytes per block of 32 weights. */
    enum GgufType {
        F16(1, 64), Q8_0(8, 34), Q4_0(2, 18);

        final int id;
        final int blockBytes;

        GgufType(int id, int blockBytes) {
            this.id = id;
            this.blockBytes = blockBytes;
        }
    }

    private static final int ALIGN = 32;

    private File gguf(String path, GgufType type) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        List<Tensor> ordered = tensors;
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("general.architecture", "llama");
        kv.put("general.name", "forge-bench");
        kv.put("general.file_type", type.id);
        kv.put("llama.block_count", 16);
        kv.put("llama.embedding_length", hidden);
        kv.put("llama.context_length", 4096);
        List<String> tokens = new ArrayList<>();
        SplittableRandom tr = new SplittableRandom(seed ^ 0x70CE5L);
        for (int i = 0; i < vocab; i++) {
            StringBuilder s = new StringBuilder();
            int len = 2 + tr.nextInt(8);
            for (int c = 0; c < len; c++) s.append((char) ('a' + tr.nextInt(26)));
            tokens.add(s.toString());
        }
        kv.put("tokenizer.ggml.model", "llama");
        kv.put("tokenizer.ggml.tokens", tokens);
        le(h, "GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(h, 3);
        u64(h, ordered.size());
        u64(h, kv.size());
        for (Map.Entry<String, Object> e : kv.entrySet()) {
            str(h, e.getKey());
            switch (e.getValue()) {
                case String s -> { u32(h, 8); str(h, s); }
                case Integer n -> { u32(h, 4); u32(h, n); }
                case List<?> list -> {
                    u32(h, 9);
                    u32(h, 8);
                    u64(h, list.size());
                    for (Object o : list) str(h, (String) o);
                }
                default -> throw new IllegalStateException();
            }
        }
        long offset = 0;
        List<long[]> layout = new ArrayList<>();
        for (Tensor t : ordered) {
            str(h, t.name());
            boolean matrix = t.rows() > 1;
            u32(h, matrix ? 2 : 1);
            u64(h, t.cols());
            if (matrix) u64(h, t.rows());
            u32(h, t.norm() ? 0 : type.id);
            u64(h, offset);
            long len = t.norm() ? t.elements() * 4 : t.elements() / 32 * type.blockBytes;
            layout.add(new long[] {offset, len});
            offset = align(offset + len);
        }
        while (h.size() % ALIGN != 0) h.write(0);
        byte[] head = h.toByteArray();
        long size = head.length + offset;
        return new File(path, size, () -> {
            List<InputStream> parts = new ArrayList<>();
            parts.add(new java.io.ByteArrayInputStream(head));
            for (int i = 0; i < ordered.size(); i++) {
                Tensor t = ordered.get(i);
                long len = layout.get(i)[1];
                parts.add(tensorBytes(t, len, 0, t.norm() ? "f32" : type.name()));
                long pad = align(len) - len;
                if (pad > 0) parts.add(new java.io.ByteArrayInputStream(new byte[(int) pad]));
            }
            return new SequenceInputStream(Collections.enumeration(parts));
        });
    }

    private static long align(long n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

    private static void le(ByteArrayOutputStream o, byte[] b) { o.writeBytes(b); }

    private static void u32(ByteArrayOutputStream o, long v) {
        o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    private static void u64(ByteArrayOutputStream o, long v) {
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static void str(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(o, b.length);
        o.writeBytes(b);
    }

    /** SHA-256 of a file (one pass over its stream). */
    public static String sha256(File f) throws IOException {
        try (InputStream in = f.open().get()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            long total = 0;
            for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                md.update(buf, 0, n);
                total += n;
            }
            if (total != f.size()) throw new IllegalStateException(f.path() + ": made " + total + " bytes, announced " + f.size());
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
