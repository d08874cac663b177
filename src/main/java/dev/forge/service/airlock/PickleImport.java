package dev.forge.service.airlock;

/**
 * One global a pickle imports ({@code GLOBAL}, {@code STACK_GLOBAL}, {@code INST}, or an extension code), and how
 * the Hub's scanner would rate it. A module or name the scanner could not follow (not a string, too long, from a
 * memo slot holding something else) is {@link #UNKNOWN} and rated dangerous, as the Hub's scanner does.
 */
public record PickleImport(String module, String name, Safety safety) {
    public static final String UNKNOWN = "<unknown>";

    /** The Hub's three ratings: in the safe list, in neither list, in the dangerous list (or unknown). */
    public enum Safety { INNOCUOUS, SUSPICIOUS, DANGEROUS }

    @Override
    public String toString() { return module + "." + name + " (" + safety.name().toLowerCase(java.util.Locale.ROOT) + ")"; }
}
