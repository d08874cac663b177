package dev.forge.core;

import java.time.Instant;

/**
 * One user's request for access to a gated repository: {@code pending}, {@code accepted} or {@code rejected}.
 * {@code fields} is the requester's answers as a JSON object, or null.
 */
public record AccessRequest(String repoKey, User user, String status, String fields, Instant requestedAt,
                            Instant decidedAt, String decidedBy, String rejectionReason) {}
