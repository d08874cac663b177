package dev.forge.service.account;

import dev.forge.core.Ids;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.meta.AccountDao;
import dev.forge.meta.SessionDao;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Browser sessions of the web pages. Signing in checks the password through {@link AuthService#login} (so it is
 * throttled and audited like any login) and issues a session secret of 256 random bits, shown to the browser once (as
 * a cookie) and stored only as its SHA-256, with an absolute expiry of {@link #LIFETIME}. A live session stands for
 * its user with their full standing, as a write token would: the actor is {@link Actor.Signed} with a token record
 * made for the session (its key is the session's key, so the audit log tells which browser did what), never stored
 * in the token table and so never usable as a bearer token.
 *
 * <p>Forms are protected by CSRF tokens bound to the session (or, before signing in, to a random per-browser nonce):
 * an HMAC of the binding under a key that never leaves the server, so a token can be checked without storing it and
 * is useless with another session. Thread-safe.
 */
public final class Sessions {
    /** How long a session lasts after signing in, whatever its use. */
    public static final Duration LIFETIME = Duration.ofDays(14);
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionDao sessions;
    private final AccountDao accounts;
    private final AuthService auth;
    private final AuditLog audit;
    private final InstantSource clock;
    private final byte[] csrfKey;

    /** @param secretKey at least 32 bytes known only to this forge (the CSRF key is derived from it) */
    public Sessions(SessionDao sessions, AccountDao accounts, AuthService auth, AuditLog audit, InstantSource clock, byte[] secretKey) {
        if (secretKey.length < 32) throw new IllegalArgumentException("the session key needs at least 32 bytes");
        this.sessions = sessions;
        this.accounts = accounts;
        this.auth = auth;
        this.audit = audit;
        this.clock = clock;
        this.csrfKey = hmac(secretKey, "forge web csrf key");
    }

    /** A new session: the secret for the cookie (shown once), when it expires, and the actor it stands for. */
    public record SignedIn(String secret, Instant expiresAt, Actor actor) {}

    /** Signs a user in with their password; a wrong name or password is a 401 (throttled and audited per address). */
    public SignedIn signIn(String name, String password, String address) {
        User user = auth.login(name, password == null ? "" : password, address);
        Instant now = clock.instant();
        sessions.deleteExpired(now);
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        SessionDao.Row row = new SessionDao.Row(Ids.newKey(), user.key(), now, now.plus(LIFETIME), now);
        sessions.insert(row, AuthService.hash(secret), address);
        Actor actor = new Actor.Signed(user, token(row), address);
        audit.record(actor, "session.start", user.name(), Map.of());
        return new SignedIn(secret, row.expiresAt(), actor);
    }

    /** The actor a session secret stands for: empty when unknown, expired, or its user is gone. */
    public Optional<Actor> actor(String secret, String address) {
        if (secret == null || secret.isEmpty() || secret.length() > 128) return Optional.empty();
        String presented = AuthService.hash(secret);
        Optional<Map.Entry<SessionDao.Row, String>> found = sessions.byHash(presented);
        if (found.isEmpty() || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
                found.get().getValue().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        SessionDao.Row row = found.get().getKey();
        Instant now = clock.instant();
        if (!now.isBefore(row.expiresAt())) return Optional.empty();
        Optional<User> user = accounts.userByKey(row.userKey());
        if (user.isEmpty()) return Optional.empty();
        if (row.lastSeenAt().plus(TOUCH_EVERY).isBefore(now)) sessions.touch(row.key(), now);
        return Optional.of(new Actor.Signed(user.get(), token(row), address));
    }

    /** Ends the session of this secret (signing out); an unknown secret changes nothing. */
    public void signOut(String secret, Actor actor) {
        if (secret == null || secret.length() > 128) return;
        sessions.byHash(AuthService.hash(secret)).ifPresent(found -> {
            if (sessions.delete(found.getKey().key())) audit.record(actor, "session.end", actor.describe(), Map.of());
        });
    }

    /**
     * Ends every session of the actor's user but {@code keep} (the session making the request, if it is one): after a
     * password change, whoever else was signed in is signed out. Returns how many ended.
     */
    public int signOutOthers(Actor actor, Optional<String> keep) {
        int n = sessions.deleteAllOf(actor.requireUser().key(), keep.orElse(null));
        if (n > 0) audit.record(actor, "session.end-others", actor.describe(), Map.of("sessions", n));
        return n;
    }

    /** How many sessions a user has that were not purged yet (for tests and the settings page). */
    public int count(User user) {
        return sessions.count(user.key());
    }

    // ------------------------------------------------------------------------------------------- CSRF

    /** The CSRF token of forms shown to a browser with this binding (a session key, or a per-browser nonce). */
    public String csrfToken(String binding) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(csrfKey, binding));
    }

    /** Whether a form's token is the one for this binding (compared in constant time). */
    public boolean csrfMatches(String binding, String presented) {
        if (presented == null || presented.length() > 128) return false;
        return MessageDigest.isEqual(csrfToken(binding).getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** The token record a session acts through: a write token that exists nowhere else, keyed by the session. */
    private static Token token(SessionDao.Row row) {
        return new Token(row.key(), row.userKey(), "browser session", Token.Role.WRITE, row.createdAt());
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
