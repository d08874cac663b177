package dev.forge.git;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.forge.git.GitFixtures.apiRefs;
import static dev.forge.git.GitFixtures.apiSha;
import static dev.forge.git.GitFixtures.body;
import static dev.forge.git.GitFixtures.cloneInto;
import static dev.forge.git.GitFixtures.commitFile;
import static dev.forge.git.GitFixtures.commitPointer;
import static dev.forge.git.GitFixtures.dropLfsPrePush;
import static dev.forge.git.GitFixtures.lsRemote;
import static dev.forge.git.GitFixtures.randomBytes;
import static dev.forge.git.GitFixtures.revParse;
import static dev.forge.testing.Hashes.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a git push may and may not do to a repository, driven by the real {@code git} and {@code git-lfs}
 * against a real server: refused pushes (missing or mismatched LFS objects, large regular files, the
 * default branch's deletion, read-only and anonymous callers) move no ref and index nothing; pushes that
 * die half-way leave no trace; branches, tags and concurrent pushes work.
 */
class PushSafetyTest {
    private static final AtomicInteger SEQ = new AtomicInteger();

    @TempDir
    static Path dir;

    static TestForge tf;
    static GitCli git;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        git = new GitCli(dir.resolve("home"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    /** A fresh public model repository and a clone of it. */
    private record Fixture(String id, Repo repo, String url, Path work, String initial) {}

    private Fixture fixture(String prefix) throws Exception {
        String id = "admin/" + prefix + "-" + SEQ.incrementAndGet();
        Repo repo = tf.createRepo(RepoType.MODEL, id);
        String url = tf.authedUrl("/" + id);
        Path clone = cloneInto(git, dir.resolve("clones"), url, id.replace('/', '_'));
        String initial = revParse(git, clone, "HEAD");
        assertThat(apiSha(tf, id, null)).isEqualTo(initial);
        return new Fixture(id, repo, url, clone, initial);
    }

    /** Main is still at {@code expected} by the API and by ls-remote, and {@code refused} was not indexed. */
    private void assertMainUnchanged(Fixture f, String expected, String refused) throws Exception {
        assertThat(apiSha(tf, f.id, null)).as("API sha of main").isEqualTo(expected);
        assertThat(lsRemote(git, f.work, f.url, "refs/heads/main")).as("ls-remote main").contains(expected);
        if (refused != null) {
            assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), refused)).as("index rows of the refused commit").isFalse();
        }
    }

    private static void assertRefused(GitCli.Result r, String... reasonFragments) {
        assertThat(r.exitCode()).as("git push must fail:\n%s", r.output()).isNotZero();
        for (String fragment : reasonFragments) assertThat(r.output()).as("git output").contains(fragment);
    }

    // ------------------------------------------------------------------------------------------ LFS checks

    @Test
    void pushOfPointerWhoseObjectWasNeverUploadedIsRefused() throws Exception {
        Fixture f = fixture("missing-lfs");
        byte[] content = randomBytes(1, 4096);
        String oid = sha256(content);
        String commit = commitPointer(git, f.work, "weights.bin", oid, content.length, "pointer without object");
        dropLfsPrePush(f.work);

        GitCli.Result r = git.tryRun(f.work, "-c", "lfs.allowincompletepush=true", "push", "origin", "main");

        assertRefused(r, "LFS object " + oid, "missing from the store");
        assertMainUnchanged(f, f.initial, commit);
        assertThat(tf.forge.stores().blobs().size(new LfsOid(oid))).isEmpty();
    }

    /**
     * The store is shared, but knowing an object's hash and size must not let a repository reference it:
     * an object uploaded to a private repository cannot be pushed into another one by pointer alone.
     */
    @Test
    void pushOfPointerToAnotherPrivateRepositorysObjectIsRefused() throws Exception {
        Repo secret = tf.createPrivateRepo(RepoType.MODEL, "admin/secret-weights");
        byte[] content = randomBytes(3, 7000);
        String oid = sha256(content);
        tf.forge.lfs.store(secret, new ByteArrayInputStream(content));
        Fixture f = fixture("borrow");
        String commit = commitPointer(git, f.work, "weights.bin", oid, content.length, "pointer to someone else's object");
        dropLfsPrePush(f.work);

        GitCli.Result r = git.tryRun(f.work, "-c", "lfs.allowincompletepush=true", "push", "origin", "main");

        assertRefused(r, "LFS object " + oid, "missing from the store");
        assertMainUnchanged(f, f.initial, commit);
    }

    @Test
    void pushOfPointerWhoseSizeDiffersFromTheStoredObjectIsRefused() throws Exception {
        Fixture f = fixture("size-mismatch");
        byte[] content = randomBytes(2, 5000);
        String oid = sha256(content);
        tf.forge.lfs.store(f.repo(), new ByteArrayInputStream(content));
        String commit = commitPointer(git, f.work, "weights.bin", oid, content.length + 1, "pointer with the wrong size");
        dropLfsPrePush(f.work);

        GitCli.Result r = git.tryRun(f.work, "-c", "lfs.allowincompletepush=true", "push", "origin", "main");

        assertRefused(r, "says " + (content.length + 1) + " bytes but object " + oid + " has " + content.length);
        assertMainUnchanged(f, f.initial, commit);
    }

    @Test
    void pushWithRealGitLfsUploadsTheObjectAndIsAccepted() throws Exception {
        Fixture f = fixture("real-lfs");
        git.run(f.work, "lfs", "install", "--local");
        byte[] content = randomBytes(3, 300_000);
        String oid = sha256(content);
        String commit = commitFile(git, f.work, "model.safetensors", content, "add weights through git-lfs");
        assertThat(git.run(f.work, "cat-file", "-p", "HEAD:model.safetensors")).contains("oid sha256:" + oid);

        git.run(f.work, "push", "origin", "main");

        assertThat(tf.forge.stores().blobs().size(new LfsOid(oid))).contains((long) content.length);
        assertThat(apiSha(tf, f.id, null)).isEqualTo(commit);
        assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), commit)).isTrue();
        assertThat(tf.forge.stores().index().referencesLfs(f.repo.key(), oid)).isTrue();
    }

    @Test
    void regularFileLargerThanTenMebibytesIsRefusedWithAHintAtGitLfs() throws Exception {
        Fixture f = fixture("large-regular");
        String commit = commitFile(git, f.work, "big.dat", randomBytes(4, 10 * 1024 * 1024 + 1), "too big for git");

        GitCli.Result r = git.tryRun(f.work, "push", "origin", "main");

        assertRefused(r, "big.dat", "git-lfs");
        assertMainUnchanged(f, f.initial, commit);
    }

    /**
     * A refused push leaves its objects in the repository (JGit's receive-pack has no quarantine), and
     * revisions given as full commit ids resolve to any commit in the object database: the refused commit is
     * then indexed leniently on first use and served by the API and resolve. Disabled until that is fixed.
     */
    @Test
    void refusedCommitIsNotServedByItsId() throws Exception {
        Fixture f = fixture("refused-by-id");
        String commit = commitFile(git, f.work, "big.dat", randomBytes(9, 10 * 1024 * 1024 + 1), "too big for git");
        assertRefused(git.tryRun(f.work, "push", "origin", "main"), "git-lfs");

        HttpResponse<byte[]> info = tf.get("/api/models/" + f.id + "/revision/" + commit, "Authorization", "Bearer " + tf.adminToken);
        HttpResponse<byte[]> file = tf.head("/" + f.id + "/resolve/" + commit + "/big.dat", "Authorization", "Bearer " + tf.adminToken);
        boolean indexed = tf.forge.stores().index().isIndexed(f.repo.key(), commit);
        org.assertj.core.api.SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(info.statusCode()).as("API info of the refused commit: %s", body(info)).isEqualTo(404);
            soft.assertThat(file.statusCode()).as("resolve of a file only the refused commit has (%s)", file.headers().map()).isEqualTo(404);
            soft.assertThat(indexed).as("refused commit indexed after being asked for by id").isFalse();
        });
    }

    @Test
    void regularFileOfExactlyTenMebibytesIsAccepted() throws Exception {
        Fixture f = fixture("limit-regular");
        String commit = commitFile(git, f.work, "edge.dat", randomBytes(5, 10 * 1024 * 1024), "at the limit");

        git.run(f.work, "push", "origin", "main");

        assertThat(apiSha(tf, f.id, null)).isEqualTo(commit);
    }

    // ------------------------------------------------------------------------------- pushes that break off

    @Test
    void receivePackWithACutOffPackChangesNothingAndTheForgeKeepsServing() throws Exception {
        Fixture f = fixture("truncated");
        String commit = commitFile(git, f.work, "data.dat", randomBytes(6, 3 * 1024 * 1024), "a pack worth cutting");
        byte[] full = receivePackBody(f.work, f.initial, commit, "refs/heads/main");
        byte[] cut = java.util.Arrays.copyOf(full, full.length / 2);

        HttpResponse<byte[]> r = tf.send(tf.request("/" + f.id + ".git/git-receive-pack")
                .header("Authorization", GitFixtures.basic("admin", tf.adminToken))
                .header("Content-Type", "application/x-git-receive-pack-request")
                .header("Accept", "application/x-git-receive-pack-result")
                .POST(HttpRequest.BodyPublishers.ofByteArray(cut)));

        assertThat(body(r)).as("status %s", r.statusCode()).doesNotContain("ok refs/heads/main");
        assertNothingLeftBehind(f, commit);
    }

    @Test
    void clientThatDiesMidPackChangesNothingAndTheForgeKeepsServing() throws Exception {
        Fixture f = fixture("died");
        String commit = commitFile(git, f.work, "data.dat", randomBytes(7, 4 * 1024 * 1024), "a pack that never arrives");
        byte[] full = receivePackBody(f.work, f.initial, commit, "refs/heads/main");

        HostPort target = new HostPort(tf.baseUrl);
        try (Socket s = new Socket(target.host, target.port)) {
            OutputStream out = s.getOutputStream();
            String head = "POST /" + f.id + ".git/git-receive-pack HTTP/1.1\r\n"
                    + "Host: " + target.host + ":" + target.port + "\r\n"
                    + "Authorization: " + GitFixtures.basic("admin", tf.adminToken) + "\r\n"
                    + "Content-Type: application/x-git-receive-pack-request\r\n"
                    + "Accept: application/x-git-receive-pack-result\r\n"
                    + "Content-Length: " + full.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(full, 0, full.length / 2);
            out.flush();
            Thread.sleep(200); // let the server start parsing the pack before the client dies
            s.setSoLinger(true, 0); // reset, like a killed process
        }

        assertNothingLeftBehind(f, commit);
    }

    /** After a broken push: ref and index untouched, no partial pack files, a clean clone, and normal pushes work. */
    private void assertNothingLeftBehind(Fixture f, String commit) throws Exception {
        assertMainUnchanged(f, f.initial, commit);
        Path bare = tf.dataDir.resolve("git").resolve(f.repo.key() + ".git");
        assertThat(bare).isDirectory();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<Path> leftovers;
        do {
            try (Stream<Path> files = Files.walk(bare.resolve("objects"))) {
                leftovers = files.filter(p -> p.getFileName().toString().startsWith("incoming_")).toList();
            }
            if (leftovers.isEmpty()) break;
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        assertThat(leftovers).as("temporary pack files left by the broken push").isEmpty();

        Path fresh = cloneInto(git, dir.resolve("fresh"), f.url, f.id.replace('/', '_') + "-" + SEQ.incrementAndGet());
        assertThat(revParse(git, fresh, "HEAD")).isEqualTo(f.initial);
        GitCli.Result fsck = git.tryRun(fresh, "fsck", "--full", "--strict");
        assertThat(fsck.exitCode()).as("git fsck:\n%s", fsck.output()).isZero();

        // the same commit pushed properly now goes through
        git.run(f.work, "push", "origin", "main");
        assertThat(apiSha(tf, f.id, null)).isEqualTo(commit);
        assertThat(lsRemote(git, f.work, f.url, "refs/heads/main")).contains(commit);
        assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), commit)).isTrue();
    }

    /** The request body of a receive-pack POST: one command pkt-line, a flush, and the pack from {@code git pack-objects}. */
    private byte[] receivePackBody(Path clone, String oldId, String newId, String ref) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String command = oldId + " " + newId + " " + ref + "\0 report-status\n";
        body.write(pktLine(command));
        body.write("0000".getBytes(StandardCharsets.US_ASCII));
        body.write(packObjects(clone, newId, oldId));
        return body.toByteArray();
    }

    private static byte[] pktLine(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[p.length + 4];
        System.arraycopy(String.format("%04x", p.length + 4).getBytes(StandardCharsets.US_ASCII), 0, out, 0, 4);
        System.arraycopy(p, 0, out, 4, p.length);
        return out;
    }

    private byte[] packObjects(Path clone, String want, String have) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("git", "pack-objects", "--stdout", "--revs", "-q").directory(clone.toFile());
        pb.environment().put("HOME", dir.resolve("home").toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((want + "\n^" + have + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        byte[] pack;
        try (InputStream out = p.getInputStream()) {
            pack = out.readAllBytes();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(new String(pack, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PACK");
        return pack;
    }

    /** Host and port of the test server's base URL. */
    private record HostPort(String host, int port) {
        HostPort(String url) {
            this(java.net.URI.create(url).getHost(), java.net.URI.create(url).getPort());
        }
    }

    // ------------------------------------------------------------------------------- branches and tags

    @Test
    void deletingTheDefaultBranchIsRefused() throws Exception {
        Fixture f = fixture("delete-main");

        GitCli.Result r = git.tryRun(f.work, "push", "origin", ":main");

        assertThat(r.exitCode()).as("git push :main must fail:\n%s", r.output()).isNotZero();
        assertThat(r.output()).contains("The default branch main cannot be deleted");
        assertMainUnchanged(f, f.initial, null);
        assertThat(branchNames(apiRefs(tf, f.id))).contains("main");
    }

    @Test
    void branchesAndTagsCanBeCreatedAndDeletedByPush() throws Exception {
        Fixture f = fixture("refs");
        git.run(f.work, "checkout", "-q", "-b", "feature");
        String feature = commitFile(git, f.work, "notes.txt", "on a branch\n".getBytes(StandardCharsets.UTF_8), "feature work");
        git.run(f.work, "tag", "v1", f.initial);
        git.run(f.work, "tag", "-a", "-m", "annotated", "v2", feature);

        git.run(f.work, "push", "origin", "feature", "v1", "v2");

        JsonNode refs = apiRefs(tf, f.id);
        assertThat(branchNames(refs)).containsExactlyInAnyOrder("main", "feature");
        assertThat(target(refs.path("branches"), "feature")).isEqualTo(feature);
        assertThat(target(refs.path("tags"), "v1")).isEqualTo(f.initial);
        assertThat(target(refs.path("tags"), "v2")).as("annotated tags are peeled").isEqualTo(feature);
        assertThat(apiSha(tf, f.id, "feature")).isEqualTo(feature);
        assertThat(apiSha(tf, f.id, "v2")).isEqualTo(feature);
        assertThat(apiSha(tf, f.id, null)).isEqualTo(f.initial);
        assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), feature)).isTrue();

        git.run(f.work, "push", "origin", ":feature", ":refs/tags/v1", ":refs/tags/v2");

        refs = apiRefs(tf, f.id);
        assertThat(branchNames(refs)).containsExactly("main");
        assertThat(refs.path("tags")).isEmpty();
        assertThat(lsRemote(git, f.work, f.url, "refs/heads/feature")).isEmpty();
        assertThat(lsRemote(git, f.work, f.url, "refs/tags/v1")).isEmpty();
        HttpResponse<byte[]> gone = tf.get("/api/models/" + f.id + "/revision/feature", "Authorization", "Bearer " + tf.adminToken);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertMainUnchanged(f, f.initial, null);
    }

    @Test
    void multiRefPushIsAtomicWhenOneRefCarriesAMissingLfsObject() throws Exception {
        Fixture f = fixture("atomic");
        git.run(f.work, "checkout", "-q", "-b", "good");
        String good = commitFile(git, f.work, "ok.txt", "fine\n".getBytes(StandardCharsets.UTF_8), "good branch");
        git.run(f.work, "checkout", "-q", "-b", "bad", f.initial);
        String missingOid = sha256(randomBytes(8, 100));
        String bad = commitPointer(git, f.work, "ghost.bin", missingOid, 100, "bad branch");
        dropLfsPrePush(f.work);

        GitCli.Result r = git.tryRun(f.work, "-c", "lfs.allowincompletepush=true", "push", "origin", "good", "bad");

        assertRefused(r, "missing from the store");
        assertThat(lsRemote(git, f.work, f.url, "refs/heads/good")).as("the good branch must not be created").isEmpty();
        assertThat(lsRemote(git, f.work, f.url, "refs/heads/bad")).isEmpty();
        assertThat(branchNames(apiRefs(tf, f.id))).containsExactly("main");
        assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), good)).as("nothing of a refused push is indexed").isFalse();
        assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), bad)).isFalse();
        assertMainUnchanged(f, f.initial, null);
    }

    private static List<String> branchNames(JsonNode refs) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : refs.path("branches")) out.add(b.path("name").asText());
        return out;
    }

    private static String target(JsonNode list, String name) {
        for (JsonNode b : list) if (b.path("name").asText().equals(name)) return b.path("targetCommit").asText();
        throw new AssertionError("no ref " + name + " in " + list);
    }

    // ---------------------------------------------------------------------------------------- access

    @Test
    void anonymousPushIsAskedForCredentials() throws Exception {
        Fixture f = fixture("anon");
        HttpResponse<byte[]> r = tf.get("/" + f.id + ".git/info/refs?service=git-receive-pack");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));

        // reading stays anonymous for a public repository
        HttpResponse<byte[]> read = tf.get("/" + f.id + ".git/info/refs?service=git-upload-pack");
        assertThat(read.statusCode()).isEqualTo(200);

        String commit = commitFile(git, f.work, "a.txt", "x\n".getBytes(StandardCharsets.UTF_8), "anonymous attempt");
        GitCli.Result push = git.tryRun(f.work, "push", tf.baseUrl + "/" + f.id, "main");
        assertThat(push.exitCode()).as("anonymous git push:\n%s", push.output()).isNotZero();
        assertMainUnchanged(f, f.initial, commit);
    }

    @Test
    void readOnlyTokenCannotPush() throws Exception {
        Fixture f = fixture("readonly");
        String ro = tf.forge.auth.createToken(tf.admin, "ro", Token.Role.READ).secret();
        HttpResponse<byte[]> r = tf.get("/" + f.id + ".git/info/refs?service=git-receive-pack", "Authorization", GitFixtures.basic("admin", ro));
        assertThat(r.statusCode()).isEqualTo(403);
        HttpResponse<byte[]> read = tf.get("/" + f.id + ".git/info/refs?service=git-upload-pack", "Authorization", GitFixtures.basic("admin", ro));
        assertThat(read.statusCode()).isEqualTo(200);

        String commit = commitFile(git, f.work, "a.txt", "x\n".getBytes(StandardCharsets.UTF_8), "read-only attempt");
        String roUrl = tf.baseUrl.replace("http://", "http://admin:" + ro + "@") + "/" + f.id;
        GitCli.Result push = git.tryRun(f.work, "push", roUrl, "main");
        assertThat(push.exitCode()).as("read-only git push:\n%s", push.output()).isNotZero();
        assertThat(push.output()).contains("403");
        assertMainUnchanged(f, f.initial, commit);
    }

    // ----------------------------------------------------------------------------------- concurrency

    @Test
    void eightConcurrentPushesToEightBranchesAllLand() throws Exception {
        Fixture f = fixture("concurrent");
        int n = 8;
        List<Path> clones = new ArrayList<>();
        List<String> commits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path c = cloneInto(git, dir.resolve("concurrent"), f.url, "c" + i + "-" + SEQ.incrementAndGet());
            git.run(c, "checkout", "-q", "-b", "b" + i);
            commits.add(commitFile(git, c, "branch-" + i + ".txt", randomBytes(100 + i, 64 * 1024), "work on b" + i));
            clones.add(c);
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<GitCli.Result>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path c = clones.get(i);
                String branch = "b" + i;
                Callable<GitCli.Result> push = () -> {
                    go.await();
                    return git.tryRun(c, "push", "origin", branch);
                };
                results.add(pool.submit(push));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                GitCli.Result r = results.get(i).get(5, TimeUnit.MINUTES);
                assertThat(r.exitCode()).as("push of b%d:\n%s", i, r.output()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode refs = apiRefs(tf, f.id);
        for (int i = 0; i < n; i++) {
            assertThat(apiSha(tf, f.id, "b" + i)).as("API sha of b%d", i).isEqualTo(commits.get(i));
            assertThat(target(refs.path("branches"), "b" + i)).isEqualTo(commits.get(i));
            Optional<String> remote = lsRemote(git, f.work, f.url, "refs/heads/b" + i);
            assertThat(remote).contains(commits.get(i));
            assertThat(tf.forge.stores().index().isIndexed(f.repo.key(), commits.get(i))).isTrue();
        }
        assertMainUnchanged(f, f.initial, null);
    }
}
