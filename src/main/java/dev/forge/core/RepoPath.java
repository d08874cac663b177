package dev.forge.core;

/**
 * Validation of file paths inside a repository. A path is relative, {@code /}-separated, with no empty,
 * {@code .} or {@code ..} segment, no NUL or other control character, no backslash, no {@code .git}
 * segment (nor a look-alike that git treats as one on some file system: {@code .git.} and {@code .git } on Windows,
 * the short name {@code git~1}, {@code .git} with characters HFS+ ignores such as zero-width joiners), no unpaired
 * surrogate, and at most {@value #MAX_LENGTH} bytes of UTF-8. The same rule holds for API commits and git pushes
 * (the push check applies it to every new path), so a file one way can write is a file the other can read.
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
            if (isGitLookalike(segment)) return "'.git' segments (and names git takes for one) are not allowed";
        }
        return null;
    }

    /** {@code .git} as Windows, NTFS short names or HFS+ would read the segment. */
    private static boolean isGitLookalike(String segment) {
        StringBuilder b = new StringBuilder(segment.length());
        segment.codePoints().filter(c -> !isHfsIgnorable(c)).forEach(b::appendCodePoint);
        String s = b.toString();
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) end--;
        String trimmed = s.substring(0, end);
        return trimmed.equalsIgnoreCase(".git") || trimmed.equalsIgnoreCase("git~1");
    }

    /** The code points HFS+ drops when it compares names (as git's and JGit's {@code .git} checks list them). */
    private static boolean isHfsIgnorable(int c) {
        return (c >= 0x200C && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF;
    }
}
