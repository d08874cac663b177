package dev.forge.service.discovery;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.Dates;
import dev.forge.core.Gating;
import dev.forge.core.RepoType;
import dev.forge.service.repo.RepoSummary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored form of a {@link RepoSummary} in the search index (each document's {@code summary}), so that a page of
 * results needs no other lookup. The bytes are the JSON object the index has held since its first version — keyed as
 * the Hub keys repository info, dates as ISO-8601 strings — so an index written by an earlier Forge reads the same and
 * need not be rebuilt. A storage format, not a wire format: the HTTP layer renders summaries itself. Thread-safe.
 */
final class SummaryCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SummaryCodec() {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Stored(@JsonProperty("_id") String key, String id, String modelId, String author, String sha, String lastModified,
                          String createdAt, @JsonProperty("private") boolean isPrivate, Object gated, boolean disabled, List<String> tags,
                          @JsonProperty("pipeline_tag") String pipelineTag, @JsonProperty("library_name") String libraryName,
                          @JsonProperty("model-index") Object modelIndex, Map<String, Object> cardData, Map<String, Object> safetensors,
                          Map<String, Object> gguf, Map<String, Object> config, StoredLineage baseModels, List<Object> spaces) {}

    private record StoredLineage(String relation, List<BaseModel> models) {}

    private record BaseModel(String id) {}

    static byte[] encode(RepoSummary s) {
        boolean model = s.type() == RepoType.MODEL;
        Stored stored = new Stored(s.key(), s.id(), model ? s.id() : null, s.author(), s.sha(), Dates.iso(s.lastModified()),
                Dates.iso(s.createdAt()), s.isPrivate(), s.gating().wire(), false, s.tags(), s.pipelineTag().orElse(null),
                s.libraryName().orElse(null), s.modelIndex().orElse(null), s.cardData().isEmpty() ? null : s.cardData(),
                s.safetensors().orElse(null), s.gguf().orElse(null), s.config().orElse(null),
                s.lineage().map(l -> new StoredLineage(l.relation(), l.baseModels().stream().map(BaseModel::new).toList())).orElse(null),
                model ? List.of() : null);
        try {
            return JSON.writeValueAsBytes(stored);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The summary of a repository of {@code type} (the index keeps the type apart). */
    static RepoSummary decode(byte[] bytes, RepoType type) {
        Stored s;
        try {
            s = JSON.readValue(bytes, Stored.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Gating gating = s.gated() instanceof String g ? Gating.fromColumn(g) : Gating.NONE;
        return new RepoSummary(s.key(), type, s.id(), s.author(), s.sha(), Instant.parse(s.lastModified()), Instant.parse(s.createdAt()),
                s.isPrivate(), gating, s.tags() == null ? List.of() : s.tags(), Optional.ofNullable(s.pipelineTag()),
                Optional.ofNullable(s.libraryName()), s.cardData(), Optional.ofNullable(s.safetensors()), Optional.ofNullable(s.gguf()),
                Optional.ofNullable(s.config()),
                Optional.ofNullable(s.baseModels()).map(l -> new RepoSummary.Lineage(l.relation(), l.models().stream().map(BaseModel::id).toList())));
    }
}
