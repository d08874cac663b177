package dev.forge.http.web;

import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.core.OrgRole;
import dev.forge.core.User;
import dev.forge.http.ForgeServer;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import dev.forge.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Accounts through the pages: signing in and out with a hardened session cookie stored hashed, CSRF on every form,
 * tokens shown once and revoked at once, the profile and password, and an organisation's members.
 */
class WebAccountsTest {
    static final String PASSWORD = "a long enough password";
    @TempDir
    static Path dir;
    static TestForge tf;
    static User bob;

    @BeforeAll
    static void setUp() throws Exception {
        tf = TestForge.start(dir);
        bob = tf.forge.auth.createUser(Actor.OPERATOR, "bob", "Bob", "bob@example.com", false, PASSWORD);
    }

    @AfterAll
    static void tearDown() throws Exception {
        tf.close();
    }

    static String setCookie(HttpResponse<?> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    }

    @Test
    void signingInSetsAHardenedCookieWhoseSecretIsStoredOnlyHashedAndSigningOutEndsIt() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        HttpResponse<String> wrong = b.signIn("bob", "not the password");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Invalid username or password");
        assertThat(wrong.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("forge_session=") && !c.startsWith("forge_session=;"));

        HttpResponse<String> ok = b.signIn("bob", PASSWORD);
        assertThat(ok.statusCode()).isEqualTo(303);
        String cookie = setCookie(ok, "forge_session");
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/").contains("Max-Age=1209600").doesNotContain("Secure");
        String secret = cookie.substring("forge_session=".length(), cookie.indexOf(';'));
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
        List<String> stored = tf.forge.stores().database().jdbi().withHandle(h -> h.createQuery("SELECT secret_hash FROM web_sessions")
                .mapTo(String.class).list());
        assertThat(stored).isNotEmpty().noneMatch(s -> s.contains(secret));

        assertThat(b.get("/settings/profile").body()).contains("value=\"bob@example.com\"").contains("Sign out");
        assertThat(b.get("/").body()).contains("href=\"/bob\"");
        // the API never takes the cookie: ambient credentials do nothing there
        HttpResponse<String> api = b.send(b.request("/api/whoami-v2").header("Cookie", "forge_session=" + secret).GET());
        assertThat(api.statusCode()).isEqualTo(401);

        HttpResponse<String> out = b.post("/logout");
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(setCookie(out, "forge_session")).startsWith("forge_session=;").contains("Max-Age=0");
        WebClient replay = new WebClient(tf.baseUrl);
        HttpResponse<String> replayed = replay.send(replay.request("/settings/profile").header("Cookie", "forge_session=" + secret).GET());
        assertThat(replayed.statusCode()).as("the old cookie is dead").isEqualTo(401);
        assertThat(replayed.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    @Test
    void aSignInReturnsOnlyToALocalPage() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        HttpResponse<String> r = b.post("/login", "username", "bob", "password", PASSWORD, "next", "https://evil.example/");
        assertThat(r.headers().firstValue("Location")).hasValue("/");
        r = b.post("/login", "username", "bob", "password", PASSWORD, "next", "//evil.example/x");
        assertThat(r.headers().firstValue("Location")).hasValue("/");
        r = b.post("/login", "username", "bob", "password", PASSWORD, "next", "/models?search=x");
        assertThat(r.headers().firstValue("Location")).hasValue("/models?search=x");
    }

