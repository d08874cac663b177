package dev.forge.dedup;

import dev.forge.core.ForgeConfig;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server with {@code chunk-compression=auto}: an object that compresses is stored smaller, and a download and
 * ranges over HTTP return its exact bytes (with the usual 206 and Content-Range).
 */
class CompressedStorageTest {
    @TempDir
    Path dir;

    @Test
    void compressedObjectsDownloadWholeAndInRanges() throws Exception {
        StringBuilder sb = new StringBuilder("{\"model\": {\"vocab\": {");
        for (int i = 0; sb.length() < 1_500_000; i++) sb.append("\"tok").append(Integer.toString(i * 7919 % 100_003, 36)).append("\": ").append(i).append(", ");
        byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Storage(ForgeConfig.Storage.Kind.CHUNKS, 0, ForgeConfig.Storage.Compression.AUTO))) {
            String id = tf.newModelRepo("compressed");
            DedupStorageTest.upload(tf, id, "tokenizer.json", content);
            assertThat(tf.forge.storage.globalUsage().storedBytes()).isLessThan(content.length * 9L / 10);

            HttpResponse<byte[]> whole = tf.get("/" + id + "/resolve/main/tokenizer.json");
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body()).isEqualTo(content);
            for (int[] r : new int[][] {{0, 0}, {65_535, 70_000}, {700_001, 1_234_567}, {content.length - 10, content.length - 1}}) {
                HttpResponse<byte[]> part = tf.get("/" + id + "/resolve/main/tokenizer.json", "Range", "bytes=" + r[0] + "-" + r[1]);
                assertThat(part.statusCode()).isEqualTo(206);
                assertThat(part.headers().firstValue("Content-Range")).contains("bytes " + r[0] + "-" + r[1] + "/" + content.length);
                assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, r[0], r[1] + 1));
            }
        }
    }
}
