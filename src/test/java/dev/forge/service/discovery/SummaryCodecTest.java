package dev.forge.service.discovery;

import dev.forge.core.Gating;
import dev.forge.core.RepoType;
import dev.forge.service.repo.RepoSummary;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The summary the search index stores keeps the bytes of its first version, so indexes written before read the same. */
class SummaryCodecTest {
    /** A model's summary exactly as Forge wrote it before summaries were records (keys and order of the Hub's info). */
    static final String STORED_MODEL = "{\"_id\":\"0123456789abcdef01234567\",\"id\":\"acme/Base-7B\",\"modelId\":\"acme/Base-7B\","
            + "\"author\":\"acme\",\"sha\":\"1111111111111111111111111111111111111111\",\"lastModified\":\"2026-01-02T03:04:05.678Z\","
            + "\"createdAt\":\"2025-12-31T23:59:59.000Z\",\"private\":false,\"gated\":\"manual\",\"disabled\":false,"
            + "\"tags\":[\"transformers\",\"base_model:x/y\"],\"pipeline_tag\":\"text-generation\",\"library_name\":\"transformers\","
            + "\"model-index\":[{\"name\":\"m\",\"results\":[]}],\"cardData\":{\"license\":\"mit\",\"model-index\":[{\"name\":\"m\",\"results\":[]}]},"
            + "\"safetensors\":{\"parameters\":{\"BF16\":64000},\"total\":64000},\"config\":{\"model_type\":\"llama\"},"
            + "\"baseModels\":{\"relation\":\"finetune\",\"models\":[{\"id\":\"x/y\"}]},\"spaces\":[]}";
    static final String STORED_DATASET = "{\"_id\":\"0123456789abcdef01234568\",\"id\":\"acme/data\",\"author\":\"acme\","
            + "\"sha\":\"2222222222222222222222222222222222222222\",\"lastModified\":\"2026-01-02T03:04:05.678Z\","
            + "\"createdAt\":\"2025-12-31T23:59:59.000Z\",\"private\":true,\"gated\":false,\"disabled\":false,\"tags\":[]}";

    static RepoSummary model() {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("license", "mit");
        card.put("model-index", List.of(Map.of("name", "m", "results", List.of())));
        return new RepoSummary("0123456789abcdef01234567", RepoType.MODEL, "acme/Base-7B", "acme", "1".repeat(40),
                Instant.parse("2026-01-02T03:04:05.678Z"), Instant.parse("2025-12-31T23:59:59Z"), false, Gating.MANUAL,
                List.of("transformers", "base_model:x/y"), Optional.of("text-generation"), Optional.of("transformers"), card,
                Optional.of(Map.of("parameters", Map.of("BF16", 64000), "total", 64000)), Optional.empty(),
                Optional.of(Map.of("model_type", "llama")), Optional.of(new RepoSummary.Lineage("finetune", List.of("x/y"))));
    }

    @Test
    void writesTheBytesOfTheFirstVersion() {
        RepoSummary model = SummaryCodec.decode(STORED_MODEL.getBytes(StandardCharsets.UTF_8), RepoType.MODEL);
        assertThat(new String(SummaryCodec.encode(model), StandardCharsets.UTF_8)).isEqualTo(STORED_MODEL);
        RepoSummary dataset = SummaryCodec.decode(STORED_DATASET.getBytes(StandardCharsets.UTF_8), RepoType.DATASET);
        assertThat(new String(SummaryCodec.encode(dataset), StandardCharsets.UTF_8)).isEqualTo(STORED_DATASET);
    }

    @Test
    void readsWhatEarlierVersionsStored() {
        RepoSummary read = SummaryCodec.decode(STORED_MODEL.getBytes(StandardCharsets.UTF_8), RepoType.MODEL);
        assertThat(read).isEqualTo(model());
        RepoSummary dataset = SummaryCodec.decode(STORED_DATASET.getBytes(StandardCharsets.UTF_8), RepoType.DATASET);
        assertThat(dataset.isPrivate()).isTrue();
        assertThat(dataset.gating()).isEqualTo(Gating.NONE);
        assertThat(dataset.cardData()).isEmpty();
        assertThat(dataset.lineage()).isEmpty();
        assertThat(dataset.modelIndex()).isEmpty();
    }
}
