package dev.forge.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The hashes tests compare content by: an LFS oid (SHA-256) and a git blob id (SHA-1 of a header and the bytes). */
public final class Hashes {
    private Hashes() {}

    /** Lower-case hex SHA-256, an LFS oid. */
    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(content));
    }

    /** The git blob id: SHA-1 of {@code "blob <len>\0" + content}. */
    public static String gitBlobSha1(byte[] content) {
        MessageDigest md = digest("SHA-1");
        md.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(md.digest(content));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
