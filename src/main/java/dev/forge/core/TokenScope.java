package dev.forge.core;

/**
 * One grant of a fine-grained token: a repository (by its immutable key, so a rename keeps the grant) or a
 * whole namespace (a user or organisation, lower-case), for reading or also for writing.
 */
public record TokenScope(Kind kind, String target, boolean write) {
    public enum Kind {
        REPO, NAMESPACE;

        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }
}
