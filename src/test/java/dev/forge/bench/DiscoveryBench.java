package dev.forge.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.Counters;
import dev.forge.core.RepoType;
import dev.forge.core.SortKey;
import dev.forge.search.Page;
import dev.forge.search.RepoDocument;
import dev.forge.search.RepoIndex;
import dev.forge.search.RepoQuery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The discovery benchmark (issue 6): generates N repositories the way the search index sees them (realistic ids,
 * tags, card data, base models, parameter counts and Zipf-distributed downloads and likes), builds the index, and
 * measures listing latency for a mix of searches and filtered listings, each as {@code SearchService.list} does
 * it: the Lucene query and sort, then reading every hit's stored summary back into Hub fields, then rendering the
 * page as JSON (what the HTTP layer writes). Run by {@code bench/discovery.sh}; prints a Markdown report.
 *
 * <pre>java -cp … dev.forge.bench.DiscoveryBench [repositories=100000] [rounds=2000] [dir]</pre>
 */
public final class DiscoveryBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String[] FAMILIES = {"llama", "mistral", "qwen", "gemma", "phi", "falcon", "bert", "whisper", "vit", "t5", "deepseek",
            "olmo", "stablelm", "mpt", "bloom", "roberta", "clip", "sam", "yolo", "flux"};
    static final String[] SIZES = {"125m", "350m", "1b", "1.5b", "3b", "7b", "8b", "13b", "34b", "70b"};
    static final String[] SUFFIXES = {"", "-instruct", "-chat", "-base", "-GGUF", "-AWQ", "-lora", "-v2", "-dpo", "-sft", "-it"};
    static final String[] LICENSES = {"apache-2.0", "mit", "llama3", "cc-by-4.0", "gemma", "openrail", "other"};
    static final String[] PIPELINES = {"text-generation", "text-classification", "automatic-speech-recognition", "image-classification",
            "feature-extraction", "text-to-image", "translation", "summarization"};
    static final String[] LIBRARIES = {"transformers", "sentence-transformers", "timm", "diffusers", "gguf", "peft", "mlx"};
    static final String[] LANGUAGES = {"en", "fr", "de", "zh", "ja", "es", "ru", "ko", "ar", "hi"};
    static final String[] TAGS = {"chat", "code", "math", "medical", "legal", "instruct", "base", "merge", "conversational", "rlhf"};

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("forge-discovery-bench");
        Path indexDir = dir.resolve("index/repos");
        Random random = new Random(7);
        String[] orgs = new String[2000];
        for (int i = 0; i < orgs.length; i++) orgs[i] = "org" + i + (i % 3 == 0 ? "-labs" : "");

        System.gc();
        long heapBefore = usedHeap();
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>(n);
        RepoIndex index = RepoIndex.open(indexDir, java.time.InstantSource.system());
        for (int i = 0; i < n; i++) {
            RepoDocument d = document(i, random, orgs, ids);
            index.putUnpublished(d);
        }
        index.publish(true);
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        System.gc();
        long heapAfter = usedHeap();
        long diskBytes;
        try (Stream<Path> files = Files.walk(indexDir)) {
            diskBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }

        Optional<Set<String>> anonymous = Optional.of(Set.of());
        Optional<Set<String>> member = Optional.of(Set.of("org1", "org2-labs", "someone"));
        record Case(String name, IntFunction<RepoQuery> query) {}
        Random q = new Random(11);
        List<Case> cases = List.of(
                new Case("search \"<family>-<size>\" (e.g. llama-7b), trending, 100", i ->
                        query(RepoType.MODEL, List.of(FAMILIES[i % FAMILIES.length] + "-" + SIZES[(i / 20) % SIZES.length]), Optional.empty(),
                                List.of(), anonymous, SortKey.TRENDING, 100)),
                new Case("search one word (e.g. mistral), downloads, 100", i ->
                        query(RepoType.MODEL, List.of(FAMILIES[i % FAMILIES.length]), Optional.empty(), List.of(), anonymous, SortKey.DOWNLOADS, 100)),
                new Case("search 2 letters (\"ph\", worst case: no trigram), likes, 100", i ->
                        query(RepoType.MODEL, List.of("ph"), Optional.empty(), List.of(), anonymous, SortKey.LIKES, 100)),
                new Case("filter license + pipeline, downloads, 100", i ->
                        query(RepoType.MODEL, List.of(), Optional.empty(), List.of("license:" + LICENSES[i % LICENSES.length],
                                PIPELINES[(i / 7) % PIPELINES.length]), anonymous, SortKey.DOWNLOADS, 100)),
                new Case("filter library + language, signed-in member of 2 orgs, lastModified, 100", i ->
                        query(RepoType.MODEL, List.of(), Optional.empty(), List.of(LIBRARIES[i % LIBRARIES.length],
                                LANGUAGES[(i / 7) % LANGUAGES.length]), member, SortKey.LAST_MODIFIED, 100)),
                new Case("author, createdAt, 100", i ->
                        query(RepoType.MODEL, List.of(), Optional.of(orgs[q.nextInt(orgs.length)]), List.of(), anonymous, SortKey.CREATED_AT, 100)),
                new Case("derivatives: filter base_model:<id>, 100", i ->
                        query(RepoType.MODEL, List.of(), Optional.empty(), List.of("base_model:" + ids.get(i % 1000)), anonymous, SortKey.DOWNLOADS, 100)),
                new Case("everything, trending, first page of 1000 (the Hub's largest)", i ->
                        query(RepoType.MODEL, List.of(), Optional.empty(), List.of(), anonymous, SortKey.TRENDING, 1000)),
                new Case("search + filter + author-less, JS client page (500), downloads", i ->
                        query(RepoType.MODEL, List.of(FAMILIES[i % FAMILIES.length]), Optional.empty(), List.of("license:apache-2.0"), anonymous,
                                SortKey.DOWNLOADS, 500)));

        StringBuilder report = new StringBuilder();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        report.append("| Query | hits/page | wall p50 ms | wall p99 ms | wall max ms | CPU p50 ms | CPU p99 ms | of which Lucene p50 / p99 ms |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Case c : cases) {
            for (int i = 0; i < Math.max(200, rounds / 5); i++) run(index, c.query.apply(i)); // warm-up
            long[] wall = new long[rounds];
            long[] cpu = new long[rounds];
            long[] lucene = new long[rounds];
            long hits = 0;
            for (int i = 0; i < rounds; i++) {
                RepoQuery query = c.query.apply(i);
                long c0 = threads.getCurrentThreadCpuTime();
                long s = System.nanoTime();
                hits += run(index, query);
                wall[i] = System.nanoTime() - s;
                cpu[i] = threads.getCurrentThreadCpuTime() - c0;
                long l0 = System.nanoTime();
                index.search(query);
                lucene[i] = System.nanoTime() - l0;
            }
            Arrays.sort(wall);
            Arrays.sort(cpu);
            Arrays.sort(lucene);
            int p99 = (int) (rounds * 0.99);
            report.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f / %.2f |%n", c.name,
                    hits / (double) rounds, wall[rounds / 2] / 1e6, wall[p99] / 1e6, wall[rounds - 1] / 1e6,
                    cpu[rounds / 2] / 1e6, cpu[p99] / 1e6, lucene[rounds / 2] / 1e6, lucene[p99] / 1e6));
        }
        // deep pagination: walk the whole listing 1000 at a time with cursors
        long s = System.nanoTime();
        int pages = 0;
        Optional<String> cursor = Optional.empty();
        do {
            Page p = index.search(new RepoQuery(RepoType.MODEL, List.of(), Optional.empty(), List.of(), anonymous, Optional.empty(),
                    Optional.empty(), SortKey.DOWNLOADS, false, 1000, cursor));
            cursor = p.nextCursor();
            pages++;
        } while (cursor.isPresent());
        long walkMs = (System.nanoTime() - s) / 1_000_000;

        double[] load = new double[1];
        try {
            load[0] = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            load[0] = -1;
        }
        System.out.printf(Locale.ROOT, "%nRepositories: %d (%d public); Java %s; %d processors; max heap %d MiB; load average at the end %.2f%n",
                n, n - n / 10, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, load[0]);
        System.out.printf(Locale.ROOT, "Index build: %d ms (%.0f repositories/s), on disk %.1f MiB, heap held after build %.1f MiB%n",
                buildMs, n * 1000.0 / Math.max(1, buildMs), diskBytes / 1048576.0, (heapAfter - heapBefore) / 1048576.0);
        System.out.printf(Locale.ROOT, "Walking every page of 1000 by cursor (sort=downloads): %d pages in %d ms%n%n", pages, walkMs);
        System.out.println(report);
        index.close();
    }

    /** What {@code SearchService.list} and the HTTP layer do with one query: search, decode summaries, render JSON. */
    static int run(RepoIndex index, RepoQuery query) throws Exception {
        Page p = index.search(query);
        List<Map<String, Object>> out = new ArrayList<>(p.hits().size());
        for (Page.Hit h : p.hits()) {
            Map<String, Object> m = JSON.readValue(h.summary(), new TypeReference<LinkedHashMap<String, Object>>() {});
            m.put("downloads", h.counters().downloads());
            m.put("likes", h.counters().likes());
            m.put("trendingScore", h.counters().trendingScore());
            out.add(m);
        }
        JSON.writeValueAsBytes(out);
        return out.size();
    }

    static RepoQuery query(RepoType type, List<String> search, Optional<String> author, List<String> tags, Optional<Set<String>> ns,
                           SortKey sort, int limit) {
        return new RepoQuery(type, search, author, tags, ns, Optional.empty(), Optional.empty(), sort, false, limit, Optional.empty());
    }

    static RepoDocument document(int i, Random r, String[] orgs, List<String> ids) throws Exception {
        String family = FAMILIES[r.nextInt(FAMILIES.length)];
        String name = family + "-" + SIZES[r.nextInt(SIZES.length)] + SUFFIXES[r.nextInt(SUFFIXES.length)] + "-" + i;
        String id = orgs[Math.min(orgs.length - 1, (int) Math.abs(r.nextGaussian() * 400))] + "/" + name;
        ids.add(id);
        boolean isPrivate = r.nextInt(10) == 0;
        String library = LIBRARIES[r.nextInt(LIBRARIES.length)];
        String pipeline = PIPELINES[r.nextInt(PIPELINES.length)];
        String license = LICENSES[r.nextInt(LICENSES.length)];
        List<String> tags = new ArrayList<>(List.of(library, pipeline, family));
        for (String t : TAGS) if (r.nextInt(6) == 0) tags.add(t);
        for (String l : LANGUAGES) if (r.nextInt(5) == 0) tags.add(l);
        tags.add("license:" + license);
        Optional<String> base = i > 1000 && r.nextInt(3) == 0 ? Optional.of(ids.get(r.nextInt(1000))) : Optional.empty();
        base.ifPresent(b -> {
            tags.add("base_model:" + b);
            tags.add("base_model:finetune:" + b);
        });
        long params = r.nextInt(4) == 0 ? -1 : (long) Math.pow(10, 6 + r.nextDouble() * 5);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("license", license);
        card.put("library_name", library);
        card.put("pipeline_tag", pipeline);
        card.put("tags", tags.subList(2, Math.min(tags.size(), 5)));
        base.ifPresent(b -> card.put("base_model", b));
        Map<String, Object> m = new LinkedHashMap<>();
        Instant created = Instant.ofEpochMilli(1_600_000_000_000L + r.nextLong(150_000_000_000L));
        m.put("_id", String.format(Locale.ROOT, "%024x", i));
        m.put("id", id);
        m.put("modelId", id);
        m.put("author", id.substring(0, id.indexOf('/')));
        m.put("sha", String.format(Locale.ROOT, "%040x", i));
        m.put("lastModified", created.plusSeconds(86400).toString());
        m.put("createdAt", created.toString());
        m.put("private", isPrivate);
        m.put("gated", false);
        m.put("disabled", false);
        m.put("tags", tags);
        m.put("pipeline_tag", pipeline);
        m.put("library_name", library);
        m.put("cardData", card);
        if (params > 0) m.put("safetensors", Map.of("parameters", Map.of("BF16", params), "total", params));
        m.put("spaces", List.of());
        long downloads = (long) (1_000_000 / Math.pow(1 + r.nextInt(100_000), 1.1));
        long likes = downloads / (20 + r.nextInt(200));
        Counters c = new Counters(downloads, downloads * (1 + r.nextInt(12)), likes, (downloads + 10 * likes) / 10);
        return new RepoDocument(m.get("_id").toString(), RepoType.MODEL, id, isPrivate, tags, created, created.plusSeconds(86400),
                params, c, JSON.writeValueAsBytes(m));
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
