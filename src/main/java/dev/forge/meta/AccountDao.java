package dev.forge.meta;

import dev.forge.core.Membership;

import dev.forge.core.ForgeException;
import dev.forge.core.Org;
import dev.forge.core.Token;
import dev.forge.core.User;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Users, organisations, memberships and token records. Thread-safe. */
public final class AccountDao {
    private final Jdbi jdbi;

    public AccountDao(Jdbi jdbi) { this.jdbi = jdbi; }

    public long userCount() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
    }

    public void insertUser(User u) {
        if (namespaceTaken(u.name())) throw ForgeException.conflict("The name '" + u.name() + "' is already taken");
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO users (user_key, name, name_lower, fullname, email, is_admin, created_at)
                VALUES (:k, :n, :nl, :f, :e, :a, :c)""")
                .bind("k", u.key()).bind("n", u.name()).bind("nl", u.name().toLowerCase(Locale.ROOT)).bind("f", u.fullname())
                .bind("e", u.email()).bind("a", u.admin()).bind("c", u.createdAt().toEpochMilli()).execute());
    }

    public void insertOrg(Org o) {
        if (namespaceTaken(o.name())) throw ForgeException.conflict("The name '" + o.name() + "' is already taken");
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO orgs (org_key, name, name_lower, fullname, created_at) VALUES (:k, :n, :nl, :f, :c)")
                .bind("k", o.key()).bind("n", o.name()).bind("nl", o.name().toLowerCase(Locale.ROOT)).bind("f", o.fullname())
                .bind("c", o.createdAt().toEpochMilli()).execute());
    }

    public void addMember(String orgKey, String userKey, String role) {
        jdbi.useHandle(h -> {
            h.createUpdate("DELETE FROM org_members WHERE org_key = :o AND user_key = :u").bind("o", orgKey).bind("u", userKey).execute();
            h.createUpdate("INSERT INTO org_members (org_key, user_key, role) VALUES (:o, :u, :r)")
                    .bind("o", orgKey).bind("u", userKey).bind("r", role).execute();
        });
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

    public Optional<Org> orgByName(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM orgs WHERE name_lower = :n")
                .bind("n", name.toLowerCase(Locale.ROOT)).map((rs, ctx) -> mapOrg(rs)).findOne());
    }

    /** The organisations a user belongs to, with the user's role in each. */
    public List<Membership> memberships(String userKey) {
        return jdbi.withHandle(h -> h.createQuery("""
                SELECT o.*, m.role FROM org_members m JOIN orgs o ON o.org_key = m.org_key WHERE m.user_key = :u ORDER BY o.name_lower""")
                .bind("u", userKey).map((rs, ctx) -> new Membership(mapOrg(rs), rs.getString("role"))).list());
    }

    public void insertToken(Token t, String tokenHash) {
        jdbi.useHandle(h -> h.createUpdate("""
                INSERT INTO tokens (token_key, user_key, display_name, role, token_hash, created_at)
                VALUES (:k, :u, :d, :r, :h, :c)""")
                .bind("k", t.key()).bind("u", t.userKey()).bind("d", t.displayName()).bind("r", t.role().wire())
                .bind("h", tokenHash).bind("c", t.createdAt().toEpochMilli()).execute());
    }

    /** The live (not revoked) token with this hash. */
    public Optional<Token> tokenByHash(String tokenHash) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM tokens WHERE token_hash = :h AND revoked_at IS NULL")
                .bind("h", tokenHash).map((rs, ctx) -> mapToken(rs)).findOne());
    }

    public void touchToken(String tokenKey, Instant when) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE tokens SET last_used_at = :t WHERE token_key = :k")
                .bind("t", when.toEpochMilli()).bind("k", tokenKey).execute());
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
                Token.Role.valueOf(rs.getString("role").toUpperCase(Locale.ROOT)), Rows.instant(rs, "created_at"));
    }
}
