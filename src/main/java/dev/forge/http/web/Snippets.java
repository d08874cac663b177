package dev.forge.http.web;

import dev.forge.core.RepoType;
import dev.forge.service.discovery.OverviewService;

import java.util.ArrayList;
import java.util.List;

/**
 * "Use this model" snippets that work against this forge: each sets {@code HF_ENDPOINT} (or the tool's own variable)
 * to the public URL, so the Hub's own tools download from here — the {@code hf} CLI and {@code huggingface_hub},
 * {@code transformers} (when there is a {@code config.json}), {@code datasets}, {@code git clone}, and for GGUF files
 * llama.cpp ({@code -hf repo:tag}) and Ollama ({@code ollama pull host/repo:tag}), which find them through this forge's
 * {@code /v2} manifests.
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
        boolean gguf = o.rootFiles().stream().anyMatch(e -> !e.directory() && e.path().endsWith(".gguf"));
        if (!dataset && gguf) {
            // both find the GGUF files by tag through this forge's /v2 manifests (the quantization, or the default one)
            String tag = o.weights().gguf().flatMap(OverviewService.Gguf::quantization).map(q -> ":" + q).orElse("");
            out.add(new Snippet("llama.cpp", "snippet-llama", "export HF_ENDPOINT=" + publicUrl + "\nllama-cli -hf " + id + tag
                    + " -p \"Once upon a time\""));
            java.net.URI u = java.net.URI.create(publicUrl);
            String registry = u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + (u.getPath() == null ? "" : u.getPath());
            out.add(new Snippet("Ollama", "snippet-ollama", "ollama pull " + ("https".equals(u.getScheme()) ? "" : "--insecure ") + registry + "/"
                    + id + tag));
        }
        return out;
    }

    private static boolean has(OverviewService.RepoOverview o, String path) {
        return o.rootFiles().stream().anyMatch(e -> !e.directory() && e.path().equals(path));
    }
}
