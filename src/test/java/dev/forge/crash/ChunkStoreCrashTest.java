package dev.forge.crash;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL of a forge on the chunk store in the middle of an LFS upload (while chunks are written and packs
 * sealed) and of {@code forge gc} in the middle of its sweep and compaction: afterwards fsck (which checks every
 * chunk, pack and file) passes, every referenced file reads back whole, and writes, uploads and gc work.
 */
@Tag("slow")
class ChunkStoreCrashTest {
    private static final long MIB = 1 << 20;
    @TempDir
    Path dir;
    private Path data;
    private ForgeProcess forge;
    private String token;
    private Hub hub;
    private String repoId;
    private Payload small;

    @BeforeEach
    void start() throws Exception {
        data = dir.resolve("data");
        Files.createDirectories(data);
        // gc grace 0: whatever is unreferenced at gc time goes (the most aggressive setting)
        Files.writeString(data.resolve("forge.properties"), "storage=chunks\ngc-grace-seconds=0\n");
        forge = ForgeProcess.start(data);
        token = forge.printedToken;
        hub = new Hub(forge.baseUrl, token);
        repoId = hub.createRepo("x");
        small = new Payload(3 * MIB + 5, 7);
        hub.uploadBasic(repoId, small);
        hub.commitOk(repoId, "seed", Map.of(), Map.of("small.bin", new Hub.LfsRef(small.sha256(), small.size)));
    }

    @AfterEach
    void stop() throws Exception {
        if (forge != null) forge.close();
    }

    /** Kills the server once {@code percent} of a 150 MiB PUT (three packs' worth) has been handed to the client. */
    @ParameterizedTest
    @ValueSource(ints = {5, 45, 90, 100})
    void killDuringAnLfsUploadIntoTheChunkStore(int percent) throws Exception {
        Payload big = Payload.unique(150 * MIB, 11);
        JsonNode obj = hub.batch(repoId, "upload", List.of("basic"), big.sha256(), big.size);
        String href = obj.at("/actions/upload/href").asText();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        long at = big.size * percent / 100;
        CompletableFuture<HttpResponse<byte[]>> put = hub.sendAsync(hub.request(href).PUT(Hub.streamBody(
                () -> big.stream().onRead(n -> {
                    if (n >= at && reached.getCount() > 0) {
                        reached.countDown();
                        if (at < big.size) await(killed);
                    }
                }), big.size)));
        assertThat(reached.await(5, TimeUnit.MINUTES)).isTrue();
        forge.kill();
        killed.countDown();
        try {
            put.get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            // the connection died with the server
        }
        forge = ForgeProcess.start(data);
        hub = new Hub(forge.baseUrl, token);
        assertThat(hub.resolveSha256(repoId, "main", "small.bin")).isEqualTo(small.sha256());
        stopAndFsck();
        // the same upload again, whole: it may reuse chunks the killed one left; then gc, then fsck
        forge = ForgeProcess.start(data);
        hub = new Hub(forge.baseUrl, token);
        hub.uploadBasic(repoId, big);
        hub.commitOk(repoId, "big", Map.of(), Map.of("big.bin", new Hub.LfsRef(big.sha256(), big.size)));
        assertThat(hub.resolveSha256(repoId, "main", "big.bin")).isEqualTo(big.sha256());
        forge.stop();
        assertThat(runGc().exitCode()).isZero();
        stopAndFsck();
    }

    /** Kills {@code forge gc} right after it prints a progress line starting with {@code moment}. */
    @ParameterizedTest
    @ValueSource(strings = {"mark:", "files:", "packs:"})
    void killDuringGc(String moment) throws Exception {
        // a second repository holds a big file whose first 40 MiB the kept repository shares: deleting it leaves
        // one pack under half used (compaction) and one unused (trash)
        Payload big = Payload.unique(100 * MIB, 21);
        String other = hub.createRepo("y");
        hub.uploadBasic(other, big);
        hub.commitOk(other, "big", Map.of(), Map.of("big.bin", new Hub.LfsRef(big.sha256(), big.size)));
        Payload prefix = Payload.unique(40 * MIB, 21);
        hub.uploadBasic(repoId, prefix);
        hub.commitOk(repoId, "prefix", Map.of(), Map.of("prefix.bin", new Hub.LfsRef(prefix.sha256(), prefix.size)));
        Hub.ok(hub.send(hub.authed("/api/repos/delete").header("Content-Type", "application/json")
                .method("DELETE", Hub.jsonBody(Map.of("name", "y", "organization", "admin", "type", "model")))));
        forge.stop();

        Process gc = ForgeProcess.cli("gc", "--data", data.toString());
        boolean seen = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(gc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("gc: " + moment)) {
                    gc.destroyForcibly();
                    seen = true;
                    break;
                }
            }
        }
        assertThat(gc.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(seen).as("gc printed a line starting with %s", moment).isTrue();
        // fsck right after the kill, then a full gc, then fsck again: referenced bytes intact throughout
        stopAndFsck();
        assertThat(runGc().exitCode()).isZero();
        stopAndFsck();
        forge = ForgeProcess.start(data);
        hub = new Hub(forge.baseUrl, token);
        assertThat(hub.resolveSha256(repoId, "main", "prefix.bin")).isEqualTo(prefix.sha256());
        assertThat(hub.resolveSha256(repoId, "main", "small.bin")).isEqualTo(small.sha256());
    }

    private ForgeProcess.Result runGc() throws Exception {
        Process p = ForgeProcess.cli("gc", "--data", data.toString());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new ForgeProcess.Result(p.exitValue(), out);
    }

    private void stopAndFsck() throws Exception {
        if (forge != null) forge.stop();
        ForgeProcess.Result r = ForgeProcess.fsck(data);
        assertThat(r.exitCode()).as("forge fsck; output:\n%s", r.output()).isZero();
        assertThat(r.output()).contains(": clean").doesNotContain("problem:");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
