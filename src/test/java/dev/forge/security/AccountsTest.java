package dev.forge.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.AuditEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.core.Gating;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Accounts over HTTP: passwords and the token API, revocation, last-used times, sign-up by configuration,
 * gated access requests through the Hub's endpoints, the block after failed authentications, rate limits,
 * the audit log, and that no token secret ever reaches a log line, an error or an audit entry.
 */
class AccountsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void passwordLoginIssuesTokensThatWorkUntilRevoked(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            tf.forge.auth.createUser(Actor.OPERATOR, "alice", "Alice", null, false, "correct horse battery");
            HttpResponse<byte[]> bad = post(tf, null, "/api/tokens", "{\"username\":\"alice\",\"password\":\"wrong password\",\"name\":\"x\"}");
            assertThat(bad.statusCode()).isEqualTo(401);
            HttpResponse<byte[]> unknown = post(tf, null, "/api/tokens", "{\"username\":\"nobody\",\"password\":\"wrong password\",\"name\":\"x\"}");
            assertThat(unknown.statusCode()).isEqualTo(401);
            assertThat(header(unknown, "X-Error-Message")).isEqualTo(header(bad, "X-Error-Message")); // no user enumeration

            HttpResponse<byte[]> ok = post(tf, null, "/api/tokens",
                    "{\"username\":\"alice\",\"password\":\"correct horse battery\",\"name\":\"laptop\",\"role\":\"write\"}");
            assertThat(ok.statusCode()).as(body(ok)).isEqualTo(200);
            String secret = json(ok).get("token").asText();
            assertThat(secret).startsWith("hf_").hasSize(43);
            String id = json(ok).get("id").asText();

            JsonNode who = json(get(tf, secret, "/api/whoami-v2"));
            assertThat(who.get("name").asText()).isEqualTo("alice");
            assertThat(who.at("/auth/accessToken/role").asText()).isEqualTo("write");
            assertThat(who.at("/auth/accessToken/displayName").asText()).isEqualTo("laptop");

            // the list shows it, with a last-used time, never a secret
            HttpResponse<byte[]> list = get(tf, secret, "/api/tokens");
            assertThat(body(list)).doesNotContain(secret).contains("laptop");
            assertThat(json(list).get(0).get("lastUsedAt").isTextual()).isTrue();

            // a token made with a token; then revoke the first: it stops at once
            HttpResponse<byte[]> second = post(tf, secret, "/api/tokens", "{\"name\":\"ci\",\"role\":\"read\"}");
            assertThat(second.statusCode()).isEqualTo(200);
            String readSecret = json(second).get("token").asText();
            assertThat(send(tf, readSecret, tf.request("/api/tokens/" + id).DELETE()).statusCode()).as("a read token cannot revoke").isEqualTo(403);
            assertThat(send(tf, secret, tf.request("/api/tokens/" + id).DELETE()).statusCode()).isEqualTo(200);
            HttpResponse<byte[]> after = get(tf, secret, "/api/whoami-v2");
            assertThat(after.statusCode()).isEqualTo(401);
            assertThat(header(after, "X-Error-Message")).isEqualTo("Invalid credentials in Authorization header");
            assertThat(get(tf, readSecret, "/api/whoami-v2").statusCode()).isEqualTo(200);

            // another user's token ids do not exist for alice
            User bob = tf.forge.auth.createUser("bob", "Bob", null, false);
            String bobsKey = tf.forge.auth.createToken(bob, "b", Token.Role.WRITE).token().key();
            String aliceWrite = json(post(tf, null, "/api/tokens",
                    "{\"username\":\"alice\",\"password\":\"correct horse battery\",\"name\":\"w\",\"role\":\"write\"}")).get("token").asText();
            assertThat(send(tf, aliceWrite, tf.request("/api/tokens/" + bobsKey).DELETE()).statusCode()).isEqualTo(404);
            assertThat(tf.forge.auth.token(bobsKey).orElseThrow().isRevoked()).isFalse();
        }
    }

    @Test
    void fineGrainedTokensReachOnlyTheirScopesAndDescribeThemInWhoami(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            tf.forge.auth.createUser(Actor.OPERATOR, "alice", "Alice", null, false, "a long password");
            var alice = tf.forge.auth.user("alice").orElseThrow();
            tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, new RepoId("alice", "one"), true);
            tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, new RepoId("alice", "two"), true);
            HttpResponse<byte[]> made = post(tf, null, "/api/tokens", "{\"username\":\"alice\",\"password\":\"a long password\",\"name\":\"ci\","
                    + "\"role\":\"fineGrained\",\"scopes\":[{\"type\":\"repo\",\"repo\":\"model:alice/one\",\"permission\":\"write\"}]}");
            String fine = json(made).get("token").asText();
            JsonNode who = json(get(tf, fine, "/api/whoami-v2"));
            assertThat(who.at("/auth/accessToken/role").asText()).isEqualTo("fineGrained");
            assertThat(who.at("/auth/accessToken/fineGrained/scoped/0/entity/name").asText()).isEqualTo("alice/one");
            assertThat(who.at("/auth/accessToken/fineGrained/scoped/0/permissions").toString()).contains("repo.write");
            assertThat(get(tf, fine, "/api/models/alice/one").statusCode()).isEqualTo(200);
            assertThat(header(get(tf, fine, "/api/models/alice/two"), "X-Error-Code")).as("outside its scope").isEqualTo("RepoNotFound");
            assertThat(post(tf, fine, "/api/repos/create", "{\"name\":\"three\"}").statusCode()).isEqualTo(403);
            assertThat(post(tf, fine, "/api/tokens", "{\"name\":\"escalate\",\"role\":\"write\"}").statusCode())
                    .as("a fine-grained token cannot mint a broader one").isEqualTo(403);
            // a renamed repository keeps its grant: scopes name the repository's key, not its name
            tf.forge.repos.move(Actor.internal(alice), RepoType.MODEL, new RepoId("alice", "one"), new RepoId("alice", "uno"));
            assertThat(get(tf, fine, "/api/models/alice/uno").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void malformedAndHostileAccountRequestsAreRefusedClearly(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            String t = tf.adminToken;
            assertThat(post(tf, t, "/api/tokens", "not json").statusCode()).isEqualTo(400);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"\"}").statusCode()).isEqualTo(400);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"x\",\"role\":\"superuser\"}").statusCode()).isEqualTo(400);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"x\",\"role\":\"fineGrained\"}").statusCode()).as("no scopes").isEqualTo(400);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"x\",\"role\":\"fineGrained\",\"scopes\":[{\"type\":\"repo\",\"repo\":\"nobody/nothing\"}]}")
                    .statusCode()).isEqualTo(404);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"x\",\"role\":\"fineGrained\",\"scopes\":[{\"type\":\"namespace\",\"name\":\"../etc\"}]}")
                    .statusCode()).isEqualTo(400);
            assertThat(post(tf, t, "/api/tokens", "{\"name\":\"" + "n".repeat(200) + "\"}").statusCode()).isEqualTo(400);
            assertThat(post(tf, null, "/api/signup", "{\"username\":\"eve\",\"password\":\"long enough pw\"}").statusCode())
                    .as("sign-up is closed by default").isEqualTo(403);
            assertThat(tf.forge.auth.user("eve")).isEmpty();
            assertThat(send(tf, t, tf.request("/api/tokens/ffffffffffffffffffffffff").DELETE()).statusCode()).isEqualTo(404);
            assertThat(get(tf, "hf_" + "x".repeat(600), "/api/whoami-v2").statusCode()).isEqualTo(401);
            assertThat(send(tf, null, tf.request("/api/whoami-v2").header("Authorization", "Basic %%%")).statusCode()).isEqualTo(400);
            assertThat(send(tf, null, tf.request("/api/whoami-v2").header("Authorization", "Digest abc")).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void openSignUpCreatesPasswordAccountsWithUniqueNames(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(true, 0, 0, 1000, 60, false))) {
            assertThat(post(tf, null, "/api/signup", "{\"username\":\"eve\",\"password\":\"short\"}").statusCode()).isEqualTo(400);
            assertThat(post(tf, null, "/api/signup", "{\"username\":\"api\",\"password\":\"long enough pw\"}").statusCode())
                    .as("reserved name").isEqualTo(400);
            // concurrent sign-ups for one name: exactly one wins
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<Integer> c = () -> post(tf, null, "/api/signup", "{\"username\":\"eve\",\"password\":\"long enough pw\"}").statusCode();
                results.add(pool.submit(c));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : results) codes.add(f.get());
            pool.shutdown();
            assertThat(codes).filteredOn(c -> c == 200).hasSize(1);
            assertThat(codes).filteredOn(c -> c != 200).allMatch(c -> c == 409);
            assertThat(post(tf, null, "/api/tokens", "{\"username\":\"EVE\",\"password\":\"long enough pw\",\"name\":\"x\"}").statusCode())
                    .as("names are case-insensitive").isEqualTo(200);
        }
    }

    @Test
    void gatedRepositoriesOpenToAcceptedRequestsThroughTheHubEndpoints(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            var owner = tf.forge.auth.createUser("owner", "Owner", null, false);
            var bob = tf.forge.auth.createUser("bob", "Bob", "bob@example.com", false);
            String ownerToken = tf.forge.auth.createToken(owner, "o", Token.Role.WRITE).secret();
            String bobToken = tf.forge.auth.createToken(bob, "b", Token.Role.READ).secret();
            tf.forge.repos.create(Actor.internal(owner), RepoType.MODEL, new RepoId("owner", "llm"), false);
            assertThat(send(tf, ownerToken, tf.request("/api/models/owner/llm/settings").header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"gated\":\"manual\"}"))).statusCode()).isEqualTo(200);
            assertThat(json(get(tf, null, "/api/models/owner/llm")).get("gated").asText()).isEqualTo("manual");
            assertThat(send(tf, ownerToken, tf.request("/api/models/owner/llm/settings").header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"gated\":\"sometimes\"}"))).statusCode()).isEqualTo(400);

            String file = "/owner/llm/resolve/main/.gitattributes";
            assertThat(header(get(tf, bobToken, file), "X-Error-Code")).isEqualTo("GatedRepo");
            assertThat(post(tf, bobToken, "/api/models/owner/llm/ask-access", "{\"affiliation\":\"uni\"}").statusCode()).isEqualTo(200);
            assertThat(get(tf, bobToken, file).statusCode()).as("pending is not accepted").isEqualTo(403);

            JsonNode pending = json(get(tf, ownerToken, "/api/models/owner/llm/user-access-request/pending"));
            assertThat(pending).hasSize(1);
            assertThat(pending.get(0).at("/user/user").asText()).isEqualTo("bob");
            assertThat(pending.get(0).at("/user/email").asText()).isEqualTo("bob@example.com");
            assertThat(pending.get(0).at("/fields/affiliation").asText()).isEqualTo("uni");
            assertThat(pending.get(0).get("status").asText()).isEqualTo("pending");
            assertThat(get(tf, bobToken, "/api/models/owner/llm/user-access-request/pending").statusCode()).isEqualTo(403);
            assertThat(get(tf, ownerToken, "/api/models/owner/llm/user-access-request/nonsense").statusCode()).isEqualTo(400);

            assertThat(post(tf, ownerToken, "/api/models/owner/llm/user-access-request/handle", "{\"user\":\"bob\",\"status\":\"maybe\"}")
                    .statusCode()).isEqualTo(400);
            assertThat(post(tf, ownerToken, "/api/models/owner/llm/user-access-request/handle", "{\"user\":\"nobody\",\"status\":\"accepted\"}")
                    .statusCode()).isEqualTo(404);
            assertThat(post(tf, ownerToken, "/api/models/owner/llm/user-access-request/handle",
                    "{\"user\":\"bob\",\"status\":\"rejected\",\"rejectionReason\":\"no\"}").statusCode()).isEqualTo(200);
            assertThat(get(tf, bobToken, file).statusCode()).isEqualTo(403);
            assertThat(json(get(tf, ownerToken, "/api/models/owner/llm/user-access-request/rejected")).get(0).get("rejectionReason").asText())
                    .isEqualTo("no");
            assertThat(post(tf, ownerToken, "/api/models/owner/llm/user-access-request/handle", "{\"user\":\"bob\",\"status\":\"accepted\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(get(tf, bobToken, file).statusCode()).isEqualTo(200);
            assertThat(get(tf, null, file).statusCode()).as("still gated for anonymous callers").isEqualTo(401);

            // answers are bounded; concurrent asks make one request
            assertThat(post(tf, bobToken, "/api/models/owner/llm/ask-access", "{\"essay\":\"" + "x".repeat(20_000) + "\"}").statusCode())
                    .isEqualTo(413);
            assertThat(post(tf, bobToken, "/api/models/owner/llm/ask-access", "[1,2]").statusCode()).isEqualTo(400);
            var carolAsks = tf.forge.auth.createUser("dave", "Dave", null, false);
            String daveToken = tf.forge.auth.createToken(carolAsks, "d", Token.Role.READ).secret();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> asks = new ArrayList<>();
            for (int i = 0; i < 8; i++) asks.add(pool.submit(() -> post(tf, daveToken, "/api/models/owner/llm/ask-access", "{}").statusCode()));
            for (Future<Integer> f : asks) assertThat(f.get()).isEqualTo(200);
            pool.shutdown();
            assertThat(json(get(tf, ownerToken, "/api/models/owner/llm/user-access-request/pending")))
                    .filteredOn(n -> n.at("/user/user").asText().equals("dave")).hasSize(1);

            // auto: accepted on request
            tf.forge.repos.create(Actor.internal(owner), RepoType.MODEL, new RepoId("owner", "auto"), false);
            tf.forge.repos.updateSettings(Actor.internal(owner), RepoType.MODEL, new RepoId("owner", "auto"), null, Gating.AUTO);
            assertThat(get(tf, bobToken, "/owner/auto/resolve/main/.gitattributes").statusCode()).isEqualTo(403);
            assertThat(json(post(tf, bobToken, "/owner/auto/ask-access", "{}")).get("status").asText()).isEqualTo("accepted");
            assertThat(get(tf, bobToken, "/owner/auto/resolve/main/.gitattributes").statusCode()).isEqualTo(200);

            // grant without a request; ungating opens the files to everyone
            var carol = tf.forge.auth.createUser("carol", "Carol", null, false);
            String carolToken = tf.forge.auth.createToken(carol, "c", Token.Role.READ).secret();
            assertThat(post(tf, ownerToken, "/api/models/owner/llm/user-access-request/grant", "{\"user\":\"carol\"}").statusCode()).isEqualTo(200);
            assertThat(get(tf, carolToken, file).statusCode()).isEqualTo(200);
            tf.forge.repos.updateSettings(Actor.internal(owner), RepoType.MODEL, new RepoId("owner", "llm"), null, Gating.NONE);
            assertThat(get(tf, null, file).statusCode()).isEqualTo(200);

            List<String> actions = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, "access.", null, null, null, 100))
                    .stream().map(AuditEntry::action).toList();
            assertThat(actions).contains("access.request", "access.handle", "access.grant");
        }
    }

    @Test
    void repeatedBadCredentialsBlockTheAddressAndAreAudited(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(false, 0, 0, 3, 600, false))) {
            String guess = "hf_" + "a".repeat(40);
            for (int i = 0; i < 4; i++) assertThat(get(tf, guess, "/api/whoami-v2").statusCode()).isEqualTo(401);
            HttpResponse<byte[]> blocked = get(tf, tf.adminToken, "/api/whoami-v2");
            assertThat(blocked.statusCode()).as("even a good token waits while the address is blocked").isEqualTo(429);
            assertThat(Long.parseLong(header(blocked, "Retry-After"))).isBetween(1L, 600L);
            HttpResponse<byte[]> login = post(tf, null, "/api/tokens", "{\"username\":\"admin\",\"password\":\"whatever it is\",\"name\":\"x\"}");
            assertThat(login.statusCode()).as("logins too").isEqualTo(429);
            List<AuditEntry> denied = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, "auth.token", null, null, null, 100));
            assertThat(denied).hasSize(4).allMatch(e -> e.outcome().equals("denied") && e.address().equals("127.0.0.1"));
            assertThat(denied).allMatch(e -> e.detail() == null || !e.detail().contains(guess));
        }
    }

    /** Writes through every door land in the audit log with who, what and from where. */
    @Test
    void writesAreAuditedWhicheverWayTheyArrive(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir.resolve("data"))) {
            tf.createRepo(RepoType.MODEL, "admin/audited");
            dev.forge.testing.GitCli git = new dev.forge.testing.GitCli(dir.resolve("home"));
            Path work = dir.resolve("work");
            git.run(dir, "clone", tf.authedUrl("/admin/audited"), work.toString());
            java.nio.file.Files.writeString(work.resolve("notes.txt"), "pushed\n");
            git.run(work, "add", "notes.txt");
            git.run(work, "commit", "-m", "push it");
            git.run(work, "push", "origin", "main");
            assertThat(post(tf, tf.adminToken, "/api/models/admin/audited/commit/main",
                    "{\"key\":\"header\",\"value\":{\"summary\":\"api\"}}\n{\"key\":\"file\",\"value\":{\"path\":\"a.txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}")
                    .statusCode()).isEqualTo(200);
            assertThat(post(tf, tf.adminToken, "/api/models/admin/audited/branch/dev", "{}").statusCode()).isEqualTo(200);
            assertThat(send(tf, tf.adminToken, tf.request("/api/models/admin/audited/settings").header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"private\":true}"))).statusCode()).isEqualTo(200);
            List<AuditEntry> log = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query("admin", null, "model/admin/audited", null, null, 100));
            assertThat(log).extracting(AuditEntry::action).contains("repo.create", "git.push", "repo.commit", "branch.create", "repo.settings");
            AuditEntry push = log.stream().filter(e -> e.action().equals("git.push")).findFirst().orElseThrow();
            assertThat(push.address()).isEqualTo("127.0.0.1");
            assertThat(push.tokenKey()).isNotNull();
            assertThat(push.detail()).contains("refs/heads/main");
            // paging by the last id: newest first, no overlap
            List<AuditEntry> first = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, null, null, null, null, 2));
            List<AuditEntry> next = tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, null, null, null, first.getLast().key(), 2));
            assertThat(first.getFirst().at()).isAfterOrEqualTo(first.getLast().at());
            assertThat(next).isNotEmpty().noneMatch(first::contains);
            assertThat(next.getFirst().key()).isLessThan(first.getLast().key());
        }
    }

    @Test
    void behindATrustedProxyTheAddressIsTheOneTheProxyAppended(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(false, 0, 0, 1, 600, true))) {
            String guess = "hf_" + "b".repeat(40);
            for (int i = 0; i < 2; i++) {
                // the client forges the first entry; the proxy appended the last
                assertThat(send(tf, guess, tf.request("/api/whoami-v2").header("X-Forwarded-For", "10.0.0." + i + ", 203.0.113.9")).statusCode())
                        .isEqualTo(401);
            }
            assertThat(send(tf, tf.adminToken, tf.request("/api/whoami-v2").header("X-Forwarded-For", "10.0.0.7, 203.0.113.9")).statusCode())
                    .isEqualTo(429);
            assertThat(send(tf, tf.adminToken, tf.request("/api/whoami-v2").header("X-Forwarded-For", "203.0.113.9, 198.51.100.4")).statusCode())
                    .as("another client behind the proxy").isEqualTo(200);
            assertThat(tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, "auth.token", null, null, null, 10)))
                    .allMatch(e -> e.address().equals("203.0.113.9"));
        }
    }

    @Test
    void rateLimitsAnswer429WithRetryAfterPerTokenAndSpareAdmins(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(false, 5, 3, 1000, 60, false))) {
            User u = tf.forge.auth.createUser("someone", "Someone", null, false);
            String a = tf.forge.auth.createToken(u, "a", Token.Role.READ).secret();
            String b = tf.forge.auth.createToken(u, "b", Token.Role.READ).secret();
            tf.createRepo(RepoType.MODEL, "admin/open");
            // a full bucket: the first five pass; then the bucket refills one request per 12 s, so a 429 comes soon
            for (int i = 0; i < 5; i++) assertThat(get(tf, a, "/api/models/admin/open").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> limited = null;
            for (int i = 0; i < 20 && limited == null; i++) {
                HttpResponse<byte[]> r = get(tf, a, "/api/models/admin/open");
                if (r.statusCode() == 429) limited = r;
                else assertThat(r.statusCode()).isEqualTo(200);
            }
            assertThat(limited).as("a 429 within 20 requests over the limit").isNotNull();
            assertThat(Long.parseLong(header(limited, "Retry-After"))).isBetween(1L, 60L);
            assertThat(header(limited, "RateLimit")).startsWith("\"api\";r=0;t=");
            assertThat(body(limited)).contains("Rate limit exceeded");
            assertThat(get(tf, b, "/api/models/admin/open").statusCode()).as("another token has its own bucket").isEqualTo(200);
            for (int i = 0; i < 30; i++) assertThat(get(tf, tf.adminToken, "/api/models/admin/open").statusCode()).isEqualTo(200);
            // downloads have their own limit (3 a minute here)
            for (int i = 0; i < 3; i++) assertThat(get(tf, b, "/admin/open/resolve/main/.gitattributes").statusCode()).isEqualTo(200);
            boolean resolveLimited = false;
            for (int i = 0; i < 20 && !resolveLimited; i++) resolveLimited = get(tf, b, "/admin/open/resolve/main/.gitattributes").statusCode() == 429;
            assertThat(resolveLimited).isTrue();
        }
    }

    /** Tokens travel in every request of these tests; none may appear in a log line, an error or an audit entry. */
    @Test
    void noTokenEverAppearsInLogsErrorsOrTheAuditLog(@TempDir Path dir) throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Security(false, 0, 0, 5, 60, false))) {
            secrets.add(tf.adminToken);
            User u = tf.forge.auth.createUser(Actor.OPERATOR, "alice", "Alice", null, false, "a long password");
            var issued = tf.forge.auth.createToken(u, "a", Token.Role.WRITE);
            secrets.add(issued.secret());
            tf.forge.repos.create(Actor.internal(u), RepoType.MODEL, new RepoId("alice", "private-one"), true);
            String revokedLater = tf.forge.auth.createToken(u, "b", Token.Role.WRITE).secret();
            secrets.add(revokedLater);
            String guessed = "hf_" + "Q".repeat(40);
            secrets.add(guessed);
            secrets.add("a long password");
            for (String t : List.of(tf.adminToken, issued.secret(), revokedLater, guessed)) {
                for (String path : List.of("/api/whoami-v2", "/api/models/alice/private-one", "/alice/private-one/resolve/main/x",
                        "/api/models/alice/nothing", "/alice/private-one.git/info/refs?service=git-receive-pack")) {
                    answers.add(describe(get(tf, t, path)));
                }
                answers.add(describe(post(tf, t, "/api/repos/create", "{\"name\":\"made-" + answers.size() + "\",\"private\":true}")));
                answers.add(describe(post(tf, t, "/api/models/alice/private-one/commit/main", "{\"key\":\"header\",\"value\":{\"summary\":\"s\"}}")));
                answers.add(describe(send(tf, null, tf.request("/api/whoami-v2").header("Authorization", "Bearer " + t + " trailing"))));
                answers.add(describe(send(tf, null, tf.request("/api/whoami-v2").header("Authorization", "Token " + t))));
                if (t.equals(revokedLater)) tf.forge.auth.revokeToken(Actor.OPERATOR, tf.forge.auth.tokens(u).getFirst().key());
            }
            answers.add(describe(post(tf, null, "/api/tokens", "{\"username\":\"alice\",\"password\":\"a long password\",\"name\":\"z\"}")));
            answers.add(describe(post(tf, null, "/api/tokens", "{\"username\":\"alice\",\"password\":\"" + guessed + "\",\"name\":\"z\"}")));
            for (AuditEntry e : tf.forge.audit.query(dev.forge.service.account.Actor.OPERATOR, new AuditEntry.Query(null, null, null, null, null, 1000))) {
                answers.add(String.join(" ", e.actor(), String.valueOf(e.target()), String.valueOf(e.detail()), String.valueOf(e.tokenKey())));
            }
        } finally {
            root.detachAppender(captured);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : captured.list) {
            lines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
        assertThat(lines).as("something was logged").isNotEmpty();
        for (String secret : secrets) {
            assertThat(lines).noneMatch(l -> l.contains(secret));
            assertThat(answers).noneMatch(l -> l.contains(secret));
        }
    }

    // ----------------------------------------------------------------------------------------- helpers

    private static String describe(HttpResponse<byte[]> r) {
        return r.statusCode() + " " + r.headers().map() + " " + body(r);
    }

    static HttpResponse<byte[]> get(TestForge tf, String token, String path) throws Exception {
        return send(tf, token, tf.request(path).GET());
    }

    static HttpResponse<byte[]> post(TestForge tf, String token, String path, String json) throws Exception {
        return send(tf, token, tf.request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    static HttpResponse<byte[]> send(TestForge tf, String token, HttpRequest.Builder b) throws Exception {
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }

    static String header(HttpResponse<?> r, String name) { return r.headers().firstValue(name).orElse(null); }

    static String body(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
