package dev.forge.http.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How numbers, sizes and dates read on pages (templates import these statically). Stateless. */
public final class Fmt {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Fmt() {}

    /** 0 B, 999 B, 1.5 kB, 12.3 MB, 7.25 GB (powers of 1000, as the Hub shows sizes). */
    public static String bytes(long n) {
        return n < 1000 ? n + " B" : scaled(n, new String[] {" kB", " MB", " GB", " TB", " PB"}, true);
    }

    /** 999, 1.2k, 34.5M: counts of downloads and likes. */
    public static String count(long n) {
        return n < 1000 ? Long.toString(n) : scaled(n, new String[] {"k", "M", "B"}, false);
    }

    /** Parameter counts as model names give them: 124M, 7.24B, 1.5T; "?" when unknown. */
    public static String params(long n) {
        if (n < 0) return "?";
        return n < 1000 ? Long.toString(n) : scaled(n, new String[] {"K", "M", "B", "T"}, true);
    }

    /** {@code n} (at least 1000) in the largest unit below it, with three significant digits (two when {@code fine} is off). */
    private static String scaled(long n, String[] units, boolean fine) {
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String digits = v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 || !fine ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
        return digits + units[u];
    }

    public static String day(Instant t) { return DAY.format(t); }

    /** The machine-readable form for {@code <time datetime>}. */
    public static String iso(Instant t) { return ISO.format(t); }

    public static String shortSha(String sha) { return sha.length() > 7 ? sha.substring(0, 7) : sha; }

    /** The last segment of a path (a file's name). */
    public static String name(String path) { return path.substring(path.lastIndexOf('/') + 1); }

    public static String plural(long n, String one, String many) { return n + " " + (n == 1 ? one : many); }
}
