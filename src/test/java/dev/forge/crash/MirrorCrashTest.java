package dev.forge.crash;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.app.Forge;
import dev.forge.core.LfsOid;
import dev.forge.mirror.HubClient;
import dev.forge.storage.BlobStore;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL during a mirror sync, then the resumed sync. The upstream is a Forge in this JVM whose blob store holds the
 * fourth LFS download until the test lets it go; the mirroring Forge is its own process, killed while it waits for that
 * object (three of eight objects stored). Checked: nothing was visible before the resume (the upstream's refs are only
 * in the staging area on disk), the resumed sync fetches only the five objects not yet stored (the upstream served
 * nine object reads in all: eight plus the one cut by the kill), and the mirror then equals the upstream (refs, commit
 * ids, bytes), with {@code forge fsck} clean.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@Tag("slow")
class MirrorCrashTest {
    @TempDir
    Path dir;

    /** Counts reads of LFS objects and holds the {@code holdAt}-th until released. */
    static final class HoldingStore implements BlobStore {
        final BlobStore store;
        final AtomicInteger opens = new AtomicInteger();
        volatile int holdAt = Integer.MAX_VALUE;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HoldingStore(BlobStore store) { this.store = store; }

        @Override
        public SeekableByteChannel open(LfsOid oid) throws IOException {
            if (opens.incrementAndGet() == holdAt) {
                held.countDown();
                try {
                    release.await(10, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return store.open(oid);
        }

        @Override public Optional<Long> size(LfsOid oid) throws IOException { return store.size(oid); }

        @Override public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException { store.put(in, expected, expectedSize); }

        @Override public LfsOid put(InputStream in) throws IOException { return store.put(in); }

        @Override public boolean delete(LfsOid oid) throws IOException { return store.delete(oid); }
    }

    @Test
    void aSyncKilledHalfWayResumesWithNothingLostOrDuplicated() throws Exception {
        HoldingStore[] holder = new HoldingStore[1];
        try (TestForge upstream = TestForge.start(dir.resolve("upstream"), Forge.Options.DEFAULTS.withBlobStoreView(s -> holder[0] = new HoldingStore(s)))) {
            HoldingStore gate = holder[0];
            HubClient up = new HubClient(upstream.baseUrl, upstream.adminToken);
            up.createRepo("admin/big", false);
            Map<String, byte[]> lfs = new LinkedHashMap<>();
            for (int i = 0; i < 8; i++) lfs.put("w" + i + ".bin", HubClient.random(100 + i, 1 << 20));
            up.commit("admin/big", "main", "weights", Map.of("README.md", "# big\n".getBytes()), lfs);
            Map<String, String> upstreamFiles = up.snapshot("admin/big", "main");
            gate.opens.set(0);
            gate.holdAt = 4;

            Path data = dir.resolve("local");
            ForgeProcess local = ForgeProcess.start(data);
            String token = local.printedToken;
            HubClient here = new HubClient(local.baseUrl, token);
            JsonNode added = HubClient.ok(here.postJson("/api/admin/mirrors", Map.of("remote", upstream.baseUrl, "repo", "admin/big",
                    "as", "mirrors/big", "token", upstream.adminToken)));
            String id = added.path("id").asText();
            assertThat(gate.held.await(5, TimeUnit.MINUTES)).as("the sync reached the fourth object").isTrue();
            JsonNode during = HubClient.ok(here.get("/api/admin/mirrors/" + id));
            assertThat(during.at("/mirror/status").asText()).isEqualTo("syncing");
            assertThat(during.at("/mirror/progress/objectsDone").asLong()).isEqualTo(3);
            assertThat(during.at("/mirror/progress/objectsTotal").asLong()).isEqualTo(8);
            assertThat(during.at("/mirror/progress/bytesTotal").asLong()).isEqualTo(8L << 20);
            local.kill();
            gate.release.countDown();

            // on disk after the kill: the upstream's refs are staged only; the repository has no visible ref
            List<Path> repos;
            try (Stream<Path> s = Files.list(data.resolve("git"))) {
                repos = s.filter(p -> p.getFileName().toString().endsWith(".git")).toList();
            }
            assertThat(repos).hasSize(1);
            String refs = git(repos.getFirst(), "for-each-ref", "--format=%(refname)");
            assertThat(refs).contains("refs/mirror/heads/main").doesNotContain("refs/heads/main");

            int opensBefore = gate.opens.get();
            assertThat(opensBefore).isEqualTo(4);
            try (ForgeProcess again = ForgeProcess.start(data)) {
                JsonNode m = HubClient.ok(here.get(again.baseUrl + "/api/admin/mirrors/" + id)).path("mirror");
                // the restart marks the interrupted sync for an immediate resume; ask for it too (a running one is left alone)
                HubClient there = new HubClient(again.baseUrl, token);
                there.postJson("/api/admin/mirrors/" + id + "/sync", Map.of());
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                while (!m.path("status").asText().equals("ok") && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    m = HubClient.ok(there.get("/api/admin/mirrors/" + id)).path("mirror");
                }
                assertThat(m.path("status").asText()).as("%s", m).isEqualTo("ok");
                assertThat(m.at("/progress/objectsTotal").asLong()).as("only the objects not yet stored").isEqualTo(5);
                assertThat(m.path("objectsTransferred").asLong()).isEqualTo(8);
                assertThat(gate.opens.get() - opensBefore).as("upstream reads after the restart").isEqualTo(5);
                assertThat(there.refs("mirrors/big")).isEqualTo(up.refs("admin/big"));
                assertThat(there.history("mirrors/big", "main")).isEqualTo(up.history("admin/big", "main"));
                assertThat(there.snapshot("mirrors/big", "main")).isEqualTo(upstreamFiles);
                again.stop();
            }
            ForgeProcess.Result fsck = ForgeProcess.fsck(data);
            assertThat(fsck.exitCode()).as(fsck.output()).isZero();
        }
    }

    private static String git(Path gitDir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "--git-dir=" + gitDir));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
