package dev.forge.core;

import java.time.Instant;

/**
 * A repository's registry entry. {@code key} is the opaque, immutable identity (also the Hub's
 * {@code _id}); the git directory is named after it so a rename never moves files.
 */
public record Repo(String key, RepoType type, RepoId id, boolean isPrivate, Instant createdAt) {
    public String displayId() { return id.toString(); }
}
