package dev.forge.service.community;

import dev.forge.core.ForgeException;

/**
 * What titles and comments may hold. Text is stored exactly as written (markdown and HTML included: whoever renders
 * it escapes it); what is refused is what no renderer can show: control characters (in comments, all but tab and line
 * breaks), unpaired surrogates, and text past the limits. Titles are stripped of surrounding white space.
 */
public final class DiscussionText {
    /** As on the Hub. */
    public static final int MIN_TITLE = 3;
    public static final int MAX_TITLE = 200;
    /** Comments and descriptions, in characters. */
    public static final int MAX_COMMENT = 65_536;

    private DiscussionText() {}

    /** The title, stripped; 400 when it is too short, too long, or holds a control character. */
    public static String title(String raw) {
        if (raw == null) throw ForgeException.badRequest("A title is required");
        String t = raw.strip();
        int length = t.codePointCount(0, t.length());
        if (length < MIN_TITLE || length > MAX_TITLE) {
            throw ForgeException.badRequest("The title must be " + MIN_TITLE + " to " + MAX_TITLE + " characters long (it has " + length + ")");
        }
        check(t, "The title", false);
        return t;
    }

    /** A comment's text as given; 400 when it is blank, too long, or holds a control character. */
    public static String comment(String raw) {
        if (raw == null || raw.isBlank()) throw ForgeException.badRequest("The comment is empty");
        return body(raw);
    }

    /** A description (the opening comment), which may be empty. */
    public static String description(String raw) {
        return raw == null ? "" : body(raw.strip());
    }

    /**
     * A title made from a commit's summary (a pull request opened by a commit): never refused, since the commit is
     * already accepted; control characters become spaces, unpaired surrogates U+FFFD, and it is cut to the limit.
     */
    public static String titleFromCommit(String summary) {
        String t = sanitize(summary, false).strip();
        if (t.codePointCount(0, t.length()) <= MAX_TITLE) return t;
        return t.substring(0, t.offsetByCodePoints(0, MAX_TITLE - 1)) + "…";
    }

    /** A description made from a commit's description, made acceptable the same way and cut to the comment limit. */
    public static String descriptionFromCommit(String description) {
        String d = sanitize(description, true).strip();
        if (d.length() <= MAX_COMMENT) return d;
        int end = Character.isLowSurrogate(d.charAt(MAX_COMMENT)) ? MAX_COMMENT - 1 : MAX_COMMENT;
        return d.substring(0, end);
    }

    private static String sanitize(String s, boolean lineBreaks) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else if (Character.isISOControl(c) && !(lineBreaks && (c == '\n' || c == '\r' || c == '\t'))) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String body(String s) {
        if (s.length() > MAX_COMMENT) throw ForgeException.badRequest("A comment may hold at most " + MAX_COMMENT + " characters");
        check(s, "The comment", true);
        return s;
    }

    private static void check(String s, String what, boolean lineBreaks) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ForgeException.badRequest(what + " is not valid Unicode text");
            } else if (Character.isISOControl(c) && !(lineBreaks && (c == '\n' || c == '\r' || c == '\t'))) {
                throw ForgeException.badRequest(what + " holds a control character (U+%04X)".formatted((int) c));
            }
        }
    }
}
