package dev.forge.core;

import java.time.Instant;
import java.util.Optional;

/**
 * A Git LFS file lock: one path of one repository held by one user, as git-lfs's locking API describes it.
 *
 * @param ref the ref the client named when locking ({@code refs/heads/main}); locks apply to the whole repository
 *            whatever it is, as in Gitea
 */
public record LfsLock(String id, String repoKey, String path, Optional<String> ref, User owner, Instant lockedAt) {}
