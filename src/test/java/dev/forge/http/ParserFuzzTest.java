package dev.forge.http;

import dev.forge.cards.CardData;
import dev.forge.cards.CardInfo;
import dev.forge.cards.GgufHeader;
import dev.forge.cards.InvalidHeaderException;
import dev.forge.cards.SafetensorsHeader;
import dev.forge.cards.WeightFiles;
import dev.forge.core.ByteArrayChannel;
import dev.forge.core.ByteRange;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.git.GitPatterns;
import dev.forge.git.LfsPointer;
import dev.forge.http.api.ApiHandlers;
import dev.forge.http.api.CommitBody;
import dev.forge.http.api.UploadHandlers;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.http.lfs.LfsHandlers;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Issue 10: every parser of outside bytes, fed {@value #DEFAULT_RUNS} generated inputs each (mutations of valid
 * seeds: bit flips, interesting integers written over length and count fields, insertions, deletions, duplicated and
 * spliced ranges, truncation, long digit runs, nesting and YAML alias characters), must either succeed or fail with
 * its own invalid-input error — never any other exception. Deterministic: each parser has a fixed seed (override with
 * {@code -Dforge.fuzz.seed=N}, change the count with {@code -Dforge.fuzz.runs=N}); a failure names the input in hex.
 * Each parser prints how long its inputs took, which is how the CI cost in {@code docs/security.md} was measured.
 */
class ParserFuzzTest {
    static final int DEFAULT_RUNS = 100_000;
    private static final int RUNS = Integer.getInteger("forge.fuzz.runs", DEFAULT_RUNS);
    private static final long SEED = Long.getLong("forge.fuzz.seed", 20261202L);
    private static final int MAX_INPUT = 4096;

    /** One parser: its seeds and how to run it; {@code run} throws only when the parser broke its contract. */
    private record Target(String name, List<byte[]> seeds, Parser run) {}

    @FunctionalInterface
    private interface Parser {
        void parse(byte[] input) throws Exception;
    }

    /** The parser's own invalid-input error for HTTP parsers: a 4xx ForgeException. */
    private static void clientError(ForgeException e) {
        if (e.kind().status() < 400 || e.kind().status() >= 500) throw new AssertionError("a " + e.kind().status() + " for bad input", e);
    }

