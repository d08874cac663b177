package dev.forge.http.web;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Highlighting escapes every character of a file, keeps its lines, and marks strings, keys, comments and keywords. */
class HighlighterTest {

    private static String joined(List<SafeHtml> lines) {
        StringBuilder b = new StringBuilder();
        for (SafeHtml l : lines) b.append(l.html()).append('\n');
        return b.toString();
    }

    /** What the HTML says as text: tags removed, the five escapes undone. */
    private static String text(String html) {
        return html.replaceAll("<[^>]*>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    @Test
    void jsonKeysStringsNumbersAndLiterals() {
        String h = joined(Highlighter.lines("{\"a\": \"b\", \"n\": -1.5e3, \"t\": true}\n", "config.json"));
        assertThat(h).contains("<span class=\"p\">&quot;a&quot;</span>").contains("<span class=\"s\">&quot;b&quot;</span>")
                .contains("<span class=\"n\">-1.5e3</span>").contains("<span class=\"k\">true</span>");
    }

    @Test
    void pythonCommentsAndMultiLineStringsKeepTheirLines() {
        List<SafeHtml> lines = Highlighter.lines("def f():\n    \"\"\"doc\n    more\"\"\"  # note\n    return 1\n", "m.py");
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0).html()).contains("<span class=\"k\">def</span>");
        assertThat(lines.get(1).html()).contains("<span class=\"s\">&quot;&quot;&quot;doc</span>");
        assertThat(lines.get(2).html()).contains("<span class=\"s\">    more&quot;&quot;&quot;</span>").contains("<span class=\"c\"># note</span>");
    }

    @Test
    void hostileTextIsEscapedInEveryLanguage() {
        String attack = "<script>window.__xss=1</script> \"<img src=x onerror=alert(1)>\" # <b>\n'</textarea><svg onload=1>'\n";
        for (String name : List.of("a.json", "a.py", "a.yaml", "a.sh", "a.js", "a.toml", "a.md", "a.txt", "Dockerfile")) {
            String h = joined(Highlighter.lines(attack, name));
            assertThat(h).as(name).doesNotContain("<script").doesNotContain("<img").doesNotContain("<svg").doesNotContain("<b>")
                    .doesNotContain("<textarea");
            assertThat(text(h)).as(name).isEqualTo(attack);
        }
    }

    @Test
    void unterminatedStringsAndCommentsRunToTheirEnd() {
        assertThat(text(joined(Highlighter.lines("x = \"never closed\ny = 2\n", "a.py")))).isEqualTo("x = \"never closed\ny = 2\n");
        assertThat(text(joined(Highlighter.lines("/* open comment\nstill\n", "a.js")))).isEqualTo("/* open comment\nstill\n");
        assertThat(Highlighter.lines("\"\"\"" + "\"".repeat(50_000), "a.py")).hasSize(1);
    }

    @Test
    void languagesByFileName() {
        assertThat(Highlighter.languageOf("dir/model.PY")).isEqualTo("py");
        assertThat(Highlighter.languageOf("weights.bin")).isEmpty();
        assertThat(Highlighter.languageOf("Makefile")).isEqualTo("sh");
        assertThat(Highlighter.lines("", "a.txt")).isEmpty();
        assertThat(Highlighter.lines("no newline", "a.txt")).hasSize(1);
        assertThat(Highlighter.lines("a\r\nb\r\n", "a.txt")).extracting(SafeHtml::html).containsExactly("a", "b");
    }

    /** Whatever the text, the markup says exactly that text again, line by line. */
    @Property(tries = 300)
    void theTextSurvivesHighlighting(@ForAll @StringLength(max = 300) String s, @ForAll("names") String name) {
        String normalized = s.replace("\r", "");
        String h = joined(Highlighter.lines(normalized, name));
        String expected = normalized.endsWith("\n") || normalized.isEmpty() ? normalized : normalized + "\n";
        assertThat(text(h)).isEqualTo(expected);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> names() {
        return net.jqwik.api.Arbitraries.of("a.json", "a.py", "a.yaml", "a.sh", "a.rs", "a.toml", "a.md", "a.txt");
    }
}
