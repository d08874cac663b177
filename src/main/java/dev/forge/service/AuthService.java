package dev.forge.service;

import dev.forge.core.Membership;

import dev.forge.core.ForgeException;
import dev.forge.core.Ids;
import dev.forge.core.Org;
import dev.forge.core.RepoId;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.meta.AccountDao;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Accounts and tokens. Tokens are {@code hf_} plus 40 random base62 characters (about 238 bits); only
 * their SHA-256 is stored, so a leaked database does not leak usable tokens. A token is looked up by its
 * hash, never compared as a string. Thread-safe.
 */
public final class AuthService {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AccountDao accounts;
    private final InstantSource clock;

    public AuthService(AccountDao accounts, InstantSource clock) {
        this.accounts = accounts;
        this.clock = clock;
    }

    /** A new token's secret, shown once, and its record. */
    public record IssuedToken(String secret, Token token) {}

    public boolean hasUsers() { return accounts.userCount() > 0; }

    public User createUser(String name, String fullname, String email, boolean admin) {
        if (!RepoId.isValidPart(name) || RepoId.RESERVED_NAMESPACES.contains(name.toLowerCase())) {
            throw ForgeException.badRequest("Invalid user name: '" + name + "'");
        }
        User u = new User(Ids.newKey(), name, fullname, email, admin, clock.instant());
        accounts.insertUser(u);
        return u;
    }

    public Org createOrg(String name, String fullname, User firstAdmin) {
        if (!RepoId.isValidPart(name) || RepoId.RESERVED_NAMESPACES.contains(name.toLowerCase())) {
            throw ForgeException.badRequest("Invalid organisation name: '" + name + "'");
        }
        Org o = new Org(Ids.newKey(), name, fullname, clock.instant());
        accounts.insertOrg(o);
        accounts.addMember(o.key(), firstAdmin.key(), "admin");
        return o;
    }

    public IssuedToken createToken(User user, String displayName, Token.Role role) {
        StringBuilder secret = new StringBuilder("hf_");
        for (int i = 0; i < 40; i++) secret.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        Token t = new Token(Ids.newKey(), user.key(), displayName, role, clock.instant());
        accounts.insertToken(t, hash(secret.toString()));
        return new IssuedToken(secret.toString(), t);
    }

    /** The actor a presented secret stands for; empty when it is unknown or revoked. */
    public Optional<Actor> authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 512) return Optional.empty();
        Optional<Token> token = accounts.tokenByHash(hash(secret));
        if (token.isEmpty()) return Optional.empty();
        Optional<User> user = accounts.userByKey(token.get().userKey());
        if (user.isEmpty()) return Optional.empty();
        return Optional.of(new Actor(user.get(), token.get()));
    }

    public Optional<User> user(String name) { return accounts.userByName(name); }

    public Optional<Org> org(String name) { return accounts.orgByName(name); }

    public List<Membership> memberships(User user) { return accounts.memberships(user.key()); }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
