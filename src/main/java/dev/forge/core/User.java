package dev.forge.core;

import java.time.Instant;

/** A person with an account. */
public record User(String key, String name, String fullname, String email, boolean admin, Instant createdAt) {}
