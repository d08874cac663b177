package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.app.Forge;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.xet.XetHashHex;
import dev.forge.testing.ManualClock;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import static dev.forge.http.HttpSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Xet's token endpoints and the checks every CAS request makes on its token, over HTTP: the answer in both forms the
 * clients read (headers for huggingface_hub, JSON for hf_xet and @huggingface/hub); expiry; a read token refused for
 * writes; forged, tampered and revoked-behind tokens refused; a token stops working when its repository turns private
 * for its holder; xorb-range URLs refused unless signed for exactly that xorb and range. (The matrix of who gets a
 * token is in the authorization matrix.)
 */
class XetTokenApiTest {
    @TempDir static Path dir;
    static TestForge tf;
    static final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T10:00:00Z"));
    static final String REPO = "admin/xet-tokens";
    static final String UNKNOWN = "a".repeat(64);

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir, Forge.Options.DEFAULTS.withClock(clock));
        tf.createRepo(RepoType.MODEL, REPO);
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static JsonNode token(String mode, String repo, String bearer) throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/models/" + repo + "/xet-" + mode + "-token/main", "Authorization", "Bearer " + bearer);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return json(r);
    }

    static HttpResponse<byte[]> cas(String path, String xetToken) throws Exception {
        return tf.get(path, "Authorization", "Bearer " + xetToken);
    }

    @Test
    void aTokenIsAnsweredAsHeadersAndAsJson() throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/models/" + REPO + "/xet-read-token/main", "Authorization", auth(tf));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.path("casUrl").asText()).isEqualTo(tf.baseUrl + "/xet");
        assertThat(j.path("exp").asLong()).isEqualTo(clock.instant().getEpochSecond() + 3600);
        assertThat(j.path("accessToken").asText()).startsWith("xet_").doesNotContain(tf.adminToken);
        assertThat(header(r, "X-Xet-Cas-Url")).contains(tf.baseUrl + "/xet");
        assertThat(header(r, "X-Xet-Access-Token")).contains(j.path("accessToken").asText());
        assertThat(header(r, "X-Xet-Token-Expiration")).contains(Long.toString(j.path("exp").asLong()));
        // a revision that does not exist is refused as /resolve refuses it
        assertHubError(tf.get("/api/models/" + REPO + "/xet-read-token/no-such-branch", "Authorization", auth(tf)), 404, "RevisionNotFound");
    }

    @Test
    void anExpiredTokenIsRefusedAndANewOneWorks() throws Exception {
        String t = token("read", REPO, tf.adminToken).path("accessToken").asText();
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).as("valid: the file is just unknown").isEqualTo(404);
        clock.advance(Duration.ofSeconds(3601));
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).isEqualTo(401);
        String fresh = token("read", REPO, tf.adminToken).path("accessToken").asText();
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, fresh).statusCode()).isEqualTo(404);
    }

    @Test
    void aReadTokenCannotUpload() throws Exception {
        String t = token("read", REPO, tf.adminToken).path("accessToken").asText();
        HttpResponse<byte[]> r = tf.send(tf.request("/xet/v1/xorbs/default/" + UNKNOWN).header("Authorization", "Bearer " + t)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])));
        assertThat(r.statusCode()).isEqualTo(403);
        HttpResponse<byte[]> s = tf.send(tf.request("/xet/v1/shards").header("Authorization", "Bearer " + t)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])));
        assertThat(s.statusCode()).isEqualTo(403);
    }

    @Test
    void forgedAndTamperedTokensAreRefused() throws Exception {
        String t = token("read", REPO, tf.adminToken).path("accessToken").asText();
        int dot = t.indexOf('.');
        String payload = new String(Base64.getUrlDecoder().decode(t.substring(4, dot)), StandardCharsets.UTF_8);
        // the same signature over a payload that asks for write
        String writePayload = payload.replaceFirst("^read", "write");
        String forged = "xet_" + Base64.getUrlEncoder().withoutPadding().encodeToString(writePayload.getBytes(StandardCharsets.UTF_8)) + t.substring(dot);
        HttpResponse<byte[]> r = tf.send(tf.request("/xet/v1/shards").header("Authorization", "Bearer " + forged)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10])));
        assertThat(r.statusCode()).isEqualTo(401);
        // a later expiry on the same signature
        String[] parts = t.substring(dot + 1).split("\\.");
        String later = t.substring(0, dot + 1) + (Long.parseLong(parts[0]) + 100_000) + "." + parts[1];
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, later).statusCode()).isEqualTo(401);
        // a Hub token is not a Xet token, and garbage is refused
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, tf.adminToken).statusCode()).isEqualTo(401);
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, "xet_%%%.1.2").statusCode()).isEqualTo(401);
        assertThat(tf.get("/xet/v1/reconstructions/" + UNKNOWN).statusCode()).as("no token").isEqualTo(401);
        // the server still answers
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).isEqualTo(404);
    }

    @Test
    void aTokenDiesWithTheHubTokenItWasIssuedThrough() throws Exception {
        User bob = tf.forge.auth.user("bob").orElseGet(() -> tf.forge.auth.createUser("bob", "Bob", null, false));
        var issued = tf.forge.auth.createToken(bob, "bob", Token.Role.WRITE);
        String t = token("read", REPO, issued.secret()).path("accessToken").asText();
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).isEqualTo(404);
        tf.forge.auth.revokeToken(tf.adminActor(), issued.token().key());
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).isEqualTo(401);
    }

    @Test
    void aTokenStopsWhenItsRepositoryTurnsPrivateForItsHolder() throws Exception {
        String id = "admin/xet-turns-private";
        tf.createRepo(RepoType.MODEL, id);
        User carol = tf.forge.auth.user("carol").orElseGet(() -> tf.forge.auth.createUser("carol", "Carol", null, false));
        String carolToken = tf.forge.auth.createToken(carol, "carol", Token.Role.READ).secret();
        String t = token("read", id, carolToken).path("accessToken").asText();
        assertThat(cas("/xet/v1/reconstructions/" + UNKNOWN, t).statusCode()).isEqualTo(404);
        tf.forge.repos.setPrivate(tf.adminActor(), RepoType.MODEL, RepoId.parse(id), true);
        assertHubError(cas("/xet/v1/reconstructions/" + UNKNOWN, t), 404, "RepoNotFound");
        // and carol cannot get a new one, exactly as she cannot see the repository
        assertHubError(tf.get("/api/models/" + id + "/xet-read-token/main", "Authorization", "Bearer " + carolToken), 404, "RepoNotFound");
    }

    @Test
    void xorbUrlsWorkOnlyAsSigned() throws Exception {
        XetHashHex xorb = new XetHashHex(UNKNOWN);
        String grant = tf.forge.xet.signRange(xorb, 0, 99);
        // a valid grant for a xorb that is not stored: 404, so the grant check passed
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-99&t=" + grant, "Range", "bytes=0-99").statusCode()).isEqualTo(404);
        // a wider range, a range outside the granted one, another xorb, a bad or missing grant: 403
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-199&t=" + grant).statusCode()).isEqualTo(403);
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-99&t=" + grant, "Range", "bytes=50-150").statusCode()).isEqualTo(403);
        assertThat(tf.get("/xet/fetch/" + "b".repeat(64) + "?r=0-99&t=" + grant).statusCode()).isEqualTo(403);
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-99&t=" + grant.substring(0, grant.length() - 2) + "xx").statusCode()).isEqualTo(403);
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-99").statusCode()).isEqualTo(403);
        assertThat(tf.get("/xet/fetch/" + UNKNOWN).statusCode()).isEqualTo(403);
        // an expired grant
        clock.advance(Duration.ofSeconds(3601));
        assertThat(tf.get("/xet/fetch/" + UNKNOWN + "?r=0-99&t=" + grant).statusCode()).isEqualTo(403);
    }

    @Test
    void casPathsAreNotHubPaths() throws Exception {
        String t = token("write", REPO, tf.adminToken).path("accessToken").asText();
        assertThat(tf.send(tf.request("/xet/v2/shards").header("Authorization", "Bearer " + t)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10]))).statusCode()).as("hf_xet falls back to v1 on 404").isEqualTo(404);
        assertThat(tf.send(tf.request("/xet/v1/xorbs/other/" + UNKNOWN).header("Authorization", "Bearer " + t)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10]))).statusCode()).isEqualTo(404);
        assertThat(cas("/xet/v1/reconstructions/not-a-hash", t).statusCode()).isEqualTo(400);
    }
}
