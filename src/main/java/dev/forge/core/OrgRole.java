package dev.forge.core;

import java.util.Locale;

/**
 * A member's role in an organisation, as on the Hub. {@code READ} reads the organisation's private repositories;
 * {@code CONTRIBUTOR} also creates repositories, writes to those it created and opens pull requests on the others;
 * {@code WRITE} writes to (and renames, deletes) every repository; {@code ADMIN} also manages the members.
 */
public enum OrgRole {
    READ, CONTRIBUTOR, WRITE, ADMIN;

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    public static OrgRole parse(String s) {
        for (OrgRole r : values()) if (r.wire().equalsIgnoreCase(s == null ? "" : s.trim())) return r;
        throw ForgeException.badRequest("Unknown role '" + s + "' (admin, write, contributor or read)");
    }
}
