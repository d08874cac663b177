package dev.forge.testing;

import dev.forge.cards.WeightFiles;
import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Generates repositories with realistic cards (license, languages, pipeline, library, tags, datasets, base
 * models) and weight headers (sharded safetensors of several dtypes, GGUF quantizations), deterministic for a
 * seed, and remembers what it made so tests can compute the expected answer of any listing.
 */
public final class DiscoveryCorpus {
    public static final String[] ORGS = {"acme", "northwind", "initech", "globex", "umbrella", "hooli", "vandelay", "stark"};
    static final String[] FAMILIES = {"llama", "mistral", "qwen", "gemma", "phi", "falcon", "bert", "whisper", "vit", "t5"};
    static final String[] SIZES = {"125m", "1b", "3b", "7b", "13b", "70b"};
    static final String[] LICENSES = {"apache-2.0", "mit", "llama3", "cc-by-4.0", "gemma"};
    static final String[] PIPELINES = {"text-generation", "text-classification", "automatic-speech-recognition", "image-classification",
            "feature-extraction"};
    static final String[] LIBRARIES = {"transformers", "sentence-transformers", "timm", "diffusers"};
    static final String[] LANGUAGES = {"en", "fr", "de", "zh", "ja", "es"};
    static final String[] EXTRA_TAGS = {"chat", "code", "math", "medical", "legal", "instruct", "base"};

    /** What one generated repository is. {@code baseModel} and {@code relation} are set for derivatives. */
    public record Spec(RepoType type, String id, boolean isPrivate, String license, String pipeline, String library,
                       List<String> languages, List<String> tags, Optional<String> baseModel, Optional<String> relation,
                       String weights, long parameters) {
        /** The tags the Hub shows (and filters on) for this repository. */
        public List<String> hubTags() {
            List<String> out = new ArrayList<>();
            if (library != null) out.add(library);
            if (pipeline != null) out.add(pipeline);
            out.addAll(tags);
            out.addAll(languages);
            out.add("license:" + license);
            if (type == RepoType.MODEL) out.add("model-index");
            if (weights.equals("safetensors")) out.add("safetensors");
            if (weights.equals("gguf")) out.add("gguf");
            baseModel.ifPresent(b -> {
                out.add("base_model:" + b);
                out.add("base_model:" + relation.orElseThrow() + ":" + b);
            });
            return out;
        }
    }

    private final TestForge tf;
    private final Random random;
    public final List<Spec> specs = new ArrayList<>();

    public DiscoveryCorpus(TestForge tf, long seed) {
        this.tf = tf;
        this.random = new Random(seed);
    }

    /** Creates {@code models} models and {@code datasets} datasets; a tenth of them private. */
    public DiscoveryCorpus generate(int models, int datasets) throws IOException {
        // repositories live only in user and organisation namespaces: the corpus's organisations, run by the admin
        for (String org : ORGS) if (tf.forge.auth.org(org).isEmpty()) tf.forge.auth.createOrg(org, org, tf.admin);
        for (int i = 0; i < models; i++) model(i);
        for (int i = 0; i < datasets; i++) dataset(i);
        return this;
    }

    private <T> T pick(T[] from) { return from[random.nextInt(from.length)]; }

