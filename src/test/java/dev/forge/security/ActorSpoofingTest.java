package dev.forge.security;

import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A request can never be the operator (issue 11). The operator used to be recognised by a sentinel (no user, no
 * token, address {@code local}), so an anonymous request whose trusted {@code X-Forwarded-For} said {@code local}
 * matched it, and only each handler's own "authentication required" check kept it away from the services that
 * trusted the sentinel. Now the actor is a sealed type, a request is only ever {@code Anonymous} or {@code Signed},
 * and the services themselves refuse: each case here is an anonymous caller, with and without the forged address,
 * asking a service that the operator may use.
 */
class ActorSpoofingTest {

    private static HttpResponse<byte[]> send(TestForge tf, HttpRequest.Builder b) throws Exception {
        return tf.send(b);
    }

    @Test
    void aForwardedForOfLocalDoesNotMakeAnAnonymousRequestTheOperator(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(false, 0, 0, 1_000_000, 60, true))) {
            var bob = tf.forge.auth.createUser("bob", "Bob", null, false);
            var bobsToken = tf.forge.auth.createToken(bob, "laptop", dev.forge.core.Token.Role.WRITE);
            tf.forge.auth.createOrg("acme", "Acme", bob);
            int cliEntries = tf.forge.audit.query(Actor.OPERATOR, new AuditEntry.Query("cli", null, null, null, null, 1000)).size();
            for (String forwarded : new String[] {null, "local", "10.0.0.1, local"}) {
                String why = "X-Forwarded-For: " + forwarded;
                HttpRequest.Builder create = tf.request("/api/tokens").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"mine\",\"role\":\"write\"}"));
                HttpRequest.Builder list = tf.request("/api/tokens");
                HttpRequest.Builder revoke = tf.request("/api/tokens/" + bobsToken.token().key()).DELETE();
                HttpRequest.Builder member = tf.request("/api/organizations/acme/members/admin").header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"admin\"}"));
                HttpRequest.Builder audit = tf.request("/api/admin/audit");
                for (HttpRequest.Builder b : new HttpRequest.Builder[] {create, list, revoke, member, audit}) {
                    if (forwarded != null) b.header("X-Forwarded-For", forwarded);
                    assertThat(send(tf, b).statusCode()).as(why).isEqualTo(401);
                }
            }
            assertThat(tf.forge.auth.tokens(bob)).as("bob's token was not revoked").singleElement()
                    .satisfies(t -> assertThat(t.isRevoked()).isFalse());
            assertThat(tf.forge.auth.tokens(tf.admin)).as("no token was issued to anyone anonymously").hasSize(1);
            assertThat(tf.forge.auth.members(tf.forge.auth.org("acme").orElseThrow())).as("admin was not made a member")
                    .extracting(m -> m.getKey().name()).containsExactly("bob");
            assertThat(tf.forge.audit.query(Actor.OPERATOR, new AuditEntry.Query("cli", null, null, null, null, 1000)))
                    .as("nothing was done as the operator").hasSize(cliEntries);
        }
    }

    @Test
    void anonymousTokenCreationAsksToLogIn(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            var r = send(tf, tf.request("/api/tokens").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"mine\",\"role\":\"write\"}")));
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(new String(r.body())).contains("Log in with a token or with username and password");
            assertThat(tf.forge.auth.tokens(tf.admin)).hasSize(1);
        }
    }

    /** The services themselves refuse an anonymous actor from "local" (they used to take it for the operator). */
    @Test
    void servicesDoNotTakeAnAnonymousActorFromLocalForTheOperator(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            Actor forged = Actor.anonymous("local");
            assertThat(forged.isOperator()).isFalse();
            var bob = tf.forge.auth.createUser("bob", "Bob", null, false);
            var token = tf.forge.auth.createToken(bob, "laptop", dev.forge.core.Token.Role.WRITE);
            var org = tf.forge.auth.createOrg("acme", "Acme", bob);
            assertThatThrownBy(() -> tf.forge.auth.revokeToken(forged, token.token().key()))
                    .isInstanceOf(dev.forge.core.ForgeException.class).hasMessageContaining("Authentication required");
            assertThatThrownBy(() -> tf.forge.auth.setMember(forged, org, tf.admin, dev.forge.core.OrgRole.ADMIN))
                    .isInstanceOf(dev.forge.core.ForgeException.class);
            assertThatThrownBy(() -> tf.forge.auth.createToken(forged, bob, "x", dev.forge.core.Token.Role.WRITE, java.util.List.of()))
                    .isInstanceOf(dev.forge.core.ForgeException.class);
            assertThatThrownBy(() -> tf.forge.audit.query(forged, new AuditEntry.Query(null, null, null, null, null, 10)))
                    .isInstanceOf(dev.forge.core.ForgeException.class);
            assertThat(tf.forge.auth.tokens(bob)).singleElement().satisfies(t -> assertThat(t.isRevoked()).isFalse());
        }
    }
}
