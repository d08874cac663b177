package dev.forge.core;

/** Small string helpers shared by error messages and parsers. */
public final class Strings {
    private Strings() {}

    /** Quotes untrusted input for an error message: control characters escaped, length capped. */
    public static String quoteForMessage(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("'");
        int max = Math.min(s.length(), 200);
        for (int i = 0; i < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > max) b.append("…");
        return b.append('\'').toString();
    }

    public static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /** At most {@code max} characters of {@code s}. */
    public static String clip(String s, int max) { return s.length() <= max ? s : s.substring(0, max); }
}
