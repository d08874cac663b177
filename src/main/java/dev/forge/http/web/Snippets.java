package dev.forge.http.web;

import dev.forge.core.FileEntry;
import dev.forge.core.RepoType;
import dev.forge.service.discovery.OverviewService;

import java.util.ArrayList;
import java.util.List;

/**
 * "Use this model" snippets that work against this forge: each sets {@code HF_ENDPOINT} (or the tool's own variable)
 * to the public URL, so the Hub's own tools download from here — the {@code hf} CLI and {@code huggingface_hub},
 * {@code transformers} (when there is a {@code config.json}), {@code datasets}, {@code git clone}, and for GGUF files
 * llama.cpp ({@code MODEL_ENDPOINT}) and Ollama (from a downloaded file: Ollama pulls only from its own registries).
 * Rendered as escaped text. Stateless.
 */
public final class Snippets {
    private Snippets() {}

    /** One snippet: a label, an element id (for its copy button) and the text. */
    public record Snippet(String label, String id, String code) {}

    static List<Snippet> of(String publicUrl, OverviewService.RepoOverview o) {
        String id = o.repo().displayId();
        String cloneUrl = publicUrl + "/" + o.repo().type().urlPrefix() + id;
        List<Snippet> out = new ArrayList<>();
        boolean dataset = o.repo().type() == RepoType.DATASET;
        String typeFlag = dataset ? " --repo-type dataset" : "";
        out.add(new Snippet("hf CLI", "snippet-cli", "export HF_ENDPOINT=" + publicUrl + "\nhf download " + id + typeFlag));
        if (dataset) {
            out.add(new Snippet("datasets", "snippet-datasets", "import os\nos.environ[\"HF_ENDPOINT\"] = \"" + publicUrl + "\"\n"
                    + "from datasets import load_dataset\n\nds = load_dataset(\"" + id + "\")"));
        } else {
            out.add(new Snippet("huggingface_hub", "snippet-hub", "import os\nos.environ[\"HF_ENDPOINT\"] = \"" + publicUrl + "\"\n"
                    + "from huggingface_hub import snapshot_download\n\npath = snapshot_download(\"" + id + "\")"));
            if (has(o, "config.json")) {
                out.add(new Snippet("transformers", "snippet-transformers", "import os\nos.environ[\"HF_ENDPOINT\"] = \"" + publicUrl + "\"\n"
                        + "from transformers import AutoModel, AutoTokenizer\n\ntokenizer = AutoTokenizer.from_pretrained(\"" + id + "\")\n"
                        + "model = AutoModel.from_pretrained(\"" + id + "\")"));
            }
        }
        out.add(new Snippet("git", "snippet-git", "git lfs install\ngit clone " + cloneUrl));
        List<String> ggufs = o.rootFiles().stream().filter(e -> !e.directory() && e.path().endsWith(".gguf")).map(FileEntry::path).toList();
        if (!dataset && !ggufs.isEmpty()) {
            String file = ggufs.getFirst();
            out.add(new Snippet("llama.cpp", "snippet-llama", "MODEL_ENDPOINT=" + publicUrl + "/ llama-cli -hf " + id + " -p \"Hello\""));
            out.add(new Snippet("Ollama", "snippet-ollama", "HF_ENDPOINT=" + publicUrl + " hf download " + id + " " + file + " --local-dir .\n"
                    + "printf 'FROM ./" + file + "\\n' > Modelfile\nollama create " + o.repo().id().name().toLowerCase(java.util.Locale.ROOT)
                    + " -f Modelfile"));
        }
        return out;
    }

    private static boolean has(OverviewService.RepoOverview o, String path) {
        return o.rootFiles().stream().anyMatch(e -> !e.directory() && e.path().equals(path));
    }
}
