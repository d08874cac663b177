package dev.forge.cards;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * The YAML front matter of a model or dataset card ({@code README.md}): the block between a first line
 * {@code ---} and the next {@code ---}. Parsing is bounded: at most {@value #MAX_YAML_CHARS} characters,
 * few aliases, no recursive keys, at most {@value #MAX_DEPTH} levels of nesting (the composer recurses per
 * level) and at most {@value #MAX_EXPANDED_SIZE} nodes and characters once aliases are expanded (the map is
 * written out as JSON), so hostile YAML fails fast instead of hanging or exhausting the stack or the heap.
 * A scalar is bounded by the document's size; one that reads as a number (plain or tagged) may hold at most
 * {@value #MAX_NUMBER_CHARS} characters (the YAML core schema turns integers of any length into a {@code BigInteger},
 * whose parsing is quadratic: 260,000 digits cost seconds of CPU). Thread-safe (stateless).
 */
public final class CardData {
    public static final int MAX_YAML_CHARS = 256 * 1024;
    public static final int MAX_DEPTH = 100;
    /** Far above what a document without aliases can reach: each node and string character takes at least one character of YAML. */
    public static final int MAX_EXPANDED_SIZE = 4 * MAX_YAML_CHARS;
    public static final int MAX_NUMBER_CHARS = 100;
    /** What the core schema resolves to an int or a float (YAML 1.2 core, as snakeyaml-engine does). */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "[-+]?(0x[0-9a-fA-F]+|0o[0-7]+|(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?)");

    private CardData() {}

    /** The front matter text, without the fences, if the card has one. */
    public static Optional<String> frontMatter(String card) {
        String text = card.startsWith("\uFEFF") ? card.substring(1) : card;
        if (!(text.startsWith("---\n") || text.startsWith("---\r\n"))) return Optional.empty();
        int start = text.indexOf('\n') + 1;
        int pos = start;
        while (pos < text.length()) {
            int eol = text.indexOf('\n', pos);
            String line = (eol < 0 ? text.substring(pos) : text.substring(pos, eol)).stripTrailing();
            if (line.equals("---")) return Optional.of(text.substring(start, pos));
            if (eol < 0) break;
            pos = eol + 1;
        }
        return Optional.empty();
    }

    /**
     * Parses the front matter into a map.
     *
     * @return empty when there is no front matter
     * @throws InvalidCardException when it is not a YAML mapping or exceeds the limits
     */
    public static Optional<Map<String, Object>> parse(String card) {
        Optional<String> yaml = frontMatter(card);
        if (yaml.isEmpty()) return Optional.empty();
        if (yaml.get().length() > MAX_YAML_CHARS) throw new InvalidCardException("YAML metadata is larger than " + MAX_YAML_CHARS + " characters");
        LoadSettings settings = LoadSettings.builder().setCodePointLimit(MAX_YAML_CHARS).setMaxAliasesForCollections(50)
                .setAllowRecursiveKeys(false).setAllowDuplicateKeys(false).build();
        try {
            checkDepth(settings, yaml.get());
            Object doc = new Load(settings).loadFromString(yaml.get());
            checkExpandedSize(doc);
            if (doc == null) return Optional.of(Map.of());
            if (!(doc instanceof Map<?, ?> m)) throw new InvalidCardException("YAML metadata must be a mapping");
            @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) m;
            for (Object k : map.keySet()) if (!(k instanceof String)) throw new InvalidCardException("YAML metadata keys must be strings");
            return Optional.of(map);
        } catch (YamlEngineException e) {
            throw new InvalidCardException("Invalid YAML metadata: " + firstLine(e.getMessage()));
        } catch (InvalidCardException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // anything else the YAML library throws on hostile input is still invalid input, never a server error
            throw new InvalidCardException("Invalid YAML metadata: " + e.getClass().getSimpleName());
        }
    }

    /**
     * The parser keeps its state on the heap, so walking its events is safe at any depth; composing is not. The walk
     * also refuses over-long numbers before anything constructs them.
     */
    private static void checkDepth(LoadSettings settings, String yaml) {
        int depth = 0;
        for (Event e : new Parse(settings).parseString(yaml)) {
            if (e instanceof ScalarEvent s) checkScalar(s);
            switch (e.getEventId()) {
                case SequenceStart, MappingStart -> {
                    if (++depth > MAX_DEPTH) throw new InvalidCardException("YAML metadata is nested deeper than " + MAX_DEPTH + " levels");
                }
                case SequenceEnd, MappingEnd -> depth--;
                default -> { }
            }
        }
    }

    private static void checkScalar(ScalarEvent s) {
        String v = s.getValue();
        if (v.length() > MAX_NUMBER_CHARS && (s.isPlain() || s.getTag().isPresent()) && NUMBER.matcher(v.strip()).matches()) {
            throw new InvalidCardException("A YAML number is longer than " + MAX_NUMBER_CHARS + " characters");
        }
    }

    /** Counts nodes and string characters with aliases expanded, iteratively; a cycle exhausts the budget too. */
    private static void checkExpandedSize(Object doc) {
        long budget = MAX_EXPANDED_SIZE;
        Deque<Object> todo = new ArrayDeque<>();
        if (doc != null) todo.push(doc);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            budget -= o instanceof String s ? s.length() + 1 : 1;
            if (budget < 0) throw new InvalidCardException("YAML metadata expands to more than " + MAX_EXPANDED_SIZE + " nodes and characters");
            if (o instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> entry : m.entrySet()) {
                    if (entry.getKey() != null) todo.push(entry.getKey());
                    if (entry.getValue() != null) todo.push(entry.getValue());
                }
            } else if (o instanceof Collection<?> c) {
                for (Object item : c) if (item != null) todo.push(item);
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "parse error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The card's YAML is not acceptable. */
    public static final class InvalidCardException extends RuntimeException {
        public InvalidCardException(String message) { super(message); }
    }
}
