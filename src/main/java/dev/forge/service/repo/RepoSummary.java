package dev.forge.service.repo;

import dev.forge.core.Gating;
import dev.forge.core.RepoType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a repository shows at one commit beyond its files: who and what it is, when it changed, and what discovery
 * derived from its model card and weight files (tags, pipeline and library, card data, parameter counts, the models
 * it is based on). Discovery keeps one per repository in the search index (of its default branch) and makes one for
 * repository info at any revision; the HTTP layer renders it in the Hub's shape. Card data and the weight facts are
 * free-form JSON values (maps, lists, strings, numbers, booleans), as parsed.
 *
 * @param id the display id, {@code namespace/name}
 * @param sha the commit described
 * @param pipelineTag, libraryName models only: from the card, the library also from the files
 * @param cardData the card's metadata; empty when the card has none
 */
public record RepoSummary(String key, RepoType type, String id, String author, String sha, Instant lastModified, Instant createdAt,
                          boolean isPrivate, Gating gating, List<String> tags, Optional<String> pipelineTag,
                          Optional<String> libraryName, Map<String, Object> cardData, Optional<Map<String, Object>> safetensors,
                          Optional<Map<String, Object>> gguf, Optional<Map<String, Object>> config, Optional<Lineage> lineage) {
    public RepoSummary {
        tags = List.copyOf(tags);
        cardData = cardData == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(cardData));
    }

    /** The models this one is derived from, and how (the Hub's relation: adapter, merge, quantized, finetune). */
    public record Lineage(String relation, List<String> baseModels) {
        public Lineage {
            baseModels = List.copyOf(baseModels);
        }
    }

    /** A model's evaluation results as its card declares them ({@code model-index}), which the Hub also shows at top level. */
    public Optional<Object> modelIndex() {
        return type == RepoType.MODEL ? Optional.ofNullable(cardData.get("model-index")) : Optional.empty();
    }
}
