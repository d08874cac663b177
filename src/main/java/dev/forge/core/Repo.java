package dev.forge.core;

import java.time.Instant;

/**
 * A repository's registry entry. {@code key} is the opaque, immutable identity (also the Hub's
 * {@code _id}); the git directory is named after it so a rename never moves files. {@code createdBy} is the
 * creating user's key (null for repositories from before it was recorded).
 */
public record Repo(String key, RepoType type, RepoId id, boolean isPrivate, Instant createdAt, Gating gating, String createdBy) {
    public Repo(String key, RepoType type, RepoId id, boolean isPrivate, Instant createdAt) {
        this(key, type, id, isPrivate, createdAt, Gating.NONE, null);
    }

    public boolean isGated() { return gating != Gating.NONE; }

    public String displayId() { return id.toString(); }
}
