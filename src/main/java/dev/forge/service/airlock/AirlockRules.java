package dev.forge.service.airlock;

/**
 * The names of the airlock's rules, as refusals, the {@code X-Airlock-Rule} header and the audit log carry them.
 * {@link #ALLOWED} is what the audit log says when no rule refused.
 */
public final class AirlockRules {
    private AirlockRules() {}

    /** The upstream namespace (or {@code namespace/name}) is denied, or not among the allowed ones. */
    public static final String NAMESPACE = "namespace";
    /** The card's licence is missing or not on the allow-list. */
    public static final String LICENSE = "license";
    /** A pickle-based file, and the policy refuses those. */
    public static final String FILE_FORMAT = "file-format";
    /** A pickle (alone or inside a PyTorch zip checkpoint) imports a dangerous global, or one outside the safe list. */
    public static final String PICKLE_IMPORT = "pickle-import";
    /** A pickle-based file that could not be read as one (malformed, truncated, too large to scan). */
    public static final String PICKLE_INVALID = "pickle-invalid";
    /** One file is larger than the per-file limit. */
    public static final String FILE_SIZE = "file-size";
    /** The files of one revision add up to more than the per-revision limit. */
    public static final String REVISION_SIZE = "revision-size";
    /** No rule refused. */
    public static final String ALLOWED = "allowed";
}
