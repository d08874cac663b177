package dev.forge.service.serving;

import dev.forge.core.FileEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which GGUF files of a repository a {@code repo:tag} names, by the Hub's rules as llama.cpp, Ollama and
 * node-llama-cpp rely on them. A tag is a quantization ({@code Q4_K_M}, {@code q8_0}: case-insensitive, matched as a
 * whole token of a file's path, so {@code Q4_K} does not pick {@code Q4_K_M}), a file name ({@code model-Q8_0.gguf}),
 * or {@code latest}: {@code Q4_K_M} when the repository has it, otherwise the first quantization of
 * {@link #LATEST_PREFERENCE} it has, otherwise its first model file. A model split into {@code -0000k-of-0000n.gguf}
 * parts is named by its first part and brings all of them. Vision projectors ({@code mmproj} in the file name) are
 * never the model; the projector offered with a model is the one in the deepest folder the model's path shares, then
 * the one whose bit width is closest to the model's (llama.cpp's own rule). Pure and thread-safe.
 */
public final class GgufSelection {
    /** {@code latest} takes the first of these the repository offers: the Hub's 4-bit default, then its neighbours. */
    static final List<String> LATEST_PREFERENCE = List.of("Q4_K_M", "Q4_K_S", "Q4_0", "Q4_1", "IQ4_XS", "IQ4_NL", "Q5_K_M",
            "Q5_K_S", "Q5_0", "Q6_K", "Q8_0", "Q3_K_M", "Q3_K_L", "Q3_K_S", "Q2_K", "BF16", "F16", "F32");

    private static final Pattern SPLIT = Pattern.compile("^(.*)-(\\d{5})-of-(\\d{5})\\.gguf$", Pattern.CASE_INSENSITIVE);
    private static final Pattern BITS = Pattern.compile("(?i)(?:^|[-._/])(?:I?Q|F|BF)(\\d+)(?=[-._/]|$)");
    private static final int MAX_TAG_LENGTH = 256;

    /** What a tag resolved to: the model's files (one, or every part in order) and the projector, if any. */
    public record Choice(FileEntry model, List<FileEntry> parts, Optional<FileEntry> projector) {
        public boolean isSplit() { return parts.size() > 1; }
    }

    /** Why a tag resolved to nothing. */
    public sealed interface Miss {
        /** The repository holds no model GGUF at all. */
        record NoGguf() implements Miss {}

        /** The repository holds GGUF files, none of them named by the tag. */
        record NoSuchTag(List<String> available) implements Miss {}
    }

    /** The outcome: a choice or the reason there is none. */
    public sealed interface Outcome {
        record Found(Choice choice) implements Outcome {}

        record NotFound(Miss miss) implements Outcome {}
    }

    private GgufSelection() {}

    public static Outcome select(List<FileEntry> files, String tag) {
        List<FileEntry> models = new ArrayList<>();
        List<FileEntry> projectors = new ArrayList<>();
        for (FileEntry f : files) {
            if (f.directory() || !f.path().toLowerCase(Locale.ROOT).endsWith(".gguf")) continue;
            String name = baseName(f.path()).toLowerCase(Locale.ROOT);
            if (name.contains("mmproj")) projectors.add(f);
            else if (!name.contains("imatrix")) models.add(f);
        }
        models.sort(Comparator.comparing(FileEntry::path));
        projectors.sort(Comparator.comparing(FileEntry::path));
        List<FileEntry> heads = models.stream().filter(GgufSelection::isFirstOrWhole).toList();
        if (heads.isEmpty()) return new Outcome.NotFound(new Miss.NoGguf());
        Optional<FileEntry> model = pick(heads, tag == null ? "" : tag.strip());
        if (model.isEmpty()) return new Outcome.NotFound(new Miss.NoSuchTag(heads.stream().map(f -> quantization(f.path())).distinct().toList()));
        List<FileEntry> parts = partsOf(model.get(), models);
        return new Outcome.Found(new Choice(model.get(), parts, projector(model.get(), projectors)));
    }

    /** A choice for every model the repository offers (each whole file or first part), in path order. */
    public static List<Choice> everyChoice(List<FileEntry> files) {
        List<Choice> out = new ArrayList<>();
        for (FileEntry f : files) {
            if (f.directory() || !f.path().toLowerCase(Locale.ROOT).endsWith(".gguf")) continue;
            if (select(files, f.path()) instanceof Outcome.Found(Choice c) && c.model().path().equals(f.path())) out.add(c);
        }
        return out;
    }

    private static Optional<FileEntry> pick(List<FileEntry> heads, String tag) {
        if (tag.length() > MAX_TAG_LENGTH) return Optional.empty();
        if (tag.isEmpty() || tag.equalsIgnoreCase("latest")) {
            for (String q : LATEST_PREFERENCE) {
                Optional<FileEntry> f = byQuantization(heads, q);
                if (f.isPresent()) return f;
            }
            return Optional.of(heads.getFirst());
        }
        for (FileEntry f : heads) {
            if (f.path().equalsIgnoreCase(tag) || baseName(f.path()).equalsIgnoreCase(tag)) return Optional.of(f);
        }
        return byQuantization(heads, tag);
    }

    /** The first file whose path holds {@code q} as a whole token (separated by {@code - . _ /} or the ends). */
    private static Optional<FileEntry> byQuantization(List<FileEntry> heads, String q) {
        Pattern token = Pattern.compile("(?:^|[-._/])" + Pattern.quote(q) + "(?=[-._/]|$)", Pattern.CASE_INSENSITIVE);
        for (FileEntry f : heads) if (token.matcher(stripSplit(f.path())).find()) return Optional.of(f);
        return Optional.empty();
    }

    /** The quantization a file's name shows (the last token that looks like one), or its base name. */
    static String quantization(String path) {
        String stem = baseName(stripSplit(path));
        Matcher m = Pattern.compile("(?i)(?:^|[-._])((?:UD-)?(?:I?Q\\d[A-Z0-9_]*|B?F\\d+))(?=[-._]|$)").matcher(stem);
        String found = null;
        while (m.find()) found = m.group(1);
        return found == null ? baseName(path) : found.toUpperCase(Locale.ROOT);
    }

    private static boolean isFirstOrWhole(FileEntry f) {
        Matcher m = SPLIT.matcher(f.path());
        return !m.matches() || Integer.parseInt(m.group(2)) == 1;
    }

    /** Every part of a split model in order, or the model alone; a split with a part missing is offered as it is. */
    private static List<FileEntry> partsOf(FileEntry model, List<FileEntry> models) {
        Matcher m = SPLIT.matcher(model.path());
        if (!m.matches()) return List.of(model);
        String prefix = m.group(1);
        String count = m.group(3);
        List<FileEntry> parts = new ArrayList<>();
        for (FileEntry f : models) {
            Matcher p = SPLIT.matcher(f.path());
            if (p.matches() && p.group(1).equals(prefix) && p.group(3).equals(count)) parts.add(f);
        }
        return List.copyOf(parts);
    }

    private static Optional<FileEntry> projector(FileEntry model, List<FileEntry> projectors) {
        String[] modelDirs = dirs(model.path());
        int modelBits = bits(model.path());
        FileEntry best = null;
        int bestDepth = -1;
        int bestDiff = Integer.MAX_VALUE;
        for (FileEntry p : projectors) {
            String[] dirs = dirs(p.path());
            int shared = 0;
            while (shared < dirs.length && shared < modelDirs.length && dirs[shared].equals(modelDirs[shared])) shared++;
            if (shared != dirs.length) continue; // a projector in a folder the model is not in belongs to another model
            int diff = Math.abs(bits(p.path()) - modelBits);
            if (shared > bestDepth || (shared == bestDepth && diff < bestDiff)) {
                best = p;
                bestDepth = shared;
                bestDiff = diff;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int bits(String path) {
        Matcher m = BITS.matcher(stripSplit(path));
        int bits = 0;
        while (m.find()) bits = Integer.parseInt(m.group(1));
        return bits;
    }

    private static String[] dirs(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? new String[0] : path.substring(0, slash).split("/");
    }

    private static String stripSplit(String path) {
        Matcher m = SPLIT.matcher(path);
        String p = m.matches() ? m.group(1) : path;
        return p.toLowerCase(Locale.ROOT).endsWith(".gguf") ? p.substring(0, p.length() - 5) : p;
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
