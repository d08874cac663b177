package dev.forge.core;

import java.util.Optional;

/**
 * One satisfiable byte range {@code [first, last]} of a resource of {@code total} bytes, parsed from a
 * single-range {@code Range} header ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}). Multi-range
 * requests are answered with the whole resource, as RFC 9110 allows.
 */
public record ByteRange(long first, long last, long total) {

    public ByteRange {
        if (first < 0 || last < first || last >= total) throw new IllegalArgumentException("bad range " + first + "-" + last + "/" + total);
    }

    public long length() { return last - first + 1; }

    /** {@code bytes first-last/total}, the value of {@code Content-Range}. */
    public String contentRange() { return "bytes " + first + "-" + last + "/" + total; }

    /**
     * Parses a {@code Range} header against a resource size.
     *
     * @return empty when the header is absent, not a single byte range, or malformed (serve the whole
     *     resource); the range otherwise
     * @throws ForgeException {@link ErrorKind#RANGE_NOT_SATISFIABLE} with {@code Content-Range: bytes *}{@code /total}
     *     when the range is well-formed but does not overlap the resource
     */
    public static Optional<ByteRange> parse(String header, long total) {
        if (header == null) return Optional.empty();
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) return Optional.empty();
        String spec = h.substring(6).trim();
        if (spec.isEmpty() || spec.indexOf(',') >= 0) return Optional.empty();
        int dash = spec.indexOf('-');
        if (dash < 0) return Optional.empty();
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (a.isEmpty()) {
            Long n = number(b);
            if (n == null) return Optional.empty();
            if (n == 0 || total == 0) throw unsatisfiable(total);
            return Optional.of(new ByteRange(Math.max(0, total - n), total - 1, total));
        }
        Long first = number(a);
        if (first == null) return Optional.empty();
        Long last;
        if (b.isEmpty()) {
            last = Long.MAX_VALUE;
        } else {
            last = number(b);
            if (last == null || last < first) return Optional.empty();
        }
        if (first >= total) throw unsatisfiable(total);
        return Optional.of(new ByteRange(first, Math.min(last, total - 1), total));
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 19) return null;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ForgeException unsatisfiable(long total) {
        return new ForgeException(ErrorKind.RANGE_NOT_SATISFIABLE, "Requested range not satisfiable",
                new ErrorDetail.UnsatisfiableRange(total));
    }
}
