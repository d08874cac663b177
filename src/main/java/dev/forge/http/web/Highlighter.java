package dev.forge.http.web;

import dev.forge.http.exchange.Html;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server-side syntax highlighting for file pages: the text is split into lines, and in each line comments, strings,
 * numbers, keywords and keys are wrapped in {@code <span class="…">} (colours come from the stylesheet; no script and
 * no inline style is needed). Every character of the file is HTML-escaped. The rules are small regular expressions per
 * language, chosen by file name; each is linear in the text (possessive quantifiers, and an unterminated string or
 * comment simply runs to the end of its line or of the file), so a hostile file costs no more than a long one.
 * Unknown kinds of file get escaped plain text. Thread-safe.
 */
final class Highlighter {
    private record Rule(String regex, String css) {}

    private record Language(Pattern pattern, List<String> classes) {}

    private static final String DQ = "\"(?:[^\"\\\\\\n]|\\\\.)*+\"?";
    private static final String SQ = "'(?:[^'\\\\\\n]|\\\\.)*+'?";
    private static final String NUM = "\\b(?:0[xX][0-9a-fA-F_]++|\\d[\\d_]*+(?:\\.\\d++)?(?:[eE][+-]?\\d++)?)\\b";
    private static final String HASH_COMMENT = "#[^\\n]*+";
    private static final String SLASH_COMMENTS = "//[^\\n]*+|/\\*(?:[^*]|\\*(?!/))*+(?:\\*/)?";

    private static final Language JSON = language(
            new Rule(DQ + "(?=\\s*+:)", "p"), new Rule(DQ, "s"), new Rule("-?" + NUM, "n"), new Rule("\\b(?:true|false|null)\\b", "k"));
    private static final Language PYTHON = language(
            new Rule(HASH_COMMENT, "c"),
            new Rule("[rRbBfFuU]{0,2}(?:\"\"\"(?:[^\"]|\"(?!\"\"))*+(?:\"\"\")?|'''(?:[^']|'(?!''))*+(?:''')?)", "s"),
            new Rule("[rRbBfFuU]{0,2}(?:" + DQ + "|" + SQ + ")", "s"),
            new Rule("@[A-Za-z_][\\w.]*+", "a"), new Rule(NUM, "n"),
            new Rule(words("False None True and as assert async await break class continue def del elif else except finally for from "
                    + "global if import in is lambda nonlocal not or pass raise return try while with yield self"), "k"));
    private static final Language YAML = language(
            new Rule(HASH_COMMENT, "c"), new Rule("(?m)^[ \\t]*+(?:- )?[^\\s:#'\"][^:\\n#]*+(?=:(?:\\s|$))", "p"),
            new Rule(DQ + "|" + SQ, "s"), new Rule("-?" + NUM, "n"), new Rule("\\b(?:true|false|null|yes|no|True|False)\\b", "k"),
            new Rule("(?m)^(?:---|\\.\\.\\.)$", "t"));
    private static final Language SHELL = language(
            new Rule(HASH_COMMENT, "c"), new Rule(DQ + "|" + SQ, "s"), new Rule("\\$\\{?[A-Za-z_][A-Za-z0-9_]*+\\}?", "a"),
            new Rule(words("if then else elif fi for while do done case esac in function return export local set unset"), "k"));
    private static final Language C_LIKE = language(
            new Rule(SLASH_COMMENTS, "c"), new Rule("`(?:[^`\\\\]|\\\\.)*+`?", "s"), new Rule(DQ + "|" + SQ, "s"), new Rule(NUM, "n"),
            new Rule(words("abstract async await bool boolean break case catch char class const continue def default delete do double else "
                    + "enum export extends false final finally float fn for from func function go if impl import in int interface let long "
                    + "match mod mut new null package private protected pub public return self short static struct super switch this "
                    + "throw throws trait true try type typeof undefined use var void while yield"), "k"));
    private static final Language TOML = language(
            new Rule("(?m)[#;][^\\n]*+", "c"), new Rule("(?m)^[ \\t]*+\\[[^\\]\\n]*+\\]?", "t"),
            new Rule("(?m)^[ \\t]*+[A-Za-z0-9_.\\-\"]++(?=[ \\t]*+=)", "p"), new Rule(DQ + "|" + SQ, "s"), new Rule("-?" + NUM, "n"),
            new Rule("\\b(?:true|false)\\b", "k"));
    private static final Language MARKDOWN = language(
            new Rule("(?m)^#{1,6}[ \\t][^\\n]*+", "t"), new Rule("`[^`\\n]*+`?", "s"), new Rule("(?m)^(?:---|```[^\\n]*+)$", "c"));

