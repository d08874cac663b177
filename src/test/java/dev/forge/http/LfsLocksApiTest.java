package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.OrgRole;
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

import static dev.forge.http.HttpSupport.header;
import static dev.forge.http.HttpSupport.json;
import static dev.forge.http.HttpSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The git-lfs locking API under {@code …/info/lfs/locks} as git-lfs's {@code locking.md} specifies it (the real
 * {@code git lfs lock/locks/unlock} are in {@code e2e.LfsLocksE2ETest}): answers, owners, force, pages, and malformed,
 * hostile and concurrent requests.
 */
class LfsLocksApiTest {
    static final String LFS = "application/vnd.git-lfs+json";
    @TempDir static Path dir;
    static TestForge tf;
    static String ann, ben, reader;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        var auth = tf.forge.auth;
        User a = auth.createUser("ann", "Ann", null, false);
        User b = auth.createUser("ben", "Ben", null, false);
        User r = auth.createUser("rae", "Rae", null, false);
        var team = auth.createOrg("team", "Team", tf.admin);
        auth.setMember(Actor.OPERATOR, team, a, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, team, b, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, team, r, OrgRole.READ);
        ann = auth.createToken(a, "t", Token.Role.WRITE).secret();
        ben = auth.createToken(b, "t", Token.Role.WRITE).secret();
        reader = auth.createToken(r, "t", Token.Role.WRITE).secret();
        tf.createRepo(RepoType.MODEL, "team/assets");
        tf.createPrivateRepo(RepoType.MODEL, "team/secret");
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @Test
    void locksAreCreatedListedVerifiedAndUnlockedByTheirOwnerOrWithForce() throws Exception {
        HttpResponse<byte[]> created = post("/team/assets.git/info/lfs/locks", "{\"path\": \"weights/big.bin\", \"ref\": {\"name\": \"refs/heads/main\"}}", ann);
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        assertThat(header(created, "Content-Type")).hasValue(LFS);
        JsonNode lock = json(created).path("lock");
        String id = lock.path("id").asText();
        assertThat(lock.path("path").asText()).isEqualTo("weights/big.bin");
        assertThat(lock.path("owner").path("name").asText()).isEqualTo("ann");
        assertThat(lock.path("locked_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

        HttpResponse<byte[]> again = post("/team/assets.git/info/lfs/locks", "{\"path\": \"weights/big.bin\"}", ben);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).path("lock").path("id").asText()).isEqualTo(id);
        assertThat(json(again).path("message").asText()).isNotBlank();

        assertThat(json(get("/team/assets.git/info/lfs/locks?path=weights/big.bin", reader)).path("locks").get(0).path("id").asText()).isEqualTo(id);
        assertThat(json(get("/team/assets/info/lfs/locks?id=" + id, null)).path("locks").size()).isEqualTo(1);
        assertThat(json(get("/team/assets/info/lfs/locks?path=other", ann)).path("locks").size()).isZero();

        JsonNode mine = json(post("/team/assets.git/info/lfs/locks/verify", "{\"ref\": {\"name\": \"refs/heads/main\"}}", ann));
        assertThat(mine.path("ours").size()).isEqualTo(1);
        assertThat(mine.path("theirs").size()).isZero();
        JsonNode theirs = json(post("/team/assets.git/info/lfs/locks/verify", "{}", ben));
        assertThat(theirs.path("theirs").get(0).path("id").asText()).isEqualTo(id);

        HttpResponse<byte[]> notYours = post("/team/assets.git/info/lfs/locks/" + id + "/unlock", "{}", ben);
        assertThat(notYours.statusCode()).isEqualTo(403);
        assertThat(json(notYours).path("message").asText()).contains("ann");
        assertThat(post("/team/assets.git/info/lfs/locks/" + id + "/unlock", "{\"force\": true}", reader).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> forced = post("/team/assets.git/info/lfs/locks/" + id + "/unlock", "{\"force\": true}", ben);
        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(json(forced).path("lock").path("id").asText()).isEqualTo(id);
        assertThat(json(get("/team/assets/info/lfs/locks", ann)).path("locks").size()).isZero();

        String own = json(post("/team/assets.git/info/lfs/locks", "{\"path\": \"a.bin\"}", ann)).path("lock").path("id").asText();
        assertThat(post("/team/assets.git/info/lfs/locks/" + own + "/unlock", "{}", ann).statusCode()).isEqualTo(200);
        assertThat(post("/team/assets.git/info/lfs/locks/" + own + "/unlock", "{}", ann).statusCode()).isEqualTo(404);
    }

    @Test
    void pagesFollowTheCursor() throws Exception {
        for (int i = 0; i < 7; i++) assertThat(post("/team/assets.git/info/lfs/locks", "{\"path\": \"pages/" + i + ".bin\"}", ben).statusCode()).isEqualTo(201);
        List<String> paths = new ArrayList<>();
        String cursor = "";
        do {
            JsonNode page = json(get("/team/assets.git/info/lfs/locks?limit=3" + (cursor.isEmpty() ? "" : "&cursor=" + cursor), ben));
            page.path("locks").forEach(l -> { if (l.path("path").asText().startsWith("pages/")) paths.add(l.path("path").asText()); });
            cursor = page.path("next_cursor").asText("");
        } while (!cursor.isEmpty());
        assertThat(paths).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void readersAnonymousCallersAndPrivateRepositoriesGetTheAnswersOfThePolicy() throws Exception {
        HttpResponse<byte[]> anon = post("/team/assets.git/info/lfs/locks", "{\"path\": \"x\"}", null);
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(header(anon, "LFS-Authenticate")).isPresent();
        assertThat(post("/team/assets.git/info/lfs/locks", "{\"path\": \"x\"}", reader).statusCode()).isEqualTo(403);
        assertThat(post("/team/assets.git/info/lfs/locks/verify", "{}", reader).statusCode()).isEqualTo(403);
        assertThat(get("/team/assets.git/info/lfs/locks", null).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> hidden = get("/team/secret.git/info/lfs/locks", null);
        assertThat(hidden.statusCode()).isEqualTo(401);
        assertThat(header(hidden, "X-Error-Code")).hasValue("RepoNotFound");
        assertThat(get("/team/nothing.git/info/lfs/locks", ann).statusCode()).isEqualTo(404);
        assertThat(get("/team/secret.git/info/lfs/locks", ann).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedAndHostileRequestsAreRefusedAndChangeNothing() throws Exception {
        for (String body : List.of("", "not json", "[]", "{}", "{\"path\": 5}", "{\"path\": \"../etc/passwd\"}", "{\"path\": \"a//b\"}",
                "{\"path\": \"x\\u0000y\"}", "{\"path\": \"" + "p/".repeat(3000) + "x\"}", "{\"path\": \"ok.bin\", \"ref\": 3}",
                "{\"path\": \"ok.bin\", \"ref\": {\"name\": \"main\\n\"}}")) {
            HttpResponse<byte[]> r = post("/team/assets.git/info/lfs/locks", body, ann);
            assertThat(r.statusCode()).as(body.length() > 80 ? body.substring(0, 80) : body).isEqualTo(400);
            assertThat(json(r).path("message").asText()).isNotBlank();
        }
        assertThat(json(get("/team/assets.git/info/lfs/locks?path=ok.bin", ann)).path("locks").size()).isZero();
        assertThat(get("/team/assets.git/info/lfs/locks?cursor=abc", ann).statusCode()).isEqualTo(400);
        assertThat(get("/team/assets.git/info/lfs/locks?cursor=-5", ann).statusCode()).isEqualTo(400);
        assertThat(get("/team/assets.git/info/lfs/locks?limit=-1", ann).statusCode()).isEqualTo(400);
        assertThat(post("/team/assets.git/info/lfs/locks/verify", "{\"cursor\": \"99999999999\"}", ann).statusCode()).isEqualTo(400);
        assertThat(post("/team/assets.git/info/lfs/locks/abc/unlock", "{\"force\": \"yes\"}", ann).statusCode()).isEqualTo(400);
        assertThat(post("/team/assets.git/info/lfs/locks/%2e%2e/unlock", "{}", ann).statusCode()).isEqualTo(404);
        byte[] huge = new byte[17 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<byte[]> big = tf.send(tf.request("/team/assets.git/info/lfs/locks").header("Authorization", "Bearer " + ann)
                .header("Content-Type", LFS).POST(HttpRequest.BodyPublishers.ofByteArray(huge)));
        assertThat(big.statusCode()).isEqualTo(413);
    }

    @Test
    void racingLocksOfOnePathGiveOneLock() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String token = i % 2 == 0 ? ann : ben;
                results.add(pool.submit(() -> post("/team/assets.git/info/lfs/locks", "{\"path\": \"race.bin\"}", token).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) statuses.add(f.get());
            assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(1);
            assertThat(statuses).containsOnly(201, 409);
        } finally {
            pool.shutdownNow();
        }
        assertThat(json(get("/team/assets.git/info/lfs/locks?path=race.bin", ann)).path("locks").size()).isEqualTo(1);
    }

    private static HttpResponse<byte[]> get(String path, String token) throws Exception {
        HttpRequest.Builder b = tf.request(path).header("Accept", LFS);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }

    private static HttpResponse<byte[]> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = tf.request(path).header("Accept", LFS).header("Content-Type", LFS).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return tf.send(b);
    }
}