    private static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static List<Target> targets() {
        List<Target> t = new ArrayList<>();
        t.add(new Target("GGUF header", List.of(smallLlamaGguf(), WeightFiles.overflowingGguf(),
                new WeightFiles.Gguf().version(2).string("general.architecture", "x").tensor("a", 0, 8).tensor("b", 8, 32, 2).build()), in -> {
            try {
                GgufHeader.read(new ByteArrayChannel(in), in.length);
            } catch (InvalidHeaderException expected) {
                // the parser's own error
            }
        }));
        t.add(new Target("safetensors header", List.of(
                WeightFiles.safetensors(List.of(new WeightFiles.St("a", "F32", new long[] {2, 3}), new WeightFiles.St("b", "BF16", new long[] {4}))),
                WeightFiles.safetensorsRaw("{\"x\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],\"data_offsets\":[0,1]}}", 8)), in -> {
            try {
                SafetensorsHeader.read(new ByteArrayChannel(in), in.length);
            } catch (InvalidHeaderException expected) {
                // the parser's own error
            }
        }));
        List<byte[]> cards = List.of(
                b("---\nlicense: mit\ntags: [a, b]\nbase_model: org/base\nbase_model_relation: adapter\nlanguage:\n- en\n---\n# Model\n"),
                b("---\nmodel-index:\n- name: x\n  results:\n  - task: {type: t}\n    metrics: [{value: 1.5e3}]\n---\n"),
                b("---\na: &x [1, 2]\nb: *x\nn: 0x1F\nm: !!int '12'\nd: 2001-12-14\n---\n"),
                b("\uFEFF---\r\ndatasets: [d1]\r\npipeline_tag: text-generation\r\n---\r\n"));
        t.add(new Target("card YAML front matter", cards, in -> {
            try {
                Optional<Map<String, Object>> card = CardData.parse(utf8(in));
                if (card.isPresent()) {
                    CardInfo.of(RepoType.MODEL, card.get());
                    CardInfo.of(RepoType.DATASET, card.get());
                    CardInfo.problems(card.get());
                }
            } catch (CardData.InvalidCardException expected) {
                // the parser's own error
            }
        }));
        List<byte[]> yamlBodies = new ArrayList<>();
        for (byte[] c : cards) yamlBodies.add(b("{\"content\": " + jsonString(utf8(c)) + "}"));
        t.add(new Target("validate-yaml body", yamlBodies, in -> {
            try {
                String card = ApiHandlers.yamlContent(in);
                try {
                    CardData.parse(card).ifPresent(CardInfo::problems);
                } catch (CardData.InvalidCardException expected) {
                    // reported as a validation error, as InfoService.cardProblems does
                }
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        String oid = "a".repeat(64);
        t.add(new Target("NDJSON commit body", List.of(
                b("{\"key\":\"header\",\"value\":{\"summary\":\"s\",\"description\":\"d\",\"parentCommit\":\"abcdef1\"}}\n"
                        + "{\"key\":\"file\",\"value\":{\"path\":\"a/b.txt\",\"content\":\"aGVsbG8=\",\"encoding\":\"base64\"}}\n"
                        + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"w.bin\",\"algo\":\"sha256\",\"oid\":\"" + oid + "\",\"size\":12}}\n"
                        + "{\"key\":\"deletedFile\",\"value\":{\"path\":\"old.txt\"}}\n{\"key\":\"deletedFolder\",\"value\":{\"path\":\"dir/\"}}\n"),
                b("{\"key\":\"header\",\"value\":{}}\n{\"key\":\"file\",\"value\":{\"path\":\"x\",\"content\":\"héllo\",\"encoding\":\"utf-8\"}}")), in -> {
            try {
                CommitBody.parse(new ByteArrayInputStream(in), ForgeConfig.Uploads.defaults(), CommitOperation.AddFile::new);
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("LFS batch JSON", List.of(
                b("{\"operation\":\"upload\",\"transfers\":[\"basic\",\"multipart\"],\"objects\":[{\"oid\":\"" + oid + "\",\"size\":123}],\"hash_algo\":\"sha256\"}"),
                b("{\"operation\":\"download\",\"objects\":[{\"oid\":\"" + oid + "\",\"size\":1e3},{\"oid\":\"x\",\"size\":-1}]}")), in -> {
            try {
                LfsHandlers.parseBatch(in);
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("paths-info JSON", List.of(b("{\"paths\":[\"a.txt\",\"dir/\",\"x/y/z\"],\"expand\":true}")), in -> {
            try {
                ApiHandlers.parsePathsInfo(in, "application/json");
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("paths-info form", List.of(b("paths=a.txt&paths=dir%2Fb&expand=True"), b("paths=%E2%9C%93+x&expand=1")), in -> {
            try {
                ApiHandlers.parsePathsInfo(in, "application/x-www-form-urlencoded");
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("preupload JSON", List.of(
                b("{\"files\":[{\"path\":\"a.bin\",\"size\":10,\"sample\":\"aGVsbG8=\"}],\"gitAttributes\":\"*.bin filter=lfs\",\"gitIgnore\":\"x/\"}")), in -> {
            try {
                UploadHandlers.parsePreupload(in);
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("JSON request body", List.of(b("{\"name\":\"x\",\"organization\":null,\"private\":true,\"n\":[1,2.5,{\"a\":\"\\u00e9\"}]}")), in -> {
            try {
                ApiHandlers.readJson(in);
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("LFS pointer", List.of(b(LfsPointer.VERSION_LINE + "\noid sha256:" + oid + "\nsize 12345\n")),
                LfsPointer::parse));
        t.add(new Target(".gitattributes and .gitignore", List.of(b("*.bin filter=lfs diff=lfs merge=lfs -text\nsaved_model/**/* filter=lfs\n[attr]x -text\n!a\n"),
                b("build/\n*.log\n!keep.log\n\\#x\n a[!b]c/**\n")), in -> {
            GitPatterns p = GitPatterns.parse(utf8(in), utf8(in));
            p.isLfs("a/b.bin");
            p.isIgnored("build/x/y.log");
        }));
        t.add(new Target("request path and query", List.of(b("/api/models/ns/na%20me/tree/main/a%2Fb?expand=1&cursor=abc%3D"),
                b("/datasets/x/y/resolve/refs%2Fpr%2F1/%E2%9C%93.txt")), in -> {
            try {
                Exchange.decodeSegments(utf8(in));
                FormBody.parse(utf8(in));
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("Range header", List.of(b("bytes=0-99"), b("bytes=-500"), b("bytes=9223372036854775806-")), in -> {
            try {
                ByteRange.parse(utf8(in), 1000);
                ByteRange.parse(utf8(in), Long.MAX_VALUE);
            } catch (ForgeException e) {
                clientError(e);
            }
        }));
        t.add(new Target("repository path", List.of(b("a/b/c.txt"), b(".g\u200cit/x"), b("GIT~1/a"), b("a\\b")), in -> RepoPath.isValid(utf8(in))));
        t.add(new Target(".gitmodules", List.of(b("[submodule \"x\"]\n\tpath = x\n\turl = https://example.com/x.git\n")), in -> {
            try {
                org.eclipse.jgit.internal.submodule.SubmoduleValidator.assertValidGitModulesFile(utf8(in));
            } catch (org.eclipse.jgit.internal.submodule.SubmoduleValidator.SubmoduleValidationException expected) {
                // the parser's own error
            }
        }));
        t.add(new Target("pickle scan (airlock)", pickleSeeds(), ParserFuzzTest::scanPickle));
        return t;
    }

    private static final dev.forge.service.airlock.AirlockPolicy PICKLE_SCAN = new dev.forge.service.airlock.AirlockPolicy(
            new ForgeConfig.Airlock(List.of(), List.of(), List.of(), ForgeConfig.Airlock.Pickle.STRICT, 0, 0),
            java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "forge-parser-fuzz"));
    private static final dev.forge.service.airlock.PullSubject PICKLE_SUBJECT = new dev.forge.service.airlock.PullSubject(
            "http://upstream.test", RepoType.MODEL, dev.forge.core.RepoId.parse("a/b"), "0".repeat(40), "", List.of());

    /** The airlock's pickle scanner: any bytes give a verdict, and never because the scanner itself failed. */
    private static void scanPickle(byte[] in) {
        var v = PICKLE_SCAN.checkFile(PICKLE_SUBJECT, "pytorch_model.bin", in.length, dev.forge.service.airlock.FileBytes.of(in));
        if (v instanceof dev.forge.service.airlock.Verdict.Refused r && r.reason().contains("the scanner failed")) {
            throw new AssertionError(r.reason());
        }
    }

    /** Real pickles and checkpoints (Python's pickle at protocols 0-5, torch.save zip and legacy) from the airlock's fixtures. */
    private static List<byte[]> pickleSeeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (String f : List.of("benign_p0.pkl", "benign_p2.pkl", "benign_p4.pkl", "benign_p5.pkl", "os_system_p0.pkl", "os_system_p4.pkl",
                "second_pickle.pkl", "torch_state_dict.pt", "torch_legacy_state_dict.bin", "zip_os_system.pt")) {
            try (var in = ParserFuzzTest.class.getResourceAsStream("/airlock/" + f)) {
                seeds.add(in.readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return seeds;
    }

    /** A llama-like GGUF small enough to mutate quickly: a few tokens, special tokens, a chat template, four tensor types. */
    private static byte[] smallLlamaGguf() {
        return new WeightFiles.Gguf().string("general.architecture", "llama").u32("general.file_type", 15).u32("llama.context_length", 4096)
                .strings("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>", "a", "b")).u32("tokenizer.ggml.bos_token_id", 1)
                .u32("tokenizer.ggml.eos_token_id", 2).ints("tokenizer.ggml.token_type", new int[5]).string("tokenizer.chat_template", "{{ x }}")
                .tensor("e", 12, 256, 2).tensor("q", 14, 256, 1).tensor("n", 0, 8).tensor("o", 8, 32, 2).build();
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /**
     * The parsers run side by side on every core (CI has two), each on its own deterministic input stream; each
     * dynamic test waits for its own parser and reports its outcome.
     */
    @TestFactory
    Stream<DynamicTest> everyParserFailsOnlyWithItsOwnError() {
        // JGit logs every .gitignore line it cannot parse at ERROR; a million of them would measure the console, not the parser
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.eclipse.jgit.ignore")).setLevel(ch.qos.logback.classic.Level.OFF);
        List<Target> targets = targets();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                    Thread t = new Thread(r, "fuzz");
                    t.setDaemon(true);
                    return t;
                });
        List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
        for (Target t : targets) runs.add(pool.submit(() -> fuzz(t)));
        pool.shutdown();
        return java.util.stream.IntStream.range(0, targets.size()).mapToObj(i -> DynamicTest.dynamicTest(targets.get(i).name(), () -> {
            try {
                runs.get(i).get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause();
            }
        }));
    }

    private static void fuzz(Target target) {
        long seed = SEED ^ target.name().hashCode();
        SplittableRandom random = new SplittableRandom(seed);
        long started = System.nanoTime();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStarted = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < RUNS; i++) {
            byte[] input = mutate(random, target.seeds());
            try {
                target.run().parse(input);
            } catch (Throwable e) {
                throw new AssertionError(target.name() + ": input " + i + " (seed " + seed + ") ended in " + e
                        + "\ninput (hex): " + HexFormat.of().formatHex(input, 0, Math.min(input.length, 2048)), e);
            }
        }
        // CPU time as well as wall time: on a machine shared with other builds the wall time measures the neighbours
        System.out.printf("fuzz %-30s %,d inputs in %,d ms (%,d ms of CPU)%n", target.name(), RUNS, (System.nanoTime() - started) / 1_000_000,
                (threads.getCurrentThreadCpuTime() - cpuStarted) / 1_000_000);
    }

    // ------------------------------------------------------------------------------------------ mutations

    private static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 31, 32, 255, 256, 0x7f, 0x80, 0x7fff, 0xffff, 0x7fffffffL, 0x80000000L,
            0xffffffffL, 1L << 32, 1L << 40, 1L << 50, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE / 2 + 1};
    private static final String[] TOKENS = {"{", "}", "[", "]", "\"", ":", ",", "\n", "---\n", "- ", "&a ", "*a", "!!int ", "!!binary ", "? ",
            "\\u0000", "\\ud800", "null", "true", "-", "1e999", "0x", "%", "%ZZ", "%00", "%E2%9C", "\u200c", "..", "/", "\\", "\t", "=", "&",
            "\"size\":", "\"oid\":", "\"path\":", "\"key\":\"lfsFile\"", "\"value\":", "\uFEFF", "'", "#", "|\n", ">\n"};

    static byte[] mutate(SplittableRandom r, List<byte[]> seeds) {
        byte[] in = seeds.get(r.nextInt(seeds.size())).clone();
        int steps = 1 + r.nextInt(4);
        for (int s = 0; s < steps; s++) in = mutateOnce(r, in, seeds);
        return in.length > MAX_INPUT ? java.util.Arrays.copyOf(in, MAX_INPUT) : in;
    }

    private static byte[] mutateOnce(SplittableRandom r, byte[] in, List<byte[]> seeds) {
        int n = in.length;
        int at = n == 0 ? 0 : r.nextInt(n);
        switch (r.nextInt(10)) {
            case 0 -> { if (n > 0) in[at] ^= (byte) (1 << r.nextInt(8)); return in; }
            case 1 -> { if (n > 0) in[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)]; return in; }
            case 2 -> { // an interesting little-endian integer over a length or count field
                int width = r.nextBoolean() ? 4 : 8;
                if (n < width) return in;
                int pos = r.nextInt(n - width + 1);
                ByteBuffer b = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
                long v = INTERESTING[r.nextInt(INTERESTING.length)];
                if (width == 4) b.putInt(pos, (int) v); else b.putLong(pos, v);
                return in;
            }
            case 3 -> { return splice(in, at, at, randomBytes(r, 1 + r.nextInt(16))); }
            case 4 -> { return splice(in, at, Math.min(n, at + 1 + r.nextInt(32)), new byte[0]); }
            case 5 -> { // duplicate a range (repeated structures, deep nesting)
                int end = Math.min(n, at + 1 + r.nextInt(64));
                byte[] part = java.util.Arrays.copyOfRange(in, at, end);
                int times = 1 + r.nextInt(8);
                byte[] rep = new byte[part.length * times];
                for (int i = 0; i < times; i++) System.arraycopy(part, 0, rep, i * part.length, part.length);
                return splice(in, end, end, rep);
            }
            case 6 -> { return java.util.Arrays.copyOf(in, n == 0 ? 0 : r.nextInt(n)); }
            case 7 -> { // splice in a piece of another seed
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                if (other.length == 0) return in;
                int from = r.nextInt(other.length);
                return splice(in, at, at, java.util.Arrays.copyOfRange(other, from, Math.min(other.length, from + 1 + r.nextInt(64))));
            }
            case 8 -> { return splice(in, at, at, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8)); }
            default -> { // a long run of digits (number parsing) or of one character
                char c = r.nextInt(3) == 0 ? (char) ('a' + r.nextInt(26)) : (char) ('0' + r.nextInt(10));
                return splice(in, at, at, String.valueOf(c).repeat(1 + r.nextInt(400)).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    private static byte[] splice(byte[] in, int from, int to, byte[] insert) {
        byte[] out = new byte[in.length - (to - from) + insert.length];
        System.arraycopy(in, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(in, to, out, from + insert.length, in.length - to);
        return out;
    }
}
