package dev.forge.meta;

import dev.forge.core.ForgeException;
import dev.forge.core.Membership;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Users, organisations, memberships, password hashes and token records. Thread-safe. */
public final class AccountDao {
    private final Jdbi jdbi;

    public AccountDao(Jdbi jdbi) { this.jdbi = jdbi; }

    // ------------------------------------------------------------------------------------ users and orgs

    public long userCount() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
    }

    public void insertUser(User u, String passwordHash) {
        if (namespaceTaken(u.name())) throw taken(u.name());
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                    INSERT INTO users (user_key, name, name_lower, fullname, email, is_admin, created_at, password_hash)
                    VALUES (:k, :n, :nl, :f, :e, :a, :c, :p)""")
                    .bind("k", u.key()).bind("n", u.name()).bind("nl", u.name().toLowerCase(Locale.ROOT)).bind("f", u.fullname())
                    .bind("e", u.email()).bind("a", u.admin()).bind("c", u.createdAt().toEpochMilli()).bind("p", passwordHash).execute());
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            if (uniqueViolation(e)) throw taken(u.name()); // a racing insert of the same name passed the check first
            throw e;
        }
    }

    private static ForgeException taken(String name) {
        return ForgeException.conflict("The name '" + name + "' is already taken");
    }

    /** A unique constraint refused the row: SQLState 23505 (PostgreSQL) or SQLite's constraint code with "UNIQUE". */
    static boolean uniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException s && ("23505".equals(s.getSQLState())
                    || (s.getErrorCode() == 19 && String.valueOf(s.getMessage()).contains("UNIQUE")))) {
                return true;
            }
        }
        return false;
    }

    public void insertOrg(Org o) {
        if (namespaceTaken(o.name())) throw taken(o.name());
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO orgs (org_key, name, name_lower, fullname, created_at) VALUES (:k, :n, :nl, :f, :c)")
                    .bind("k", o.key()).bind("n", o.name()).bind("nl", o.name().toLowerCase(Locale.ROOT)).bind("f", o.fullname())
                    .bind("c", o.createdAt().toEpochMilli()).execute());
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            if (uniqueViolation(e)) throw taken(o.name());
            throw e;
        }
    }

    /** Adds a member or changes their role. */
    public void setMember(String orgKey, String userKey, OrgRole role) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM org_members WHERE org_key = :o AND user_key = :u").bind("o", orgKey).bind("u", userKey).execute();
            h.createUpdate("INSERT INTO org_members (org_key, user_key, role) VALUES (:o, :u, :r)")
                    .bind("o", orgKey).bind("u", userKey).bind("r", role.wire()).execute();
        });
    }

    /** What the organisation shows of its members to outsiders (stored as {@link dev.forge.core.MembersVisibility#wire}). */
    public String membersVisibility(String orgKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT members_visibility FROM orgs WHERE org_key = :o").bind("o", orgKey)
                .mapTo(String.class).findOne().orElse(dev.forge.core.MembersVisibility.DEFAULT.wire()));
    }

    public void setMembersVisibility(String orgKey, String visibility) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE orgs SET members_visibility = :v WHERE org_key = :o").bind("v", visibility).bind("o", orgKey).execute());
    }

    public boolean removeMember(String orgKey, String userKey) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM org_members WHERE org_key = :o AND user_key = :u")
                .bind("o", orgKey).bind("u", userKey).execute() > 0);
    }

    public boolean namespaceTaken(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return jdbi.withHandle(h -> h.createQuery("SELECT 1 FROM users WHERE name_lower = :n UNION ALL SELECT 1 FROM orgs WHERE name_lower = :n")
                .bind("n", n).mapTo(Integer.class).findFirst().isPresent());
    }

    public Optional<User> userByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE name_lower = :n")
                .bind("n", name.toLowerCase(Locale.ROOT)).map((rs, ctx) -> mapUser(rs)).findOne());
    }

    public Optional<User> userByKey(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE user_key = :k")
                .bind("k", key).map((rs, ctx) -> mapUser(rs)).findOne());
    }

    public List<User> users() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users ORDER BY name_lower").map((rs, ctx) -> mapUser(rs)).list());
    }

    public Optional<Org> orgByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM orgs WHERE name_lower = :n")
                .bind("n", name.toLowerCase(Locale.ROOT)).map((rs, ctx) -> mapOrg(rs)).findOne());
    }

    /** The organisations a user belongs to, with the user's role in each. */
    public List<Membership> memberships(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT o.*, m.role FROM org_members m JOIN orgs o ON o.org_key = m.org_key WHERE m.user_key = :u ORDER BY o.name_lower""")
                .bind("u", userKey).map((rs, ctx) -> new Membership(mapOrg(rs), OrgRole.parse(rs.getString("role")))).list());
    }

    /** An organisation's members with their roles, by name. */
    public List<Map.Entry<User, OrgRole>> members(String orgKey) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT u.*, m.role FROM org_members m JOIN users u ON u.user_key = m.user_key WHERE m.org_key = :o ORDER BY u.name_lower""")
                .bind("o", orgKey).map((rs, ctx) -> Map.entry(mapUser(rs), OrgRole.parse(rs.getString("role")))).list());
    }

    public void updateProfile(String userKey, String fullname, String email) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE users SET fullname = :f, email = :e WHERE user_key = :k")
                .bind("f", fullname).bind("e", email).bind("k", userKey).execute());
    }

    public void setPasswordHash(String userKey, String hash) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE users SET password_hash = :p WHERE user_key = :k").bind("p", hash).bind("k", userKey).execute());
    }

    public Optional<String> passwordHash(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT password_hash FROM users WHERE user_key = :k")
                .bind("k", userKey).mapTo(String.class).findOne());
    }

    // ------------------------------------------------------------------------------------------- tokens

    public void insertToken(Token t, String tokenHash) {
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                    INSERT INTO tokens (token_key, user_key, display_name, role, token_hash, created_at)
                    VALUES (:k, :u, :d, :r, :h, :c)""")
                    .bind("k", t.key()).bind("u", t.userKey()).bind("d", t.displayName()).bind("r", t.role().wire())
                    .bind("h", tokenHash).bind("c", t.createdAt().toEpochMilli()).execute();
            for (TokenScope sc : t.scopes()) {
                h.createUpdate("INSERT INTO token_scopes (token_key, kind, target, can_write) VALUES (:k, :kind, :t, :w)")
                        .bind("k", t.key()).bind("kind", sc.kind().wire()).bind("t", sc.target()).bind("w", sc.write()).execute();
            }
        });
    }

    /** The token whose secret hashes to {@code tokenHash}, with that stored hash; revoked tokens included. */
    public Optional<Map.Entry<Token, String>> tokenByHash(String tokenHash) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE token_hash = :h")
                .bind("h", tokenHash).map((rs, ctx) -> Map.entry(mapToken(rs), rs.getString("token_hash"))).findOne()
                .map(e -> Map.entry(withScopes(h, e.getKey()), e.getValue())));
    }

    public Optional<Token> tokenByKey(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE token_key = :k")
                .bind("k", key).map((rs, ctx) -> mapToken(rs)).findOne().map(t -> withScopes(h, t)));
    }

    /** A user's tokens, newest first, revoked ones included. */
    public List<Token> tokens(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE user_key = :u ORDER BY created_at DESC, token_key")
                .bind("u", userKey).map((rs, ctx) -> mapToken(rs)).list()
                .stream().map(t -> withScopes(h, t)).toList());
    }

    /** Revokes a live token; false when there is none with that key. */
    public boolean revokeToken(String tokenKey, Instant when) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE tokens SET revoked_at = :t WHERE token_key = :k AND revoked_at IS NULL")
                .bind("t", when.toEpochMilli()).bind("k", tokenKey).execute() > 0);
    }

    public void touchToken(String tokenKey, Instant when) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE tokens SET last_used_at = :t WHERE token_key = :k")
                .bind("t", when.toEpochMilli()).bind("k", tokenKey).execute());
    }

    private static Token withScopes(Handle h, Token t) {
        if (t.role() != Token.Role.FINE_GRAINED) return t;
        List<TokenScope> scopes = h.createQuery("SELECT * FROM token_scopes WHERE token_key = :k ORDER BY kind, target")
                .bind("k", t.key())
                .map((rs, ctx) -> new TokenScope(TokenScope.Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                        rs.getString("target"), rs.getBoolean("can_write")))
                .list();
        return new Token(t.key(), t.userKey(), t.displayName(), t.role(), t.createdAt(), scopes, t.lastUsedAt(), t.revokedAt());
    }

    private static User mapUser(ResultSet rs) throws SQLException {
        return new User(rs.getString("user_key"), rs.getString("name"), rs.getString("fullname"), rs.getString("email"),
                rs.getBoolean("is_admin"), Rows.instant(rs, "created_at"));
    }

    private static Org mapOrg(ResultSet rs) throws SQLException {
        return new Org(rs.getString("org_key"), rs.getString("name"), rs.getString("fullname"), Rows.instant(rs, "created_at"));
    }

    private static Token mapToken(ResultSet rs) throws SQLException {
        return new Token(rs.getString("token_key"), rs.getString("user_key"), rs.getString("display_name"),
                Token.Role.parse(rs.getString("role")), Rows.instant(rs, "created_at"), List.of(),
                Rows.nullableInstant(rs, "last_used_at"), Rows.nullableInstant(rs, "revoked_at"));
    }
}
