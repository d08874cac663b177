package dev.forge.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Mirror;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pull mirrors between two real Forges on loopback (one is the upstream): identical commit ids and bytes, new upstream
 * commits applied as fast-forwards, an upstream force-push and an upstream branch deletion reported and not applied
 * (the old history stays), a deleted upstream repository reported with the copy kept, writes to a mirror refused,
 * and a private upstream repository that needs the mirror's token.
 */
class MirrorSyncTest {
    @TempDir
    static Path tmp;
    static TestForge upstream;
    static TestForge local;
    static HubClient up;
    static HubClient here;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestForge.start(tmp.resolve("upstream"));
        local = TestForge.start(tmp.resolve("local"));
        up = new HubClient(upstream.baseUrl, upstream.adminToken);
        here = new HubClient(local.baseUrl, local.adminToken);
    }

    @AfterAll
    static void stop() throws Exception {
        if (local != null) local.close();
        if (upstream != null) upstream.close();
    }

    private static Mirror add(String remoteId, String localId, String token) {
        return local.forge.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, upstream.baseUrl, RepoType.MODEL,
                remoteId, localId, token, null));
    }

    private static Mirror sync(Mirror m) {
        return local.forge.mirrors.sync(Actor.OPERATOR, m.key());
    }

    private static Map<String, byte[]> files(String... pathsAndTexts) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndTexts.length; i += 2) out.put(pathsAndTexts[i], pathsAndTexts[i + 1].getBytes());
        return out;
    }

    @Test
    void aMirrorHasTheUpstreamsCommitIdsAndBytesAndFollowsItsNewCommits() {
        up.createRepo("admin/bert", false);
        up.commit("admin/bert", "main", "weights", files("README.md", "# bert\n", "config.json", "{\"a\":1}"),
                Map.of("model.safetensors", HubClient.random(1, 300_000), "extra/shard.bin", HubClient.random(2, 200_000)));
        up.ok(up.postJson("/api/models/admin/bert/branch/dev", Map.of()));
        up.commit("admin/bert", "dev", "dev work", files("dev.txt", "dev"), Map.of("dev.bin", HubClient.random(3, 50_000)));
        up.ok(up.postJson("/api/models/admin/bert/tag/main", Map.of("tag", "v1")));

        Mirror m = sync(add("admin/bert", "mirrors/bert", upstream.adminToken));

        assertThat(m.status()).as("%s", m.message()).isEqualTo(Mirror.Status.OK);
        assertThat(here.refs("mirrors/bert")).isEqualTo(up.refs("admin/bert")).containsKeys("refs/heads/main", "refs/heads/dev", "refs/tags/v1");
        assertThat(here.history("mirrors/bert", "main")).isEqualTo(up.history("admin/bert", "main"));
        for (String rev : List.of("main", "dev")) {
            assertThat(here.snapshot("mirrors/bert", rev)).isEqualTo(up.snapshot("admin/bert", rev)).containsKey("model.safetensors");
        }
        assertThat(m.progress().objectsDone()).isEqualTo(3);
        assertThat(m.progress().objectsTotal()).isEqualTo(3);
        assertThat(m.progress().bytesDone()).isEqualTo(550_000);
        JsonNode info = HubClient.ok(here.get("/api/models/mirrors/bert"));
        assertThat(info.path("sha").asText()).isEqualTo(up.refs("admin/bert").get("refs/heads/main"));
        assertThat(info.path("mirror").path("upstreamRepo").asText()).isEqualTo(upstream.baseUrl + "/admin/bert");
        assertThat(info.path("mirror").path("status").asText()).isEqualTo("ok");
        assertThat(info.path("mirror").path("lastSync").asText()).isNotEmpty();

        // staged upstream refs are no ref of the repository
        assertThat(here.refs("mirrors/bert").keySet()).noneMatch(r -> r.startsWith("refs/mirror/"));

        String next = up.commit("admin/bert", "main", "more", files("notes.md", "more"), Map.of("model.safetensors", HubClient.random(4, 100_000)));
        m = sync(m);
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(m.progress().objectsTotal()).as("only the new object is fetched").isEqualTo(1);
        assertThat(here.refs("mirrors/bert").get("refs/heads/main")).isEqualTo(next);
        assertThat(here.snapshot("mirrors/bert", "main")).isEqualTo(up.snapshot("admin/bert", "main"));

        // a sync with nothing new moves nothing and fetches nothing
        m = sync(m);
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(m.progress().objectsTotal()).isZero();
        assertThat(m.objectsFetched()).isEqualTo(4);
    }

    @Test
    void writesToAMirrorAreRefusedWithAClearMessage() {
        up.createRepo("admin/ro", false);
        up.commit("admin/ro", "main", "one", files("a.txt", "a"), Map.of());
        Mirror m = sync(add("admin/ro", "mirrors/ro", null));
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        var r = here.send(here.req("/api/models/mirrors/ro/commit/main").header("Content-Type", "application/x-ndjson")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n"
                        + "{\"key\":\"file\",\"value\":{\"path\":\"b.txt\",\"content\":\"Yg==\",\"encoding\":\"base64\"}}\n")));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(new String(r.body())).contains("read-only mirror of " + upstream.baseUrl + "/admin/ro");
        assertThat(here.postJson("/api/models/mirrors/ro/branch/x", Map.of()).statusCode()).isEqualTo(403);
        assertThat(here.refs("mirrors/ro")).isEqualTo(up.refs("admin/ro"));
    }

    @Test
    void anUpstreamForcePushOrBranchDeletionIsReportedAndNotApplied() {
        up.createRepo("admin/gpt", false);
        up.commit("admin/gpt", "main", "one", files("a.txt", "1"), Map.of("w.bin", HubClient.random(10, 10_000)));
        up.ok(up.postJson("/api/models/admin/gpt/branch/old", Map.of()));
        up.commit("admin/gpt", "main", "two", files("a.txt", "2"), Map.of());
        Mirror m = sync(add("admin/gpt", "mirrors/gpt", null));
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        Map<String, String> before = here.refs("mirrors/gpt");
        List<String> history = here.history("mirrors/gpt", "main");
        assertThat(history).hasSize(3);

        up.ok(up.postJson("/api/models/admin/gpt/super-squash/main", Map.of("message", "squashed")));
        up.ok(up.delete("/api/models/admin/gpt/branch/old"));
        assertThat(up.history("admin/gpt", "main")).hasSize(1);

        m = sync(m);
        assertThat(m.status()).isEqualTo(Mirror.Status.DIVERGED);
        assertThat(m.problems()).anySatisfy(p -> assertThat(p).startsWith("refs/heads/main: the upstream rewrote this branch (force-push)").contains("not applied"));
        assertThat(m.problems()).anySatisfy(p -> assertThat(p).startsWith("refs/heads/old: deleted upstream; not applied"));
        assertThat(here.refs("mirrors/gpt")).isEqualTo(before);
        assertThat(here.history("mirrors/gpt", "main")).isEqualTo(history);
        assertThat(here.snapshot("mirrors/gpt", "main")).containsKey("w.bin");
        JsonNode info = HubClient.ok(here.get("/api/models/mirrors/gpt"));
        assertThat(info.path("mirror").path("status").asText()).isEqualTo("diverged");
        assertThat(info.path("mirror").path("notApplied").size()).isEqualTo(2);
        var page = new HubClient(local.baseUrl, null).get("/mirrors/gpt");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(new String(page.body())).contains("A read-only mirror of <a href=\"" + upstream.baseUrl + "/admin/gpt\"")
                .contains("Upstream changes not applied here").contains("rewrote this branch (force-push)");
        // the rewritten upstream history is not served by the mirror's git either
        assertThat(local.forge.audit.query(Actor.OPERATOR, new dev.forge.core.AuditEntry.Query(null, "mirror.sync", null, null, null, 100)))
                .anySatisfy(e -> assertThat(e.toString()).contains("force-push"));
    }

    @Test
    void aDeletedUpstreamRepositoryIsReportedAndTheCopyKept() {
        up.createRepo("admin/gone", false);
        up.commit("admin/gone", "main", "one", files("a.txt", "1"), Map.of("w.bin", HubClient.random(11, 5_000)));
        Mirror m = sync(add("admin/gone", "mirrors/gone", null));
        Map<String, String> snapshot = here.snapshot("mirrors/gone", "main");
        up.ok(up.send(up.req("/api/repos/delete").header("Content-Type", "application/json")
                .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"gone\",\"organization\":\"admin\",\"type\":\"model\"}"))));
        m = sync(m);
        assertThat(m.status()).isEqualTo(Mirror.Status.UPSTREAM_GONE);
        assertThat(m.message()).contains("gone");
        assertThat(here.snapshot("mirrors/gone", "main")).isEqualTo(snapshot);
    }

    @Test
    void aPrivateUpstreamRepositoryNeedsTheToken() {
        up.createRepo("admin/secret", true);
        up.commit("admin/secret", "main", "one", files("a.txt", "s"), Map.of("w.bin", HubClient.random(12, 5_000)));
        assertThatThrownBy(() -> add("admin/secret", "mirrors/secret", null)).hasMessageContaining("that this token may read");
        Mirror m = sync(add("admin/secret", "mirrors/secret", upstream.adminToken));
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(m.hasToken()).isTrue();
        assertThat(local.forge.repos.find(RepoType.MODEL, dev.forge.core.RepoId.parse("mirrors/secret")).orElseThrow().isPrivate()).isTrue();
        assertThat(here.snapshot("mirrors/secret", "main")).isEqualTo(up.snapshot("admin/secret", "main"));
        // private stays private here: anonymous callers do not learn it exists
        assertThat(new HubClient(local.baseUrl, null).get("/api/models/mirrors/secret").statusCode()).isEqualTo(401);
        // the admin API never shows the token
        assertThat(new String(here.get("/api/admin/mirrors").body())).doesNotContain(upstream.adminToken).contains("mirrors/secret")
                .contains("\"cache\":{\"cachedBytes\":0").contains("\"hitRate\"");
        assertThat(HubClient.ok(here.get("/api/admin/cache")).path("revisions").isArray()).isTrue();
    }

    @Test
    void theSchedulerSyncsDueMirrorsAndSkipsPausedOnes() throws Exception {
        up.createRepo("admin/sched", false);
        String head = up.commit("admin/sched", "main", "one", files("a.txt", "1"), Map.of());
        Mirror paused = add("admin/sched", "mirrors/sched-paused", null);
        local.forge.mirrors.pause(Actor.OPERATOR, paused.key(), true);
        Mirror m = add("admin/sched", "mirrors/sched", null);
        assertThat(m.status()).isEqualTo(Mirror.Status.NEW);
        local.forge.mirrors.tick(); // what the background scheduler runs; the sync itself runs on the mirror thread
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
        while (local.forge.mirrors.show(Actor.OPERATOR, m.key()).status() != Mirror.Status.OK && System.nanoTime() < deadline) Thread.sleep(50);
        m = local.forge.mirrors.show(Actor.OPERATOR, m.key());
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(m.nextSyncAt()).isAfter(m.lastSyncAt().plusSeconds(3000));
        assertThat(here.refs("mirrors/sched")).containsEntry("refs/heads/main", head);
        assertThat(local.forge.mirrors.show(Actor.OPERATOR, paused.key()).status()).isEqualTo(Mirror.Status.NEW);
    }
}
