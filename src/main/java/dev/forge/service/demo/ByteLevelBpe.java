package dev.forge.service.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE vocabulary in GPT-2's conventions, trained on a small corpus: every byte is a token (written
 * with GPT-2's printable stand-ins, so a space is {@code Ġ} and a newline {@code Ċ}), then the most frequent
 * adjacent pair inside a pre-tokenized word is merged, again and again. Ties go to the pair that sorts first, so
 * the same corpus always gives the same merges. The result is what a {@code tokenizer.json} of model type
 * {@code BPE} and a GGUF {@code tokenizer.ggml.model = gpt2} vocabulary hold; {@link #encode} applies the merges
 * the way both tokenizers do, which the tests use to check that the clients tokenize as this vocabulary says.
 * Immutable and thread-safe once built.
 */
public final class ByteLevelBpe {
    /** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each with an optional leading space. */
    static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private static final char[] BYTE_TO_CHAR = byteToChar();

    private final Map<String, Integer> vocab;
    private final List<String> merges;
    private final Map<String, Integer> mergeRank = new HashMap<>();

    private ByteLevelBpe(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = vocab;
        this.merges = merges;
        for (int i = 0; i < merges.size(); i++) mergeRank.put(merges.get(i), i);
    }

    /** Learns {@code mergeCount} merges from {@code corpus}; ids: the 256 bytes in GPT-2's order, then the merges. */
    public static ByteLevelBpe train(String corpus, int mergeCount) {
        Map<List<String>, Integer> words = new HashMap<>();
        Matcher m = WORDS.matcher(corpus);
        while (m.find()) words.merge(symbols(m.group()), 1, Integer::sum);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(BYTE_TO_CHAR[orderedByte(b)]), b);
        List<String> merges = new ArrayList<>();
        while (merges.size() < mergeCount) {
            TreeMap<String, Integer> pairs = new TreeMap<>();
            for (var e : words.entrySet()) {
                List<String> w = e.getKey();
                for (int i = 0; i + 1 < w.size(); i++) pairs.merge(w.get(i) + " " + w.get(i + 1), e.getValue(), Integer::sum);
            }
            String best = null;
            int bestCount = 1; // a pair seen once teaches nothing
            for (var e : pairs.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) break;
            merges.add(best);
            String[] ab = best.split(" ");
            vocab.putIfAbsent(ab[0] + ab[1], vocab.size());
            Map<List<String>, Integer> next = new HashMap<>();
            for (var e : words.entrySet()) next.merge(apply(e.getKey(), ab[0], ab[1]), e.getValue(), Integer::sum);
            words = next;
        }
        return new ByteLevelBpe(Map.copyOf(vocab), List.copyOf(merges));
    }

    /** Token → id, for the 256 byte tokens and every merge result. */
    public Map<String, Integer> vocab() { return vocab; }

    /** The merges in rank order, each {@code "left right"}. */
    public List<String> merges() { return merges; }

    public int size() { return vocab.size(); }

    /** The tokens ordered by id. */
    public List<String> tokens() {
        String[] out = new String[vocab.size()];
        vocab.forEach((t, id) -> out[id] = t);
        return List.of(out);
    }

    /** Token ids of {@code text}: pre-tokenized into words, each merged by rank until no merge applies. */
    public List<Integer> encode(String text) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = WORDS.matcher(text);
        while (m.find()) {
            List<String> w = symbols(m.group());
            while (w.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < w.size(); i++) {
                    Integer rank = mergeRank.get(w.get(i) + " " + w.get(i + 1));
                    if (rank != null && rank < bestRank) {
                        bestRank = rank;
                        best = i;
                    }
                }
                if (best < 0) break;
                w = apply(w, w.get(best), w.get(best + 1));
            }
            for (String s : w) ids.add(vocab.get(s));
        }
        return ids;
    }

    /** The text of token ids (the inverse of {@link #encode} for any text). */
    public String decode(List<Integer> ids) {
        List<String> tokens = tokens();
        StringBuilder chars = new StringBuilder();
        for (int id : ids) chars.append(tokens.get(id));
        byte[] bytes = new byte[chars.length()];
        for (int i = 0; i < chars.length(); i++) bytes[i] = (byte) charToByte(chars.charAt(i));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The word's UTF-8 bytes as GPT-2's printable characters, one symbol each. */
    private static List<String> symbols(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(bytes.length);
        for (byte b : bytes) out.add(String.valueOf(BYTE_TO_CHAR[b & 0xff]));
        return out;
    }

    private static List<String> apply(List<String> w, String a, String b) {
        List<String> out = new ArrayList<>(w.size());
        for (int i = 0; i < w.size(); i++) {
            if (i + 1 < w.size() && w.get(i).equals(a) && w.get(i + 1).equals(b)) {
                out.add(a + b);
                i++;
            } else {
                out.add(w.get(i));
            }
        }
        return List.copyOf(out);
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the others ({@code 0-32},
     * {@code 127-160}, {@code 173}) map to {@code U+0100} onwards in byte order.
     */
    private static char[] byteToChar() {
        char[] map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = printable(b) ? (char) b : (char) (256 + next++);
        return map;
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** GPT-2's vocabulary order for the byte tokens: the printable bytes first, then the others in byte order. */
    private static int orderedByte(int index) {
        int seen = 0;
        for (int b = 0; b < 256; b++) if (printable(b) && seen++ == index) return b;
        for (int b = 0; b < 256; b++) if (!printable(b) && seen++ == index) return b;
        throw new IllegalArgumentException("byte index " + index);
    }

    private static int charToByte(char c) {
        for (int b = 0; b < 256; b++) if (BYTE_TO_CHAR[b] == c) return b;
        throw new IllegalArgumentException("not a byte-level character: " + c);
    }
}
