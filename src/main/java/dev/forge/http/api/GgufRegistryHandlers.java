package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoId;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.FileHandlers;
import dev.forge.service.serving.GgufManifests;
import org.eclipse.jetty.io.Content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The registry API through which llama.cpp ({@code -hf user/repo:Q4_K_M}), node-llama-cpp ({@code hf:user/repo:Q8_0})
 * and Ollama ({@code ollama pull host/user/repo:tag}) find a model repository's GGUF files by tag, as the Hub
 * answers it: {@code GET /v2/{ns}/{repo}/manifests/{tag}} is a Docker v2 image manifest whose layers are the model
 * (and projector, template, system prompt, parameters) and, for a {@code User-Agent} starting with {@code llama-cpp},
 * also names the files ({@code ggufFile}, {@code mmprojFile}); {@code GET /v2/{ns}/{repo}/blobs/{digest}} serves what a
 * layer names. Ollama cannot pull a split model yet, so it gets the Hub's 400 for one; llama.cpp gets its first part
 * (and fetches the others by name).
 */
public final class GgufRegistryHandlers {
    static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

    private final GgufManifests manifests;
    private final FileHandlers files;

    public GgufRegistryHandlers(GgufManifests manifests, FileHandlers files) {
        this.manifests = manifests;
        this.files = files;
    }

    /** {@code GET /v2/}: the registry version check some clients make first. */
    public void ping(Exchange ex) throws IOException {
        ex.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        ex.ok();
    }

    public void manifest(Exchange ex) throws IOException {
        GgufManifests.Manifest m = manifests.manifest(ex.actor(), new RepoId(ex.var("ns"), ex.var("name")), ex.var("tag"));
        String agent = Optional.ofNullable(ex.header("User-Agent")).orElse("").toLowerCase(Locale.ROOT);
        boolean llamaCpp = agent.startsWith("llama-cpp");
        if (!llamaCpp && m.choice().isSplit()) {
            throw ForgeException.badRequest("The specified tag is a sharded GGUF. Ollama does not support this yet. "
                    + "Please use another tag or \"latest\"");
        }
        List<Layer> layers = m.layers().stream().map(l -> new Layer(l.mediaType(), l.digest(), l.size())).toList();
        GgufManifests.Layer c = m.config();
        ManifestJson body = new ManifestJson(2, MANIFEST_TYPE, new Layer(c.mediaType(), c.digest(), c.size()), layers,
                llamaCpp ? file(m.choice().model()) : null, llamaCpp ? m.choice().projector().map(GgufRegistryHandlers::file).orElse(null) : null);
        ex.setHeader("Docker-Content-Digest", c.digest());
        ex.json(200, body, MANIFEST_TYPE);
    }

    public void blob(Exchange ex) throws IOException {
        switch (manifests.blob(ex.actor(), new RepoId(ex.var("ns"), ex.var("name")), ex.var("digest"))) {
            case GgufManifests.Blob.File f -> {
                ex.setHeader("Docker-Content-Digest", ex.var("digest"));
                files.serve(ex, f.target(), true);
            }
            case GgufManifests.Blob.Generated g -> {
                ex.setHeader("Docker-Content-Digest", ex.var("digest"));
                ex.setHeader("Content-Type", "application/octet-stream");
                Optional<Exchange.Slice> slice = ex.answerRange(g.content().length);
                if (slice.isEmpty()) return;
                ex.stream(Content.Source.from(ByteBuffer.wrap(g.content(), (int) slice.get().offset(), (int) slice.get().length())));
            }
        }
    }

    private static GgufFile file(FileEntry e) {
        return new GgufFile(e.path(), e.oid(), e.size(), e.lfsInfo().map(l -> new Lfs(l.oid(), l.size(), l.pointerSize())).orElse(null));
    }

    record Layer(String mediaType, String digest, long size) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ManifestJson(int schemaVersion, String mediaType, Layer config, List<Layer> layers, GgufFile ggufFile,
                        GgufFile mmprojFile) {}

    /** A file as the Hub names it in {@code siblings}: what llama.cpp and node-llama-cpp read {@code rfilename} from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record GgufFile(String rfilename, @JsonProperty("blobId") String blobId, long size, Lfs lfs) {}

    record Lfs(String sha256, long size, int pointerSize) {}
}
