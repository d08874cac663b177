package dev.forge.service.serving;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.ErrorKind;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.ContentService;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The registry view of a model repository's GGUF files that llama.cpp ({@code -hf user/repo:Q4_K_M}), node-llama-cpp
 * ({@code hf:user/repo:Q8_0}) and Ollama ({@code ollama pull host/user/repo:tag}) use: a manifest per tag, read at
 * the default branch's head, and the blobs its layers name. The model and projector layers are the repository's
 * LFS objects (their digest is the LFS SHA-256 the store already verified), so nothing is copied or hashed on
 * request; the Ollama config blob is a small JSON document derived from the choice, and the optional
 * {@code template}, {@code system} and {@code params} files at the repository's root (as on the Hub) are hashed
 * when asked for, at most {@link #MAX_SIDE_FILE_BYTES} each. Access is that of downloading the files. Thread-safe.
 */
public final class GgufManifests {
    static final int MAX_SIDE_FILE_BYTES = 64 * 1024;
    private static final int MAX_FILES = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Ollama's media types for what a repository can provide besides the model, by root file name. */
    private static final List<SideFile> SIDE_FILES = List.of(new SideFile("template", "application/vnd.ollama.image.template"),
            new SideFile("system", "application/vnd.ollama.image.system"), new SideFile("params", "application/vnd.ollama.image.params"));

    static final String MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model";
    static final String PROJECTOR_MEDIA_TYPE = "application/vnd.ollama.image.projector";
    static final String CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json";

    private record SideFile(String path, String mediaType) {}

    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;
    private final Function<Repo, Optional<String>> architecture;

    /**
     * @param architecture the {@code general.architecture} of a repository's GGUF files at its head, when known
     *                     (from the weight headers discovery already read)
     */
    public GgufManifests(RepoService repos, IndexDao index, GitRepositories git, Function<Repo, Optional<String>> architecture) {
        this.repos = repos;
        this.index = index;
        this.git = git;
        this.architecture = architecture;
    }

    /** One layer of an Ollama manifest: what it is, its content digest ({@code sha256:<hex>}) and size. */
    public record Layer(String mediaType, String digest, long size) {}

    /**
     * A tag's manifest: the choice of files, the layers Ollama downloads (model first), and the config blob.
     *
     * @param commit the default branch's head the files were read at
     */
    public record Manifest(Repo repo, String commit, GgufSelection.Choice choice, List<Layer> layers, Layer config) {}

    /** What a blob digest names in a repository: an LFS object, a small regular file, or the generated config. */
    public sealed interface Blob {
        record File(ContentService.FileTarget target) implements Blob {}

        record Generated(byte[] content) implements Blob {}
    }

    /** The manifest of {@code tag} ({@code latest}, a quantization or a file name) in a model repository. */
    public Manifest manifest(Actor actor, RepoId id, String tag) {
        Repo repo = repos.filesReadable(actor, RepoType.MODEL, id);
        String commit = repos.resolve(repo, GitRepositories.DEFAULT_BRANCH);
        List<FileEntry> files = index.all(repo.key(), commit);
        if (files.size() > MAX_FILES) files = files.subList(0, MAX_FILES);
        GgufSelection.Choice choice = switch (GgufSelection.select(files, tag)) {
            case GgufSelection.Outcome.Found f -> f.choice();
            case GgufSelection.Outcome.NotFound(GgufSelection.Miss.NoGguf n) ->
                    throw ForgeException.badRequest("Repository is not GGUF or is not compatible with llama.cpp");
            case GgufSelection.Outcome.NotFound(GgufSelection.Miss.NoSuchTag t) -> throw ForgeException.badRequest(
                    "The specified tag is not available in the repository. Please use another tag or \"latest\" (available: "
                            + String.join(", ", t.available()) + ")");
        };
        List<Layer> layers = new ArrayList<>();
        layers.add(lfsLayer(MODEL_MEDIA_TYPE, choice.model()));
        choice.projector().ifPresent(p -> layers.add(lfsLayer(PROJECTOR_MEDIA_TYPE, p)));
        for (SideFile side : SIDE_FILES) sideLayer(repo, files, side).ifPresent(layers::add);
        byte[] config = config(repo, choice, layers);
        return new Manifest(repo, commit, choice, List.copyOf(layers), new Layer(CONFIG_MEDIA_TYPE, digest(config), config.length));
    }

    /**
     * The blob {@code digest} names among what the manifests of the repository's head offer; 404 for anything
     * else, so the endpoint serves no file a manifest would not list.
     */
    public Blob blob(Actor actor, RepoId id, String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) throw ForgeException.badRequest("A blob digest is sha256: and 64 lowercase hex digits");
        Repo repo = repos.filesReadable(actor, RepoType.MODEL, id);
        String commit = repos.resolve(repo, GitRepositories.DEFAULT_BRANCH);
        List<FileEntry> files = index.all(repo.key(), commit);
        if (files.size() > MAX_FILES) files = files.subList(0, MAX_FILES);
        String hex = digest.substring("sha256:".length());
        for (FileEntry f : files) {
            if (f.isLfs() && f.lfs().oid().equals(hex) && f.path().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
                return new Blob.File(new ContentService.FileTarget(repo, commit, f));
            }
        }
        for (SideFile side : SIDE_FILES) {
            Optional<FileEntry> f = sideEntry(files, side);
            if (f.isPresent() && sideLayer(repo, files, side).map(Layer::digest).filter(digest::equals).isPresent()) {
                return new Blob.File(new ContentService.FileTarget(repo, commit, f.get()));
            }
        }
        for (GgufSelection.Choice choice : GgufSelection.everyChoice(files)) {
            List<Layer> layers = new ArrayList<>();
            layers.add(lfsLayer(MODEL_MEDIA_TYPE, choice.model()));
            choice.projector().ifPresent(p -> layers.add(lfsLayer(PROJECTOR_MEDIA_TYPE, p)));
            for (SideFile side : SIDE_FILES) sideLayer(repo, files, side).ifPresent(layers::add);
            byte[] config = config(repo, choice, layers);
            if (digest(config).equals(digest)) return new Blob.Generated(config);
        }
        throw new ForgeException(ErrorKind.NOT_FOUND, "No blob " + digest + " in this repository's manifests");
    }

    private static Layer lfsLayer(String mediaType, FileEntry f) {
        return new Layer(mediaType, "sha256:" + f.lfsInfo().map(FileEntry.LfsInfo::oid).orElseThrow(() ->
                new ForgeException(ErrorKind.UNPROCESSABLE, f.path() + " is not stored through LFS, so it has no content digest")),
                f.size());
    }

    private static Optional<FileEntry> sideEntry(List<FileEntry> files, SideFile side) {
        return files.stream().filter(f -> !f.directory() && !f.isLfs() && f.path().equals(side.path()) && f.size() <= MAX_SIDE_FILE_BYTES)
                .findFirst();
    }

    private Optional<Layer> sideLayer(Repo repo, List<FileEntry> files, SideFile side) {
        return sideEntry(files, side).map(f -> {
            try {
                byte[] content = git.readBlob(repo.key(), f.oid(), MAX_SIDE_FILE_BYTES);
                return new Layer(side.mediaType(), digest(content), content.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Ollama's image config: the model's format, family and file type, and the layers as its root file system. */
    private byte[] config(Repo repo, GgufSelection.Choice choice, List<Layer> layers) {
        String family = architecture.apply(repo).orElse("");
        List<String> diffIds = layers.stream().map(Layer::digest).toList();
        OllamaConfig config = new OllamaConfig("gguf", family, family.isEmpty() ? List.of() : List.of(family), "",
                GgufSelection.quantization(choice.model().path()), "amd64", "linux", new RootFs("layers", diffIds));
        try {
            return JSON.writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    record OllamaConfig(@JsonProperty("model_format") String modelFormat, @JsonProperty("model_family") String modelFamily,
                        @JsonProperty("model_families") List<String> modelFamilies, @JsonProperty("model_type") String modelType,
                        @JsonProperty("file_type") String fileType, String architecture, String os, RootFs rootfs) {}

    record RootFs(String type, @JsonProperty("diff_ids") List<String> diffIds) {}

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
