package dev.forge.service.account;

import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.User;
import dev.forge.meta.AccountDao;
import dev.forge.meta.AuditDao;
import dev.forge.meta.Database;
import dev.forge.meta.SessionDao;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Browser sessions with a clock the test moves: stored hashed, expiring, ended by sign-out and password changes; CSRF tokens bound to one browser. */
class SessionsTest {
    @TempDir
    Path dir;
    private Database db;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-01T10:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private AuthService auth;
    private Sessions sessions;
    private User alice;

    @BeforeEach
    void open() {
        db = Database.sqlite(dir.resolve("forge.db"));
        AccountDao accounts = new AccountDao(db.jdbi());
        AuditLog audit = new AuditLog(new AuditDao(db.jdbi()), clock);
        auth = new AuthService(accounts, audit, new ForgeConfig.Security(false, 0, 0, 1000, 60, false), clock);
        sessions = new Sessions(new SessionDao(db.jdbi()), accounts, auth, audit, clock, new byte[32]);
        alice = auth.createUser(Actor.OPERATOR, "alice", "Alice", null, false, "correct horse battery");
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aSessionStandsForItsUserUntilItExpiresAndOnlyItsHashIsStored() {
        Sessions.SignedIn s = sessions.signIn("alice", "correct horse battery", "10.0.0.1");
        assertThat(s.secret()).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64url
        Actor a = sessions.actor(s.secret(), "10.0.0.1").orElseThrow();
        assertThat(a.requireUser().name()).isEqualTo("alice");
        assertThat(a.hasWriteToken()).as("a session has the user's full standing").isTrue();
        assertThat(s.expiresAt()).isEqualTo(now.get().plus(Sessions.LIFETIME));

        String stored = db.jdbi().withHandle(h -> h.createQuery("SELECT secret_hash FROM web_sessions").mapTo(String.class).one());
        assertThat(stored).isEqualTo(AuthService.hash(s.secret())).doesNotContain(s.secret());

        now.set(now.get().plus(Sessions.LIFETIME).minusSeconds(1));
        assertThat(sessions.actor(s.secret(), "10.0.0.1")).isPresent();
        now.set(now.get().plusSeconds(1));
        assertThat(sessions.actor(s.secret(), "10.0.0.1")).as("expired").isEmpty();
    }

    @Test
    void wrongPasswordsUnknownSecretsAndSignOutGiveNoSession() {
        assertThatThrownBy(() -> sessions.signIn("alice", "wrong password", "10.0.0.2")).isInstanceOf(ForgeException.class)
                .hasMessage("Invalid username or password");
        assertThatThrownBy(() -> sessions.signIn("nobody", "correct horse battery", "10.0.0.2")).hasMessage("Invalid username or password");
        assertThat(sessions.actor("not-a-session", "x")).isEmpty();
        assertThat(sessions.actor("", "x")).isEmpty();
        assertThat(sessions.actor("x".repeat(10_000), "x")).isEmpty();

        Sessions.SignedIn s = sessions.signIn("alice", "correct horse battery", "10.0.0.1");
        Actor a = sessions.actor(s.secret(), "10.0.0.1").orElseThrow();
        sessions.signOut(s.secret(), a);
        assertThat(sessions.actor(s.secret(), "10.0.0.1")).isEmpty();
        sessions.signOut(s.secret(), a); // twice: nothing left to end
    }

    @Test
    void changingThePasswordEndsTheOtherSessionsButThisOne() {
        Sessions.SignedIn here = sessions.signIn("alice", "correct horse battery", "10.0.0.1");
        Sessions.SignedIn there = sessions.signIn("alice", "correct horse battery", "10.0.0.9");
        Actor a = sessions.actor(here.secret(), "10.0.0.1").orElseThrow();
        assertThatThrownBy(() -> auth.changePassword(a, "not my password", "a brand new password")).isInstanceOf(ForgeException.class);
        auth.changePassword(a, "correct horse battery", "a brand new password");
        Optional<String> key = a instanceof Actor.Signed s ? Optional.of(s.token().key()) : Optional.empty();
        assertThat(sessions.signOutOthers(a, key)).isEqualTo(1);
        assertThat(sessions.actor(here.secret(), "10.0.0.1")).isPresent();
        assertThat(sessions.actor(there.secret(), "10.0.0.9")).isEmpty();
        assertThatThrownBy(() -> sessions.signIn("alice", "correct horse battery", "10.0.0.1")).isInstanceOf(ForgeException.class);
        assertThat(sessions.signIn("alice", "a brand new password", "10.0.0.1").secret()).isNotBlank();
    }

    @Test
    void csrfTokensMatchOnlyTheirOwnBinding() {
        String t = sessions.csrfToken("s:abc");
        assertThat(sessions.csrfMatches("s:abc", t)).isTrue();
        assertThat(sessions.csrfMatches("s:abd", t)).isFalse();
        assertThat(sessions.csrfMatches("n:abc", t)).isFalse();
        assertThat(sessions.csrfMatches("s:abc", null)).isFalse();
        assertThat(sessions.csrfMatches("s:abc", "")).isFalse();
        assertThat(sessions.csrfMatches("s:abc", t + "x")).isFalse();
        Sessions other = new Sessions(new SessionDao(db.jdbi()), new AccountDao(db.jdbi()), auth, new AuditLog(new AuditDao(db.jdbi()), clock),
                clock, "another forge's key, 32 bytes!!!".getBytes());
        assertThat(other.csrfMatches("s:abc", t)).as("another forge's key").isFalse();
    }

    @Test
    void sessionsAreAuditedWithoutTheirSecret() {
        Sessions.SignedIn s = sessions.signIn("alice", "correct horse battery", "10.0.0.1");
        var entries = new AuditLog(new AuditDao(db.jdbi()), clock).query(Actor.OPERATOR, new dev.forge.core.AuditEntry.Query(null, "session.", null, null, null, 10));
        assertThat(entries).extracting(dev.forge.core.AuditEntry::action).contains("session.start");
        for (var e : entries) assertThat(String.valueOf(e.detail()) + e.target() + e.tokenKey()).doesNotContain(s.secret());
        assertThat(Duration.ofDays(14)).isEqualTo(Sessions.LIFETIME);
    }
}
