package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forge.core.Counters;
import dev.forge.core.Dates;
import dev.forge.core.FileEntry;
import dev.forge.core.RepoType;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.discovery.SearchService;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.RepoSummary;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A repository as the Hub's JSON shows it, in repository info ({@code /api/models/{id}}) and in listings
 * ({@code /api/models}): every field it can carry, in info's order. A field Forge cannot produce exactly is left out,
 * never invented and never {@code null}. An answer shows a projection of it, in the order the Hub uses: info shows all
 * but the fields that only {@code expand} brings; a listing item shows the Hub's default fields for its type (more with
 * {@code full}, {@code cardData}, {@code config}); with {@code expand}, both show {@code _id}, {@code id} and the named
 * fields in the order named (unknown names ignored, as on the Hub).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RepoJson(@JsonProperty("_id") String key, String id, String modelId, String author, String sha, String lastModified,
                String createdAt, @JsonProperty("private") boolean isPrivate, Object gated, boolean disabled, List<String> tags,
                @JsonProperty("pipeline_tag") String pipelineTag, @JsonProperty("library_name") String libraryName,
                @JsonProperty("model-index") Object modelIndex, Map<String, Object> cardData, Map<String, Object> safetensors,
                Map<String, Object> gguf, Map<String, Object> config, Lineage baseModels, List<Object> spaces, Integer childrenModelCount,
                long downloads, long downloadsAllTime, long likes, long trendingScore, List<Sibling> siblings, Long usedStorage) {

    /** Info's fields that appear only when {@code expand} names them. */
    private static final Set<String> EXPAND_ONLY = Set.of("baseModels", "childrenModelCount", "trendingScore", "config");

    /** A listed item's default fields, in the Hub's order; {@code full}, {@code cardData} and {@code config} add more. */
    private static final List<String> MODEL_DEFAULT = List.of("_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
            "pipeline_tag", "library_name", "createdAt", "modelId");
    private static final List<String> DATASET_DEFAULT = List.of("_id", "id", "author", "sha", "lastModified", "private", "gated",
            "disabled", "downloads", "likes", "tags", "createdAt", "trendingScore");
    private static final List<String> FULL = List.of("author", "sha", "lastModified", "gated", "disabled", "siblings");

    /** The models a repository is based on, and how. */
    record Lineage(String relation, List<BaseModel> models) {}

    record BaseModel(String id) {}

    /** A file of info's and listings' {@code siblings}; size, blob id and LFS details only with {@code blobs}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Sibling(String rfilename, Long size, String blobId, SiblingLfs lfs) {
        static Sibling of(FileEntry f, boolean blobs) {
            if (!blobs) return new Sibling(f.path(), null, null, null);
            return new Sibling(f.path(), f.size(), f.oid(),
                    f.lfsInfo().map(l -> new SiblingLfs(l.oid(), l.size(), l.pointerSize())).orElse(null));
        }
    }

    record SiblingLfs(String sha256, long size, int pointerSize) {}

    /** {@code GET /api/{type}/{id}[/revision/{rev}]}. */
    static ObjectNode info(InfoService.Snapshot s, boolean blobs, Collection<String> expand) {
        InfoService.Details d = s.details();
        ObjectNode all = Exchange.JSON.valueToTree(of(d.summary(), d.counters(), d.childrenModelCount(),
                Optional.of(siblings(s.files(), blobs)), Optional.of(s.usedStorage())));
        if (!expand.isEmpty()) return select(all, expanded(expand));
        all.remove(EXPAND_ONLY);
        return all;
    }

    /** One item of {@code GET /api/{type}}. */
    static ObjectNode listed(RepoType type, SearchService.Listed l, Collection<String> expand, boolean full, boolean cardData, boolean config) {
        ObjectNode all = Exchange.JSON.valueToTree(of(l.summary(), l.counters(), l.children(), l.siblings().map(f -> siblings(f, false)),
                Optional.empty()));
        if (!expand.isEmpty()) return select(all, expanded(expand));
        Set<String> keys = new LinkedHashSet<>(type == RepoType.DATASET ? DATASET_DEFAULT : MODEL_DEFAULT);
        if (full) keys.addAll(FULL);
        if (cardData) keys.add("cardData");
        if (config) keys.add("config");
        return select(all, keys);
    }

    private static List<String> expanded(Collection<String> expand) {
        List<String> keys = new ArrayList<>(List.of("_id", "id"));
        keys.addAll(expand);
        return keys;
    }

    /** The fields of {@code all} that {@code names} names and it has, in the order named. */
    private static ObjectNode select(ObjectNode all, Collection<String> names) {
        ObjectNode out = all.objectNode();
        for (String n : names) {
            JsonNode v = all.get(n);
            if (v != null) out.set(n, v);
        }
        return out;
    }

    private static List<Sibling> siblings(List<FileEntry> files, boolean blobs) {
        return files.stream().map(f -> Sibling.of(f, blobs)).toList();
    }

    private static RepoJson of(RepoSummary s, Counters c, Optional<Integer> children, Optional<List<Sibling>> siblings,
                               Optional<Long> usedStorage) {
        boolean model = s.type() == RepoType.MODEL;
        return new RepoJson(s.key(), s.id(), model ? s.id() : null, s.author(), s.sha(), Dates.iso(s.lastModified()),
                Dates.iso(s.createdAt()), s.isPrivate(), s.gating().wire(), false, s.tags(), s.pipelineTag().orElse(null),
                s.libraryName().orElse(null), s.modelIndex().orElse(null), s.cardData().isEmpty() ? null : s.cardData(),
                s.safetensors().orElse(null), s.gguf().orElse(null), s.config().orElse(null),
                s.lineage().map(l -> new Lineage(l.relation(), l.baseModels().stream().map(BaseModel::new).toList())).orElse(null),
                model ? List.of() : null, children.orElse(null), c.downloads(), c.downloadsAllTime(), c.likes(), c.trendingScore(),
                siblings.orElse(null), usedStorage.orElse(null));
    }
}
