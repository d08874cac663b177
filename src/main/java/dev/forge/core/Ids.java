package dev.forge.core;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random opaque identifiers, 24 hex digits like the Hub's {@code _id}. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String newKey() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
