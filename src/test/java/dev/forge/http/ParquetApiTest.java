package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static dev.forge.http.HttpSupport.assertHubError;
import static dev.forge.http.HttpSupport.commit;
import static dev.forge.http.HttpSupport.file;
import static dev.forge.http.HttpSupport.header;
import static dev.forge.http.HttpSupport.json;
import static dev.forge.http.HttpSupport.pathAndQuery;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The background parquet conversion as the API shows it: a commit to a dataset's default branch is followed by a
 * conversion on {@code refs/convert/parquet}, listed by {@code /api/datasets/{id}/parquet} and its per-config and
 * per-split forms, each file URL redirecting to the file on the ref; errors per file in {@code /parquet-conversion}.
 */
class ParquetApiTest {
    @TempDir static Path dir;
    static TestForge tf;
    static Repo stories;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        stories = tf.createRepo(RepoType.DATASET, "admin/stories");
        String head = commit(tf, stories, "main", "data", file("data/train.jsonl", "{\"id\": 1, \"text\": \"once\"}\n{\"id\": 2, \"text\": \"twice\"}\n"),
                file("data/test.jsonl", "{\"id\": 3, \"text\": \"thrice\"}\n"), file("data/test-extra.jsonl", "{\"id\": 4, \"text\n"));
        awaitConversion("admin/stories", head, null);
        Repo secret = tf.createPrivateRepo(RepoType.DATASET, "admin/secret");
        awaitConversion("admin/secret", commit(tf, secret, "main", "data", file("train.jsonl", "{\"a\": 1}\n")), HttpSupport.auth(tf));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    /** Waits (up to a minute; a conversion takes well under a second here) for the conversion of {@code head}. */
    static JsonNode awaitConversion(String id, String head, String auth) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<byte[]> r = auth == null ? tf.get("/api/datasets/" + id + "/parquet-conversion")
                    : tf.get("/api/datasets/" + id + "/parquet-conversion", "Authorization", auth);
            if (r.statusCode() == 200 && json(r).path("sourceCommit").asText().equals(head)) return json(r);
            Thread.sleep(100);
        }
        throw new AssertionError("no parquet conversion of " + id + " at " + head + " within a minute");
    }

    @Test
    void theListingNamesEveryFileByConfigAndSplitAndEachUrlRedirectsToTheRef() throws Exception {
        JsonNode all = json(tf.get("/api/datasets/admin/stories/parquet"));
        String train = tf.baseUrl + "/api/datasets/admin/stories/parquet/default/train/0.parquet";
        assertThat(all.path("default").path("train").get(0).asText()).isEqualTo(train);
        assertThat(all.path("default").path("test").size()).isEqualTo(1);
        assertThat(json(tf.get("/api/datasets/admin/stories/parquet/default")).path("train").get(0).asText()).isEqualTo(train);
        assertThat(json(tf.get("/api/datasets/admin/stories/parquet/default/train")).get(0).asText()).isEqualTo(train);

        HttpResponse<byte[]> shard = tf.get(pathAndQuery(train));
        assertThat(shard.statusCode()).isEqualTo(302);
        String location = header(shard, "Location").orElseThrow();
        assertThat(location).isEqualTo(tf.baseUrl + "/datasets/admin/stories/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet");
        HttpResponse<byte[]> file = tf.get(pathAndQuery(location));
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(new String(file.body(), 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PAR1");

        JsonNode refs = json(tf.get("/api/datasets/admin/stories/refs"));
        assertThat(refs.path("converts").get(0).path("ref").asText()).isEqualTo("refs/convert/parquet");
    }

    @Test
    void aMalformedFileIsRecordedWithItsReasonAndTheOthersAreConverted() throws Exception {
        JsonNode status = json(tf.get("/api/datasets/admin/stories/parquet-conversion"));
        assertThat(status.path("state").asText()).isEqualTo("partial");
        assertThat(status.path("errors").get(0).path("path").asText()).isEqualTo("data/test-extra.jsonl");
        assertThat(status.path("errors").get(0).path("error").asText()).isNotBlank().doesNotContain(dir.toString());
    }

    @Test
    void privateDatasetsUnknownSplitsAndBadFileNamesAreClearErrors() throws Exception {
        assertHubError(tf.get("/api/datasets/admin/secret/parquet"), 401, "RepoNotFound");
        assertHubError(tf.get("/api/datasets/admin/secret/parquet-conversion"), 401, "RepoNotFound");
        assertThat(json(tf.get("/api/datasets/admin/secret/parquet", "Authorization", HttpSupport.auth(tf))).path("default").path("train").size())
                .isEqualTo(1);
        assertHubError(tf.get("/api/datasets/admin/stories/parquet/nope"), 404, null);
        assertHubError(tf.get("/api/datasets/admin/stories/parquet/default/nope"), 404, null);
        assertHubError(tf.get("/api/datasets/admin/stories/parquet/default/train/7.parquet"), 404, null);
        assertHubError(tf.get("/api/datasets/admin/stories/parquet/default/train/x.parquet"), 400, null);
        assertHubError(tf.get("/api/datasets/admin/stories/parquet/default/train/-1.parquet"), 400, null);
        Repo fresh = tf.createRepo(RepoType.DATASET, "admin/fresh");
        assertHubError(tf.get("/api/datasets/admin/fresh/parquet"), 404, null);
        assertThat(fresh.id().toString()).isEqualTo("admin/fresh");
    }
}
