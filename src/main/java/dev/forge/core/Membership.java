package dev.forge.core;

/** A user's membership of an organisation, with their role in it ({@code admin}, {@code write}, {@code contributor}, {@code read}). */
public record Membership(Org org, String role) {}
