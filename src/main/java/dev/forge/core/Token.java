package dev.forge.core;

import java.time.Instant;
import java.util.List;

/**
 * An access token's record. The secret itself is never stored, only its SHA-256. A fine-grained token reaches
 * only what its {@code scopes} name; the other roles reach what their user can, read-only for {@code READ}.
 */
public record Token(String key, String userKey, String displayName, Role role, Instant createdAt,
                    List<TokenScope> scopes, Instant lastUsedAt, Instant revokedAt) {
    public enum Role {
        READ("read"), WRITE("write"), FINE_GRAINED("fineGrained");

        private final String wire;

        Role(String wire) { this.wire = wire; }

        /** The role as the Hub names it in {@code whoami-v2}. */
        public String wire() { return wire; }

        public static Role parse(String s) {
            for (Role r : values()) {
                if (r.wire.equalsIgnoreCase(s) || r.name().equalsIgnoreCase(s) || r.name().replace("_", "-").equalsIgnoreCase(s)) return r;
            }
            throw ForgeException.badRequest("Unknown token role '" + s + "' (read, write or fineGrained)");
        }
    }

    public Token {
        scopes = List.copyOf(scopes);
    }

    public Token(String key, String userKey, String displayName, Role role, Instant createdAt) {
        this(key, userKey, displayName, role, createdAt, List.of(), null, null);
    }

    public boolean isRevoked() { return revokedAt != null; }
}
