package dev.forge.service.account;

import dev.forge.core.ForgeException;
import dev.forge.core.Token;
import dev.forge.core.User;

import java.time.Instant;
import java.util.Optional;

/**
 * Who is making a request, as a closed set: nobody ({@link Anonymous}), a user through one of their tokens
 * ({@link Signed}), the operator at this machine's command line ({@link Operator}), or the forge itself acting as a
 * user ({@link System}: the demo seed, command-line content commands, background jobs). Every rule that depends on
 * who asks switches over these exhaustively ({@link AccessPolicy}), so a new kind cannot slip past a check.
 *
 * <p>Only the command line makes an {@link Operator}, and nothing that parses a request can: a request is
 * {@link Anonymous} or {@link Signed}, whatever its headers (a forwarded-for address of {@code local} is just an
 * address). The {@code address} is the client's IP address, for rate limits and the audit log.
 */
public sealed interface Actor permits Actor.Anonymous, Actor.Signed, Actor.Operator, Actor.System {

    /** Nobody signed in, from {@code address}. */
    record Anonymous(String address) implements Actor {
        /** An anonymous caller whose address nothing reads (one instance: the fast lane makes one per request). */
        static final Anonymous UNPLACED = new Anonymous("");
    }

    /** A user through one of their (live) tokens, which caps what the user may do. */
    record Signed(User user, Token token, String address) implements Actor {
        public Signed {
            if (user == null || token == null) throw new IllegalArgumentException("a signed actor has a user and a token");
        }
    }

    /** The operator at the command line of this machine: administers accounts; audited as {@code cli}. */
    record Operator() implements Actor {
        @Override
        public String address() { return "local"; }
    }

    /**
     * The forge itself, acting as {@code user} with everything the user's standing gives (as through a write token
     * that exists nowhere else): the demo seed, repositories created at the command line, background jobs, tests,
     * and a user who proved who they are with their password for one request (to issue a token).
     */
    record System(User user, String address) implements Actor {
        public System {
            if (user == null) throw new IllegalArgumentException("the system acts as a user");
        }
    }

    /** The operator; the only instance a command needs. */
    Operator OPERATOR = new Operator();

    String address();

    static Actor anonymous(String address) { return address.isEmpty() ? Anonymous.UNPLACED : new Anonymous(address); }

    /** The forge acting as {@code user} (see {@link System}). */
    static Actor internal(User user) { return new System(user, "local"); }

    /** The user behind this actor, if any: a signed user, or the user the system acts as. */
    default Optional<User> userOpt() {
        return switch (this) {
            case Signed s -> Optional.of(s.user());
            case System s -> Optional.of(s.user());
            case Anonymous a -> Optional.empty();
            case Operator o -> Optional.empty();
        };
    }

    /** The user behind this actor; 401 when there is none (anonymous callers, the operator). */
    default User requireUser() {
        return userOpt().orElseThrow(() -> ForgeException.unauthorized("Authentication required"));
    }

    /**
     * The token that caps this actor: the signed user's token, or, for the system, a write token that exists
     * nowhere else (so the system has exactly its user's standing). Empty for anonymous callers and the operator.
     */
    default Optional<Token> tokenOpt() {
        return switch (this) {
            case Signed s -> Optional.of(s.token());
            case System s -> Optional.of(new Token("internal", s.user().key(), "internal", Token.Role.WRITE, Instant.EPOCH));
            case Anonymous a -> Optional.empty();
            case Operator o -> Optional.empty();
        };
    }

    default boolean isAnonymous() { return this instanceof Anonymous; }

    default boolean isOperator() { return this instanceof Operator; }

    default boolean isSiteAdmin() { return userOpt().map(User::admin).orElse(false); }

    /** Whether the token may write at all (a write or a fine-grained token; the policy checks its scopes). */
    default boolean canWriteWithToken() { return tokenOpt().map(t -> t.role() != Token.Role.READ).orElse(false); }

    /** Whether the token is a plain write token: needed to manage tokens and members, which no scope covers. */
    default boolean hasWriteToken() { return tokenOpt().map(t -> t.role() == Token.Role.WRITE).orElse(false); }

    /** The same actor seen from another address. */
    default Actor at(String address) {
        return switch (this) {
            case Signed s -> new Signed(s.user(), s.token(), address);
            case Anonymous a -> new Anonymous(address);
            case Operator o -> o;
            case System s -> new System(s.user(), address);
        };
    }

    default String describe() {
        return switch (this) {
            case Signed s -> s.user().name();
            case System s -> s.user().name();
            case Anonymous a -> "anonymous";
            case Operator o -> "cli";
        };
    }
}
