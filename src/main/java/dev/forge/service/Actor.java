package dev.forge.service;

import dev.forge.core.Token;
import dev.forge.core.User;

import java.util.Optional;

/** Who is making a request: nobody, or a user through one of their tokens. */
public record Actor(User user, Token token) {
    public static final Actor ANONYMOUS = new Actor(null, null);

    /**
     * The user acting from inside the process (the demo seed, CLI commands, tests) with write rights, as if
     * through a write token that exists nowhere else.
     */
    public static Actor internal(User user) {
        return new Actor(user, new Token("internal", user.key(), "internal", Token.Role.WRITE, java.time.Instant.now()));
    }

    public boolean isAnonymous() { return user == null; }

    public Optional<User> userOpt() { return Optional.ofNullable(user); }

    public boolean canWriteWithToken() { return token != null && token.role() == Token.Role.WRITE; }

    public String describe() { return user == null ? "anonymous" : user.name(); }
}
