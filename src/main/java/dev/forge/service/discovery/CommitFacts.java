package dev.forge.service.discovery;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What discovery derives from a commit's top-level files, kept per commit: the Hub's {@code safetensors}
 * and {@code gguf} fields (null when the commit has no readable such files), the {@code config} field (the
 * architectures and model type of {@code config.json}, and the special tokens and chat template of
 * {@code tokenizer_config.json}), the files that hint at a
 * library and at the relation to a base model, and the headers that were refused, with why.
 *
 * @param library the library the files imply ({@code gguf}, {@code diffusers}, {@code peft}) when the card names none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CommitFacts(Map<String, Object> safetensors, Map<String, Object> gguf, Map<String, Object> config, boolean adapterConfig,
                          boolean ggufFiles, boolean safetensorsFiles, String library, List<String> problems) {
    public static final CommitFacts NONE = new CommitFacts(null, null, null, false, false, false, null, List.of());

    public CommitFacts {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** The parameter count to filter and sort by: the safetensors total, else the GGUF total; -1 when unknown. */
    public long parameters() {
        if (safetensors != null && safetensors.get("total") instanceof Number n) return n.longValue();
        if (gguf != null && gguf.get("total") instanceof Number n) return n.longValue();
        return -1;
    }

    /** Tags the Hub adds for the files it sees. */
    public List<String> fileTags() {
        List<String> out = new java.util.ArrayList<>();
        if (safetensorsFiles) out.add("safetensors");
        if (ggufFiles) out.add("gguf");
        return out;
    }
}
