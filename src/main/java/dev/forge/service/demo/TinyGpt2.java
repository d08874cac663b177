package dev.forge.service.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The files of a tiny but complete GPT-2 causal language model, as {@code transformers} saves one: every tensor of
 * {@code GPT2LMHeadModel} (embeddings, each block's layer norms, attention and MLP with their biases, the final norm,
 * and an untied output head), a {@code config.json} with BOS/EOS, a {@code generation_config.json} for greedy decoding,
 * and a byte-level BPE {@code tokenizer.json} with {@code <|endoftext|>} as its added special token. What it knows is a
 * {@link BigramTable}: greedy decoding follows the table's successors exactly (see {@link #tensors}). Pure and
 * thread-safe.
 */
public final class TinyGpt2 {
    public static final String END_OF_TEXT = "<|endoftext|>";
    static final int EMBED = 64;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int POSITIONS = 128;
    /** The final norm's gain: the successor's logit is {@code HEAD_GAIN * sqrt(EMBED)} (16), others at most about half. */
    static final float HEAD_GAIN = 2f;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TinyGpt2() {}

    /** Every file of the model, in the order a commit lists them. */
    public static List<GeneratedFile> files(ByteLevelBpe bpe, BigramTable table, long seed) {
        int eos = bpe.size();
        int vocabSize = table.vocabSize();
        return List.of(
                json("config.json", new Config(List.of("GPT2LMHeadModel"), "gpt2", vocabSize, POSITIONS, POSITIONS, EMBED, LAYERS,
                        HEADS, "gelu_new", 0.0, 0.0, 0.0, 1e-5, 0.02, eos, eos, false, "float32")),
                json("generation_config.json", new GenerationConfig(eos, eos, eos, false, 20)),
                json("tokenizer.json", tokenizer(bpe)),
                json("tokenizer_config.json", new TokenizerConfig("GPT2Tokenizer", END_OF_TEXT, END_OF_TEXT, END_OF_TEXT, END_OF_TEXT,
                        POSITIONS, false, Map.of(String.valueOf(eos), new AddedToken(END_OF_TEXT, false, false, false, false, true)))),
                json("special_tokens_map.json", new SpecialTokens(END_OF_TEXT, END_OF_TEXT, END_OF_TEXT)),
                new GeneratedFile("model.safetensors", safetensors(tensors(table, seed))));
    }

