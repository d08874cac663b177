package dev.forge.cards;

import dev.forge.core.RepoType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the Hub derives from a card's front matter: the tags it shows and filters on, the pipeline and
 * library, and the base models with their relation. Values of the wrong type are ignored here (a bad card
 * never blocks a push); {@link #problems} lists them for {@code validate-yaml}.
 */
public record CardInfo(List<String> tags, Optional<String> pipelineTag, Optional<String> libraryName,
                       List<String> baseModels, Optional<Relation> declaredRelation) {

    /** How a model derives from its base models, as the Hub names it. */
    public enum Relation {
        ADAPTER, MERGE, QUANTIZED, FINETUNE;

        public String wire() { return name().toLowerCase(Locale.ROOT); }

        public static Optional<Relation> parse(String s) {
            for (Relation r : values()) if (r.wire().equals(s)) return Optional.of(r);
            return Optional.empty();
        }

        /**
         * The relation the Hub infers when the card declares none: an adapter when the repository holds an
         * adapter configuration, quantized when it holds GGUF files, a merge of several bases, else a fine-tune.
         */
        public static Relation infer(int baseCount, boolean hasAdapterConfig, boolean hasGguf) {
            if (hasAdapterConfig) return ADAPTER;
            if (hasGguf) return QUANTIZED;
            if (baseCount > 1) return MERGE;
            return FINETUNE;
        }
    }

    public static final CardInfo EMPTY = new CardInfo(List.of(), Optional.empty(), Optional.empty(), List.of(), Optional.empty());

    public static CardInfo of(RepoType type, Map<String, Object> card) {
        Set<String> tags = new LinkedHashSet<>();
        Optional<String> library = type == RepoType.MODEL ? text(card.get("library_name")) : Optional.empty();
        Optional<String> pipeline = type == RepoType.MODEL ? text(card.get("pipeline_tag")) : Optional.empty();
        library.ifPresent(tags::add);
        pipeline.ifPresent(tags::add);
        addAll(tags, "", card.get("tags"));
        if (type == RepoType.DATASET) {
            addAll(tags, "task_categories:", card.get("task_categories"));
            addAll(tags, "task_ids:", card.get("task_ids"));
            addAll(tags, "size_categories:", card.get("size_categories"));
        }
        addAll(tags, "", card.get("language"));
        addAll(tags, "license:", card.get("license"));
        if (type == RepoType.MODEL) addAll(tags, "dataset:", card.get("datasets"));
        if (type == RepoType.MODEL && card.get("model-index") instanceof List<?> l && !l.isEmpty()) tags.add("model-index");
        List<String> bases = type == RepoType.MODEL ? strings(card.get("base_model")) : List.of();
        Optional<Relation> relation = text(card.get("base_model_relation")).flatMap(Relation::parse);
        return new CardInfo(List.copyOf(tags), pipeline, library, bases, relation);
    }

    /** The card's tags plus those the repository's files and lineage add, in the Hub's order. */
    public List<String> allTags(List<String> fileTags, Optional<Relation> relation) {
        Set<String> out = new LinkedHashSet<>(tags);
        out.addAll(fileTags);
        for (String b : baseModels) {
            out.add("base_model:" + b);
            relation.ifPresent(r -> out.add("base_model:" + r.wire() + ":" + b));
        }
        return new ArrayList<>(out);
    }

    /** Type problems of the keys the Hub reads, for {@code validate-yaml}; empty when the card is fine. */
    public static List<String> problems(Map<String, Object> card) {
        List<String> out = new ArrayList<>();
        for (String key : List.of("license", "pipeline_tag", "library_name", "base_model_relation", "license_name", "license_link")) {
            Object v = card.get(key);
            if (v != null && !(v instanceof String) && !(key.equals("license") && isStringList(v))) {
                out.add("\"" + key + "\" must be a string");
            }
        }
        for (String key : List.of("tags", "language", "datasets", "base_model", "task_categories", "task_ids", "size_categories")) {
            Object v = card.get(key);
            if (v != null && !(v instanceof String) && !isStringList(v)) out.add("\"" + key + "\" must be a string or a list of strings");
        }
        Object relation = card.get("base_model_relation");
        if (relation instanceof String s && Relation.parse(s).isEmpty()) {
            out.add("\"base_model_relation\" must be one of adapter, merge, quantized, finetune");
        }
        if (relation != null && card.get("base_model") == null) out.add("\"base_model_relation\" needs a \"base_model\"");
        Object index = card.get("model-index");
        if (index != null) {
            if (!(index instanceof List<?> list)) {
                out.add("\"model-index\" must be a list");
            } else {
                for (Object entry : list) {
                    if (!(entry instanceof Map<?, ?> m) || !(m.get("name") instanceof String)) {
                        out.add("\"model-index\" entries must be mappings with a \"name\"");
                        break;
                    }
                    if (!(m.get("results") instanceof List<?>)) {
                        out.add("\"model-index\" entry \"" + m.get("name") + "\" needs a list of \"results\"");
                    }
                }
            }
        }
        return out;
    }

    private static boolean isStringList(Object v) {
        if (!(v instanceof List<?> list)) return false;
        for (Object o : list) if (!(o instanceof String)) return false;
        return true;
    }

    private static Optional<String> text(Object v) {
        return v instanceof String s && !s.isBlank() ? Optional.of(s.strip()) : Optional.empty();
    }

    private static List<String> strings(Object v) {
        Set<String> out = new LinkedHashSet<>();
        addAll(out, "", v);
        return List.copyOf(out);
    }

    private static void addAll(Set<String> tags, String prefix, Object value) {
        if (value instanceof String s && !s.isBlank()) tags.add(prefix + s.strip());
        else if (value instanceof List<?> list) {
            for (Object o : list) if (o instanceof String s && !s.isBlank()) tags.add(prefix + s.strip());
        }
    }
}
