package dev.forge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.app.Forge;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The search index is derived data: lost, corrupt or behind, it is rebuilt from the database and git. */
class SearchIndexRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> listed(TestForge tf) throws Exception {
        var r = tf.get("/api/models?sort=id&direction=1");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(r.body())) out.add(n.path("id").asText());
        return out;
    }

    static void seed(TestForge tf, int n) {
        for (int i = 0; i < n; i++) tf.createRepo(RepoType.MODEL, "admin/m" + i);
    }

    @Test
    void aMissingIndexIsRebuiltAtStart(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            seed(tf, 3);
        }
        deleteTree(dir.resolve("index"));
        try (TestForge tf = TestForge.start(dir)) {
            assertThat(listed(tf)).containsExactly("admin/m0", "admin/m1", "admin/m2");
        }
    }

    @Test
    void aCorruptIndexIsSetAsideAndRebuilt(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            seed(tf, 2);
        }
        Path lucene = dir.resolve("index/repos");
        try (Stream<Path> files = Files.list(lucene)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().equals("write.lock")).toList()) {
                Files.write(f, "garbage".getBytes());
            }
        }
        try (TestForge tf = TestForge.start(dir)) {
            assertThat(listed(tf)).containsExactly("admin/m0", "admin/m1");
        }
        try (Stream<Path> siblings = Files.list(dir.resolve("index"))) {
            assertThat(siblings.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("repos.broken-"));
        }
    }

    @Test
    void repositoriesCreatedWhileNoServerHeldTheIndexAreReconciledAtStart(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            seed(tf, 1);
        }
        // as `forge repo create` does when the index is held elsewhere: the registry changes, the index does not
        ForgeConfig config = new ForgeConfig("127.0.0.1", 0, dir, URI.create("http://127.0.0.1"), ForgeConfig.Limits.defaults(),
                ForgeConfig.Uploads.defaults());
        try (Forge forge = Forge.open(config)) {
            var admin = forge.auth.user("admin").orElseThrow();
            forge.repos.create(Actor.internal(admin), RepoType.MODEL, RepoId.parse("admin/offline"), false);
        }
        try (TestForge tf = TestForge.start(dir)) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (!listed(tf).contains("admin/offline") && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertThat(listed(tf)).containsExactly("admin/m0", "admin/offline");
        }
    }

    @Test
    void anUncleanShutdownIsReconciledAndRebuildRemovesGhosts(@TempDir Path dir) throws Exception {
        try (TestForge tf = TestForge.start(dir)) {
            seed(tf, 3);
            // the registry loses a repository behind the index's back (as a crash between the two could leave it)
            tf.forge.stores().database().jdbi().useHandle(h -> h.execute("DELETE FROM repos WHERE name = 'm2'"));
            assertThat(listed(tf)).containsExactly("admin/m0", "admin/m1", "admin/m2");
        }
        Files.deleteIfExists(dir.resolve("index/repos.clean")); // as after a kill
        try (TestForge tf = TestForge.start(dir)) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (listed(tf).size() != 2 && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertThat(listed(tf)).containsExactly("admin/m0", "admin/m1");
            assertThat(tf.forge.search.rebuild()).isEqualTo(2);
        }
        assertThat(dir.resolve("index/repos.clean")).exists();
    }

    private static void deleteTree(Path p) throws Exception {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
