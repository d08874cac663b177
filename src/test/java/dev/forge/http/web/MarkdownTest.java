package dev.forge.http.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cards render as the Hub renders them (GFM tables, code, images from the repository) and nothing in them can run:
 * every trick of the XSS corpus comes out without script, event handler, {@code javascript:} URL, SVG, frame, form,
 * style or {@code id}. (The browser test loads the same corpus and checks in Chromium that nothing ran.)
 */
class MarkdownTest {
    private static final Markdown.Resolver REPO = new Markdown.Resolver() {
        @Override public String link(String path) { return "/acme/llm/blob/main/" + path; }

        @Override public String image(String path) { return "/acme/llm/resolve/0123abc/" + path; }
    };

    private static String html(String md) {
        return Markdown.card(md, REPO).html().html();
    }

    @Test
    void tablesCodeAndHeadingsRender() {
        String h = html("""
                ---
                license: mit
                ---
                # Title

                | a | b |
                |---|:-:|
                | 1 | 2 |

                ```python
                print("hi")
                ```
                ~~gone~~ and https://example.org
                """);
        assertThat(h).contains("<h1>Title</h1>").contains("<table>").contains("<td").contains(">1</td>")
                .contains("<pre><code class=\"language-python\">print(&#34;hi&#34;)").contains("<del>gone</del>")
                .contains("href=\"https://example.org\"").doesNotContain("license: mit");
        assertThat(h).contains("rel=\"nofollow noopener noreferrer\"");
    }

    @Test
    void relativeLinksAndImagesPointIntoTheRepository() {
        String h = html("![plot](./images/plot.png) [config](config.json) [up](../../etc/passwd) <img src=\"a%20b.png\"> [top](#usage) [abs](/other/repo)");
        assertThat(h).contains("src=\"/acme/llm/resolve/0123abc/images/plot.png\"")
                .contains("href=\"/acme/llm/blob/main/config.json\"")
                .doesNotContain("etc/passwd")
                .contains("src=\"/acme/llm/resolve/0123abc/a b.png\"")
                .contains("href=\"#usage\"").contains("href=\"/other/repo\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "<script>window.__xss=1</script>",
            "<img src=x onerror=\"window.__xss=1\">",
            "[click](javascript:window.__xss=1)",
            "[click](JaVaScRiPt:window.__xss=1)",
            "<a href=\"javascript&colon;window.__xss=1\">x</a>",
            "<a href=\"jav&#x09;ascript:window.__xss=1\">x</a>",
            "<svg onload=\"window.__xss=1\"><script>window.__xss=1</script></svg>",
            "<iframe src=\"data:text/html,<script>parent.__xss=1</script>\"></iframe>",
            "<object data=\"javascript:window.__xss=1\"></object>",
            "<form action=\"javascript:window.__xss=1\"><button>go</button></form>",
            "<style>body{background:url(javascript:window.__xss=1)}</style>",
            "<div style=\"background:url(javascript:window.__xss=1)\">x</div>",
            "<details open ontoggle=\"window.__xss=1\"><summary>s</summary></details>",
            "<img src=\"data:image/svg+xml,<svg onload=window.__xss=1>\">",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1></style></mglyph></table></mtext></math>",
            "<noscript><p title=\"</noscript><img src=x onerror=window.__xss=1>\"></noscript>",
            "<base href=\"javascript:/\"><a href=\"x\">x</a>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss=1\">",
            "<input autofocus onfocus=window.__xss=1>",
            "<form id=\"__xss\"></form><img name=\"__xss\" id=\"__xss\" src=\"x.png\">",
            "![x](javascript:window.__xss=1)",
            "[x](\"onmouseover=window.__xss=1)",
            "<a href=\"//evil.example/\" onclick=\"window.__xss=1\">x</a>"
    })
    void theXssCorpusComesOutInert(String attack) {
        String h = html("# card\n\n" + attack + "\n");
        String lower = h.toLowerCase(java.util.Locale.ROOT);
        assertThat(lower).doesNotContain("<script").doesNotContain("<svg").doesNotContain("<iframe").doesNotContain("<object")
                .doesNotContain("<form").doesNotContain("<style").doesNotContain("<input").doesNotContain("<base").doesNotContain("<meta")
                .doesNotContain("<math").doesNotContain("javascript:").doesNotContain("data:").doesNotContain(" style=")
                .doesNotContain(" id=").doesNotContain(" name=").doesNotContainPattern("\\son[a-z]+=");
    }

    @Test
    void frontMatterIsStrippedOnlyWhenClosed() {
        assertThat(Markdown.stripFrontMatter("---\na: 1\n---\nbody")).isEqualTo("body");
        assertThat(Markdown.stripFrontMatter("\uFEFF---\r\na: 1\r\n---\r\nbody")).isEqualTo("body");
        assertThat(Markdown.stripFrontMatter("---\na: 1\nno end")).isEqualTo("---\na: 1\nno end");
        assertThat(Markdown.stripFrontMatter("text\n---\n")).isEqualTo("text\n---\n");
    }

    @Test
    void aLongCardIsCutAtAParagraph() {
        String para = "word ".repeat(200) + "\n\n";
        Markdown.Rendered r = Markdown.card(para.repeat(200), REPO);
        assertThat(r.truncated()).isTrue();
        assertThat(r.html().html().length()).isLessThan(Markdown.MAX_SOURCE_CHARS + 2000);
        assertThat(Markdown.card("short", REPO).truncated()).isFalse();
    }

    @Test
    void repositoryPathsOfRelativeUrls() {
        assertThat(Markdown.repoPath("a/./b/../c.png?x=1#y")).isEqualTo("a/c.png");
        assertThat(Markdown.repoPath("../x")).isNull();
        assertThat(Markdown.repoPath("%zz")).isNull();
        assertThat(Markdown.isRelative("images/a.png")).isTrue();
        assertThat(Markdown.isRelative("https://x")).isFalse();
        assertThat(Markdown.isRelative("mailto:a@b")).isFalse();
        assertThat(Markdown.isRelative("/abs")).isFalse();
        assertThat(Markdown.isRelative("a/b:c")).isTrue();
    }
}
