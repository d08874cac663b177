package dev.forge.core;

/**
 * One grant of a fine-grained token: a repository (by its immutable key, so a rename keeps the grant) or a
 * whole namespace (a user or organisation, lower-case), for reading or also for writing. A {@code MIRROR} grant is
 * the token one Forge gives another for federation: it reaches a whole namespace like {@code NAMESPACE}, but only to
 * mirror it: to list it and fetch everything in it (git and LFS, private repositories included), and with write
 * also to create repositories there and push commits and LFS objects; never to delete, rename or change the
 * settings of a repository.
 */
public record TokenScope(Kind kind, String target, boolean write) {
    public enum Kind {
        REPO, NAMESPACE, MIRROR;

        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }
}