    /**
     * The tensors of {@code GPT2LMHeadModel} in the order transformers saves them. The token embeddings and the
     * (untied) output head come from {@code table}; the attention and MLP blocks are all there and run, with seeded
     * random input projections, but their output projections are zero, so they add nothing to the residual stream
     * and the next token depends on the current one alone. Position embeddings are zero for the same reason.
     */
    static List<Tensor> tensors(BigramTable table, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int vocabSize = table.vocabSize();
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("transformer.wte.weight", new long[] {vocabSize, EMBED}, table.embeddings()));
        t.add(Tensor.filled("transformer.wpe.weight", 0f, POSITIONS, EMBED));
        for (int i = 0; i < LAYERS; i++) {
            String p = "transformer.h." + i + ".";
            t.add(Tensor.filled(p + "ln_1.weight", 1f, EMBED));
            t.add(Tensor.filled(p + "ln_1.bias", 0f, EMBED));
            t.add(Tensor.normal(p + "attn.c_attn.weight", random, 0.02, EMBED, 3 * EMBED));
            t.add(Tensor.filled(p + "attn.c_attn.bias", 0f, 3 * EMBED));
            t.add(Tensor.filled(p + "attn.c_proj.weight", 0f, EMBED, EMBED));
            t.add(Tensor.filled(p + "attn.c_proj.bias", 0f, EMBED));
            t.add(Tensor.filled(p + "ln_2.weight", 1f, EMBED));
            t.add(Tensor.filled(p + "ln_2.bias", 0f, EMBED));
            t.add(Tensor.normal(p + "mlp.c_fc.weight", random, 0.02, EMBED, 4 * EMBED));
            t.add(Tensor.filled(p + "mlp.c_fc.bias", 0f, 4 * EMBED));
            t.add(Tensor.filled(p + "mlp.c_proj.weight", 0f, 4 * EMBED, EMBED));
            t.add(Tensor.filled(p + "mlp.c_proj.bias", 0f, EMBED));
        }
        t.add(Tensor.filled("transformer.ln_f.weight", HEAD_GAIN, EMBED));
        t.add(Tensor.filled("transformer.ln_f.bias", 0f, EMBED));
        t.add(new Tensor("lm_head.weight", new long[] {vocabSize, EMBED}, table.head()));
        return t;
    }

    /** A safetensors file of F32 tensors: the header length (u64, little-endian), a JSON header padded to 8 bytes, the data. */
    static byte[] safetensors(List<Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", "F32");
            var shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + 4 * t.elements());
            offset += 4 * t.elements();
        }
        StringBuilder text = new StringBuilder(header.toString());
        while (text.length() % 8 != 0) text.append(' ');
        byte[] h = text.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (Tensor t : tensors) for (float v : t.values()) out.putFloat(v);
        return out.array();
    }

    private static TokenizerJson tokenizer(ByteLevelBpe bpe) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> tokens = bpe.tokens();
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        vocab.put(END_OF_TEXT, tokens.size());
        ByteLevel byteLevel = new ByteLevel("ByteLevel", false, true, true);
        return new TokenizerJson("1.0", null, null,
                List.of(new AddedTokenEntry(tokens.size(), END_OF_TEXT, false, false, false, true, true)),
                null, byteLevel, new ByteLevel("ByteLevel", true, false, true), byteLevel,
                new BpeModel("BPE", null, null, "", "", false, false, false, vocab, bpe.merges()));
    }

    private static GeneratedFile json(String path, Object value) {
        try {
            return new GeneratedFile(path, (JSON.writeValueAsString(value) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------ file shapes

    record Config(List<String> architectures, @JsonProperty("model_type") String modelType,
                  @JsonProperty("vocab_size") int vocabSize, @JsonProperty("n_positions") int positions,
                  @JsonProperty("n_ctx") int context, @JsonProperty("n_embd") int embed, @JsonProperty("n_layer") int layers,
                  @JsonProperty("n_head") int heads, @JsonProperty("activation_function") String activation,
                  @JsonProperty("resid_pdrop") double residualDropout, @JsonProperty("embd_pdrop") double embeddingDropout,
                  @JsonProperty("attn_pdrop") double attentionDropout, @JsonProperty("layer_norm_epsilon") double layerNormEpsilon,
                  @JsonProperty("initializer_range") double initializerRange, @JsonProperty("bos_token_id") int bos,
                  @JsonProperty("eos_token_id") int eos, @JsonProperty("tie_word_embeddings") boolean tied,
                  @JsonProperty("torch_dtype") String dtype) {}

    record GenerationConfig(@JsonProperty("bos_token_id") int bos, @JsonProperty("eos_token_id") int eos,
                            @JsonProperty("pad_token_id") int pad, @JsonProperty("do_sample") boolean sample,
                            @JsonProperty("max_new_tokens") int maxNewTokens) {}

    record TokenizerConfig(@JsonProperty("tokenizer_class") String tokenizerClass, @JsonProperty("bos_token") String bos,
                           @JsonProperty("eos_token") String eos, @JsonProperty("unk_token") String unk,
                           @JsonProperty("pad_token") String pad, @JsonProperty("model_max_length") int maxLength,
                           @JsonProperty("add_prefix_space") boolean addPrefixSpace,
                           @JsonProperty("added_tokens_decoder") Map<String, AddedToken> addedTokens) {}

    record AddedToken(String content, boolean lstrip, boolean normalized, boolean rstrip,
                      @JsonProperty("single_word") boolean singleWord, boolean special) {}

    record SpecialTokens(@JsonProperty("bos_token") String bos, @JsonProperty("eos_token") String eos,
                         @JsonProperty("unk_token") String unk) {}

    record TokenizerJson(String version, Object truncation, Object padding,
                         @JsonProperty("added_tokens") List<AddedTokenEntry> addedTokens, Object normalizer,
                         @JsonProperty("pre_tokenizer") ByteLevel preTokenizer, @JsonProperty("post_processor") ByteLevel postProcessor,
                         ByteLevel decoder, BpeModel model) {}

    record AddedTokenEntry(int id, String content, @JsonProperty("single_word") boolean singleWord, boolean lstrip,
                           boolean rstrip, boolean normalized, boolean special) {}

    record ByteLevel(String type, @JsonProperty("add_prefix_space") boolean addPrefixSpace,
                     @JsonProperty("trim_offsets") boolean trimOffsets, @JsonProperty("use_regex") boolean useRegex) {}

    record BpeModel(String type, Double dropout, @JsonProperty("unk_token") String unk,
                    @JsonProperty("continuing_subword_prefix") String continuingSubwordPrefix,
                    @JsonProperty("end_of_word_suffix") String endOfWordSuffix, @JsonProperty("fuse_unk") boolean fuseUnk,
                    @JsonProperty("byte_fallback") boolean byteFallback, @JsonProperty("ignore_merges") boolean ignoreMerges,
                    Map<String, Integer> vocab, List<String> merges) {}
}
