package dev.forge.core;

import java.util.Locale;

/** Whether a repository's files need an accepted access request: not at all, accepted at once, or by an owner. */
public enum Gating {
    NONE, AUTO, MANUAL;

    /** The Hub's {@code gated} value: {@code false}, {@code "auto"} or {@code "manual"}. */
    public Object wire() { return this == NONE ? Boolean.FALSE : name().toLowerCase(Locale.ROOT); }

    public String column() { return this == NONE ? null : name().toLowerCase(Locale.ROOT); }

    public static Gating fromColumn(String s) { return s == null ? NONE : valueOf(s.toUpperCase(Locale.ROOT)); }
}
