package dev.forge.crash;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forge.testing.GitCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a SIGKILL at the worst moment leaves behind. Forge runs as its own process ({@code forge serve} over a
 * temporary data folder); each scenario acts, kills it with {@code destroyForcibly()} (SIGKILL) at a critical
 * moment, starts it again over the same folder and checks: (a) every repository is at a consistent commit
 * (the API's sha is its ref, every listed file resolves to exactly what was committed before the crash, or to
 * the whole of the commit in flight), (b) no partial LFS object can be referenced (the download batch says 404,
 * the upload batch asks for the upload again, the blob store holds no file under its name unless the file is
 * whole and hashes to it), (c) {@code forge fsck} is clean once the server is stopped; and that uploads and
 * commits work again after the restart. Each scenario starts two or three JVMs and moves a few hundred MiB through
 * the disk. They are tagged {@code slow}: {@code ./run-tests --quick} leaves them out.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@Tag("slow")
class CrashSafetyTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path data;
    private ForgeProcess forge;
    private String token;
    private Hub hub;
    private String repoId;
    /** What the repository holds: path → SHA-256 of the content, as last checked. */
    private Map<String, String> model;
    private String testName;

    @BeforeEach
    void startForgeAndCreateRepo(TestInfo info) throws Exception {
        testName = info.getDisplayName();
        data = dir.resolve("data");
        forge = ForgeProcess.start(data);
        token = forge.printedToken;
        assertThat(token).as("the admin token printed on first start; output:\n%s", forge.output()).isNotNull();
        hub = new Hub(forge.baseUrl, token);
        repoId = hub.createRepo("x");
        // some content (a regular file and an LFS file) so that the checks after a crash have something to verify
        Payload small = new Payload(2 * MIB + 17, 99);
        hub.uploadBasic(repoId, small);
        hub.commitOk(repoId, "seed", Map.of("README.md", "# x\n".getBytes(StandardCharsets.UTF_8)),
                Map.of("weights/small.bin", new Hub.LfsRef(small.sha256(), small.size)));
        model = hub.snapshot(repoId, "main");
        assertThat(model).containsEntry("weights/small.bin", small.sha256()).containsKey("README.md").containsKey(".gitattributes");
    }

    @AfterEach
    void stopForge() throws Exception {
        if (forge != null) forge.close();
    }

    // ============================================================================================ scenarios

    @Test
    void killDuringALargeBasicLfsPut() throws Exception {
        Payload big = new Payload(200 * MIB, 1);
        String oid = big.sha256();
        String head = hub.sha(repoId);
        JsonNode obj = hub.batch(repoId, "upload", List.of("basic"), oid, big.size);
        String href = obj.at("/actions/upload/href").asText();
        assertThat(href).startsWith(forge.baseUrl);

        CountDownLatch half = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        AtomicLong supplied = new AtomicLong();
        CompletableFuture<HttpResponse<byte[]>> put = hub.sendAsync(hub.request(href).PUT(Hub.streamBody(
                () -> big.stream().onRead(n -> {
                    supplied.set(n);
                    if (n >= big.size / 2 && half.getCount() > 0) {
                        half.countDown();
                        awaitQuietly(killed); // hold the sender here until the server is dead
                    }
                }), big.size)));
        assertThat(half.await(5, TimeUnit.MINUTES)).as("half of the body was supplied").isTrue();
        forge.kill();
        killed.countDown();
        long sent = supplied.get();
        log("killed forge with %d of %d bytes supplied to the PUT", sent, big.size);
        assertThat(failureOf(put)).as("the PUT cannot have succeeded").isNotNull();

        List<Path> partial = tmpFiles();
        log("left in tmp/: %s", describe(partial));
        assertThat(partial).as("the server had started writing the upload to tmp/").isNotEmpty();
        for (Path p : partial) assertThat(Files.size(p)).isLessThan(big.size);

        restart();
        assertConsistent(List.of(model));
        assertThat(hub.sha(repoId)).isEqualTo(head);
        assertNotReferable(oid, big.size, false);
        assertWritesWork("after-put");
        stopAndFsck();
    }

    /** When, during the completion of a multipart upload, the server is killed. */
    enum CompletionMoment {
        /** A few milliseconds after the completion POST was handed to the client. */
        RIGHT_AFTER_THE_POST,
        /** While the server verifies the staged object's SHA-256 (parts are written in place, so nothing is copied). */
        WHILE_VERIFYING,
        /** As soon as the object appears in the blob store (before the parts are discarded and the upload recorded). */
        JUST_PUBLISHED
    }

    @ParameterizedTest
    @EnumSource(CompletionMoment.class)
    void killDuringMultipartCompletion(CompletionMoment moment) throws Exception {
        Payload big = new Payload(130 * MIB, 10 + moment.ordinal());
        String oid = big.sha256();
        String head = hub.sha(repoId);
        JsonNode obj = hub.batch(repoId, "upload", List.of("basic", "multipart"), oid, big.size);
        JsonNode header = obj.at("/actions/upload/header");
        long chunk = Long.parseLong(header.path("chunk_size").asText());
        assertThat(chunk).as("the default chunk").isEqualTo(64 * MIB);
        int parts = (int) ((big.size + chunk - 1) / chunk);
        assertThat(parts).isEqualTo(3);
        List<String> etags = uploadParts(big, header, chunk, parts);
        assertThat(stagedParts()).as("three parts staged").hasSize(3);

        byte[] completion = completionBody(oid, etags);
        CompletableFuture<HttpResponse<byte[]>> post = hub.sendAsync(completionRequest(obj.at("/actions/upload/href").asText(), completion));
        long t0 = System.nanoTime();
        switch (moment) {
            case RIGHT_AFTER_THE_POST -> Thread.sleep(3);
            case WHILE_VERIFYING -> Thread.sleep(40);
            case JUST_PUBLISHED -> waitUntil(post, () -> Files.exists(blobPath(oid)));
        }
        boolean answeredBeforeKill = post.isDone();
        forge.kill();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Optional<HttpResponse<byte[]>> answer = responseOf(post);
        boolean completed = answer.isPresent() && answer.get().statusCode() == 200;
        answer.ifPresent(r -> assertThat(r.statusCode()).as("completion answer: %s", Hub.text(r)).isEqualTo(200));
        boolean published = Files.exists(blobPath(oid));
        log("%s: killed %d ms after the completion POST; answered before the kill: %s (200: %s); blob published: %s; "
                + "staged parts left: %s; tmp/: %s", moment, ms, answeredBeforeKill, completed, published, stagedParts(), describe(tmpFiles()));

        restart();
        assertConsistent(List.of(model));
        assertThat(hub.sha(repoId)).isEqualTo(head);
        boolean uploadAskedAgain = assertNotReferable(oid, big.size, completed);
        if (completed) assertThat(uploadAskedAgain).as("a completion answered 200 is durable").isFalse();

        // resume: the staged parts survive a crash before the object is published, so completing again is enough
        if (uploadAskedAgain) {
            JsonNode again = hub.batch(repoId, "upload", List.of("basic", "multipart"), oid, big.size);
            JsonNode h = again.at("/actions/upload/header");
            HttpResponse<byte[]> r = hub.send(completionRequest(again.at("/actions/upload/href").asText(), completion));
            if (r.statusCode() != 200) {
                assertThat(published).as("completing again failed (%s: %s) although the object was never published, so every part "
                        + "should still be staged", r.statusCode(), Hub.text(r)).isTrue();
                log("completing again answered %d (%s): uploading the parts again", r.statusCode(), Hub.text(r));
                uploadParts(big, h, chunk, parts);
                r = hub.send(completionRequest(again.at("/actions/upload/href").asText(), completion));
            }
            assertThat(r.statusCode()).as("completion after the restart: %s", Hub.text(r)).isEqualTo(200);
        }
        assertThat(hub.batch(repoId, "upload", List.of("basic", "multipart"), oid, big.size).has("actions"))
                .as("the object is stored now").isFalse();
        assertBlobWhole(oid, big.size);
        String c = hub.commitOk(repoId, "add big.bin", Map.of(), Map.of("big.bin", new Hub.LfsRef(oid, big.size)));
        model.put("big.bin", oid);
        assertThat(hub.sha(repoId)).isEqualTo(c);
        assertConsistent(List.of(model));
        assertWritesWork("after-multipart");
        stopAndFsck();
    }

    /** When, during an NDJSON commit with many inline files, the server is killed. */
    enum CommitMoment {
        /** Half of the body has been supplied to the client. */
        HALF_OF_THE_BODY_SENT,
        /** The whole body has been supplied, before any answer. */
        WHOLE_BODY_SENT,
        /** The new commit object is in the git repository (it is being indexed; the ref has not moved yet). */
        COMMIT_OBJECT_WRITTEN,
        /** The branch's ref file names the new commit (the answer may not be sent yet). */
        REF_MOVED
    }

    @ParameterizedTest
    @EnumSource(CommitMoment.class)
    void killDuringACommit(CommitMoment moment) throws Exception {
        Map<String, byte[]> bulk = bulkFiles(400, 24 * 1024, 7 + moment.ordinal());
        byte[] body = Hub.commitBody("bulk", null, bulk, Map.of());
        String head = hub.sha(repoId);
        Path refFile = bareRepo().resolve("refs/heads/main");
        assertThat(readRef(refFile)).as("main is a loose ref").isEqualTo(head);
        Map<String, String> withBulk = new TreeMap<>(model);
        withBulk.putAll(Hub.hashes(bulk));
        Set<Path> objectsBefore = new HashSet<>(looseObjects());

        CountDownLatch bodyMoment = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        AtomicLong supplied = new AtomicLong();
        HttpRequest.Builder req = hub.commitRequest(repoId, "main").POST(Hub.streamBody(() -> new Counting(body, n -> {
            supplied.set(n);
            if (moment == CommitMoment.HALF_OF_THE_BODY_SENT && n >= body.length / 2 && bodyMoment.getCount() > 0) {
                bodyMoment.countDown();
                awaitQuietly(killed); // hold the sender here until the server is dead
            }
        }, bodyMoment::countDown), body.length));
        CompletableFuture<HttpResponse<byte[]>> post = hub.sendAsync(req);
        List<String> newCommitObjects = new ArrayList<>();
        switch (moment) {
            case HALF_OF_THE_BODY_SENT, WHOLE_BODY_SENT -> assertThat(bodyMoment.await(5, TimeUnit.MINUTES)).isTrue();
            case COMMIT_OBJECT_WRITTEN -> {
                Set<Path> examined = new HashSet<>(objectsBefore);
                waitUntil(post, () -> {
                    for (Path p : looseObjects()) {
                        if (examined.add(p) && looseObjectType(p).equals("commit")) {
                            newCommitObjects.add(p.getParent().getFileName().toString() + p.getFileName());
                        }
                    }
                    return !newCommitObjects.isEmpty();
                });
            }
            case REF_MOVED -> waitUntil(post, () -> !readRef(refFile).equals(head));
        }
        boolean answeredBeforeKill = post.isDone();
        forge.kill();
        killed.countDown();
        String refAfterKill = readRef(refFile);
        boolean landed = !refAfterKill.equals(head);
        Optional<HttpResponse<byte[]>> answer = responseOf(post);
        log("%s: killed with %d of %d body bytes supplied; new commit objects seen: %s; answered before the kill: %s%s; "
                + "main on disk after the kill: %s (%s)", moment, supplied.get(), body.length, newCommitObjects, answeredBeforeKill,
                answer.map(r -> " (" + r.statusCode() + ")").orElse(""), refAfterKill, landed ? "moved: the commit landed" : "unchanged");
        if (moment == CommitMoment.HALF_OF_THE_BODY_SENT) assertThat(answer).as("no answer to half a body").isEmpty();
        answer.ifPresent(r -> {
            assertThat(r.statusCode()).as("commit answer: %s", Hub.text(r)).isEqualTo(200);
            assertThat(Hub.json(r).path("commitOid").asText()).isEqualTo(refAfterKill);
        });

        restart();
        // the state on disk decides: the old files, or every file of the commit in flight
        assertConsistent(List.of(landed ? withBulk : model));
        List<String> history = hub.commitIds(repoId, "main");
        if (landed) {
            assertThat(history.getFirst()).isEqualTo(refAfterKill);
            assertThat(history.get(1)).as("the commit in flight sits on the old head").isEqualTo(head);
        } else {
            assertThat(history.getFirst()).isEqualTo(head);
        }
        // a commit object the kill left unreferenced is no trouble for the API either
        for (String orphan : newCommitObjects) {
            if (orphan.equals(refAfterKill)) continue;
            HttpResponse<byte[]> r = hub.send(hub.authed("/api/models/" + repoId + "/revision/" + orphan));
            log("%s: the unreferenced commit %s through the API: %d", moment, orphan, r.statusCode());
            assertThat(r.statusCode()).as("info at the unreferenced commit %s: %s", orphan, Hub.text(r)).isIn(200, 404);
        }
        // the client retries: the commit lands (or is a no-op when it had landed)
        JsonNode retry = Hub.ok(hub.commit(repoId, "main", body));
        assertThat(hub.sha(repoId)).isEqualTo(retry.path("commitOid").asText());
        if (landed) assertThat(retry.path("commitOid").asText()).as("a retried commit that had landed is a no-op").isEqualTo(refAfterKill);
        model = withBulk;
        assertConsistent(List.of(model));
        assertWritesWork("after-commit");
        stopAndFsck();
    }

    /**
     * JGit moves a ref by creating {@code <ref>.lock}, writing the new id into it and renaming it over the ref. A
     * SIGKILL between the two leaves the lock file behind. This simulates exactly that (the window is a few
     * microseconds, too short to hit reliably with a real kill) and expects the branch to take commits again
     * after the restart.
     */
    @Test
    void aRefLockLeftByAKillDoesNotWedgeTheBranch() throws Exception {
        String head = hub.sha(repoId);
        forge.kill();
        Path lock = bareRepo().resolve("refs/heads/main.lock");
        Files.writeString(lock, head + "\n");
        restart();
        assertConsistent(List.of(model));
        HttpResponse<byte[]> r = hub.commit(repoId, "main",
                Hub.commitBody("after a stale lock", null, Map.of("lock.txt", "x".getBytes(StandardCharsets.UTF_8)), Map.of()));
        assertThat(r.statusCode()).as("commit after a stale ref lock: %s", Hub.text(r)).isEqualTo(200);

        // a leftover lock that is brand new when the commit arrives (as after a fast restart): the commit waits it out
        Files.writeString(lock, hub.sha(repoId) + "\n");
        HttpResponse<byte[]> again = hub.commit(repoId, "main",
                Hub.commitBody("after a fresh stale lock", null, Map.of("lock2.txt", "y".getBytes(StandardCharsets.UTF_8)), Map.of()));
        assertThat(again.statusCode()).as("commit while a fresh leftover lock is in place: %s", Hub.text(again)).isEqualTo(200);
        assertThat(lock).doesNotExist();
    }

    // ============================================================================================ checks

    /**
     * (a): the API's sha is the branch's ref, its history starts there, and the files the tree lists resolve to
     * exactly one of the {@code allowed} contents. Returns the index of the one matched.
     */
    private int assertConsistent(List<Map<String, String>> allowed) {
        String sha = hub.sha(repoId);
        Map<String, String> refs = hub.refs(repoId);
        assertThat(refs).as("refs").containsEntry("refs/heads/main", sha);
        assertThat(hub.commitIds(repoId, "main").getFirst()).isEqualTo(sha);
        Map<String, String> now = hub.snapshot(repoId, "main");
        assertThat(hub.snapshot(repoId, sha)).as("the same files through the commit id").isEqualTo(now);
        for (int i = 0; i < allowed.size(); i++) if (allowed.get(i).equals(now)) return i;
        throw new AssertionError("the repository holds neither of the allowed states:\n now: " + summary(now)
                + "\n allowed: " + allowed.stream().map(CrashSafetyTest::summary).toList());
    }

    /**
     * (b) for an object that no commit references: the download batch answers 404; the blob store has no file
     * under its name or a whole one; when it has none, the upload batch asks for the upload. Returns true when
     * the upload batch asks for the upload.
     */
    private boolean assertNotReferable(String oid, long size, boolean completed) throws IOException {
        JsonNode down = hub.batch(repoId, "download", List.of("basic"), oid, size);
        assertThat(down.path("error").path("code").asInt()).as("download batch of an unreferenced object: %s", down).isEqualTo(404);
        assertThat(down.has("actions")).isFalse();
        Path blob = blobPath(oid);
        boolean stored = Files.exists(blob);
        if (stored) {
            log("the blob store has %s: checking that it is whole", blob);
            assertBlobWhole(oid, size);
        } else {
            assertThat(completed).as("an upload whose completion was answered 200 must be in the blob store").isFalse();
        }
        JsonNode up = hub.batch(repoId, "upload", List.of("basic", "multipart"), oid, size);
        assertThat(up.has("error")).as("upload batch: %s", up).isFalse();
        boolean offered = up.has("actions");
        if (!stored) assertThat(offered).as("an object not in the store must be uploaded again: %s", up).isTrue();
        return offered;
    }

    /** Reads the object back through a chunk store opened on the data folder (as {@code forge gc} would, next to the server). */
    private void assertBlobWhole(String oid, long size) throws IOException {
        assertThat(blobPath(oid)).isRegularFile();
        try (dev.forge.storage.ChunkStore store = new dev.forge.storage.ChunkStore(data.resolve("chunks"), java.time.InstantSource.system());
             java.nio.channels.SeekableByteChannel ch = store.open(new dev.forge.core.LfsOid(oid))) {
            assertThat(ch.size()).as("size of %s", oid).isEqualTo(size);
            assertThat(dev.forge.storage.BlobStore.sha256(ch).hex()).as("content of %s", oid).isEqualTo(oid);
        }
    }

    /** After a restart: a basic LFS upload and a commit with an inline and an LFS file work, and read back whole. */
    private void assertWritesWork(String tag) {
        Payload p = new Payload(MIB + tag.length(), tag.hashCode());
        hub.uploadBasic(repoId, p);
        byte[] text = ("written " + tag + "\n").getBytes(StandardCharsets.UTF_8);
        String c = hub.commitOk(repoId, tag, Map.of("after/" + tag + ".txt", text),
                Map.of("after/" + tag + ".bin", new Hub.LfsRef(p.sha256(), p.size)));
        model.put("after/" + tag + ".txt", dev.forge.testing.Hashes.sha256(text));
        model.put("after/" + tag + ".bin", p.sha256());
        assertThat(hub.sha(repoId)).isEqualTo(c);
        assertConsistent(List.of(model));
    }

    /** (c): stop the server cleanly, then {@code forge fsck} (and {@code git fsck} of the bare repositories) must be clean. */
    private void stopAndFsck() throws Exception {
        forge.stop();
        ForgeProcess.Result r = ForgeProcess.fsck(data);
        log("forge fsck: exit %d: %s", r.exitCode(), r.output().lines().filter(l -> !l.startsWith("fsck: [")).toList());
        assertThat(r.exitCode()).as("forge fsck exit code; output:\n%s", r.output()).isZero();
        assertThat(r.output()).contains(": clean").doesNotContain("problem:");
        GitCli git = new GitCli(dir.resolve("home"));
        GitCli.Result g = git.tryRun(bareRepo(), "fsck", "--full", "--no-dangling");
        assertThat(g.exitCode()).as("git fsck of the bare repository: %s", g.output()).isZero();
        assertThat(g.output()).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("missing");
    }

    // ============================================================================================ helpers

    private void restart() throws Exception {
        forge = ForgeProcess.start(data);
        assertThat(forge.printedToken).as("no new token on a restart").isNull();
        hub = new Hub(forge.baseUrl, token);
    }

    private List<String> uploadParts(Payload big, JsonNode header, long chunk, int parts) {
        List<String> etags = new ArrayList<>();
        for (int i = 1; i <= parts; i++) {
            String url = header.path(Integer.toString(i)).asText();
            assertThat(url).as("part %d url", i).startsWith("http");
            long from = (i - 1) * chunk;
            long len = Math.min(chunk, big.size - from);
            HttpResponse<byte[]> r = hub.send(hub.request(url).PUT(Hub.streamBody(() -> big.slice(from, len), len)));
            assertThat(r.statusCode()).as("part %d: %s", i, Hub.text(r)).isEqualTo(200);
            etags.add(r.headers().firstValue("ETag").orElseThrow());
        }
        return etags;
    }

    private static byte[] completionBody(String oid, List<String> etags) throws IOException {
        ObjectNode body = Hub.JSON.createObjectNode();
        body.put("oid", oid);
        ArrayNode parts = body.putArray("parts");
        for (int i = 0; i < etags.size(); i++) parts.addObject().put("partNumber", i + 1).put("etag", etags.get(i));
        return Hub.JSON.writeValueAsBytes(body);
    }

    private HttpRequest.Builder completionRequest(String href, byte[] body) {
        return hub.request(href).header("Accept", Hub.LFS_JSON).header("Content-Type", Hub.LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** {@code n} files of printable random text (a regular, non-LFS path). */
    private static Map<String, byte[]> bulkFiles(int n, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n";
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[size];
            for (int j = 0; j < size; j++) b[j] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
            out.put(String.format("bulk/f%03d.txt", i), b);
        }
        return out;
    }

    /** Where the default store (the chunk store) publishes an object: its manifest, the last thing renamed into place. */
    private Path blobPath(String oid) {
        return data.resolve("chunks").resolve("files").resolve(oid.substring(0, 2)).resolve(oid.substring(2, 4)).resolve(oid);
    }

    private Path bareRepo() throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("git"))) {
            List<Path> repos = s.filter(p -> p.getFileName().toString().endsWith(".git")).toList();
            assertThat(repos).hasSize(1);
            return repos.getFirst();
        }
    }

    /** The id a loose ref file names (empty when there is none). */
    private static String readRef(Path refFile) {
        try {
            return Files.readString(refFile).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The loose object files of the repository (tolerates JGit's temporary files coming and going meanwhile). */
    private List<Path> looseObjects() {
        List<Path> out = new ArrayList<>();
        try {
            java.io.File[] dirs = bareRepo().resolve("objects").toFile().listFiles(f -> f.getName().matches("[0-9a-f]{2}") && f.isDirectory());
            if (dirs == null) return out;
            for (java.io.File d : dirs) {
                String[] names = d.list();
                if (names == null) continue;
                for (String n : names) if (n.matches("[0-9a-f]{38}")) out.add(d.toPath().resolve(n));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The type in a loose object's header ({@code commit}, {@code tree}, {@code blob}...). */
    private static String looseObjectType(Path object) {
        try (InputStream in = new java.util.zip.InflaterInputStream(Files.newInputStream(object))) {
            String head = new String(in.readNBytes(8), StandardCharsets.US_ASCII);
            int space = head.indexOf(' ');
            return space < 0 ? head : head.substring(0, space);
        } catch (IOException e) {
            return "";
        }
    }

    /** Regular files directly in tmp/ (uploads being written). */
    /** The temporary files of the server and of its chunk store (where an upload's open pack is written). */
    private List<Path> tmpFiles() {
        List<Path> out = new ArrayList<>();
        for (Path dir : List.of(data.resolve("tmp"), data.resolve("chunks").resolve("tmp"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(Files::isRegularFile).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Staged multipart parts (named by number) of every upload. */
    private List<String> stagedParts() throws IOException {
        Path root = data.resolve("tmp").resolve("multipart");
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            // one marker file per part that is done, named by its number, next to the upload's data file
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches("[0-9]+"))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String describe(List<Path> files) {
        return files.stream().map(p -> p.getFileName() + " (" + sizeOf(p) + " bytes)").toList().toString();
    }

    private static String summary(Map<String, String> files) {
        Map<String, Long> byDir = new TreeMap<>();
        for (String p : files.keySet()) byDir.merge(p.contains("/") ? p.substring(0, p.indexOf('/') + 1) : p, 1L, Long::sum);
        return files.size() + " files " + byDir;
    }

    /** Polls {@code condition} every millisecond until it holds or the request is answered (two minutes at most). */
    private static void waitUntil(CompletableFuture<?> request, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean() && !request.isDone() && System.nanoTime() < deadline) Thread.sleep(1);
    }

    /** The response, when the request got one before the kill; empty when it failed. */
    private static Optional<HttpResponse<byte[]>> responseOf(CompletableFuture<HttpResponse<byte[]>> f) throws InterruptedException {
        try {
            return Optional.of(f.get(2, TimeUnit.MINUTES));
        } catch (ExecutionException e) {
            return Optional.empty();
        } catch (TimeoutException e) {
            throw new AssertionError("the request neither failed nor completed after the kill", e);
        }
    }

    private static Throwable failureOf(CompletableFuture<HttpResponse<byte[]>> f) throws InterruptedException {
        Optional<HttpResponse<byte[]>> r = responseOf(f);
        if (r.isPresent()) return null;
        try {
            f.join();
            return null;
        } catch (RuntimeException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void log(String format, Object... args) {
        System.out.printf("[crash] %s: %s%n", testName, String.format(format, args));
    }

    /** A byte array as a stream that reports the bytes handed out and the end. */
    private static final class Counting extends InputStream {
        private final ByteArrayInputStream in;
        private final java.util.function.LongConsumer onRead;
        private Runnable onEnd;
        private long delivered;

        Counting(byte[] bytes, java.util.function.LongConsumer onRead, Runnable onEnd) {
            this.in = new ByteArrayInputStream(bytes);
            this.onRead = onRead;
            this.onEnd = onEnd;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = in.read(b, off, len);
            if (n < 0) {
                Runnable r = onEnd;
                onEnd = () -> {};
                r.run();
                return -1;
            }
            delivered += n;
            onRead.accept(delivered);
            return n;
        }
    }
}