    private void model(int i) throws IOException {
        String family = pick(FAMILIES);
        String size = pick(SIZES);
        String org = pick(ORGS);
        boolean isPrivate = random.nextInt(10) == 0;
        Optional<String> base = Optional.empty();
        List<Spec> publicModels = specs.stream().filter(s -> s.type == RepoType.MODEL && !s.isPrivate && s.baseModel.isEmpty()).toList();
        if (!publicModels.isEmpty() && random.nextInt(3) == 0) base = Optional.of(publicModels.get(random.nextInt(publicModels.size())).id);
        int kind = random.nextInt(10);
        String weights = kind < 6 ? "safetensors" : kind < 8 ? "gguf" : "none";
        String name = family + "-" + size + (base.isPresent() ? "-" + pick(new String[] {"chat", "instruct", "ft", "lora"}) : "") + "-" + i;
        if (weights.equals("gguf")) name += "-GGUF";
        String id = org + "/" + (i % 2 == 0 ? name : name.toUpperCase(Locale.ROOT).charAt(0) + name.substring(1));
        String library = weights.equals("gguf") ? null : pick(LIBRARIES);
        String pipeline = pick(PIPELINES);
        List<String> languages = new ArrayList<>();
        for (String l : LANGUAGES) if (random.nextInt(4) == 0) languages.add(l);
        List<String> tags = new ArrayList<>();
        tags.add(family);
        for (String t : EXTRA_TAGS) if (random.nextInt(5) == 0) tags.add(t);
        String license = pick(LICENSES);
        boolean adapter = base.isPresent() && id.contains("-lora-");
        Optional<String> relation = base.map(b -> adapter ? "adapter" : weights.equals("gguf") ? "quantized" : "finetune");

        StringBuilder card = new StringBuilder("---\n");
        card.append("license: ").append(license).append('\n');
        if (!languages.isEmpty()) card.append("language:\n").append(list(languages));
        if (library != null) card.append("library_name: ").append(library).append('\n');
        card.append("pipeline_tag: ").append(pipeline).append('\n');
        card.append("tags:\n").append(list(tags));
        base.ifPresent(b -> card.append("base_model: ").append(b).append('\n'));
        card.append("model-index:\n- name: ").append(name).append("\n  results: []\n");
        card.append("---\n\n# ").append(name).append("\n\nA generated model card.\n");

        Repo repo = tf.forge.repos.create(tf.adminActor(), RepoType.MODEL, RepoId.parse(id), isPrivate);
        List<CommitOperation> ops = new ArrayList<>();
        ops.add(new CommitOperation.AddFile("README.md", card.toString().getBytes()));
        if (library != null && !adapter) ops.add(new CommitOperation.AddFile("config.json", ("{\"model_type\": \"" + family + "\"}").getBytes()));
        if (adapter) ops.add(new CommitOperation.AddFile("adapter_config.json", "{\"r\": 8}".getBytes()));
        long parameters = -1;
        if (weights.equals("safetensors")) {
            String dtype = pick(new String[] {"BF16", "F16", "F32"});
            long rows = 16 + random.nextInt(64);
            long cols = 16 + random.nextInt(64);
            byte[] shard1 = WeightFiles.safetensors(List.of(new WeightFiles.St("embed", dtype, new long[] {rows, cols}),
                    new WeightFiles.St("norm", "F32", new long[] {cols})));
            byte[] shard2 = WeightFiles.safetensors(List.of(new WeightFiles.St("head", dtype, new long[] {cols, rows})));
            ops.add(lfs(repo, "model-00001-of-00002.safetensors", shard1));
            ops.add(lfs(repo, "model-00002-of-00002.safetensors", shard2));
            parameters = 2 * rows * cols + cols;
        } else if (weights.equals("gguf")) {
            int context = 2048 << random.nextInt(4);
            ops.add(lfs(repo, name.toLowerCase(Locale.ROOT) + ".Q4_K_M.gguf", WeightFiles.llamaGguf(context, 15)));
            parameters = 256 + 2 * 256 * 300 + 256 * 256;
        }
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), ops, "Add model");
        specs.add(new Spec(RepoType.MODEL, id, isPrivate, license, pipeline, library, languages, tags, base, relation, weights, parameters));
    }

    private void dataset(int i) throws IOException {
        String org = pick(ORGS);
        String id = org + "/" + pick(new String[] {"web", "code", "math", "chat", "speech"}) + "-corpus-" + i;
        boolean isPrivate = random.nextInt(10) == 0;
        String license = pick(LICENSES);
        List<String> languages = List.of(pick(LANGUAGES));
        Repo repo = tf.forge.repos.create(tf.adminActor(), RepoType.DATASET, RepoId.parse(id), isPrivate);
        String card = "---\nlicense: " + license + "\nlanguage:\n" + list(languages) + "task_categories:\n- text-generation\n---\n# Data\n";
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddFile("README.md", card.getBytes()), new CommitOperation.AddFile("data/train.jsonl", "{}\n".getBytes())),
                "Add data");
        specs.add(new Spec(RepoType.DATASET, id, isPrivate, license, null, null, languages, List.of("task_categories:text-generation"),
                Optional.empty(), Optional.empty(), "none", -1));
    }

    private CommitOperation lfs(Repo repo, String path, byte[] content) throws IOException {
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(content));
        return new CommitOperation.AddLfsFile(path, oid, content.length);
    }

    private static String list(List<String> items) {
        StringBuilder b = new StringBuilder();
        for (String s : items) b.append("- ").append(s).append('\n');
        return b.toString();
    }
}
