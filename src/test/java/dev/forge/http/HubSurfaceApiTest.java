package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.forge.http.HttpSupport.assertHubError;
import static dev.forge.http.HttpSupport.commit;
import static dev.forge.http.HttpSupport.file;
import static dev.forge.http.HttpSupport.json;
import static dev.forge.http.HttpSupport.lfs;
import static dev.forge.http.HttpSupport.nextLink;
import static dev.forge.http.HttpSupport.pathAndQuery;
import static dev.forge.http.HttpSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/{type}s/{id}/duplicate} and {@code GET /api/settings/repositories} as {@code hf repos duplicate} and
 * {@code hf repos ls} read them (huggingface_hub 2.0.0), with malformed, hostile and concurrent input.
 */
class HubSurfaceApiTest {
    @TempDir static Path dir;
    static TestForge tf;
    static String bobToken;
    static Repo model;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        User bob = tf.forge.auth.createUser("bob", "Bob", null, false);
        bobToken = tf.forge.auth.createToken(bob, "t", Token.Role.WRITE).secret();
        var acme = tf.forge.auth.createOrg("acme", "ACME", tf.admin);
        model = tf.createRepo(RepoType.MODEL, "admin/source");
        commit(tf, model, "main", "files", file("config.json", "{}"), lfs(tf, model, "model.safetensors", HttpSupport.pattern(5000, 1)));
        commit(tf, model, "main", "second", file("README.md", "# source\n"));
        tf.forge.refs.createTag(Actor.internal(tf.admin), RepoType.MODEL, model.id(), "main", "v1");
        tf.createPrivateRepo(RepoType.MODEL, "admin/hidden");
        tf.createRepo(RepoType.DATASET, "acme/shared");
        tf.forge.auth.setMember(Actor.OPERATOR, acme, bob, OrgRole.READ);
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @Test
    void duplicateCopiesHistoryBranchesAndTagsUnderTheNewNameWithTheVisibilityAsked() throws Exception {
        HttpResponse<byte[]> r = post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/copy\", \"visibility\": \"private\"}", tf.adminToken);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(json(r).path("url").asText()).isEqualTo(tf.baseUrl + "/admin/copy");
        JsonNode copy = json(tf.get("/api/models/admin/copy", "Authorization", HttpSupport.auth(tf)));
        JsonNode source = json(tf.get("/api/models/admin/source"));
        assertThat(copy.path("sha").asText()).isEqualTo(source.path("sha").asText());
        assertThat(copy.path("private").asBoolean()).isTrue();
        assertThat(copy.path("siblings").toString()).isEqualTo(source.path("siblings").toString());
        JsonNode refs = json(tf.get("/api/models/admin/copy/refs", "Authorization", HttpSupport.auth(tf)));
        assertThat(refs.path("tags").get(0).path("name").asText()).isEqualTo("v1");
        assertThat(json(tf.get("/api/models/admin/copy/commits/main", "Authorization", HttpSupport.auth(tf))).size()).isEqualTo(3);
        HttpResponse<byte[]> weights = tf.get("/admin/copy/resolve/main/model.safetensors", "Authorization", HttpSupport.auth(tf));
        assertThat(weights.body()).isEqualTo(HttpSupport.pattern(5000, 1));
        assertHubError(tf.get("/api/models/admin/copy"), 401, "RepoNotFound");
        // storage is shared, not copied: every object file of the copy is a hard link to the source's
        Repo copied = tf.forge.repos.find(RepoType.MODEL, new dev.forge.core.RepoId("admin", "copy")).orElseThrow();
        Path from = dir.resolve("git").resolve(model.key() + ".git/objects");
        Path to = dir.resolve("git").resolve(copied.key() + ".git/objects");
        List<Path> objects;
        try (var walk = java.nio.file.Files.walk(to)) {
            objects = walk.filter(java.nio.file.Files::isRegularFile).filter(p -> !to.relativize(p).startsWith("info")).toList();
        }
        assertThat(objects).isNotEmpty().allSatisfy(p -> assertThat(java.nio.file.Files.getAttribute(p, "unix:ino"))
                .isEqualTo(java.nio.file.Files.getAttribute(from.resolve(to.relativize(p).toString()), "unix:ino")));
        // the source is untouched and the copy is independent of it
        commit(tf, model, "main", "later", file("later.txt", "x"));
        assertThat(json(tf.get("/api/models/admin/copy", "Authorization", HttpSupport.auth(tf))).path("sha").asText())
                .isEqualTo(copy.path("sha").asText());
        // without visibility the copy keeps the source's; a name taken answers 409 with the url (exist_ok reads it)
        assertThat(post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/copy-public\"}", tf.adminToken).statusCode()).isEqualTo(200);
        assertThat(json(tf.get("/api/models/admin/copy-public")).path("private").asBoolean()).isFalse();
        HttpResponse<byte[]> taken = post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/copy\"}", tf.adminToken);
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(json(taken).path("url").asText()).isEqualTo(tf.baseUrl + "/admin/copy");
    }

    @Test
    void duplicateRefusesWhatTheCallerMayNotReadOrCreateAndMalformedRequests() throws Exception {
        assertHubError(post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/x\"}", null), 401, null);
        assertHubError(post("/api/models/admin/hidden/duplicate", "{\"repository\": \"bob/x\"}", bobToken), 404, "RepoNotFound");
        assertHubError(post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/x\"}", bobToken), 403, null);
        assertThat(post("/api/models/admin/source/duplicate", "{\"repository\": \"bob/mine\"}", bobToken).statusCode()).isEqualTo(200);
        for (String body : List.of("", "[]", "{}", "{\"repository\": 3}", "{\"repository\": \"no-namespace\"}",
                "{\"repository\": \"admin/../x\"}", "{\"repository\": \"admin/" + "x".repeat(300) + "\"}",
                "{\"repository\": \"admin/y\", \"visibility\": \"protected\"}", "{\"repository\": \"admin/y\", \"private\": \"yes\"}")) {
            assertHubError(post("/api/models/admin/source/duplicate", body, tf.adminToken), 400, null);
        }
        assertHubError(post("/api/models/admin/missing/duplicate", "{\"repository\": \"admin/y\"}", tf.adminToken), 404, "RepoNotFound");
        assertThat(tf.forge.repos.find(RepoType.MODEL, new dev.forge.core.RepoId("admin", "y"))).isEmpty();
    }

    @Test
    void concurrentDuplicatesToOneNameMakeOneRepository() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                results.add(pool.submit(() -> post("/api/models/admin/source/duplicate", "{\"repository\": \"admin/race\"}", tf.adminToken).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) statuses.add(f.get());
            assertThat(statuses).containsOnly(200, 409);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(json(tf.get("/api/models/admin/race")).path("sha").asText()).matches("[0-9a-f]{40}");
    }

    @Test
    void settingsRepositoriesListsTheCallersOwnOrAnOrganisationsRepositoriesWithStorage() throws Exception {
        HttpResponse<byte[]> r = tf.get("/api/settings/repositories", "Authorization", HttpSupport.auth(tf));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode item : json(r)) {
            ids.add(item.path("id").asText());
            assertThat(item.path("type").asText()).isIn("model", "dataset");
            assertThat(item.path("updatedAt").asText()).matches(HttpSupport.ISO_MILLIS_Z.pattern());
            assertThat(item.path("visibility").asText()).isIn("public", "private");
            assertThat(item.path("storage").isNumber()).isTrue();
            if (item.path("id").asText().equals("admin/source")) assertThat(item.path("storage").asLong()).isEqualTo(5000);
        }
        assertThat(ids).contains("admin/source", "admin/hidden").doesNotContain("acme/shared", "bob/mine");
        JsonNode org = json(tf.get("/api/organizations/acme/settings/repositories", "Authorization", "Bearer " + bobToken));
        assertThat(org.get(0).path("id").asText()).isEqualTo("acme/shared");
        assertHubError(tf.get("/api/settings/repositories"), 401, null);
        assertHubError(tf.get("/api/organizations/admin-org-that-bob-is-not-in/settings/repositories", "Authorization", "Bearer " + bobToken), 403, null);
        assertHubError(tf.get("/api/settings/repositories?cursor=-1", "Authorization", HttpSupport.auth(tf)), 400, null);
        // pages follow the Link header
        for (int i = 0; i < 105; i++) tf.createRepo(RepoType.DATASET, "bob/d" + i);
        List<String> all = new ArrayList<>();
        String next = "/api/settings/repositories";
        while (next != null) {
            HttpResponse<byte[]> page = tf.get(next, "Authorization", "Bearer " + bobToken);
            for (JsonNode item : json(page)) all.add(item.path("id").asText());
            next = nextLink(page).map(HttpSupport::pathAndQuery).orElse(null);
        }
        assertThat(all).hasSize(106).doesNotHaveDuplicates();
    }

    private static HttpResponse<byte[]> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = tf.request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }
}
