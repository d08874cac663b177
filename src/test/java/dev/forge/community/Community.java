package dev.forge.community;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A forge with the people of a small organisation, for the discussion tests: {@code acme} with alice (admin), wendy
 * (write), carl and cora (contributors), rita (read); mallory belongs to nothing. Each has a write token; {@link #as}
 * gives a client that sends it.
 */
final class Community implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final TestForge tf;
    final User alice, wendy, carl, cora, rita, mallory;
    final Client aliceClient, wendyClient, carlClient, coraClient, ritaClient, malloryClient, anonymous;
    private final AtomicInteger seq = new AtomicInteger();

    Community(Path dir) throws Exception {
        tf = TestForge.start(dir);
        var auth = tf.forge.auth;
        alice = auth.createUser("alice", "Alice", "alice@example.com", false);
        wendy = auth.createUser("wendy", "Wendy", null, false);
        carl = auth.createUser("carl", "Carl", "carl@example.com", false);
        cora = auth.createUser("cora", "Cora", null, false);
        rita = auth.createUser("rita", "Rita", null, false);
        mallory = auth.createUser("mallory", "Mallory", null, false);
        var acme = auth.createOrg("acme", "ACME", alice);
        auth.setMember(Actor.OPERATOR, acme, wendy, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, acme, carl, OrgRole.CONTRIBUTOR);
        auth.setMember(Actor.OPERATOR, acme, cora, OrgRole.CONTRIBUTOR);
        auth.setMember(Actor.OPERATOR, acme, rita, OrgRole.READ);
        aliceClient = new Client(token(alice));
        wendyClient = new Client(token(wendy));
        carlClient = new Client(token(carl));
        coraClient = new Client(token(cora));
        ritaClient = new Client(token(rita));
        malloryClient = new Client(token(mallory));
        anonymous = new Client(null);
    }

    String token(User u) {
        return tf.forge.auth.createToken(u, "t" + seq.incrementAndGet(), Token.Role.WRITE).secret();
    }

    /** A new repository {@code acme/<prefix>-<n>} created by alice, with {@code a.txt} on main. */
    Repo repo(String prefix, boolean isPrivate) throws Exception {
        Repo repo = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, new RepoId("acme", prefix + "-" + seq.incrementAndGet()), isPrivate);
        aliceClient.commitOk(repo.displayId(), "main", "base", "a.txt", "line 1\nline 2\nline 3\n");
        return repo;
    }

    /** An HTTP client of the forge's API with one token (or none). */
    final class Client {
        final String token;

        Client(String token) { this.token = token; }

        HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
            return send(tf.request(path).GET());
        }

        HttpResponse<byte[]> post(String path, String json) throws IOException, InterruptedException {
            HttpRequest.Builder b = tf.request(path).POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            if (json != null) b.header("Content-Type", "application/json");
            return send(b);
        }

        HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException, InterruptedException {
            if (token != null) b.header("Authorization", "Bearer " + token);
            return tf.send(b);
        }

        /** The JSON of a 200 answer. */
        JsonNode ok(HttpResponse<byte[]> r) throws IOException {
            assertThat(r.statusCode()).as("%s %s: %s", r.request().method(), r.uri(), text(r)).isEqualTo(200);
            return JSON.readTree(r.body());
        }

        JsonNode getOk(String path) throws IOException, InterruptedException { return ok(get(path)); }

        JsonNode postOk(String path, String json) throws IOException, InterruptedException { return ok(post(path, json)); }

        /** An NDJSON commit of one text file onto {@code rev} (put in the URL encoded), with {@code query} appended. */
        HttpResponse<byte[]> commit(String repoId, String rev, String query, String summary, String path, String content)
                throws IOException, InterruptedException {
            String ndjson = line("header", "{\"summary\":" + quote(summary) + "}") + "\n" + line("file", "{\"path\":" + quote(path)
                    + ",\"content\":\"" + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)) + "\",\"encoding\":\"base64\"}");
            String url = "/api/models/" + repoId + "/commit/" + java.net.URLEncoder.encode(rev, StandardCharsets.UTF_8) + query;
            return send(tf.request(url).header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)));
        }

        /** A successful commit's {@code commitOid}. */
        String commitOk(String repoId, String rev, String summary, String path, String content) throws IOException, InterruptedException {
            return ok(commit(repoId, rev, "", summary, path, content)).path("commitOid").asText();
        }
    }

    static String text(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String line(String key, String value) { return "{\"key\":\"" + key + "\",\"value\":" + value + "}"; }

    /** The error message of an error answer, after checking its status. */
    static String error(HttpResponse<byte[]> r, int status) throws IOException {
        assertThat(r.statusCode()).as("%s %s: %s", r.request().method(), r.uri(), text(r)).isEqualTo(status);
        return JSON.readTree(r.body()).path("error").asText();
    }

    static String api(Repo repo) { return "/api/models/" + repo.displayId(); }

    @Override
    public void close() throws Exception {
        tf.close();
    }
}