    private static final Map<String, Language> BY_EXTENSION = Map.ofEntries(
            Map.entry("json", JSON), Map.entry("jsonl", JSON), Map.entry("ipynb", JSON),
            Map.entry("py", PYTHON), Map.entry("pyi", PYTHON),
            Map.entry("yaml", YAML), Map.entry("yml", YAML),
            Map.entry("sh", SHELL), Map.entry("bash", SHELL),
            Map.entry("js", C_LIKE), Map.entry("mjs", C_LIKE), Map.entry("ts", C_LIKE), Map.entry("java", C_LIKE), Map.entry("c", C_LIKE),
            Map.entry("h", C_LIKE), Map.entry("cc", C_LIKE), Map.entry("cpp", C_LIKE), Map.entry("cu", C_LIKE), Map.entry("rs", C_LIKE),
            Map.entry("go", C_LIKE), Map.entry("swift", C_LIKE), Map.entry("kt", C_LIKE),
            Map.entry("toml", TOML), Map.entry("ini", TOML), Map.entry("cfg", TOML),
            Map.entry("md", MARKDOWN));

    private Highlighter() {}

    /** The language a file name asks for, or empty for plain text. */
    static String languageOf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.equals("dockerfile") || name.equals("makefile")) return "sh";
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return BY_EXTENSION.containsKey(ext) ? ext : "";
    }

    /** The text as highlighted lines (a trailing newline makes no empty last line). */
    static List<SafeHtml> lines(String text, String path) {
        Language lang = BY_EXTENSION.get(languageOf(path));
        List<SafeHtml> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        if (lang == null) {
            plain(text, line, out, null);
        } else {
            Matcher m = lang.pattern.matcher(text);
            int at = 0;
            while (m.find()) {
                if (m.end() == m.start()) continue;
                plain(text.substring(at, m.start()), line, out, null);
                plain(m.group(), line, out, lang.classes.get(group(m) - 1));
                at = m.end();
            }
            plain(text.substring(at), line, out, null);
        }
        if (!line.isEmpty() || (!text.isEmpty() && !text.endsWith("\n"))) out.add(new SafeHtml(line.toString()));
        return out;
    }

    /** Appends escaped text, in a span of {@code css} when given, closing and reopening the span at each line break. */
    private static void plain(String text, StringBuilder line, List<SafeHtml> out, String css) {
        int from = 0;
        while (from <= text.length()) {
            int nl = text.indexOf('\n', from);
            String piece = nl < 0 ? text.substring(from) : text.substring(from, nl);
            if (piece.endsWith("\r")) piece = piece.substring(0, piece.length() - 1);
            if (!piece.isEmpty()) {
                if (css != null) line.append("<span class=\"").append(css).append("\">");
                line.append(Html.escape(piece));
                if (css != null) line.append("</span>");
            }
            if (nl < 0) return;
            out.add(new SafeHtml(line.toString()));
            line.setLength(0);
            from = nl + 1;
        }
    }

    private static int group(Matcher m) {
        for (int g = 1; g <= m.groupCount(); g++) if (m.start(g) >= 0) return g;
        throw new IllegalStateException("a match without a group");
    }

    private static String words(String list) {
        return "\\b(?:" + String.join("|", list.split(" ")) + ")\\b";
    }

    private static Language language(Rule... rules) {
        StringBuilder p = new StringBuilder();
        List<String> classes = new ArrayList<>();
        for (Rule r : rules) {
            if (!p.isEmpty()) p.append('|');
            p.append('(').append(r.regex).append(')');
            classes.add(r.css);
        }
        return new Language(Pattern.compile(p.toString()), List.copyOf(classes));
    }
}
