package dev.forge.service.discovery;

import dev.forge.core.Counters;
import dev.forge.core.RepoType;
import dev.forge.service.repo.RepoSummary;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One repository as a listing shows it to people (the web pages): what the search index keeps of it, with its counters
 * and its parameter count. Built from a {@link SearchService.Listed} hit, so a page of results needs no lookup beyond
 * the index.
 *
 * @param parameters the parameter count from the weight headers, or -1 when unknown
 */
public record ListedRepo(RepoType type, String id, boolean isPrivate, boolean isGated, Optional<String> pipelineTag,
                         Optional<String> library, List<String> tags, Instant lastModified, long parameters, Counters counters) {

    public ListedRepo {
        tags = List.copyOf(tags);
    }

    static ListedRepo of(SearchService.Listed l) {
        RepoSummary s = l.summary();
        return new ListedRepo(s.type(), s.id(), s.isPrivate(), s.gating().wire() != Boolean.FALSE, s.pipelineTag(), s.libraryName(),
                s.tags(), s.lastModified(), parameters(s), l.counters());
    }

    /** The safetensors total, else the GGUF total; -1 when the weight headers say nothing. */
    static long parameters(RepoSummary s) {
        for (Optional<Map<String, Object>> m : List.of(s.safetensors(), s.gguf())) {
            if (m.isPresent() && m.get().get("total") instanceof Number n) return n.longValue();
        }
        return -1;
    }
}
