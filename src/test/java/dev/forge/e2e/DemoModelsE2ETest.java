package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.app.DemoSeeder;
import dev.forge.service.demo.DemoModels;
import dev.forge.service.demo.GeneratedFile;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a newcomer does with the demo, with the real clients: {@code transformers} loads {@code demo/tiny-gpt} (no
 * missing or unexpected tensor, the tokenizer with its added special token) and generates; node-llama-cpp (npm)
 * resolves {@code hf:demo/tiny-llama-GGUF:<tag>} through the manifest API, downloads the quantization (both parts of a
 * split one) and completes a prompt; {@code datasets} loads {@code demo/tiny-stories} from {@code refs/convert/parquet}.
 * Both models are bigram tables ({@link DemoModels}), so greedy decoding must give exactly the text the table predicts,
 * which shows the weights, the tokenizer and the quantized files all arrived and were read as meant.
 */
@Tag("slow")
class DemoModelsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Once upon a time";
    private static final int TOKENS = 12;
    @TempDir
    static Path dir;
    static TestForge tf;
    static DemoModels demo;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        assertThat(new DemoSeeder(tf.forge).seed(tf.admin)).containsExactly("demo/tiny-gpt", "demo/tiny-llama-GGUF", "datasets/demo/tiny-stories");
        assertThat(new DemoSeeder(tf.forge).seed(tf.admin)).as("seeding again changes nothing").isEmpty();
        demo = DemoModels.generate();
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @Test
    void transformersLoadsTinyGptAndGeneratesWhatItsTableSays() throws Exception {
        PythonClient py = PythonClient.of(PythonClient.HUB1, tf.baseUrl, null, dir.resolve("hf-transformers"));
        String out = py.run(script("transformers_demo.py"), dir, Duration.ofMinutes(5), "demo/tiny-gpt", PROMPT, Integer.toString(TOKENS)).ok();
        JsonNode r = JSON.readTree(out.strip().substring(out.strip().lastIndexOf('\n') + 1));
        assertThat(r.path("missing").size()).as(out).isZero();
        assertThat(r.path("unexpected").size()).as(out).isZero();
        assertThat(r.path("mismatched").size()).as(out).isZero();
        assertThat(r.path("eos").asText()).isEqualTo("<|endoftext|>");
        List<Integer> prompt = demo.encode(PROMPT);
        assertThat(ints(r.path("prompt_ids"))).isEqualTo(prompt);
        List<Integer> expected = new ArrayList<>(prompt);
        expected.addAll(demo.encode(PROMPT + demo.greedyContinuation(PROMPT, TOKENS)).subList(prompt.size(), prompt.size() + TOKENS));
        assertThat(ints(r.path("generated_ids"))).isEqualTo(expected);
        assertThat(r.path("pipeline_text").asText()).isEqualTo(PROMPT + demo.greedyContinuation(PROMPT, TOKENS));
    }

    @Test
    void nodeLlamaCppResolvesQuantizationTagsDownloadsAndCompletes() throws Exception {
        Map<String, String> repoFiles = demo.tinyLlamaGguf().stream()
                .collect(Collectors.toMap(GeneratedFile::path, f -> Hashes.sha256(f.content()), (a, b) -> a, TreeMap::new));
        String expected = demo.greedyContinuation(PROMPT, TOKENS);
        for (String tag : List.of("Q8_0", "latest", "F16")) {
            Path models = dir.resolve("llama-" + tag);
            JsonNode r = LlamaClient.complete(tf.baseUrl, null, "hf:demo/tiny-llama-GGUF:" + tag, models, PROMPT, TOKENS);
            assertThat(r.path("completion").asText()).as(tag).isEqualTo(expected);
            assertThat(ints(r.path("tokens"))).as(tag).isEqualTo(demo.encode(PROMPT));
            List<String> downloaded = new ArrayList<>();
            for (JsonNode f : r.path("files")) downloaded.add(Hashes.sha256(Files.readAllBytes(models.resolve(f.asText()))));
            List<String> want = switch (tag) {
                case "Q8_0" -> List.of(repoFiles.get("tiny-llama-Q8_0.gguf"));
                case "latest" -> List.of(repoFiles.get("tiny-llama-Q4_0.gguf"));
                default -> List.of(repoFiles.get("tiny-llama-F16-00001-of-00002.gguf"), repoFiles.get("tiny-llama-F16-00002-of-00002.gguf"));
            };
            assertThat(downloaded).as(tag + ": " + r.path("files")).isEqualTo(want);
        }
    }

    @Test
    void datasetsLoadsTheParquetConversionOfTinyStories() throws Exception {
        String head = JSON.readTree(tf.get("/api/datasets/demo/tiny-stories").body()).path("sha").asText();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!JSON.readTree(tf.get("/api/datasets/demo/tiny-stories/parquet-conversion").body()).path("sourceCommit").asText().equals(head)) {
            assertThat(System.nanoTime()).as("the conversion of demo/tiny-stories within two minutes").isLessThan(deadline);
            Thread.sleep(200);
        }
        PythonClient py = PythonClient.of(PythonClient.HUB1, tf.baseUrl, null, dir.resolve("hf-datasets"));
        String out = py.run(script("datasets_parquet.py"), dir, Duration.ofMinutes(5), "demo/tiny-stories").ok();
        JsonNode r = JSON.readTree(out.strip().substring(out.strip().lastIndexOf('\n') + 1));
        assertThat(r.path("train").size()).isEqualTo(200);
        assertThat(r.path("test").size()).isEqualTo(1);
        assertThat(r.path("train").get(7).path("id").asInt()).isEqualTo(7);
        assertThat(r.path("train").get(7).path("text").asText()).isEqualTo("Once upon a time, the sea learned lesson number 7.");
        assertThat(r.path("test").get(0).path("text").asText()).isEqualTo("The end.");
    }

    static String script(String name) throws Exception {
        return Files.readString(NodeClient.projectRoot().resolve("src/test/python").resolve(name));
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }
}
