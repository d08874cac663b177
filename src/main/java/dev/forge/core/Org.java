package dev.forge.core;

import java.time.Instant;

/** An organisation: a namespace that several users share. */
public record Org(String key, String name, String fullname, Instant createdAt) {}
