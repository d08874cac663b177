package dev.forge.service.convert;

import dev.forge.core.FileEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configs and splits of a dataset repository and the data files of each, found the way the {@code datasets}
 * library finds them, so the parquet conversion holds what {@code load_dataset} would load: the {@code configs} of
 * the card's YAML ({@code data_files} as a pattern, a list, or {@code split}/{@code path} pairs; or a
 * {@code data_dir}), otherwise one {@code default} config whose splits come from, in this order, shards named
 * {@code data/<split>-00000-of-00001.*}, folders named after a split ({@code train/}, {@code valid/} …), file names
 * holding a split's keyword ({@code data/test.jsonl}), or else everything as {@code train}. Hidden files, the card
 * and other metadata files are never data. Within a config the most common format wins and files of other formats are
 * left out, as {@code datasets} does. Pure and thread-safe.
 */
public final class DatasetLayout {
    /** The formats the conversion reads. */
    public enum Format {
        CSV, TSV, JSON, PARQUET;

        static Optional<Format> of(String path) {
            String p = path.toLowerCase(Locale.ROOT);
            if (p.endsWith(".csv")) return Optional.of(CSV);
            if (p.endsWith(".tsv")) return Optional.of(TSV);
            if (p.endsWith(".jsonl") || p.endsWith(".json") || p.endsWith(".ndjson")) return Optional.of(JSON);
            if (p.endsWith(".parquet")) return Optional.of(PARQUET);
            return Optional.empty();
        }
    }

    public record Split(String name, Format format, List<FileEntry> files) {}

    public record Config(String name, List<Split> splits) {}

    public static final int MAX_CONFIGS = 100;
    public static final int MAX_SPLITS = 100;
    static final Pattern CONFIG_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern SPLIT_NAME = Pattern.compile("\\w+(\\.\\w+)*");
    private static final List<String> FILES_TO_IGNORE = List.of("readme.md", "config.json", "dataset_info.json", "dataset_infos.json",
            "dummy_data.zip", "dataset_dict.json");
    private static final Map<String, List<String>> KEYWORDS = keywords();
    private static final String SEP = "[-._ 0-9]";
    private static final Pattern SHARDED = Pattern.compile("data/([^/]+)-[0-9]{5}-of-[0-9]{5}[^/]*\\.[^/]*");

    private DatasetLayout() {}

    /** A problem with the card's {@code configs} that makes the layout unknowable. */
    public static final class InvalidConfigsException extends RuntimeException {
        public InvalidConfigsException(String message) { super(message); }
    }

