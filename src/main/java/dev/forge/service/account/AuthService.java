package dev.forge.service.account;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.Ids;
import dev.forge.core.Membership;
import dev.forge.core.MembersVisibility;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.RepoId;
import dev.forge.core.Strings;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.meta.AccountDao;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Accounts, passwords and tokens. Tokens are {@code hf_} plus 40 random base62 characters (about 238 bits); only
 * their SHA-256 is stored, so a leaked database does not leak usable tokens. A token is found by its hash and
 * the stored hash is compared again in constant time. Passwords are Argon2id ({@link Passwords}). Failed logins
 * and unknown tokens count against the caller's address ({@link AuthThrottle}) and go to the audit log, never
 * with the secret. Thread-safe.
 */
public final class AuthService {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A token's last-used time is written at most this often, so reads do not turn into writes. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private final AccountDao accounts;
    private final AuditLog audit;
    private final AuthThrottle throttle;
    private final ForgeConfig.Security security;
    private final InstantSource clock;
    /** Memberships per user, read on every access decision; invalidated on every change made here. */
    private final com.github.benmanes.caffeine.cache.Cache<String, List<Membership>> memberships =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                    .expireAfterWrite(Duration.ofSeconds(5)).build();

    /**
     * Live tokens by the hash of their secret, with their user: clients send a token with every request, and its
     * lookup was two database reads each time. Only live tokens are kept (an unknown secret is looked up, and counted,
     * every time). A revocation or profile change made here drops them all at once; one made by another process or
     * node is seen within the five seconds an entry lives (as for {@link #memberships}).
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Live> live =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                    .expireAfterWrite(Duration.ofSeconds(5)).build();

    private record Live(Token token, User user) {}

    public AuthService(AccountDao accounts, AuditLog audit, ForgeConfig.Security security, InstantSource clock) {
        this.accounts = accounts;
        this.audit = audit;
        this.security = security;
        this.throttle = new AuthThrottle(security, clock);
        this.clock = clock;
    }

    /** A new token's secret, shown once, and its record. */
    public record IssuedToken(String secret, Token token) {}

    public boolean hasUsers() { return accounts.userCount() > 0; }

    // ------------------------------------------------------------------------------------------- users

    /** Creates a user without a password (tokens only), as the command line and tests do. */
    public User createUser(String name, String fullname, String email, boolean admin) {
        return createUser(Actor.OPERATOR, name, fullname, email, admin, null);
    }

    public User createUser(Actor by, String name, String fullname, String email, boolean admin, String password) {
        requireValidName(name, "user");
        String hash = password == null ? null : Passwords.hash(requireAcceptablePassword(password));
        User u = new User(Ids.newKey(), name, fullname == null || fullname.isBlank() ? name : fullname, email, admin, clock.instant());
        accounts.insertUser(u, hash);
        audit.record(by, "user.create", name, Map.of("admin", admin, "password", hash != null));
        return u;
    }

    /** Self-service sign-up, when the forge allows it. */
    public User signUp(Actor by, String name, String fullname, String email, String password) {
        if (!security.openSignup()) {
            audit.denied(by, "user.signup", name, Map.of());
            throw ForgeException.forbidden("Sign-up is closed on this forge; ask an administrator for an account");
        }
        if (password == null) throw ForgeException.badRequest("A password is required");
        throttle.check(by.address());
        return createUser(by, name, fullname, email, false, password);
    }

