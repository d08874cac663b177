package dev.forge.service.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * GGUF files of a tiny llama-architecture model that llama.cpp (and so node-llama-cpp and Ollama) loads and runs:
 * the metadata llama.cpp requires of a {@code llama} model, a GPT-2-style BPE vocabulary ({@code tokenizer.ggml.model
 * = gpt2}, with tokens, token types, merges, BOS/EOS), and every tensor of each block (RMS norms, Q/K/V/output
 * attention projections, gate/up/down feed-forward). It knows what {@link BigramTable} knows, like {@link TinyGpt2}:
 * the blocks run, but their output projections are zero, so greedy decoding follows the table's successors. Weights
 * of two or more dimensions are stored in the file's quantization (F16, Q8_0 or Q4_0); norms stay F32, as
 * llama.cpp's quantizer leaves them. Pure and thread-safe.
 */
public final class TinyLlamaGguf {
    static final int EMBED = TinyGpt2.EMBED;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int FEED_FORWARD = 128;
    static final int CONTEXT = 256;

    /** The quantizations the demo repository offers, with llama.cpp's {@code general.file_type} for each. */
    public enum Quantization {
        F16(GgufWriter.Type.F16, 1), Q8_0(GgufWriter.Type.Q8_0, 7), Q4_0(GgufWriter.Type.Q4_0, 2);

        final GgufWriter.Type type;
        final int fileType;

        Quantization(GgufWriter.Type type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }
    }

    private TinyLlamaGguf() {}

    /**
     * The model in {@code quantization}, as one file ({@code parts == 1}) or split into {@code parts} files named
     * {@code <base>-<Q>-0000k-of-0000n.gguf} the way {@code llama-gguf-split} writes them: the first part holds
     * every metadata key, each part its share of the tensors and the {@code split.*} keys.
     */
    public static List<GeneratedFile> files(String base, ByteLevelBpe bpe, BigramTable table, Quantization quantization,
                                            int parts, long seed) {
        List<Tensor> tensors = tensors(table, seed);
        if (parts == 1) {
            GgufWriter w = metadata(new GgufWriter(), bpe, table, quantization);
            for (Tensor t : tensors) w.tensor(t, typeOf(t, quantization));
            return List.of(new GeneratedFile(base + "-" + quantization + ".gguf", w.toBytes()));
        }
        List<GeneratedFile> out = new ArrayList<>();
        int perPart = (tensors.size() + parts - 1) / parts;
        for (int p = 0; p < parts; p++) {
            GgufWriter w = new GgufWriter();
            if (p == 0) metadata(w, bpe, table, quantization);
            w.putU16("split.no", p).putU16("split.count", parts).putI32("split.tensors.count", tensors.size());
            for (Tensor t : tensors.subList(p * perPart, Math.min(tensors.size(), (p + 1) * perPart))) w.tensor(t, typeOf(t, quantization));
            out.add(new GeneratedFile(String.format("%s-%s-%05d-of-%05d.gguf", base, quantization, p + 1, parts), w.toBytes()));
        }
        return out;
    }

    private static GgufWriter metadata(GgufWriter w, ByteLevelBpe bpe, BigramTable table, Quantization quantization) {
        int eos = bpe.size();
        List<String> tokens = new ArrayList<>(bpe.tokens());
        tokens.add(TinyGpt2.END_OF_TEXT);
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, 1); // normal
        types[eos] = 3; // control
        return w.putString("general.architecture", "llama")
                .putString("general.name", "tiny-llama")
                .putU32("general.file_type", quantization.fileType)
                .putU32("general.quantization_version", 2)
                .putU32("llama.vocab_size", table.vocabSize())
                .putU32("llama.context_length", CONTEXT)
                .putU32("llama.embedding_length", EMBED)
                .putU32("llama.block_count", LAYERS)
                .putU32("llama.feed_forward_length", FEED_FORWARD)
                .putU32("llama.attention.head_count", HEADS)
                .putU32("llama.attention.head_count_kv", KV_HEADS)
                .putU32("llama.rope.dimension_count", EMBED / HEADS)
                .putF32("llama.rope.freq_base", 10000f)
                .putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putI32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", bpe.merges())
                .putU32("tokenizer.ggml.bos_token_id", eos)
                .putU32("tokenizer.ggml.eos_token_id", eos)
                .putBool("tokenizer.ggml.add_bos_token", false);
    }

    /** The tensors in llama.cpp's names and PyTorch-order shapes ({@code [out, in]}). */
    static List<Tensor> tensors(BigramTable table, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int vocab = table.vocabSize();
        int kv = EMBED / HEADS * KV_HEADS;
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("token_embd.weight", new long[] {vocab, EMBED}, table.embeddings()));
        for (int i = 0; i < LAYERS; i++) {
            String p = "blk." + i + ".";
            t.add(Tensor.filled(p + "attn_norm.weight", 1f, EMBED));
            t.add(Tensor.normal(p + "attn_q.weight", random, 0.02, EMBED, EMBED));
            t.add(Tensor.normal(p + "attn_k.weight", random, 0.02, kv, EMBED));
            t.add(Tensor.normal(p + "attn_v.weight", random, 0.02, kv, EMBED));
            t.add(Tensor.filled(p + "attn_output.weight", 0f, EMBED, EMBED));
            t.add(Tensor.filled(p + "ffn_norm.weight", 1f, EMBED));
            t.add(Tensor.normal(p + "ffn_gate.weight", random, 0.02, FEED_FORWARD, EMBED));
            t.add(Tensor.normal(p + "ffn_up.weight", random, 0.02, FEED_FORWARD, EMBED));
            t.add(Tensor.filled(p + "ffn_down.weight", 0f, EMBED, FEED_FORWARD));
        }
        t.add(Tensor.filled("output_norm.weight", TinyGpt2.HEAD_GAIN, EMBED));
        t.add(new Tensor("output.weight", new long[] {vocab, EMBED}, table.head()));
        return t;
    }

    private static GgufWriter.Type typeOf(Tensor t, Quantization q) {
        return t.shape().length == 1 ? GgufWriter.Type.F32 : q.type;
    }
}
