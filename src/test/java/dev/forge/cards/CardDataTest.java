package dev.forge.cards;

import dev.forge.cards.CardData.InvalidCardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class CardDataTest {
    /** Only a guard against hangs; hostile input is expected to fail in milliseconds. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);

    // ---- front matter extraction

    @Test
    void extractsTheBlockBetweenTheFences() {
        assertThat(CardData.frontMatter("---\nlicense: mit\ntags: [a]\n---\n# Title\n\ntext\n"))
                .contains("license: mit\ntags: [a]\n");
    }

    @Test
    void crlfLineEndings() {
        String card = "---\r\nlicense: mit\r\nlanguage:\r\n- en\r\n---\r\n# Title\r\n";
        assertThat(CardData.frontMatter(card)).contains("license: mit\r\nlanguage:\r\n- en\r\n");
        assertThat(CardData.parse(card)).contains(Map.of("license", "mit", "language", List.of("en")));
    }

    @Test
    void leadingByteOrderMark() {
        String card = "\uFEFF---\nlicense: apache-2.0\n---\nbody";
        assertThat(CardData.frontMatter(card)).contains("license: apache-2.0\n");
        assertThat(CardData.parse(card)).contains(Map.of("license", "apache-2.0"));
    }

    @Test
    void closingFenceMayHaveTrailingWhitespaceOrEndTheFile() {
        assertThat(CardData.frontMatter("---\na: 1\n---   \nbody")).contains("a: 1\n");
        assertThat(CardData.frontMatter("---\na: 1\n---")).contains("a: 1\n");
        assertThat(CardData.frontMatter("---\na: 1\n---\r\n")).contains("a: 1\n");
    }

    @Test
    void theFirstClosingFenceEndsTheBlock() {
        assertThat(CardData.frontMatter("---\na: 1\n---\nb: 2\n---\n")).contains("a: 1\n");
        assertThat(CardData.frontMatter("---\na: '---'\nb: ----\n---\n")).contains("a: '---'\nb: ----\n");
    }

    @Test
    void emptyFrontMatterIsAnEmptyMap() {
        assertThat(CardData.frontMatter("---\n---\n")).contains("");
        assertThat(CardData.parse("---\n---\n# x")).contains(Map.of());
        assertThat(CardData.parse("---\n# only a comment\n---\n")).contains(Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "# Title\n", "no front matter at all",
            "---\nlicense: mit\n",                  // no closing fence
            "---\nlicense: mit\n--",
            "---\nlicense: mit\n----\n",
            "---\nlicense: mit\n ---\n",            // indented fence is YAML, not a fence
            "---", "---\n", "--- \nlicense: mit\n---\n", "----\na: 1\n---\n",
            "\n---\na: 1\n---\n",                  // the fence must be the first line
            " ---\na: 1\n---\n",
            "\uFEFF\uFEFF---\na: 1\n---\n",
            "---\ra: 1\r---\r"})                     // old Mac line endings are not fences
    void noFrontMatter(String card) {
        assertThat(CardData.frontMatter(card)).isEmpty();
        assertThat(CardData.parse(card)).isEmpty();
    }

    // ---- parsing

    @Test
    void nestedModelIndex() {
        String card = """
                ---
                license: mit
                language:
                - en
                - fr
                tags:
                - text-generation
                datasets:
                - org/tiny-stories
                model-index:
                - name: tiny-gpt
                  results:
                  - task:
                      type: text-generation
                      name: Text Generation
                    dataset:
                      name: Tiny Stories
                      type: org/tiny-stories
                      split: test
                    metrics:
                    - type: perplexity
                      value: 12.5
                      name: Perplexity
                      verified: false
                ---
                # tiny-gpt
                """;
        Map<String, Object> data = CardData.parse(card).orElseThrow();
        assertThat(data).containsEntry("license", "mit").containsEntry("language", List.of("en", "fr"));
        @SuppressWarnings("unchecked") var index = (List<Map<String, Object>>) data.get("model-index");
        assertThat(index).hasSize(1);
        assertThat(index.getFirst()).containsEntry("name", "tiny-gpt");
        @SuppressWarnings("unchecked") var results = (List<Map<String, Object>>) index.getFirst().get("results");
        @SuppressWarnings("unchecked") var metrics = (List<Map<String, Object>>) results.getFirst().get("metrics");
        assertThat(metrics.getFirst()).containsEntry("type", "perplexity").containsEntry("value", 12.5).containsEntry("verified", false);
        @SuppressWarnings("unchecked") var task = (Map<String, Object>) results.getFirst().get("task");
        assertThat(task).containsEntry("type", "text-generation");
    }

    @Test
    void aFewAliasesAreFine() {
        String card = "---\nbase: &b {lr: 0.1}\nrun1: *b\nrun2: *b\n---\n";
        assertThat(CardData.parse(card).orElseThrow()).containsEntry("run1", Map.of("lr", 0.1));
    }

    @Test
    void quotedNumericLookingKeysAreStrings() {
        assertThat(CardData.parse("---\n'1': a\n\"true\": b\n---\n").orElseThrow()).containsOnlyKeys("1", "true");
    }

    // ---- hostile input: each fails fast with InvalidCardException

    private static void assertInvalid(String card) {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            assertThatThrownBy(() -> CardData.parse(card)).isInstanceOf(InvalidCardException.class);
        });
    }

    @Test
    void billionLaughs() {
        String card = """
                ---
                a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
                i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
                ---
                """;
        assertInvalid(card);
    }

    @Test
    void billionLaughsWithMappings() {
        StringBuilder y = new StringBuilder("---\na0: &a0 {k: lol}\n");
        for (int level = 1; level < 12; level++) {
            y.append('a').append(level).append(": &a").append(level).append(" {");
            for (int i = 0; i < 9; i++) y.append(i == 0 ? "" : ", ").append('k').append(i).append(": *a").append(level - 1);
            y.append("}\n");
        }
        assertInvalid(y.append("---\n").toString());
    }

    @Test
    void documentLargerThan256KiB() {
        StringBuilder y = new StringBuilder("---\n");
        int i = 0;
        while (y.length() <= CardData.MAX_YAML_CHARS + 10) y.append("key").append(i++).append(": value\n");
        assertInvalid(y.append("---\n").toString());
        // a single huge scalar too
        assertInvalid("---\na: " + "x".repeat(CardData.MAX_YAML_CHARS + 1) + "\n---\n");
    }

    @Test
    void documentJustUnderTheLimitParses() {
        String card = "---\na: " + "x".repeat(CardData.MAX_YAML_CHARS - 10) + "\n---\n";
        assertThat(CardData.parse(card).orElseThrow().get("a").toString()).hasSize(CardData.MAX_YAML_CHARS - 10);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "---\n- a\n- b\n---\n",        // a sequence
            "---\njust a string\n---\n",   // a scalar
            "---\n42\n---\n",
            "---\n[1, 2]\n---\n"})
    void topLevelMustBeAMapping(String card) {
        assertInvalid(card);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "---\n1: a\n---\n",
            "---\ntrue: a\n---\n",
            "---\nnull: a\n---\n",
            "---\n1.5: a\n---\n",
            "---\n? [a, b]\n: c\n---\n",
            "---\n? {a: b}\n: c\n---\n",
            "---\nlicense: mit\n2: b\n---\n"})
    void keysMustBeStrings(String card) {
        assertInvalid(card);
    }

    @Test
    void duplicateKeys() {
        assertInvalid("---\nlicense: mit\nlicense: apache-2.0\n---\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "---\na: [\n---\n",
            "---\na: 'unterminated\n---\n",
            "---\n\ta: 1\n---\n",                 // tabs are not indentation
            "---\na: *undefined\n---\n",
            "---\na: !!binary zz\n---\n",
            "---\n&x a: *x\n---\n",
            "---\na: 1\n...\nb: 2\n---\n",    // a second document
            "---\n%YAML 1.2\n---\na: 1\n---\n"})
    void malformedYaml(String card) {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try {
                CardData.parse(card);
            } catch (InvalidCardException expected) {
                // the only acceptable failure
            }
        });
    }

    @Test
    void syntaxErrorsAreInvalidCards() {
        assertInvalid("---\na: [\n---\n");
        assertInvalid("---\na: 'x\n---\n");
        assertInvalid("---\na: *undefined\n---\n");
    }

    /** Regression: 2,000 nested collections (a 4 KB card) overflowed the stack of a 1 MB thread in the composer. */
    @ParameterizedTest
    @ValueSource(ints = {CardData.MAX_DEPTH + 1, 2_000, 100_000})
    void deepNestingIsRefusedNotAStackOverflow(int depth) {
        assertInvalid("---\na: " + "[".repeat(depth) + "]".repeat(depth) + "\n---\n");
        assertInvalid("---\na: " + "{a: ".repeat(depth) + "x" + "}".repeat(depth) + "\n---\n");
        assertInvalid("---\na:\n" + "- ".repeat(depth) + "x\n---\n");
    }

    @Test
    void nestingUpToTheLimitParses() {
        int depth = CardData.MAX_DEPTH - 1; // the top-level mapping is one level
        Object value = CardData.parse("---\na: " + "[".repeat(depth) + "]".repeat(depth) + "\n---\n").orElseThrow().get("a");
        for (int i = 1; i < depth; i++) value = ((List<?>) value).getFirst();
        assertThat((List<?>) value).isEmpty();
    }

    /**
     * Regression: 49 aliases (under the alias limit) in 1,287 characters of YAML expanded to 7^7 copies of a
     * 1,000-character string when the indexer wrote the card as JSON: OutOfMemoryError with a 2 GB heap.
     */
    @Test
    void aliasBombUnderTheAliasLimitIsRefused() {
        StringBuilder y = new StringBuilder("---\nl0: &l0 [\"" + "x".repeat(1000) + "\"]\n");
        for (int level = 1; level <= 7; level++) {
            y.append('l').append(level).append(": &l").append(level).append(" [");
            for (int i = 0; i < 7; i++) y.append(i == 0 ? "" : ",").append("*l").append(level - 1);
            y.append("]\n");
        }
        assertInvalid(y.append("---\n").toString());
    }

    @Test
    void aRecursiveStructureIsRefused() {
        assertInvalid("---\na: &x [*x]\n---\n");
        assertInvalid("---\na: &x {b: *x}\n---\n");
    }

    @Test
    void documentsWithoutAliasesAreNotMistakenForBombs() {
        // expanded size is about one unit per character of YAML, far under the budget (a full-size list is slow to parse)
        StringBuilder y = new StringBuilder("---\nitems: [");
        while (y.length() < 64 * 1024) y.append("a,");
        String card = y.append("a]\nname: '").append("n".repeat(CardData.MAX_YAML_CHARS - 64 * 1024 - 100)).append("'\n---\n").toString();
        Map<String, Object> data = CardData.parse(card).orElseThrow();
        assertThat(data.get("items")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).hasSizeGreaterThan(30_000);
        assertThat(data.get("name").toString()).hasSizeGreaterThan(190_000);
    }

    /** Issue 10, finding 4: a 260,000-digit integer cost seconds of CPU (BigInteger parsing is quadratic); it is refused before construction. */
    @Test
    void longNumbersAndScalarsAreRefusedBeforeTheyAreParsed() {
        String digits = "7".repeat(260_000);
        for (String yaml : List.of("n: " + digits, "n: -" + digits, "n: !!int '" + digits + "'", "n: 0x" + "f".repeat(200_000),
                "n: 1." + digits + "e5", "n: !!float '-" + digits + "'")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CardData.parse("---\n" + yaml + "\n---\n"))
                    .isInstanceOf(CardData.InvalidCardException.class);
        }
        // ordinary numbers and long strings of other kinds still load
        assertThat(CardData.parse("---\nn: " + "9".repeat(100) + "\ns: " + "ab".repeat(1000) + "\n---\n")).isPresent();
    }
}
