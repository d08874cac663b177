package dev.forge.service.xet;

import dev.forge.core.ForgeException;
import dev.forge.core.Strings;

/**
 * A Xet hash (chunk, xorb or file) in Xet's text form: 64 lowercase hex digits, each 8-byte word of the raw hash
 * printed as a little-endian number (so it is not the plain hex of the raw bytes). The form every CAS URL and every
 * {@code X-Xet-Hash} header uses.
 */
public record XetHashHex(String hex) {
    public XetHashHex {
        if (!isValid(hex)) {
            throw ForgeException.badRequest("Invalid Xet hash (expected 64 lowercase hex digits): " + Strings.quoteForMessage(hex));
        }
    }

    public static boolean isValid(String s) {
        return s != null && s.length() == 64 && Strings.isHex(s);
    }

    @Override public String toString() { return hex; }
}
