package dev.forge.core;

import java.util.Locale;

/**
 * What an organisation's member list shows to callers outside the organisation; members and site admins always see
 * everything. The default shows names without roles: who administers an organisation is for it to publish.
 */
public enum MembersVisibility {
    NONE, NAMES, ROLES;

    public static final MembersVisibility DEFAULT = NAMES;

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    /** @throws ForgeException 400 for anything but {@code none}, {@code names} or {@code roles} */
    public static MembersVisibility parse(String s) {
        for (MembersVisibility v : values()) if (v.wire().equals(s)) return v;
        throw ForgeException.badRequest("'membersVisibility' must be none, names or roles");
    }
}
