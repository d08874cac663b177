package dev.forge.http.web;

import org.commonmark.Extension;
import org.commonmark.ext.autolink.AutolinkExtension;
import org.commonmark.ext.gfm.strikethrough.StrikethroughExtension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.HtmlSanitizer;
import org.owasp.html.HtmlStreamEventReceiver;
import org.owasp.html.HtmlStreamRenderer;
import org.owasp.html.PolicyFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Model and dataset cards as pages show them: the README's Markdown (CommonMark with GFM tables, strikethrough and
 * autolinks; raw HTML allowed, as on the Hub) rendered to HTML, then sanitized by OWASP's java-html-sanitizer with an
 * allow-list: text formatting, headings, lists, tables, code, quotes, details, links and images — no script, style,
 * event handler, form, frame, SVG or {@code id} (DOM clobbering), and only {@code http}, {@code https} and
 * {@code mailto} URLs. Relative links and images are rewritten to the repository's own file pages and downloads at the
 * page's commit. The front matter (YAML metadata) is not shown; it is the metadata panel. A long card is cut at a
 * paragraph boundary so the page stays small. Thread-safe.
 */
final class Markdown {
    /** Cards longer than this are cut (the rest stays readable in the README's file page). */
    static final int MAX_SOURCE_CHARS = 60_000;

    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create(), StrikethroughExtension.create(),
            AutolinkExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS).sanitizeUrls(true).build();
    private static final Pattern CODE_CLASS = Pattern.compile("language-[A-Za-z0-9_+#.-]{1,32}");
    private static final PolicyFactory POLICY = new HtmlPolicyBuilder()
            .allowElements("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "em", "strong", "b", "i",
                    "u", "del", "s", "sup", "sub", "kbd", "small", "mark", "abbr", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
                    "tbody", "tfoot", "tr", "th", "td", "caption", "details", "summary", "div", "span", "a", "img", "picture", "figure",
                    "figcaption", "center")
            .allowUrlProtocols("http", "https", "mailto")
            .allowAttributes("href", "title").onElements("a")
            .requireRelsOnLinks("nofollow", "noopener", "noreferrer")
            .allowAttributes("src", "alt", "title", "width", "height").onElements("img")
            .allowAttributes("align").onElements("p", "div", "th", "td", "h1", "h2", "h3", "h4", "h5", "h6", "img")
            .allowAttributes("colspan", "rowspan").onElements("th", "td")
            .allowAttributes("start").onElements("ol")
            .allowAttributes("open").onElements("details")
            .allowAttributes("class").matching(CODE_CLASS).onElements("code")
            .toFactory();

    private Markdown() {}

    /** Where a card's relative URLs point: files of {@code repo} at {@code rev}. */
    interface Resolver {
        /** A relative link (a file or folder of the repository) → the page to open. */
        String link(String repoPath);

        /** A relative image → the URL that serves its bytes. */
        String image(String repoPath);
    }

    /** The card's HTML, sanitized; {@code truncated} tells whether it was cut. */
    record Rendered(SafeHtml html, boolean truncated) {}

    static Rendered card(String readme, Resolver resolver) {
        String body = stripFrontMatter(readme);
        boolean truncated = false;
        if (body.length() > MAX_SOURCE_CHARS) {
            int cut = body.lastIndexOf("\n\n", MAX_SOURCE_CHARS);
            body = body.substring(0, cut > MAX_SOURCE_CHARS / 2 ? cut : MAX_SOURCE_CHARS);
            truncated = true;
        }
        return new Rendered(new SafeHtml(sanitize(RENDERER.render(PARSER.parse(body)), resolver)), truncated);
    }

    /** A discussion comment: Markdown (and HTML), sanitized the same way, not cut (comments are bounded when written). */
    static SafeHtml comment(String text, Resolver resolver) {
        return new SafeHtml(sanitize(RENDERER.render(PARSER.parse(text)), resolver));
    }

    /** Runs untrusted HTML through the allow-list, rewriting relative URLs on the way out. */
    static String sanitize(String html, Resolver resolver) {
        StringBuilder out = new StringBuilder(html.length());
        HtmlStreamRenderer renderer = HtmlStreamRenderer.create(out, bad -> { });
        HtmlSanitizer.sanitize(html, POLICY.apply(new Rewriter(renderer, resolver)));
        return out.toString();
    }

    /** The card's text without its front matter ({@code ---} YAML {@code ---} at the very start). */
    static String stripFrontMatter(String card) {
        String s = card.startsWith("\uFEFF") ? card.substring(1) : card;
        if (!s.startsWith("---\n") && !s.startsWith("---\r\n")) return s;
        int from = s.indexOf('\n') + 1;
        for (int i = from; i < s.length(); ) {
            int end = s.indexOf('\n', i);
            String line = (end < 0 ? s.substring(i) : s.substring(i, end)).stripTrailing();
            if (line.equals("---") || line.equals("...")) return end < 0 ? "" : s.substring(end + 1);
            if (end < 0) break;
            i = end + 1;
        }
        return s; // no closing line: not front matter
    }

    /**
     * Passes sanitized events on, with relative {@code href} and {@code src} values pointed into the repository; a
     * relative URL that climbs out of it ({@code ..} past the root) is dropped.
     */
    private record Rewriter(HtmlStreamEventReceiver next, Resolver resolver) implements HtmlStreamEventReceiver {
        @Override public void openDocument() { next.openDocument(); }

        @Override public void closeDocument() { next.closeDocument(); }

        @Override public void closeTag(String name) { next.closeTag(name); }

        @Override public void text(String text) { next.text(text); }

        @Override
        public void openTag(String name, List<String> attrs) {
            List<String> out = new ArrayList<>(attrs.size() + 2);
            boolean hasAlt = false;
            String src = "";
            for (int i = 0; i + 1 < attrs.size(); i += 2) {
                if (attrs.get(i).equals("alt")) hasAlt = !attrs.get(i + 1).isBlank();
                if (attrs.get(i).equals("src")) src = attrs.get(i + 1);
                String attr = attrs.get(i), value = attrs.get(i + 1);
                boolean url = (name.equals("a") && attr.equals("href")) || (name.equals("img") && attr.equals("src"));
                if (url && isRelative(value)) {
                    String path = repoPath(value);
                    if (path == null) continue;
                    value = name.equals("img") ? resolver.image(path) : resolver.link(path);
                }
                if (attr.equals("alt") && value.isBlank()) continue;
                out.add(attr);
                out.add(value);
            }
            if (name.equals("img") && !hasAlt) {
                // an image the card gives no text for is announced by its file name (what a screen reader would read out anyway)
                String file = src.replaceAll("[?#].*", "");
                out.add("alt");
                out.add("Image " + (file.isEmpty() ? "without a name" : file.substring(file.lastIndexOf('/') + 1)));
            }
            next.openTag(name, out);
        }
    }

    static boolean isRelative(String url) {
        if (url.startsWith("/") || url.startsWith("#")) return false; // this forge's own pages, or an anchor
        int colon = url.indexOf(':');
        int slash = url.indexOf('/');
        return colon < 0 || (slash >= 0 && slash < colon);
    }

    /** A relative URL as a path inside the repository (query and fragment dropped), or null when it leaves it. */
    static String repoPath(String url) {
        String u = url;
        int cut = u.indexOf('?');
        if (cut >= 0) u = u.substring(0, cut);
        cut = u.indexOf('#');
        if (cut >= 0) u = u.substring(0, cut);
        try {
            u = java.net.URLDecoder.decode(u.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String s : u.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) {
                if (parts.isEmpty()) return null;
                parts.removeLast();
            } else {
                parts.add(s);
            }
        }
        return parts.isEmpty() ? null : String.join("/", parts);
    }
}
