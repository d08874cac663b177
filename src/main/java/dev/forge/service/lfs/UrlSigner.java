package dev.forge.service.lfs;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.Base64;

/**
 * Short-lived, self-authorising URL tokens: {@code <expiry-seconds>.<base64url HMAC-SHA256>} over the
 * expiry and the fields that name what the URL may do. Clients PUT LFS bytes to such URLs without an
 * Authorization header, so the URL itself must carry the grant. Thread-safe.
 */
public final class UrlSigner {
    private final byte[] key;
    private final InstantSource clock;

    public UrlSigner(byte[] key, InstantSource clock) {
        if (key.length < 32) throw new IllegalArgumentException("signing key too short");
        this.key = key.clone();
        this.clock = clock;
    }

    public String sign(long ttlSeconds, String... fields) {
        long exp = clock.instant().getEpochSecond() + ttlSeconds;
        return exp + "." + mac(exp, fields);
    }

    /** True when the token was made by {@link #sign} for exactly these fields and has not expired. */
    public boolean verify(String token, String... fields) {
        if (token == null) return false;
        int dot = token.indexOf('.');
        if (dot <= 0 || dot > 19 || !token.substring(0, dot).chars().allMatch(Character::isDigit)) return false;
        long exp;
        try {
            exp = Long.parseLong(token.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (exp < clock.instant().getEpochSecond()) return false;
        byte[] expected = mac(exp, fields).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] given = token.substring(dot + 1).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    private String mac(long exp, String... fields) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(Long.toString(exp).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (String f : fields) {
                byte[] b = f.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                mac.update(java.nio.ByteBuffer.allocate(4).putInt(b.length).array()); // length-prefixed: no field boundary games
                mac.update(b);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
