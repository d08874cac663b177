package dev.forge.http.web;

import dev.forge.core.FileEntry;
import dev.forge.core.Gating;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import dev.forge.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Making and managing repositories through the pages: create, upload into a commit (regular and LFS files stored as the
 * Hub's clients would store them), visibility, gating with access requests, rename and delete — and hostile, malformed,
 * oversized and concurrent input, each refused clearly and changing nothing.
 */
class WebManageTest {
    static final String PASSWORD = "a long enough password";
    @TempDir
    static Path dir;
    static TestForge tf;
    static User owner, stranger;

    @BeforeAll
    static void setUp() throws Exception {
        tf = TestForge.start(dir);
        owner = tf.forge.auth.createUser(Actor.OPERATOR, "olive", "Olive", null, false, PASSWORD);
        stranger = tf.forge.auth.createUser(Actor.OPERATOR, "sam", "Sam", null, false, PASSWORD);
    }

    @AfterAll
    static void tearDown() throws Exception {
        tf.close();
    }

    static WebClient signedIn(String user) throws Exception {
        return WebClient.signedIn(tf.baseUrl, user, PASSWORD);
    }

    static HttpResponse<String> upload(WebClient b, String repo, Map<String, String> fields, WebClient.FilePart... files) throws Exception {
        return b.upload("/" + repo + "/upload/main", fields, List.of(files));
    }

    @Test
    void createUploadAndReadBackRegularAndLfsFiles() throws Exception {
        WebClient b = signedIn("olive");
        assertThat(b.get("/new").body()).contains("<option value=\"olive\">");
        HttpResponse<String> created = b.post("/new", "owner", "olive", "name", "uploads", "type", "model", "visibility", "public");
        assertThat(created.statusCode()).isEqualTo(303);
        assertThat(created.headers().firstValue("Location")).hasValue("/olive/uploads");
        assertThat(b.post("/new", "owner", "olive", "name", "uploads").statusCode()).as("exists").isEqualTo(409);
        assertThat(b.post("/new", "owner", "olive", "name", "bad..name").statusCode()).isEqualTo(400);
        assertThat(b.post("/new", "owner", "sam", "name", "not-mine").statusCode()).isEqualTo(403);
        assertThat(b.post("/new", "owner", "olive", "name", "").statusCode()).isEqualTo(400);

        byte[] text = "{\"hello\": \"world\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] binary = new byte[200_000];
        new Random(7).nextBytes(binary);
        HttpResponse<String> up = upload(b, "olive/uploads", Map.of("summary", "Add weights", "folder", "sub/"),
                new WebClient.FilePart("files", "config.json", text), new WebClient.FilePart("files", "C:\\fake\\weights.bin", binary));
        assertThat(up.statusCode()).as(up.body()).isEqualTo(303);
        String commit = up.headers().firstValue("Location").orElseThrow().replaceAll(".*/commit/", "");
        Repo repo = tf.forge.repos.find(RepoType.MODEL, new RepoId("olive", "uploads")).orElseThrow();
        FileEntry json = tf.forge.stores().index().entry(repo.key(), commit, "sub/config.json").orElseThrow();
        FileEntry weights = tf.forge.stores().index().entry(repo.key(), commit, "sub/weights.bin").orElseThrow();
        assertThat(json.isLfs()).isFalse();
        assertThat(json.oid()).isEqualTo(Hashes.gitBlobSha1(text));
        assertThat(weights.isLfs()).as("binary files go to LFS, as preupload decides").isTrue();
        assertThat(weights.lfs().oid()).isEqualTo(Hashes.sha256(binary));
        assertThat(Hashes.sha256(tf.get("/olive/uploads/resolve/main/sub/weights.bin").body())).isEqualTo(Hashes.sha256(binary));
        assertThat(b.get("/olive/uploads/commit/" + commit).body()).contains("Add weights").contains("sub/weights.bin").contains("LFS object");
        assertThat(tf.forge.info.commits(Actor.internal(owner), RepoType.MODEL, repo.id(), List.of("main"), 0, 1).commits().getFirst().authorName())
                .isEqualTo("olive");

        assertThat(upload(b, "olive/uploads", Map.of()).statusCode()).as("no file").isEqualTo(400);
        assertThat(upload(b, "olive/uploads", Map.of("folder", "../.."), new WebClient.FilePart("files", "x.txt", text)).statusCode())
                .isEqualTo(400);
        assertThat(upload(b, "olive/uploads", Map.of("folder", ".git"), new WebClient.FilePart("files", "config", text)).statusCode())
                .isEqualTo(400);
        assertThat(upload(b, "olive/uploads", Map.of(), new WebClient.FilePart("files", "a.txt", text), new WebClient.FilePart("files", "a.txt", text))
                .statusCode()).as("a path twice").isEqualTo(400);
        assertThat(upload(signedIn("sam"), "olive/uploads", Map.of(), new WebClient.FilePart("files", "y.txt", text)).statusCode()).isEqualTo(403);
        assertThat(b.upload("/olive/uploads/upload/main", Map.of("csrf", "forged"), List.of(new WebClient.FilePart("files", "z.txt", text)))
                .statusCode()).isEqualTo(403);
        HttpResponse<String> notMultipart = b.send(b.request("/olive/uploads/upload/main").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(notMultipart.statusCode()).isEqualTo(415);
        HttpResponse<String> broken = b.send(b.request("/olive/uploads/upload/main").header("Content-Type", "multipart/form-data; boundary=zzz")
                .POST(HttpRequest.BodyPublishers.ofString("--zzz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\"\r\n\r\nno end")));
        assertThat(broken.statusCode()).isIn(400, 403);
        assertThat(tf.forge.repos.resolve(repo, "main")).as("nothing refused changed the branch").isEqualTo(commit);
    }

    @Test
    void concurrentUploadsAllLandOnTheBranch() throws Exception {
        WebClient b = signedIn("olive");
        b.post("/new", "owner", "olive", "name", "racy");
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                all.add(pool.submit(() -> upload(b, "olive/racy", Map.of("summary", "file " + k),
                        new WebClient.FilePart("files", "f" + k + ".txt", ("content " + k).getBytes(StandardCharsets.UTF_8)))));
            }
            for (Future<HttpResponse<String>> f : all) assertThat(f.get().statusCode()).isEqualTo(303);
        } finally {
            pool.shutdownNow();
        }
        Repo repo = tf.forge.repos.find(RepoType.MODEL, new RepoId("olive", "racy")).orElseThrow();
        String head = tf.forge.repos.resolve(repo, "main");
        for (int i = 0; i < n; i++) assertThat(tf.forge.stores().index().entry(repo.key(), head, "f" + i + ".txt")).isPresent();
    }

    @Test
    void gatingAndAnAccessRequestAcceptedThroughThePages() throws Exception {
        WebClient own = signedIn("olive");
        own.post("/new", "owner", "olive", "name", "gated-model");
        upload(own, "olive/gated-model", Map.of(), new WebClient.FilePart("files", "README.md", "# gated\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(own.post("/olive/gated-model/settings/gating", "gated", "manual").statusCode()).isEqualTo(303);
        assertThat(own.post("/olive/gated-model/settings/gating", "gated", "sometimes").statusCode()).isEqualTo(400);

        WebClient sam = signedIn("sam");
        HttpResponse<String> before = sam.get("/olive/gated-model/blob/main/README.md");
        assertThat(before.statusCode()).isEqualTo(403);
        assertThat(before.headers().firstValue("X-Error-Code")).hasValue("GatedRepo");
        assertThat(before.body()).contains("Request access");
        assertThat(sam.get("/olive/gated-model").body()).contains("Request access").doesNotContain("<h1>gated</h1>");
        HttpResponse<String> anon = new WebClient(tf.baseUrl).get("/olive/gated-model/blob/main/README.md");
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("X-Error-Code")).hasValue("GatedRepo");

        assertThat(sam.post("/olive/gated-model/request-access", "reason", "<b>research</b>", "return", "/olive/gated-model").statusCode())
                .isEqualTo(303);
        assertThat(sam.get("/olive/gated-model").body()).contains("waiting for an owner");
        assertThat(sam.post("/olive/gated-model/request-access", "reason", "x".repeat(2001)).statusCode()).isEqualTo(400);
        String settings = own.get("/olive/gated-model/settings").body();
        assertThat(settings).contains("Pending requests").contains("<td>sam</td>").contains("&lt;b&gt;research&lt;/b&gt;").doesNotContain("<b>research");
        assertThat(sam.post("/olive/gated-model/settings/access", "user", "sam", "status", "accepted").statusCode()).isEqualTo(403);
        assertThat(own.post("/olive/gated-model/settings/access", "user", "sam", "status", "maybe").statusCode()).isEqualTo(400);
        assertThat(own.post("/olive/gated-model/settings/access", "user", "sam", "status", "accepted").statusCode()).isEqualTo(303);
        assertThat(sam.get("/olive/gated-model/blob/main/README.md").statusCode()).isEqualTo(200);
        assertThat(sam.get("/olive/gated-model").body()).contains("<h1>gated</h1>");
        assertThat(own.post("/olive/gated-model/settings/grant", "user", "nobody-at-all").statusCode()).isEqualTo(404);
    }

    @Test
    void aPrivateRepositoryVanishesForStrangersEverywhere() throws Exception {
        WebClient own = signedIn("olive");
        own.post("/new", "owner", "olive", "name", "soon-private");
        WebClient sam = signedIn("sam"), anon = new WebClient(tf.baseUrl);
        assertThat(anon.get("/models?search=soon-private").body()).contains("olive/soon-private");
        assertThat(own.post("/olive/soon-private/settings/visibility", "visibility", "private").statusCode()).isEqualTo(303);
        for (String path : List.of("/olive/soon-private", "/olive/soon-private/tree/main", "/olive/soon-private/commits/main",
                "/olive/soon-private/blob/main/.gitattributes", "/olive/soon-private/refs", "/olive/soon-private/settings")) {
            HttpResponse<String> a = anon.get(path);
            assertThat(a.statusCode()).as(path).isEqualTo(401);
            assertThat(a.headers().firstValue("X-Error-Code")).hasValue("RepoNotFound");
            HttpResponse<String> s = sam.get(path);
            assertThat(s.statusCode()).as(path).isEqualTo(404);
            assertThat(s.body()).doesNotContain("soon-private\">");
        }
        assertThat(anon.get("/models?search=soon-private").body()).doesNotContain("olive/soon-private");
        assertThat(sam.get("/olive").body()).doesNotContain("olive/soon-private");
        assertThat(sam.get("/").body()).doesNotContain("olive/soon-private");
        assertThat(own.get("/olive").body()).contains("olive/soon-private");
        assertThat(own.get("/olive/soon-private").statusCode()).isEqualTo(200);
        assertThat(sam.post("/olive/soon-private/like").statusCode()).isEqualTo(404);
    }

    @Test
    void renameRedirectsAndDeleteNeedsTheNameTyped() throws Exception {
        WebClient own = signedIn("olive");
        own.post("/new", "owner", "olive", "name", "old-name");
        HttpResponse<String> moved = own.post("/olive/old-name/settings/rename", "namespace", "olive", "name", "new-name");
        assertThat(moved.statusCode()).isEqualTo(303);
        assertThat(moved.headers().firstValue("Location")).hasValue("/olive/new-name/settings");
        HttpResponse<String> old = own.get("/olive/old-name");
        assertThat(old.statusCode()).isEqualTo(307);
        assertThat(old.headers().firstValue("Location")).hasValue("/olive/new-name");
        assertThat(own.post("/olive/new-name/settings/rename", "namespace", "sam", "name", "stolen").statusCode()).isEqualTo(403);
        assertThat(own.post("/olive/new-name/settings/delete", "confirm", "olive/other").statusCode()).isEqualTo(400);
        assertThat(own.get("/olive/new-name").statusCode()).isEqualTo(200);
        assertThat(signedIn("sam").post("/olive/new-name/settings/delete", "confirm", "olive/new-name").statusCode()).isEqualTo(403);
        HttpResponse<String> gone = own.post("/olive/new-name/settings/delete", "confirm", "olive/new-name");
        assertThat(gone.statusCode()).isEqualTo(303);
        assertThat(gone.headers().firstValue("Location")).hasValue("/olive");
        assertThat(own.get("/olive/new-name").statusCode()).isEqualTo(404);
        assertThat(own.post("/olive/x/settings/unknown").statusCode()).isEqualTo(404);
    }

    @Test
    void likesFromThePage() throws Exception {
        WebClient own = signedIn("olive");
        own.post("/new", "owner", "olive", "name", "likeable");
        WebClient sam = signedIn("sam");
        assertThat(sam.post("/olive/likeable/like", "like", "1").statusCode()).isEqualTo(303);
        assertThat(sam.get("/olive/likeable").body()).contains("aria-pressed=\"true\"").contains("Liked (1)");
        assertThat(sam.get("/sam").body()).contains("olive/likeable");
        assertThat(sam.post("/olive/likeable/like", "like", "0").statusCode()).isEqualTo(303);
        assertThat(sam.get("/olive/likeable").body()).contains("aria-pressed=\"false\"");
        assertThat(new WebClient(tf.baseUrl).post("/olive/likeable/like").statusCode()).isEqualTo(401);
    }

    /** Hostile names land in the pages as text: the HTML never carries them as markup (the browser test runs them too). */
    @Test
    void hostileFileNamesCommitMessagesAndCardsAreEscaped() throws Exception {
        Repo repo = tf.forge.repos.create(Actor.internal(owner), RepoType.MODEL, new RepoId("olive", "hostile"), false);
        tf.forge.repos.updateSettings(Actor.internal(owner), RepoType.MODEL, repo.id(), null, Gating.NONE);
        String evil = "<img src=x onerror=window.__xss=1>";
        tf.forge.commits.commit(owner, repo, "main", java.util.Optional.empty(), List.of(
                new dev.forge.core.CommitOperation.AddFile("\"><svg onload=window.__xss=1>.txt", "x".getBytes(StandardCharsets.UTF_8)),
                new dev.forge.core.CommitOperation.AddFile("README.md", ("# t\n" + evil + "\n<script>window.__xss=1</script>\n").getBytes(StandardCharsets.UTF_8))),
                "<script>window.__xss=1</script> " + evil);
        WebClient b = new WebClient(tf.baseUrl);
        for (String path : List.of("/olive/hostile", "/olive/hostile/tree/main", "/olive/hostile/commits/main",
                "/olive/hostile/commit/" + tf.forge.repos.resolve(repo, "main"))) {
            String body = b.get(path).body();
            assertThat(body).as(path).doesNotContain("<script>window").doesNotContain("<svg onload").doesNotContain("<img src=x onerror");
        }
    }
}