    @Test
    void formsNeedThisBrowsersCsrfTokenAndComeFromThisSite() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        b.signIn("bob", PASSWORD);
        String token = b.csrf("/settings/profile");
        assertThat(b.postRaw("/settings/profile", Map.of("fullname", "No Token")).statusCode()).isEqualTo(403);
        assertThat(b.postRaw("/settings/profile", Map.of("fullname", "Bad", "csrf", token + "x")).statusCode()).isEqualTo(403);
        WebClient other = new WebClient(tf.baseUrl);
        String othersToken = other.csrf();
        assertThat(b.postRaw("/settings/profile", Map.of("fullname", "Other", "csrf", othersToken)).statusCode()).isEqualTo(403);
        HttpResponse<String> crossSite = b.send(b.request("/settings/profile").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "https://evil.example").POST(java.net.http.HttpRequest.BodyPublishers.ofString("fullname=X&csrf=" + token)));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        HttpResponse<String> fetchSite = b.send(b.request("/settings/profile").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Sec-Fetch-Site", "cross-site").POST(java.net.http.HttpRequest.BodyPublishers.ofString("fullname=X&csrf=" + token)));
        assertThat(fetchSite.statusCode()).isEqualTo(403);
        assertThat(tf.forge.auth.user("bob").orElseThrow().fullname()).isEqualTo("Bob");
        HttpResponse<String> good = b.postRaw("/settings/profile", Map.of("fullname", "Robert", "email", "rob@example.com", "csrf", token));
        assertThat(good.statusCode()).isEqualTo(303);
        assertThat(tf.forge.auth.user("bob").orElseThrow().fullname()).isEqualTo("Robert");
        assertThat(b.post("/settings/profile", "fullname", "x".repeat(101)).statusCode()).isEqualTo(400);
        assertThat(b.post("/settings/profile", "fullname", "Bob", "email", "not an address").statusCode()).isEqualTo(400);
        HttpResponse<String> json = b.send(b.request("/settings/profile").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(json.statusCode()).isEqualTo(415);
        HttpResponse<String> huge = b.send(b.request("/settings/profile").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("fullname=" + "y".repeat(300_000))));
        assertThat(huge.statusCode()).isEqualTo(413);
        b.post("/settings/profile", "fullname", "Bob", "email", "bob@example.com");
    }

    @Test
    void aTokenIsShownOnceWorksAtOnceAndStopsWhenRevoked() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        b.signIn("bob", PASSWORD);
        HttpResponse<String> created = b.post("/settings/tokens", "name", "laptop", "role", "write");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
        Matcher m = Pattern.compile("id=\"new-token-secret\">(hf_[A-Za-z0-9]{40})<").matcher(created.body());
        assertThat(m.find()).isTrue();
        String secret = m.group(1);
        assertThat(tf.get("/api/whoami-v2", "Authorization", "Bearer " + secret).statusCode()).isEqualTo(200);
        String list = b.get("/settings/tokens").body();
        assertThat(list).contains("laptop").doesNotContain(secret);
        String id = tf.forge.auth.tokens(bob).stream().filter(t -> t.displayName().equals("laptop")).findFirst().orElseThrow().key();
        assertThat(b.post("/settings/tokens/" + id + "/revoke").statusCode()).isEqualTo(303);
        assertThat(tf.get("/api/whoami-v2", "Authorization", "Bearer " + secret).statusCode()).isEqualTo(401);
        assertThat(b.get("/settings/tokens").body()).contains("revoked");

        HttpResponse<String> fine = b.post("/settings/tokens", "name", "scoped", "role", "fineGrained", "scope_namespaces", "bob",
                "scope_permission", "read");
        assertThat(fine.statusCode()).isEqualTo(200);
        assertThat(b.get("/settings/tokens").body()).contains("bob/* (read)");
        assertThat(b.post("/settings/tokens", "name", "empty", "role", "fineGrained").statusCode()).isEqualTo(400);
        assertThat(b.post("/settings/tokens", "name", "x", "role", "fineGrained", "scope_repos", "acme/no-such").statusCode()).isEqualTo(404);
        assertThat(b.post("/settings/tokens", "name", "", "role", "read").statusCode()).isEqualTo(400);
        assertThat(b.post("/settings/tokens", "name", "x", "role", "admin").statusCode()).isEqualTo(400);
        // nobody else's tokens: another user's id is "not found"
        String adminToken = tf.forge.auth.tokens(tf.admin).getFirst().key();
        assertThat(b.post("/settings/tokens/" + adminToken + "/revoke").statusCode()).isEqualTo(404);
        // a read token cannot mint tokens through the page either
        String read = tf.forge.auth.createToken(bob, "read-only", dev.forge.core.Token.Role.READ).secret();
        assertThat(new WebClient(tf.baseUrl, read).post("/settings/tokens", "name", "wider", "role", "write").statusCode()).isEqualTo(403);
    }

    @Test
    void changingThePasswordSignsOtherBrowsersOut() throws Exception {
        User carol = tf.forge.auth.createUser(Actor.OPERATOR, "carol", "Carol", null, false, PASSWORD);
        WebClient laptop = new WebClient(tf.baseUrl), phone = new WebClient(tf.baseUrl);
        laptop.signIn("carol", PASSWORD);
        phone.signIn("carol", PASSWORD);
        assertThat(laptop.post("/settings/password", "current_password", "wrong", "new_password", "another password 1",
                "confirm_password", "another password 1").statusCode()).isEqualTo(403);
        assertThat(laptop.post("/settings/password", "current_password", PASSWORD, "new_password", "another password 1",
                "confirm_password", "different").statusCode()).isEqualTo(400);
        assertThat(laptop.post("/settings/password", "current_password", PASSWORD, "new_password", "short",
                "confirm_password", "short").statusCode()).isEqualTo(400);
        HttpResponse<String> ok = laptop.post("/settings/password", "current_password", PASSWORD, "new_password", "another password 1",
                "confirm_password", "another password 1");
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(laptop.get("/settings/profile").statusCode()).isEqualTo(200);
        assertThat(phone.get("/settings/profile").statusCode()).isEqualTo(401);
        assertThat(new WebClient(tf.baseUrl).signIn("carol", "another password 1").statusCode()).isEqualTo(303);
        assertThat(tf.forge.sessions.count(carol)).isEqualTo(2);
    }

    @Test
    void organisationAdminsManageMembersAndOthersCannot() throws Exception {
        User olga = tf.forge.auth.createUser(Actor.OPERATOR, "olga", "Olga", null, false, PASSWORD);
        var org = tf.forge.auth.createOrg("webco", "Web Co", olga);
        WebClient admin = new WebClient(tf.baseUrl);
        admin.signIn("olga", PASSWORD);
        assertThat(admin.get("/organizations/webco/settings/members").body()).contains("Add a member");
        assertThat(admin.post("/organizations/webco/settings/members", "user", "bob", "role", "write").statusCode()).isEqualTo(303);
        assertThat(tf.forge.auth.members(org)).extracting(e -> e.getKey().name() + ":" + e.getValue().wire()).contains("bob:write");
        assertThat(admin.get("/webco").body()).contains("href=\"/bob\"").contains(">write<");
        WebClient member = new WebClient(tf.baseUrl);
        member.signIn("bob", PASSWORD);
        assertThat(member.get("/organizations/webco/settings/members").body()).doesNotContain("Add a member");
        assertThat(member.post("/organizations/webco/settings/members", "user", "bob", "role", "admin").statusCode()).isEqualTo(403);
        assertThat(admin.post("/organizations/webco/settings/members", "user", "nobody-here", "role", "read").statusCode()).isEqualTo(404);
        assertThat(admin.post("/organizations/webco/settings/members", "user", "bob", "role", "owner").statusCode()).isEqualTo(400);
        assertThat(admin.post("/organizations/webco/settings/members/bob/remove").statusCode()).isEqualTo(303);
        assertThat(tf.forge.auth.members(org)).extracting(e -> e.getKey().name()).doesNotContain("bob");
        assertThat(tf.forge.auth.memberships(olga)).extracting(mb -> mb.role()).contains(OrgRole.ADMIN);
        assertThat(admin.get("/organizations/nope/settings/members").statusCode()).isEqualTo(404);
    }

    /** Behind https, the session cookie is Secure, and so is the CSRF nonce. */
    @Test
    void theSessionCookieIsSecureWhenThePublicUrlIsHttps() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ForgeConfig config = new ForgeConfig("127.0.0.1", port, dir.resolve("https-forge"), URI.create("https://forge.example"),
                ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TestForge.TESTING_SECURITY, ForgeConfig.Storage.defaults());
        try (Forge forge = Forge.open(config)) {
            forge.recoverAfterCrash();
            forge.auth.createUser(Actor.OPERATOR, "dana", "Dana", null, false, PASSWORD);
            try (ForgeServer server = forge.newServer().start()) {
                WebClient b = new WebClient("http://127.0.0.1:" + server.port());
                HttpResponse<String> login = b.get("/login");
                String nonce = setCookie(login, "forge_csrf");
                assertThat(nonce).contains("Secure").contains("SameSite=Strict").contains("HttpOnly");
                // over this test's plain loopback connection the client keeps Secure cookies to itself: send the nonce by hand
                Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(login.body());
                assertThat(csrf.find()).isTrue();
                HttpResponse<String> ok = b.send(b.request("/login").header("Cookie", nonce.substring(0, nonce.indexOf(';')))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("username=dana&password=" + PASSWORD.replace(' ', '+')
                                + "&csrf=" + csrf.group(1))));
                assertThat(ok.statusCode()).isEqualTo(303);
                assertThat(setCookie(ok, "forge_session")).contains("Secure").contains("HttpOnly").contains("SameSite=Lax");
                assertThat(HttpCookie.parse(setCookie(ok, "forge_session")).getFirst().getSecure()).isTrue();
            }
        }
    }
}