    /**
     * The layout of {@code files}; {@code cardData} is the card's parsed YAML (empty without a card or YAML). Configs
     * or splits left without a readable file are dropped; the result may be empty.
     */
    public static List<Config> of(List<FileEntry> files, Map<String, Object> cardData) {
        List<FileEntry> data = files.stream().filter(f -> !f.directory() && isData(f.path())).toList();
        Object configs = cardData.get("configs");
        if (configs == null) return keep(List.of(new Config("default", inferred(data))));
        if (!(configs instanceof List<?> list)) throw new InvalidConfigsException("'configs' must be a list");
        if (list.size() > MAX_CONFIGS) throw new InvalidConfigsException("More than " + MAX_CONFIGS + " configs");
        List<Config> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> map) || !(map.get("config_name") instanceof String name)) {
                throw new InvalidConfigsException("Each config needs a 'config_name'");
            }
            if (!CONFIG_NAME.matcher(name).matches()) throw new InvalidConfigsException("Invalid config name: " + name);
            Object dataFiles = map.get("data_files");
            Object dataDir = map.get("data_dir");
            List<Split> splits;
            if (dataFiles != null) {
                splits = declared(data, dataFiles);
            } else if (dataDir instanceof String dir) {
                String prefix = dir.replaceAll("^/+|/+$", "") + "/";
                List<FileEntry> under = data.stream().filter(f -> f.path().startsWith(prefix)).toList();
                splits = inferred(under.stream().map(f -> relocate(f, f.path().substring(prefix.length()))).toList()).stream()
                        .map(s -> new Split(s.name(), s.format(), s.files().stream().map(f -> relocate(f, prefix + f.path())).toList()))
                        .toList();
            } else {
                splits = inferred(data);
            }
            out.add(new Config(name, splits));
        }
        return keep(out);
    }

    private static List<Config> keep(List<Config> configs) {
        return configs.stream().filter(c -> !c.splits().isEmpty()).toList();
    }

    /** {@code data_files} of a config: a pattern or list of them (all {@code train}), or {@code split}/{@code path} pairs. */
    private static List<Split> declared(List<FileEntry> data, Object dataFiles) {
        Map<String, List<String>> patterns = new LinkedHashMap<>();
        if (dataFiles instanceof String s) {
            patterns.put("train", List.of(s));
        } else if (dataFiles instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof String s) {
                    patterns.computeIfAbsent("train", k -> new ArrayList<>()).add(s);
                } else if (item instanceof Map<?, ?> m && m.get("split") instanceof String split) {
                    if (!SPLIT_NAME.matcher(split).matches()) throw new InvalidConfigsException("Invalid split name: " + split);
                    Object path = m.get("path");
                    List<String> paths = path instanceof String p ? List.of(p)
                            : path instanceof List<?> l && l.stream().allMatch(String.class::isInstance) ? l.stream().map(String.class::cast).toList()
                            : null;
                    if (paths == null) throw new InvalidConfigsException("'path' of split " + split + " must be a pattern or a list of them");
                    patterns.computeIfAbsent(split, k -> new ArrayList<>()).addAll(paths);
                } else {
                    throw new InvalidConfigsException("Each data_files entry is a pattern or has a 'split' and a 'path'");
                }
            }
        } else {
            throw new InvalidConfigsException("'data_files' must be a pattern or a list");
        }
        if (patterns.size() > MAX_SPLITS) throw new InvalidConfigsException("More than " + MAX_SPLITS + " splits");
        Map<String, List<FileEntry>> bySplit = new LinkedHashMap<>();
        patterns.forEach((split, globs) -> bySplit.put(split, matching(data, globs.stream().map(g -> glob(g.replaceAll("^/+", ""))).toList())));
        return withDominantFormat(bySplit);
    }

    /** The default config's splits, by the first rule that finds any file. */
    static List<Split> inferred(List<FileEntry> data) {
        Map<String, List<FileEntry>> sharded = new TreeMap<>();
        for (FileEntry f : data) {
            Matcher m = SHARDED.matcher(f.path());
            if (m.matches() && SPLIT_NAME.matcher(m.group(1)).matches()) sharded.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(f);
        }
        if (!sharded.isEmpty()) return withDominantFormat(ordered(sharded));
        for (boolean dirs : new boolean[] {true, false}) {
            Map<String, List<FileEntry>> found = new LinkedHashMap<>();
            KEYWORDS.forEach((split, words) -> {
                List<Pattern> patterns = new ArrayList<>();
                for (String w : words) {
                    if (dirs) {
                        patterns.addAll(List.of(glob("**/" + w + "/**"), glob("**/" + w + SEP + "*/**"), glob("**/*" + SEP + w + "/**"),
                                glob("**/*" + SEP + w + SEP + "*/**")));
                    } else {
                        patterns.addAll(List.of(glob("**/" + w + SEP + "*"), glob("**/*" + SEP + w + SEP + "*")));
                    }
                }
                List<FileEntry> files = matching(data, patterns);
                if (!files.isEmpty()) found.put(split, files);
            });
            if (!found.isEmpty()) return withDominantFormat(found);
        }
        return data.isEmpty() ? List.of() : withDominantFormat(Map.of("train", data));
    }

    /** Keeps the files of the format most of the config's files have (JSON Lines and JSON count as one). */
    private static List<Split> withDominantFormat(Map<String, List<FileEntry>> bySplit) {
        Map<Format, Integer> counts = new TreeMap<>();
        bySplit.values().forEach(files -> files.forEach(f -> Format.of(f.path()).ifPresent(fmt -> counts.merge(fmt, 1, Integer::sum))));
        if (counts.isEmpty()) return List.of();
        Format dominant = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        List<Split> out = new ArrayList<>();
        bySplit.forEach((split, files) -> {
            List<FileEntry> kept = files.stream().filter(f -> Format.of(f.path()).orElse(null) == dominant).toList();
            if (!kept.isEmpty()) out.add(new Split(split, dominant, kept));
        });
        return out;
    }

    private static Map<String, List<FileEntry>> ordered(Map<String, List<FileEntry>> bySplit) {
        Map<String, List<FileEntry>> out = new LinkedHashMap<>();
        for (String s : KEYWORDS.keySet()) if (bySplit.containsKey(s)) out.put(s, bySplit.get(s));
        bySplit.forEach(out::putIfAbsent);
        return out;
    }

    private static List<FileEntry> matching(List<FileEntry> data, List<Pattern> patterns) {
        return data.stream().filter(f -> patterns.stream().anyMatch(p -> p.matcher(f.path()).matches())).toList();
    }

    static boolean isData(String path) {
        for (String segment : path.split("/")) if (segment.startsWith(".") || segment.startsWith("__")) return false;
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return !FILES_TO_IGNORE.contains(name) && Format.of(path).isPresent();
    }

    /**
     * An fsspec-style glob as a regular expression over repository paths: {@code **}{@code /} is any number of
     * folders (none included), {@code **} anything, {@code *} and {@code ?} stay inside one path segment, and
     * {@code [...]} is a character class.
     */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                boolean slash = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                re.append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 2);
                if (end < 0) {
                    re.append("\\[");
                } else {
                    String body = glob.substring(i + 1, end).replace("\\", "\\\\").replace("[", "\\[");
                    re.append('[').append(body.startsWith("!") ? "^" + body.substring(1) : body).append(']');
                    i = end;
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static FileEntry relocate(FileEntry f, String path) {
        return new FileEntry(path, f.directory(), f.size(), f.oid(), f.lfs(), f.lastCommit());
    }

    private static Map<String, List<String>> keywords() {
        Map<String, List<String>> k = new LinkedHashMap<>();
        k.put("train", List.of("train", "training"));
        k.put("validation", List.of("validation", "valid", "dev", "val"));
        k.put("test", List.of("test", "testing", "eval", "evaluation"));
        return k;
    }
}
