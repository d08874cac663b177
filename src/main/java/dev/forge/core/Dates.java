package dev.forge.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Dates as the Hub clients parse them: ISO-8601 UTC with milliseconds and a {@code Z} suffix, never {@code +00:00}. */
public final class Dates {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Dates() {}

    public static String iso(Instant instant) { return ISO.format(instant); }
}
