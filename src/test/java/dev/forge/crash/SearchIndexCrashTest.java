package dev.forge.crash;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL right after commits and repository changes, before the search index's periodic commit: the restarted
 * server lists exactly what the database and git say (the index is re-derived in the background after an unclean
 * stop), and a clean stop leaves nothing to redo.
 */
@Tag("slow")
class SearchIndexCrashTest {
    @TempDir
    Path dir;

    static List<String> listed(Hub hub, String query) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : Hub.ok(hub.send(hub.request("/api/models?" + query)))) out.add(n.path("id").asText());
        return out;
    }

    @Test
    void aKillJustAfterCommitsLosesNothingFromTheListing() throws Exception {
        Path data = dir.resolve("data");
        ForgeProcess forge = ForgeProcess.start(data);
        try {
            Hub hub = new Hub(forge.baseUrl, forge.printedToken);
            for (int i = 0; i < 3; i++) {
                String repo = hub.createRepo("crashy-" + i);
                hub.commitOk(repo, "tag", Map.of("README.md", ("---\ntags: [survivor]\nlicense: mit\n---\n# " + i + "\n")
                        .getBytes(StandardCharsets.UTF_8)), Map.of());
            }
            String gone = hub.createRepo("short-lived");
            Hub.ok(hub.send(hub.authed("/api/repos/delete").header("Content-Type", "application/json")
                    .method("DELETE", Hub.jsonBody(Map.of("name", "short-lived", "organization", "admin", "type", "model")))));
            assertThat(listed(hub, "filter=survivor&sort=id&direction=1")).containsExactly("admin/crashy-0", "admin/crashy-1", "admin/crashy-2");
            assertThat(gone).isEqualTo("admin/short-lived");
            forge.kill(); // within the 5 s between index commits
        } finally {
            forge.close();
        }

        ForgeProcess again = ForgeProcess.start(data);
        try {
            Hub hub = new Hub(again.baseUrl, null);
            long deadline = System.currentTimeMillis() + 60_000;
            while ((listed(hub, "filter=survivor").size() < 3 || !listed(hub, "search=short-lived").isEmpty())
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(listed(hub, "filter=survivor&sort=id&direction=1")).containsExactly("admin/crashy-0", "admin/crashy-1", "admin/crashy-2");
            assertThat(listed(hub, "search=short-lived")).isEmpty();
            again.stop();
        } finally {
            again.close();
        }
        assertThat(data.resolve("index/repos.clean")).exists();
    }
}
