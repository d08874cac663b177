package dev.forge.service.discovery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.GgufHeader;
import dev.forge.cards.InvalidHeaderException;
import dev.forge.cards.SafetensorsHeader;
import dev.forge.core.ByteArrayChannel;
import dev.forge.core.FileEntry;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.git.GitRepositories;
import dev.forge.meta.DiscoveryDao;
import dev.forge.meta.IndexDao;
import dev.forge.storage.BlobStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Derives a commit's {@link CommitFacts} from its top-level files without downloading weights: only the
 * headers of {@code .safetensors} and {@code .gguf} files are read, from the blob store (LFS files) or git
 * (small files), each within its parser's limit. A header is read once per file content (the summary is kept
 * by content id), and a commit's facts once per commit. A sharded checkpoint counts the shards its
 * {@code model.safetensors.index.json} names; otherwise every top-level {@code .safetensors} file counts. The
 * {@code gguf} field describes the first top-level GGUF file (by path) whose header reads. Thread-safe.
 */
public final class WeightFacts {
    static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    private static final int MAX_ROOT_ENTRIES = 10_000;
    private static final int MAX_INDEX_JSON_BYTES = 10 * 1024 * 1024;
    private static final int MAX_GIT_WEIGHT_BYTES = 64 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WeightFacts.class);

    private final IndexDao index;
    private final DiscoveryDao store;
    private final GitRepositories git;
    private final BlobStore blobs;

    public WeightFacts(IndexDao index, DiscoveryDao store, GitRepositories git, BlobStore blobs) {
        this.index = index;
        this.store = store;
        this.git = git;
        this.blobs = blobs;
    }

    /**
     * The commit's facts, derived and stored on first use. One repository's files never break a caller (an info
     * answer, a rebuild of the search index): when deriving fails for any reason the failure is logged and the
     * answer is facts without weights, naming the problem; it is not stored, so a later call tries again.
     */
    public CommitFacts of(Repo repo, String commit) {
        Optional<String> stored = store.facts(repo.key(), commit);
        if (stored.isPresent()) {
            try {
                return JSON.readValue(stored.get(), CommitFacts.class);
            } catch (IOException e) {
                // written by an older version: derive again below
            }
        }
        CommitFacts facts;
        try {
            facts = derive(repo, commit);
        } catch (RuntimeException e) {
            LOG.error("Could not derive the weight facts of {} at {}", repo.displayId(), commit, e);
            return new CommitFacts(null, null, null, false, false, false, null, List.of("the files could not be read: " + e.getClass().getSimpleName()));
        }
        try {
            store.putFacts(repo.key(), commit, JSON.writeValueAsString(facts));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return facts;
    }

    private CommitFacts derive(Repo repo, String commit) {
        List<FileEntry> root = index.list(repo.key(), commit, "", false, null, MAX_ROOT_ENTRIES);
        Map<String, FileEntry> files = new TreeMap<>();
        for (FileEntry e : root) if (!e.directory()) files.put(e.path(), e);
        List<String> problems = new ArrayList<>();

        List<FileEntry> shards = new ArrayList<>();
        FileEntry shardIndex = files.get(SAFETENSORS_INDEX);
        Set<String> named = shardIndex == null ? null : shardNames(repo, shardIndex, problems);
        for (FileEntry e : files.values()) {
            if (e.path().endsWith(".safetensors") && (named == null || named.contains(e.path()))) shards.add(e);
        }
        List<SafetensorsHeader.Summary> parts = new ArrayList<>();
        for (FileEntry e : shards) {
            summary(repo, e, "safetensors", problems).ifPresent(s -> {
                try {
                    parts.add(JSON.readValue(s, SafetensorsHeader.Summary.class));
                } catch (IOException ex) {
                    problems.add(e.path() + ": unreadable stored summary");
                }
            });
        }
        Map<String, Object> safetensors = null;
        if (!parts.isEmpty()) {
            try {
                SafetensorsHeader.Summary sum = SafetensorsHeader.Summary.sum(parts);
                safetensors = new LinkedHashMap<>();
                safetensors.put("parameters", sum.parameters());
                safetensors.put("total", sum.total());
            } catch (InvalidHeaderException ex) {
                problems.add(SAFETENSORS_INDEX + ": " + ex.getMessage());
            }
        }

        Map<String, Object> gguf = null;
        boolean hasGguf = false;
        for (FileEntry e : files.values()) {
            if (!e.path().endsWith(".gguf")) continue;
            hasGguf = true;
            if (gguf != null) continue;
            Optional<String> s = summary(repo, e, "gguf", problems);
            if (s.isPresent()) {
                try {
                    gguf = JSON.readValue(s.get(), new TypeReference<LinkedHashMap<String, Object>>() {});
                } catch (IOException ex) {
                    problems.add(e.path() + ": unreadable stored summary");
                }
            }
        }
        Map<String, Object> config = config(repo, files, problems);
        boolean adapter = files.containsKey("adapter_config.json");
        String library = hasGguf && shards.isEmpty() && !files.containsKey("config.json") ? "gguf"
                : files.containsKey("model_index.json") ? "diffusers"
                : adapter ? "peft" : null;
        return new CommitFacts(safetensors, gguf, config, adapter, hasGguf, !shards.isEmpty(), library, problems);
    }

    /** The keys of tokenizer_config.json the Hub's {@code config.tokenizer_config} carries. */
    private static final List<String> TOKENIZER_KEYS = List.of("bos_token", "eos_token", "pad_token", "unk_token", "chat_template");

    /**
     * The Hub's {@code config} field: {@code architectures} and {@code model_type} from {@code config.json}, and the
     * special tokens and chat template of {@code tokenizer_config.json} as {@code tokenizer_config}; null when neither
     * file says anything.
     */
    private Map<String, Object> config(Repo repo, Map<String, FileEntry> files, List<String> problems) {
        Map<String, Object> out = new LinkedHashMap<>();
        readJson(repo, files.get("config.json"), problems).ifPresent(c -> {
            if (c.path("architectures").isArray()) {
                List<String> arch = new ArrayList<>();
                c.path("architectures").forEach(a -> { if (a.isTextual()) arch.add(a.asText()); });
                out.put("architectures", arch);
            }
            if (c.path("model_type").isTextual()) out.put("model_type", c.path("model_type").asText());
        });
        readJson(repo, files.get("tokenizer_config.json"), problems).ifPresent(t -> {
            Map<String, Object> tok = new LinkedHashMap<>();
            for (String k : TOKENIZER_KEYS) {
                JsonNode v = t.get(k);
                if (v != null && v.isTextual()) tok.put(k, v.asText());
                else if (v != null && v.isObject() && v.path("content").isTextual()) tok.put(k, v.path("content").asText());
            }
            if (!tok.isEmpty()) out.put("tokenizer_config", tok);
        });
        return out.isEmpty() ? null : out;
    }

    /** A small JSON file kept in git, as a tree; empty when absent, in LFS, too large or not a JSON object. */
    private Optional<JsonNode> readJson(Repo repo, FileEntry e, List<String> problems) {
        if (e == null || e.isLfs() || e.size() > MAX_INDEX_JSON_BYTES) return Optional.empty();
        try {
            JsonNode n = JSON.readTree(git.readBlob(repo.key(), e.oid(), MAX_INDEX_JSON_BYTES));
            return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
        } catch (IOException ex) {
            problems.add(e.path() + ": " + String.valueOf(ex.getMessage()).lines().findFirst().orElse("unreadable"));
            return Optional.empty();
        }
    }

    /** The shard file names a sharded checkpoint's index lists (null when the index is unreadable). */
    private Set<String> shardNames(Repo repo, FileEntry indexFile, List<String> problems) {
        if (indexFile.isLfs() || indexFile.size() > MAX_INDEX_JSON_BYTES) {
            problems.add(SAFETENSORS_INDEX + ": too large to read");
            return null;
        }
        try {
            JsonNode map = JSON.readTree(git.readBlob(repo.key(), indexFile.oid(), MAX_INDEX_JSON_BYTES)).path("weight_map");
            if (!map.isObject()) throw new IOException("no weight_map");
            Set<String> out = new LinkedHashSet<>();
            for (JsonNode v : map) if (v.isTextual()) out.add(v.asText());
            return out;
        } catch (IOException e) {
            problems.add(SAFETENSORS_INDEX + ": " + e.getMessage());
            return null;
        }
    }

    /** The stored summary JSON of a weight file's header, reading the header when this content was never read. */
    private Optional<String> summary(Repo repo, FileEntry e, String format, List<String> problems) {
        String content = e.etag();
        Optional<DiscoveryDao.HeaderRow> known = store.header(content);
        if (known.isPresent()) {
            known.get().problem().ifPresent(p -> problems.add(e.path() + ": " + p));
            return known.get().summaryJson();
        }
        String summary = null;
        String problem = null;
        if (!e.isLfs() && e.size() > MAX_GIT_WEIGHT_BYTES) {
            problems.add(e.path() + ": a weight file kept in git (not LFS) larger than " + MAX_GIT_WEIGHT_BYTES + " bytes is not read");
            return Optional.empty();
        }
        try (SeekableByteChannel ch = open(repo, e)) {
            Object parsed = format.equals("gguf") ? ggufJson(GgufHeader.read(ch, e.size())) : SafetensorsHeader.read(ch, e.size());
            summary = JSON.writeValueAsString(parsed);
        } catch (InvalidHeaderException ex) {
            problem = ex.getMessage();
        } catch (java.nio.file.NoSuchFileException ex) {
            problems.add(e.path() + ": the LFS object is not in the store");
            return Optional.empty(); // not recorded: it may arrive later
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        store.putHeader(content, format, summary, problem);
        if (problem != null) problems.add(e.path() + ": " + problem);
        return Optional.ofNullable(summary);
    }

    private SeekableByteChannel open(Repo repo, FileEntry e) throws IOException {
        if (e.isLfs()) return blobs.open(new LfsOid(e.lfs().oid()));
        return new ByteArrayChannel(git.readBlob(repo.key(), e.oid(), MAX_GIT_WEIGHT_BYTES));
    }

    /** The Hub's {@code gguf} field: total, architecture, context_length, chat_template, bos/eos tokens; plus the quantization. */
    static Map<String, Object> ggufJson(GgufHeader.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", s.total());
        s.architecture().ifPresent(a -> m.put("architecture", a));
        s.contextLength().ifPresent(c -> m.put("context_length", c));
        s.quantization().ifPresent(q -> m.put("quantization", q));
        s.chatTemplate().ifPresent(c -> m.put("chat_template", c));
        s.bosToken().ifPresent(b -> m.put("bos_token", b));
        s.eosToken().ifPresent(b -> m.put("eos_token", b));
        return m;
    }
}
