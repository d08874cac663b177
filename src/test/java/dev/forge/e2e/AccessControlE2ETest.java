package dev.forge.e2e;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/**
 * Private and gated repositories as the real {@code @huggingface/hub} client sees them: a private repository
 * does not exist for an anonymous client or a stranger, is readable with a read token and writable only with a
 * write token; a gated repository answers {@code GatedRepo} until its owner accepts the request, then downloads
 * byte for byte. The owner's decisions go through the Hub's {@code user-access-request} endpoints (which
 * {@code huggingface_hub} calls; the JS client has no function for them).
 */
@Tag("slow")
class AccessControlE2ETest {

    @Test
    void privateAndGatedRepositoriesThroughTheJsClient(@TempDir Path tmp) throws Exception {
        try (TestForge tf = TestForge.start(tmp.resolve("data"))) {
            User owner = tf.forge.auth.createUser("owner", "Owner", null, false);
            User stranger = tf.forge.auth.createUser("stranger", "Stranger", null, false);
            NodeClient ownerWrite = new NodeClient(tf.baseUrl, tf.forge.auth.createToken(owner, "w", Token.Role.WRITE).secret());
            NodeClient ownerRead = new NodeClient(tf.baseUrl, tf.forge.auth.createToken(owner, "r", Token.Role.READ).secret());
            String strangerSecret = tf.forge.auth.createToken(stranger, "s", Token.Role.READ).secret();
            NodeClient strangerClient = new NodeClient(tf.baseUrl, strangerSecret);
            NodeClient anonymous = ownerWrite.anonymous();

            Path files = Files.createDirectories(tmp.resolve("files"));
            byte[] weights = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(weights);
            Files.write(files.resolve("model.safetensors"), weights);
            Files.writeString(files.resolve("config.json"), "{\"model_type\": \"gpt2\"}\n");

            // ------------------------------------------------------------------ private
            ownerWrite.run("create-repo", "--repo", "owner/secret"); // the client creates public repositories…
            String ownerSecret = tf.forge.auth.createToken(owner, "settings", Token.Role.WRITE).secret();
            assertThat(put(tf, ownerSecret, "/api/models/owner/secret/settings", "{\"private\":true}"))
                    .isEqualTo(200); // …so it is made private as update_repo_settings would
            ownerWrite.run("upload-files", "--repo", "owner/secret", "--dir", files.toString(), "--message", "weights");

            assertThat(anonymous.run("repo-exists", "--repo", "owner/secret").get("exists").asBoolean()).isFalse();
            assertThat(strangerClient.run("repo-exists", "--repo", "owner/secret").get("exists").asBoolean()).isFalse();
            assertFailure(anonymous.run("download-all", "--repo", "owner/secret", "--report-errors"), 401, "RepoNotFound");
            assertFailure(strangerClient.run("download-all", "--repo", "owner/secret", "--report-errors"), 404, "RepoNotFound");

            JsonNode read = ownerRead.run("download-all", "--repo", "owner/secret");
            assertThat(read.at("/files/model.safetensors/sha256").asText()).isEqualTo(sha256(weights));
            assertThat(read.at("/files/config.json/size").asInt()).isEqualTo(23);
            assertFailure(ownerRead.run("upload-files", "--repo", "owner/secret", "--dir", files.toString(), "--message", "x", "--report-errors"),
                    403, null);
            Files.writeString(files.resolve("README.md"), "# secret\n");
            JsonNode written = ownerWrite.run("upload-files", "--repo", "owner/secret", "--dir", files.toString(), "--message", "readme");
            assertThat(written.at("/commit/oid").asText()).hasSize(40);

            // ------------------------------------------------------------------ gated
            ownerWrite.run("create-repo", "--repo", "owner/gated");
            ownerWrite.run("upload-files", "--repo", "owner/gated", "--dir", files.toString(), "--message", "weights");
            assertThat(put(tf, ownerSecret, "/api/models/owner/gated/settings", "{\"gated\":\"manual\"}")).isEqualTo(200);

            assertThat(anonymous.run("repo-exists", "--repo", "owner/gated").get("exists").asBoolean()).as("metadata stays public").isTrue();
            assertFailure(anonymous.run("download-all", "--repo", "owner/gated", "--report-errors"), 401, "GatedRepo");
            assertFailure(strangerClient.run("download-all", "--repo", "owner/gated", "--report-errors"), 403, "GatedRepo");

            // the stranger asks (as the repository's web page does); the owner accepts through the Hub endpoint
            assertThat(post(tf, strangerSecret, "/owner/gated/ask-access", "{\"reason\":\"evaluation\"}")).isEqualTo(200);
            assertFailure(strangerClient.run("download-all", "--repo", "owner/gated", "--report-errors"), 403, "GatedRepo");
            assertThat(post(tf, ownerSecret, "/api/models/owner/gated/user-access-request/handle", "{\"user\":\"stranger\",\"status\":\"accepted\"}"))
                    .isEqualTo(200);
            JsonNode granted = strangerClient.run("download-all", "--repo", "owner/gated");
            assertThat(granted.at("/files/model.safetensors/sha256").asText()).isEqualTo(sha256(weights));
            assertThat(granted.at("/files/README.md/size").asInt()).isEqualTo(9);
            assertFailure(anonymous.run("download-all", "--repo", "owner/gated", "--report-errors"), 401, "GatedRepo");
        }
    }

    private static void assertFailure(JsonNode out, int status, String errorCode) {
        assertThat(out.path("failed").asBoolean()).as("expected a failure, got %s", out).isTrue();
        assertThat(out.path("status").asInt()).as("%s", out).isEqualTo(status);
        if (errorCode != null) assertThat(out.path("errorCode").asText()).as("%s", out).isEqualTo(errorCode);
    }

    private static int put(TestForge tf, String token, String path, String json) throws Exception {
        return tf.send(tf.request(path).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))).statusCode();
    }

    private static int post(TestForge tf, String token, String path, String json) throws Exception {
        return tf.send(tf.request(path).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))).statusCode();
    }

}
