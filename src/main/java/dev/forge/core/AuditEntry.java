package dev.forge.core;

import java.time.Instant;

/**
 * One audited action: who ({@code actor}, with the id of the token used, never its secret), from where, what, on
 * what, with which details (a JSON object or null), and whether it was allowed. Keys sort in time order.
 */
public record AuditEntry(String key, Instant at, String actor, String tokenKey, String address, String action,
                         String target, String detail, String outcome) {

    /** What to look for; null fields match everything. Entries come newest first, before {@code beforeKey} when set. */
    public record Query(String actor, String action, String target, Instant since, String beforeKey, int limit) {}
}
