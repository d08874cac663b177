package dev.forge.service.account;

import java.util.regex.Pattern;

/** Recognises token secrets so that nothing that looks like one is ever written to a log or an error message. */
public final class Secrets {
    private static final Pattern TOKEN = Pattern.compile("hf_[A-Za-z0-9]{20,}");

    private Secrets() {}

    public static boolean looksLikeToken(String s) { return s != null && TOKEN.matcher(s).find(); }

    /** The text with every token-shaped substring replaced. */
    public static String redact(String s) { return s == null ? null : TOKEN.matcher(s).replaceAll("hf_[redacted]"); }
}
