package dev.forge.crash;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.service.admin.FsckService;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many clients committing to one branch at the same moment, through the real server and the NDJSON commit
 * endpoint: without {@code parentCommit} every commit lands exactly once on a linear history; with the same
 * {@code parentCommit} exactly one wins and the others get 412. Checked through the API, a {@code git clone}
 * ({@code git log}, {@code git fsck --full}), {@code git fsck} of the bare repository and Forge's own fsck.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("slow")
class ConcurrentCommitsTest {
    private static final int CLIENTS = 16;

    @TempDir
    static Path dir;

    static TestForge tf;
    static Hub hub;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        hub = new Hub(tf.baseUrl, tf.adminToken);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    private record Outcome(int status, String body, String commitOid) {}

    /**
     * Sends one commit per client, all released at once: each client builds its request, waits at a barrier
     * that opens when all are ready, then sends.
     */
    private static List<Outcome> race(String repoId, List<byte[]> bodies) throws Exception {
        int n = bodies.size();
        CyclicBarrier ready = new CyclicBarrier(n);
        CountDownLatch done = new CountDownLatch(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (byte[] body : bodies) {
                futures.add(pool.submit(() -> {
                    try {
                        HttpRequest.Builder req = hub.commitRequest(repoId, "main").POST(HttpRequest.BodyPublishers.ofByteArray(body));
                        ready.await(60, TimeUnit.SECONDS);
                        HttpResponse<byte[]> r = hub.send(req);
                        String oid = r.statusCode() == 200 ? Hub.json(r).path("commitOid").asText() : null;
                        return new Outcome(r.statusCode(), Hub.text(r), oid);
                    } finally {
                        done.countDown();
                    }
                }));
            }
            assertThat(done.await(5, TimeUnit.MINUTES)).as("all commits answered").isTrue();
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingCommitsAllLandOnceAndSameParentCommitsLoseWith412() throws Exception {
        String repoId = hub.createRepo("conc");
        String initial = hub.sha(repoId);
        List<String> before = hub.commitIds(repoId, "main");
        assertThat(before).containsExactly(initial);

        // ---------------------------------------------------------------- 16 commits, no parentCommit
        Map<String, byte[]> expected = new LinkedHashMap<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            byte[] content = ("client " + i + " was here\n").getBytes(StandardCharsets.UTF_8);
            expected.put("c/" + i + ".txt", content);
            bodies.add(Hub.commitBody("client " + i, null, Map.of("c/" + i + ".txt", content), Map.of()));
        }
        List<Outcome> outcomes = race(repoId, bodies);
        for (Outcome o : outcomes) assertThat(o.status()).as("status, body %s", o.body()).isEqualTo(200);
        List<String> oids = outcomes.stream().map(Outcome::commitOid).toList();
        assertThat(new HashSet<>(oids)).as("16 distinct commits").hasSize(CLIENTS);

        String head = hub.sha(repoId);
        List<String> history = hub.commitIds(repoId, "main");
        assertThat(history).hasSize(CLIENTS + 1).doesNotHaveDuplicates();
        assertThat(history.getFirst()).isEqualTo(head);
        assertThat(history.getLast()).isEqualTo(initial);
        for (String oid : oids) assertThat(Collections.frequency(history, oid)).as("commit %s in the history", oid).isEqualTo(1);
        assertThat(hub.refs(repoId)).containsEntry("refs/heads/main", head);

        // the final tree holds every client's file with its content
        Map<String, String> snapshot = hub.snapshot(repoId, "main");
        Map<String, String> wanted = Hub.hashes(expected);
        for (Map.Entry<String, String> e : wanted.entrySet()) assertThat(snapshot).containsEntry(e.getKey(), e.getValue());
        assertThat(snapshot.keySet().stream().filter(p -> p.startsWith("c/"))).hasSize(CLIENTS);

        checkWithGit(repoId, head, history, snapshot.keySet());
        assertForgeFsckClean();

        // ---------------------------------------------------------------- 16 commits on the same parentCommit
        List<byte[]> stale = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            byte[] content = ("parent race " + i + "\n").getBytes(StandardCharsets.UTF_8);
            stale.add(Hub.commitBody("parent race " + i, head, Map.of("p/" + i + ".txt", content), Map.of()));
        }
        List<Outcome> second = race(repoId, stale);
        List<Outcome> won = second.stream().filter(o -> o.status() == 200).toList();
        List<Outcome> lost = second.stream().filter(o -> o.status() == 412).toList();
        assertThat(won).as("winners among %s", second).hasSize(1);
        assertThat(lost).as("412s among %s", second).hasSize(CLIENTS - 1);
        for (Outcome o : lost) {
            JsonNode err = Hub.JSON.readTree(o.body());
            assertThat(err.path("error").asText()).contains("A commit has happened since");
        }
        String newHead = hub.sha(repoId);
        assertThat(newHead).isEqualTo(won.getFirst().commitOid());
        List<String> grown = hub.commitIds(repoId, "main");
        assertThat(grown).hasSize(history.size() + 1);
        assertThat(grown.subList(1, grown.size())).isEqualTo(history);
        assertThat(grown.getFirst()).isEqualTo(newHead);
        long pFiles = hub.tree(repoId, "main").stream().filter(e -> e.path("path").asText().startsWith("p/")
                && "file".equals(e.path("type").asText())).count();
        assertThat(pFiles).as("exactly the winner's file under p/").isEqualTo(1);

        checkWithGit(repoId, newHead, grown, hub.snapshot(repoId, "main").keySet());
        assertForgeFsckClean();
    }

    private static void assertForgeFsckClean() throws Exception {
        FsckService.Report report = tf.forge.fsck.run(s -> {});
        assertThat(report.problems()).as("forge fsck problems").isEmpty();
        assertThat(report.clean()).isTrue();
    }

    /** A fresh clone: its log is the API's history, every file is checked out, {@code git fsck --full} is clean; so is the bare repository. */
    private static void checkWithGit(String repoId, String head, List<String> history, Set<String> files) throws Exception {
        GitCli git = new GitCli(dir.resolve("home"));
        Path work = Files.createTempDirectory(dir, "clone");
        git.run(dir, "clone", "-q", tf.authedUrl("/" + repoId), work.toString());
        assertThat(git.run(work, "rev-parse", "HEAD").strip()).isEqualTo(head);
        List<String> log = git.run(work, "log", "--format=%H", "main").lines().toList();
        assertThat(log).isEqualTo(history);
        assertThat(git.run(work, "rev-list", "--merges", "--count", "main").strip()).as("a linear history").isEqualTo("0");
        for (String f : files) assertThat(work.resolve(f)).as("checked out %s", f).isRegularFile();
        GitCli.Result fsck = git.tryRun(work, "fsck", "--full", "--strict");
        assertThat(fsck.exitCode()).as("git fsck of the clone: %s", fsck.output()).isZero();
        assertThat(fsck.output()).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("missing")
                .doesNotContainIgnoringCase("broken");
        try (Stream<Path> bare = Files.list(tf.dataDir.resolve("git"))) {
            for (Path repo : bare.filter(p -> p.getFileName().toString().endsWith(".git")).toList()) {
                GitCli.Result r = git.tryRun(repo, "fsck", "--full", "--no-dangling");
                assertThat(r.exitCode()).as("git fsck of the bare %s: %s", repo, r.output()).isZero();
                assertThat(r.output()).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("missing");
            }
        }
    }
}
