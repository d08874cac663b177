package dev.forge.service;

import dev.forge.core.Token;
import dev.forge.core.User;

import java.util.Optional;

/**
 * Who is making a request: nobody, or a user through one of their tokens; and from where ({@code address}, the
 * client's IP address, or {@code "local"} for the command line), for rate limits and the audit log.
 */
public record Actor(User user, Token token, String address) {
    /** Nobody, from nowhere in particular (internal reads). */
    public static final Actor ANONYMOUS = new Actor(null, null, "unknown");
    /** The operator at the command line of this machine: may administer accounts; audited as {@code cli}. */
    public static final Actor OPERATOR = new Actor(null, null, "local");

    public Actor(User user, Token token) { this(user, token, "local"); }

    public static Actor anonymous(String address) { return new Actor(null, null, address); }

    /**
     * The user acting from inside the process (the demo seed, CLI commands, tests) with write rights, as if
     * through a write token that exists nowhere else.
     */
    public static Actor internal(User user) {
        return new Actor(user, new Token("internal", user.key(), "internal", Token.Role.WRITE, java.time.Instant.now()), "local");
    }

    public Actor at(String address) { return new Actor(user, token, address); }

    public boolean isAnonymous() { return user == null; }

    public boolean isOperator() { return user == null && token == null && "local".equals(address); }

    public boolean isSiteAdmin() { return user != null && user.admin(); }

    public Optional<User> userOpt() { return Optional.ofNullable(user); }

    /** Whether the token may write at all (a write or a fine-grained token; the policy checks its scopes). */
    public boolean canWriteWithToken() { return token != null && token.role() != Token.Role.READ; }

    /** Whether the token is a plain write token: needed to manage tokens and members, which no scope covers. */
    public boolean hasWriteToken() { return token != null && token.role() == Token.Role.WRITE; }

    public String describe() { return user == null ? "anonymous" : user.name(); }
}
