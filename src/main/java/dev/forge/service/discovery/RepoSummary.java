package dev.forge.service.discovery;

import dev.forge.core.Counters;
import dev.forge.core.RepoType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One repository as a listing shows it to people (the web pages): what the search index keeps of it, typed. Built from
 * a {@link SearchService.Listed} hit, so a page of results needs no lookup beyond the index.
 *
 * @param parameters the parameter count from the weight headers, or -1 when unknown
 */
public record RepoSummary(RepoType type, String id, boolean isPrivate, String gated, Optional<String> pipelineTag,
                          Optional<String> library, List<String> tags, Instant lastModified, long parameters, Counters counters) {

    public RepoSummary {
        tags = List.copyOf(tags);
    }

    public boolean isGated() { return !gated.equals("false"); }

    static RepoSummary of(RepoType type, SearchService.Listed l) {
        Map<String, Object> f = l.fields();
        List<String> tags = f.get("tags") instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
        Instant modified;
        try {
            modified = Instant.parse(String.valueOf(f.get("lastModified")));
        } catch (java.time.format.DateTimeParseException e) {
            modified = Instant.EPOCH;
        }
        long parameters = -1;
        if (f.get("safetensors") instanceof Map<?, ?> st && st.get("total") instanceof Number n) parameters = n.longValue();
        else if (f.get("gguf") instanceof Map<?, ?> g && g.get("total") instanceof Number n) parameters = n.longValue();
        return new RepoSummary(type, String.valueOf(f.get("id")), Boolean.TRUE.equals(f.get("private")), String.valueOf(f.get("gated")),
                text(f.get("pipeline_tag")), text(f.get("library_name")), tags, modified, parameters, l.counters());
    }

    private static Optional<String> text(Object o) {
        return o instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }
}
