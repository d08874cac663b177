package dev.forge.core;

/** The SHA-256 of an LFS object's content, as 64 lowercase hex digits. It is the object's name in the {@code BlobStore}. */
public record LfsOid(String hex) {
    public LfsOid {
        if (hex == null || hex.length() != 64 || !Strings.isHex(hex)) {
            throw ForgeException.badRequest("Invalid LFS oid (expected 64 lowercase hex digits): " + Strings.quoteForMessage(hex));
        }
    }

    public static boolean isValid(String s) {
        return s != null && s.length() == 64 && Strings.isHex(s);
    }

    @Override public String toString() { return hex; }
}
