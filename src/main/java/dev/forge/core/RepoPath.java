package dev.forge.core;

/**
 * Validation of file paths inside a repository. A path is relative, {@code /}-separated, with no empty,
 * {@code .} or {@code ..} segment, no NUL or other control character, no backslash, no {@code .git}
 * segment, no unpaired surrogate, and at most {@value #MAX_LENGTH} bytes of UTF-8.
 */
public final class RepoPath {
    public static final int MAX_LENGTH = 4096;

    private RepoPath() {}

    /** Returns the path unchanged when valid; throws a 400 naming the problem otherwise. */
    public static String validate(String path) {
        String problem = problem(path);
        if (problem != null) throw ForgeException.badRequest("Invalid path " + Strings.quoteForMessage(path) + ": " + problem);
        return path;
    }

    public static boolean isValid(String path) {
        return problem(path) == null;
    }

    private static String problem(String path) {
        if (path == null || path.isEmpty()) return "empty";
        byte[] utf8 = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (utf8.length > MAX_LENGTH) return "longer than " + MAX_LENGTH + " bytes";
        // an unpaired surrogate would be stored in git as '?', under another name than the one validated
        if (!new String(utf8, java.nio.charset.StandardCharsets.UTF_8).equals(path)) return "not valid Unicode";
        if (path.startsWith("/")) return "absolute paths are not allowed";
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) return "control characters are not allowed";
            if (c == '\\') return "backslashes are not allowed";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) return "empty segments are not allowed";
            if (segment.equals(".") || segment.equals("..")) return "'.' and '..' segments are not allowed";
            if (segment.equalsIgnoreCase(".git")) return "'.git' segments are not allowed";
        }
        return null;
    }
}