    /**
     * Changes the signed-in user's own name shown and e-mail address. A full name is 1 to 100 characters (blank means
     * the user name); an e-mail address, if any, at most 254 characters with one {@code @}.
     */
    public User updateProfile(Actor by, String fullname, String email) {
        User u = requireSignedIn(by);
        requireFullStanding(by, "Changing your profile");
        String name = fullname == null || fullname.isBlank() ? u.name() : fullname.strip();
        if (name.length() > 100 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ForgeException.badRequest("A full name has at most 100 characters and no control characters");
        }
        String mail = email == null || email.isBlank() ? null : email.strip();
        if (mail != null && (mail.length() > 254 || mail.indexOf('@') <= 0 || mail.indexOf('@') != mail.lastIndexOf('@')
                || mail.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || c == '<' || c == '>'))) {
            throw ForgeException.badRequest("That does not look like an e-mail address");
        }
        accounts.updateProfile(u.key(), name, mail);
        live.invalidateAll();
        audit.record(by, "user.profile", u.name(), Map.of());
        return accounts.userByKey(u.key()).orElseThrow();
    }

    /**
     * Changes the signed-in user's own password; the current one must be given (and is throttled like a login), so a
     * browser left signed in is not enough to take the account over.
     */
    public void changePassword(Actor by, String current, String replacement) {
        User u = requireSignedIn(by);
        requireFullStanding(by, "Changing your password");
        login(u.name(), current == null ? "" : current, by.address());
        setPassword(by, u, replacement);
    }

    /** Account settings need the user's full standing: a browser session or a write token, never a read or scoped token. */
    private static void requireFullStanding(Actor by, String what) {
        if (by instanceof Actor.Signed s && s.token().role() != Token.Role.WRITE) {
            throw ForgeException.forbidden(what + " needs a write token or a signed-in browser");
        }
    }

    public void setPassword(Actor by, User user, String password) {
        accounts.setPasswordHash(user.key(), Passwords.hash(requireAcceptablePassword(password)));
        audit.record(by, "user.passwd", user.name(), Map.of());
    }

    /**
     * The user whose name and password these are. A wrong name and a wrong password fail alike (and take about
     * as long, a hash is computed either way); failures count against the address and are audited.
     */
    public User login(String name, String password, String address) {
        throttle.check(address);
        Optional<User> user = name == null ? Optional.empty() : accounts.userByName(name);
        Optional<String> hash = user.flatMap(u -> accounts.passwordHash(u.key()));
        boolean ok = Passwords.verify(password, hash.orElse(DUMMY_HASH)) && hash.isPresent();
        if (!ok) {
            throttle.failed(address);
            audit.denied(Actor.anonymous(address), "auth.login", name == null ? null : Strings.clip(name, 96), Map.of("reason", "bad name or password"));
            throw new ForgeException(ErrorKind.UNAUTHORIZED, "Invalid username or password");
        }
        audit.record(Actor.internal(user.get()).at(address), "auth.login", user.get().name(), Map.of());
        return user.get();
    }

    private static final String DUMMY_HASH = Passwords.hash("not a password of anyone's: equalises timing");

    public List<User> users() { return accounts.users(); }

    public Optional<User> user(String name) { return accounts.userByName(name); }

    public Optional<User> userByKey(String key) { return accounts.userByKey(key); }

    // ---------------------------------------------------------------------------------- organisations

    public Org createOrg(String name, String fullname, User firstAdmin) {
        return createOrg(Actor.OPERATOR, name, fullname, firstAdmin);
    }

    public Org createOrg(Actor by, String name, String fullname, User firstAdmin) {
        requireValidName(name, "organisation");
        Org o = new Org(Ids.newKey(), name, fullname == null || fullname.isBlank() ? name : fullname, clock.instant());
        accounts.insertOrg(o);
        accounts.setMember(o.key(), firstAdmin.key(), OrgRole.ADMIN);
        memberships.invalidate(firstAdmin.key());
        audit.record(by, "org.create", name, Map.of("admin", firstAdmin.name()));
        return o;
    }

    /** Adds a member or changes their role. The caller must be a site admin or an admin of the organisation. */
    public void setMember(Actor by, Org org, User user, OrgRole role) {
        requireOrgAdmin(by, org);
        accounts.setMember(org.key(), user.key(), role);
        memberships.invalidate(user.key());
        audit.record(by, "org.member.set", org.name(), Map.of("user", user.name(), "role", role.wire()));
    }

    public void removeMember(Actor by, Org org, User user) {
        requireOrgAdmin(by, org);
        if (!accounts.removeMember(org.key(), user.key())) throw ForgeException.notFound(user.name() + " is not a member of " + org.name());
        memberships.invalidate(user.key());
        audit.record(by, "org.member.remove", org.name(), Map.of("user", user.name()));
    }

    /** What the organisation's member list shows to {@code viewer}: everything to members and site admins, else its setting. */
    public MembersVisibility membersVisibleTo(Actor viewer, Org org) {
        if (viewer.isOperator() || viewer.isSiteAdmin()) return MembersVisibility.ROLES;
        Optional<User> user = viewer.userOpt();
        if (user.isPresent() && memberships(user.get()).stream().anyMatch(m -> m.org().key().equals(org.key()))) {
            return MembersVisibility.ROLES;
        }
        return MembersVisibility.parse(accounts.membersVisibility(org.key()));
    }

    /** Sets what outsiders see of the member list; an organisation admin's (or a site admin's) decision. */
    public void setMembersVisibility(Actor by, Org org, MembersVisibility visibility) {
        requireOrgAdmin(by, org);
        accounts.setMembersVisibility(org.key(), visibility.wire());
        audit.record(by, "org.settings", org.name(), Map.of("membersVisibility", visibility.wire()));
    }

    private void requireOrgAdmin(Actor by, Org org) {
        boolean admin = switch (by) {
            case Actor.Anonymous a -> throw ForgeException.unauthorized("Authentication required");
            case Actor.Operator o -> true;
            case Actor.Signed s -> s.token().role() == Token.Role.WRITE && isOrgAdmin(s.user(), org);
            case Actor.System s -> isOrgAdmin(s.user(), org);
        };
        if (!admin) {
            audit.denied(by, "org.member.set", org.name(), Map.of());
            throw ForgeException.forbidden("Only an admin of " + org.name() + " can manage its members");
        }
    }

    private boolean isOrgAdmin(User user, Org org) {
        return user.admin() || memberships(user).stream().anyMatch(m -> m.org().key().equals(org.key()) && m.role() == OrgRole.ADMIN);
    }

    public Optional<Org> org(String name) { return accounts.orgByName(name); }

    public List<Map.Entry<User, OrgRole>> members(Org org) { return accounts.members(org.key()); }

    public List<Membership> memberships(User user) {
        return memberships.get(user.key(), accounts::memberships);
    }

    // ------------------------------------------------------------------------------------------ tokens

    public IssuedToken createToken(User user, String displayName, Token.Role role) {
        return createToken(Actor.OPERATOR, user, displayName, role, List.of());
    }

    /**
     * Issues a token. A fine-grained token needs at least one scope; the others take none. Users issue their own
     * tokens; a site admin (or the operator at the command line) may issue them for anyone.
     */
    public IssuedToken createToken(Actor by, User user, String displayName, Token.Role role, List<TokenScope> scopes) {
        if (!by.isOperator() && !by.requireUser().key().equals(user.key()) && !by.isSiteAdmin()) {
            throw ForgeException.forbidden("You can only create tokens for yourself");
        }
        if (displayName == null || displayName.isBlank() || displayName.length() > 100) {
            throw ForgeException.badRequest("A token needs a name of 1 to 100 characters");
        }
        if ((role == Token.Role.FINE_GRAINED) == scopes.isEmpty()) {
            throw ForgeException.badRequest(role == Token.Role.FINE_GRAINED
                    ? "A fine-grained token needs at least one repository or namespace" : "Only fine-grained tokens have scopes");
        }
        StringBuilder secret = new StringBuilder("hf_");
        for (int i = 0; i < 40; i++) secret.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        Token t = new Token(Ids.newKey(), user.key(), displayName, role, clock.instant(), scopes, null, null);
        accounts.insertToken(t, hash(secret.toString()));
        audit.record(by, "token.create", user.name(), Map.of("token", t.key(), "name", displayName, "role", role.wire(),
                "scopes", scopes.stream().map(s -> s.kind().wire() + ":" + s.target() + (s.write() ? ":write" : ":read")).toList()));
        return new IssuedToken(secret.toString(), t);
    }

    public List<Token> tokens(User user) { return accounts.tokens(user.key()); }

    /**
     * The user proved who they are with their password, for this one request (to issue a token): an actor with the
     * user's full standing, audited without a token. Bad credentials are throttled per address.
     */
    public Actor loginForRequest(String name, String password, String address) {
        return Actor.internal(login(name, password, address)).at(address);
    }

    /**
     * Issues a token to the actor's own user. Over HTTP that needs a write token or the password (never a read or a
     * fine-grained token, which could otherwise mint wider ones); anonymous callers are asked to log in.
     */
    public IssuedToken createOwnToken(Actor by, String displayName, Token.Role role, List<TokenScope> scopes) {
        User user = switch (by) {
            case Actor.Anonymous a -> throw ForgeException.unauthorized("Log in with a token or with username and password");
            case Actor.Operator o -> throw ForgeException.badRequest("The operator has no tokens of its own; name a user");
            case Actor.Signed s -> {
                if (s.token().role() != Token.Role.WRITE) throw ForgeException.forbidden("Creating tokens needs a write token or your password");
                yield s.user();
            }
            case Actor.System s -> s.user();
        };
        return createToken(by, user, displayName, role, scopes);
    }

    /** The tokens of the actor's own user, without secrets; 401 for anonymous callers. */
    public List<Token> ownTokens(Actor by) {
        return tokens(requireSignedIn(by));
    }

    private static User requireSignedIn(Actor by) {
        return switch (by) {
            case Actor.Anonymous a -> throw ForgeException.unauthorized("Authentication required");
            case Actor.Operator o -> throw ForgeException.badRequest("The operator has no tokens of its own; name a user");
            case Actor.Signed s -> s.user();
            case Actor.System s -> s.user();
        };
    }

    public Optional<Token> token(String key) { return accounts.tokenByKey(key); }

    /** Revokes a token at once. Users revoke their own; site admins and the command line any. */
    public void revokeToken(Actor by, String tokenKey) {
        switch (by) {
            case Actor.Anonymous a -> throw ForgeException.unauthorized("Authentication required");
            case Actor.Signed s -> {
                if (s.token().role() != Token.Role.WRITE) throw ForgeException.forbidden("Revoking tokens needs a write token");
            }
            case Actor.Operator o -> { }
            case Actor.System s -> { }
        }
        Token t = accounts.tokenByKey(tokenKey).orElseThrow(() -> ForgeException.notFound("No token " + tokenKey));
        if (!by.isOperator() && !by.requireUser().key().equals(t.userKey()) && !by.isSiteAdmin()) {
            throw ForgeException.notFound("No token " + tokenKey); // other users' tokens do not exist for you
        }
        boolean revoked = accounts.revokeToken(tokenKey, clock.instant());
        live.invalidateAll();
        if (!revoked) throw ForgeException.conflict("Token " + tokenKey + " is already revoked");
        audit.record(by, "token.revoke", accounts.userByKey(t.userKey()).map(User::name).orElse(null), Map.of("token", tokenKey));
    }

    /**
     * The actor a presented secret stands for. Unknown and revoked tokens are a 401, counted against the address;
     * an address with too many recent failures is refused (429) before its token is even looked at.
     */
    public Actor authenticate(String secret, String address) {
        throttle.check(address);
        Optional<Actor> actor = lookup(secret, address);
        if (actor.isEmpty()) {
            throttle.failed(address);
            audit.denied(Actor.anonymous(address), "auth.token", null, Map.of("reason", "unknown or revoked token"));
            throw new ForgeException(ErrorKind.UNAUTHORIZED, "Invalid credentials in Authorization header", ErrorDetail.Challenge.GIT_LFS);
        }
        return actor.get();
    }

    /** The actor for a secret, without counting failures (for callers that do): empty when unknown or revoked. */
    public Optional<Actor> authenticate(String secret) {
        return lookup(secret, "local");
    }

    /**
     * The actor for a secret from memory alone, for answers given on a connection's own thread: empty when the token
     * was not seen live in the last seconds, or the address is being refused for its failures (the caller then takes
     * the ordinary path, which looks it up and counts failures).
     */
    public Optional<Actor> recentlyLive(String secret, String address) {
        if (secret == null || secret.isEmpty() || secret.length() > 512 || throttle.refusing(address)) return Optional.empty();
        Live l = live.getIfPresent(hash(secret));
        return l == null ? Optional.empty() : Optional.of(new Actor.Signed(l.user(), l.token(), address));
    }

    private Optional<Actor> lookup(String secret, String address) {
        if (secret == null || secret.isEmpty() || secret.length() > 512) return Optional.empty();
        String presented = hash(secret);
        Live known = live.getIfPresent(presented);
        if (known != null) return Optional.of(new Actor.Signed(known.user(), known.token(), address));
        Optional<Map.Entry<Token, String>> found = accounts.tokenByHash(presented);
        if (found.isEmpty() || found.get().getKey().isRevoked()) return Optional.empty();
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), found.get().getValue().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        Token token = found.get().getKey();
        Optional<User> user = accounts.userByKey(token.userKey());
        if (user.isEmpty()) return Optional.empty();
        Instant now = clock.instant();
        if (token.lastUsedAt() == null || token.lastUsedAt().plus(TOUCH_EVERY).isBefore(now)) accounts.touchToken(token.key(), now);
        live.put(presented, new Live(token, user.get()));
        return Optional.of(new Actor.Signed(user.get(), token, address));
    }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireValidName(String name, String what) {
        if (name == null || !RepoId.isValidPart(name) || RepoId.RESERVED_NAMESPACES.contains(name.toLowerCase(java.util.Locale.ROOT))) {
            throw ForgeException.badRequest("Invalid " + what + " name: '" + (name == null ? "" : Strings.clip(name, 100)) + "'");
        }
    }

    private static String requireAcceptablePassword(String password) {
        if (password.length() < Passwords.MIN_LENGTH || password.length() > Passwords.MAX_LENGTH) {
            throw ForgeException.badRequest("A password must have " + Passwords.MIN_LENGTH + " to " + Passwords.MAX_LENGTH + " characters");
        }
        return password;
    }
}
