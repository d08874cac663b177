package dev.forge.core;

import java.time.Instant;

/** An access token's record. The secret itself is never stored, only its SHA-256. */
public record Token(String key, String userKey, String displayName, Role role, Instant createdAt) {
    public enum Role {
        READ, WRITE;

        public String wire() { return name().toLowerCase(); }
    }
}
