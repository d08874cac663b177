package dev.forge.core;

/** A user's membership of an organisation, with their role in it. */
public record Membership(Org org, OrgRole role) {}
