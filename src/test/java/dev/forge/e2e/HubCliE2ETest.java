package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hf repos duplicate} and {@code hf repos ls} of huggingface_hub 2.0.0 (the CLI as installed, with hf_xet)
 * against Forge: the copy has the source's history and files under the new name with the visibility asked,
 * {@code --exist-ok} takes the 409, and the listing shows the caller's repositories (and an organisation's) with storage.
 */
@Tag("slow")
class HubCliE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestForge tf;
    static String bobToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        Repo source = tf.createRepo(RepoType.MODEL, "admin/source");
        byte[] weights = "pretend weights ".repeat(1000).getBytes(StandardCharsets.UTF_8);
        LfsOid oid = tf.forge.lfs.store(source, new ByteArrayInputStream(weights));
        tf.forge.commits.commit(tf.admin, source, "main", Optional.empty(), List.of(new CommitOperation.AddFile("config.json", "{}".getBytes()),
                new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length)), "weights");
        tf.createRepo(RepoType.DATASET, "admin/stories");
        User bob = tf.forge.auth.createUser("bob", "Bob", null, false);
        bobToken = tf.forge.auth.createToken(bob, "cli", Token.Role.WRITE).secret();
        var org = tf.forge.auth.createOrg("lab", "Lab", tf.admin);
        tf.forge.auth.setMember(Actor.OPERATOR, org, bob, dev.forge.core.OrgRole.WRITE);
        tf.forge.repos.create(Actor.internal(tf.admin), RepoType.MODEL, new dev.forge.core.RepoId("lab", "shared"), true);
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    @Test
    void hfReposDuplicateCopiesARepositoryUnderANewNameWithTheVisibilityAsked() throws Exception {
        PythonClient hf = PythonClient.of(PythonClient.HUB2, tf.baseUrl, tf.adminToken, dir.resolve("hf-admin"));
        hf.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/source", "admin/copy", "--private").ok();
        JsonNode copy = JSON.readTree(tf.get("/api/models/admin/copy", "Authorization", "Bearer " + tf.adminToken).body());
        JsonNode source = JSON.readTree(tf.get("/api/models/admin/source").body());
        assertThat(copy.path("private").asBoolean()).isTrue();
        assertThat(copy.path("sha").asText()).isEqualTo(source.path("sha").asText());
        assertThat(tf.get("/admin/copy/resolve/main/model.safetensors", "Authorization", "Bearer " + tf.adminToken).body())
                .isEqualTo(tf.get("/admin/source/resolve/main/model.safetensors").body());

        // bob duplicates into his own namespace (no target name: the source's name), a dataset too
        PythonClient bobs = PythonClient.of(PythonClient.HUB2, tf.baseUrl, bobToken, dir.resolve("hf-bob"));
        bobs.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/source").ok();
        bobs.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/stories", "bob/tales", "--type", "dataset").ok();
        assertThat(tf.get("/api/models/bob/source").statusCode()).isEqualTo(200);
        assertThat(tf.get("/api/datasets/bob/tales").statusCode()).isEqualTo(200);

        // a taken name fails, unless --exist-ok; a name bob may not use fails with the forge's reason
        PythonClient.Result taken = hf.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/source", "admin/copy");
        assertThat(taken.exitCode()).isNotZero();
        hf.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/source", "admin/copy", "--exist-ok").ok();
        PythonClient.Result foreign = bobs.command("hf", dir, Duration.ofMinutes(2), "repos", "duplicate", "admin/source", "admin/bobs-copy");
        assertThat(foreign.exitCode()).isNotZero();
        assertThat(foreign.stdout() + foreign.stderr()).contains("403");
    }

    @Test
    void hfReposLsListsTheCallersAndAnOrganisationsRepositoriesWithStorage() throws Exception {
        PythonClient hf = PythonClient.of(PythonClient.HUB2, tf.baseUrl, tf.adminToken, dir.resolve("hf-ls"));
        JsonNode mine = lastJson(hf.command("hf", dir, Duration.ofMinutes(2), "repos", "ls", "--json", "--limit", "0").ok());
        List<String> ids = new ArrayList<>();
        for (JsonNode r : mine) {
            ids.add(r.path("id").asText());
            if (r.path("id").asText().equals("admin/source")) {
                assertThat(r.path("type").asText()).isEqualTo("model");
                assertThat(r.path("visibility").asText()).isEqualTo("public");
            }
        }
        assertThat(ids).contains("admin/source", "admin/stories").doesNotContain("lab/shared", "bob/source");
        JsonNode datasets = lastJson(hf.command("hf", dir, Duration.ofMinutes(2), "repos", "ls", "--json", "--type", "dataset").ok());
        assertThat(datasets).allSatisfy(r -> assertThat(r.path("type").asText()).isEqualTo("dataset"));
        PythonClient bobs = PythonClient.of(PythonClient.HUB2, tf.baseUrl, bobToken, dir.resolve("hf-ls-bob"));
        JsonNode lab = lastJson(bobs.command("hf", dir, Duration.ofMinutes(2), "repos", "ls", "--namespace", "lab", "--json").ok());
        assertThat(lab.get(0).path("id").asText()).isEqualTo("lab/shared");
        assertThat(lab.get(0).path("visibility").asText()).isEqualTo("private");
        PythonClient.Result anon = PythonClient.of(PythonClient.HUB2, tf.baseUrl, null, dir.resolve("hf-anon"))
                .command("hf", dir, Duration.ofMinutes(2), "repos", "ls");
        assertThat(anon.exitCode()).isNotZero();
    }

    /** The JSON the CLI printed last (it may print hints before). */
    private static JsonNode lastJson(String out) throws Exception {
        String s = out.strip();
        int start = s.indexOf('[') >= 0 && (s.indexOf('{') < 0 || s.indexOf('[') < s.indexOf('{')) ? s.indexOf('[') : s.indexOf('{');
        return JSON.readTree(s.substring(start));
    }
}
