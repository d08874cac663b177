package dev.forge.core;

/** A git object id (SHA-1) as 40 lowercase hex digits: commits, trees and blobs. */
public record GitOid(String hex) {
    public GitOid {
        if (hex == null || hex.length() != 40 || !Strings.isHex(hex)) {
            throw ForgeException.badRequest("Invalid git object id: " + Strings.quoteForMessage(hex));
        }
    }

    public static boolean isValid(String s) {
        return s != null && s.length() == 40 && Strings.isHex(s);
    }

    @Override public String toString() { return hex; }
}
