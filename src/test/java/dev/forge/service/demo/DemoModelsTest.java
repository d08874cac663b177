package dev.forge.service.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.GgufHeader;
import dev.forge.cards.SafetensorsHeader;
import dev.forge.core.ByteArrayChannel;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated files are what their formats say they are; the real clients loading them is shown by the
 * end-to-end tests ({@code e2e.DemoModelsE2ETest}).
 */
class DemoModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DemoModels DEMO = DemoModels.generate();

    @Test
    void generationIsDeterministic() {
        DemoModels again = DemoModels.generate();
        assertThat(digests(again.tinyGpt())).isEqualTo(digests(DEMO.tinyGpt()));
        assertThat(digests(again.tinyLlamaGguf())).isEqualTo(digests(DEMO.tinyLlamaGguf()));
    }

    @Test
    void tinyGptHasEveryTensorOfItsConfigAndATokenizerWithItsSpecialToken() throws Exception {
        Map<String, byte[]> files = bytes(DEMO.tinyGpt());
        assertThat(files).containsOnlyKeys("README.md", "config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json", "model.safetensors");
        JsonNode config = JSON.readTree(files.get("config.json"));
        int vocab = config.path("vocab_size").asInt();
        int embed = config.path("n_embd").asInt();
        int layers = config.path("n_layer").asInt();
        JsonNode tokenizer = JSON.readTree(files.get("tokenizer.json"));
        assertThat(tokenizer.path("model").path("vocab").size()).isEqualTo(vocab);
        JsonNode added = tokenizer.path("added_tokens").get(0);
        assertThat(added.path("content").asText()).isEqualTo(TinyGpt2.END_OF_TEXT);
        assertThat(added.path("id").asInt()).isEqualTo(vocab - 1).isEqualTo(config.path("eos_token_id").asInt())
                .isEqualTo(config.path("bos_token_id").asInt());

        byte[] weights = files.get("model.safetensors");
        long headerLength = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(weights, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
        Map<String, List<Integer>> shapes = new HashMap<>();
        header.properties().forEach(e -> {
            if (!e.getKey().equals("__metadata__")) {
                shapes.put(e.getKey(), JSON.convertValue(e.getValue().path("shape"), JSON.getTypeFactory().constructCollectionType(List.class, Integer.class)));
            }
        });
        assertThat(shapes).hasSize(4 + 12 * layers + 1)
                .containsEntry("transformer.wte.weight", List.of(vocab, embed))
                .containsEntry("lm_head.weight", List.of(vocab, embed))
                .containsEntry("transformer.h." + (layers - 1) + ".attn.c_attn.weight", List.of(embed, 3 * embed))
                .containsEntry("transformer.h." + (layers - 1) + ".mlp.c_proj.weight", List.of(4 * embed, embed));
        SafetensorsHeader.Summary summary = SafetensorsHeader.read(new ByteArrayChannel(weights), weights.length);
        assertThat(summary.parameters()).containsOnlyKeys("F32");
    }

    @Test
    void ggufFilesDeclareTheirQuantizationAndLayOutTheirTensorsAsGgmlReadsThem() throws Exception {
        Map<String, byte[]> files = bytes(DEMO.tinyLlamaGguf());
        assertThat(files).containsOnlyKeys("README.md", "tiny-llama-F16-00001-of-00002.gguf", "tiny-llama-F16-00002-of-00002.gguf",
                "tiny-llama-Q8_0.gguf", "tiny-llama-Q4_0.gguf");
        GgufHeader.Summary q8 = read(files.get("tiny-llama-Q8_0.gguf"));
        assertThat(q8.architecture()).contains("llama");
        assertThat(q8.contextLength()).contains((long) TinyLlamaGguf.CONTEXT);
        assertThat(q8.quantization()).contains("Q8_0");
        assertThat(q8.eosToken()).contains(TinyGpt2.END_OF_TEXT);
        assertThat(q8.parametersByType()).containsOnlyKeys("F32", "Q8_0");
        assertThat(read(files.get("tiny-llama-Q4_0.gguf")).parametersByType()).containsOnlyKeys("F32", "Q4_0")
                .containsEntry("F32", q8.parametersByType().get("F32"));
        GgufHeader.Summary first = read(files.get("tiny-llama-F16-00001-of-00002.gguf"));
        GgufHeader.Summary second = read(files.get("tiny-llama-F16-00002-of-00002.gguf"));
        assertThat(first.quantization()).contains("F16");
        assertThat(second.architecture()).isEmpty(); // only the first part carries the model's metadata
        assertThat(first.total() + second.total()).isEqualTo(q8.total());
    }

    @Test
    void quantizedBlocksDecodeToTheValuesWithinTheirScale() {
        float[] values = new float[64];
        for (int i = 0; i < values.length; i++) values[i] = (float) Math.sin(i * 0.37) * (i < 32 ? 0.5f : 3f);
        ByteBuffer q8 = ByteBuffer.wrap(GgufWriter.encode(values, GgufWriter.Type.Q8_0)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer q4 = ByteBuffer.wrap(GgufWriter.encode(values, GgufWriter.Type.Q4_0)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(q8.capacity()).isEqualTo(2 * 34);
        assertThat(q4.capacity()).isEqualTo(2 * 18);
        for (int block = 0; block < 2; block++) {
            float d8 = Float.float16ToFloat(q8.getShort(block * 34));
            float d4 = Float.float16ToFloat(q4.getShort(block * 18));
            for (int j = 0; j < 32; j++) {
                float x = values[block * 32 + j];
                assertThat(q8.get(block * 34 + 2 + j) * d8).isCloseTo(x, org.assertj.core.data.Offset.offset(Math.abs(d8) * 0.51f + 1e-3f));
                int packed = q4.get(block * 18 + 2 + (j % 16)) & 0xff;
                int q = j < 16 ? packed & 0x0f : packed >> 4;
                // ggml clips the far end of the opposite sign at 15 (+7 steps), so the error there reaches one step
                assertThat((q - 8) * d4).isCloseTo(x, org.assertj.core.data.Offset.offset(Math.abs(d4) * 1.01f + 1e-3f));
            }
        }
    }

    @Test
    void greedyDecodingFollowsTheBigramTableAndProducesText() {
        String continuation = DEMO.greedyContinuation("Once upon a time", 12);
        assertThat(continuation).isNotBlank();
        assertThat(DEMO.encode("Once upon a time" + continuation)).hasSize(4 + 12);
    }

    private static GgufHeader.Summary read(byte[] file) throws Exception {
        return GgufHeader.read(new ByteArrayChannel(file), file.length);
    }

    private static Map<String, String> digests(List<GeneratedFile> files) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (GeneratedFile f : files) out.put(f.path(), java.util.HexFormat.of().formatHex(sha256(f.content())));
        return out;
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, byte[]> bytes(List<GeneratedFile> files) {
        return files.stream().collect(Collectors.toMap(GeneratedFile::path, GeneratedFile::content, (a, b) -> a, java.util.LinkedHashMap::new));
    }
}
