package dev.forge.http.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.app.Forge;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.testing.CountingBlobStore;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A range far into a large object costs the bytes of the range, not the bytes before it, on every download path:
 * {@code /resolve} and the LFS href git-lfs resumes from (which once handed Jetty the channel with an offset, and
 * Jetty read and threw away everything before it: a resume at 40 GB read 40 GB first). Counted as the bytes read out
 * of the blob store, over both stores (the chunk store's mapped regions and the plain store's file reads).
 */
class RangeAtOffsetTest {
    private static final int SIZE = 24 << 20;
    private static final int RANGE = 1000;
    /** What reading the range may cost: the range, rounded up to a read buffer or a mapped region. */
    private static final long BUDGET = 4 << 20;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ForgeConfig.Storage.Kind.class)
    void aRangeAtALargeOffsetReadsOnlyItsBytes(ForgeConfig.Storage.Kind kind) throws Exception {
        AtomicReference<CountingBlobStore> counted = new AtomicReference<>();
        Forge.Options options = Forge.Options.DEFAULTS.withBlobStoreView(store -> {
            counted.set(new CountingBlobStore(store));
            return counted.get();
        });
        try (TestForge tf = TestForge.start(dir, new ForgeConfig.Storage(kind, 86_400), options)) {
            byte[] content = new byte[SIZE];
            new Random(11).nextBytes(content);
            Repo repo = tf.createRepo(RepoType.MODEL, "admin/big");
            LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(content));
            tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                    List.of(new CommitOperation.AddLfsFile("weights.bin", oid, SIZE)), "weights");
            String range = "bytes=" + (SIZE - RANGE) + "-";
            byte[] expected = Arrays.copyOfRange(content, SIZE - RANGE, SIZE);

            counted.get().reset();
            HttpResponse<byte[]> resolved = tf.get("/admin/big/resolve/main/weights.bin", "Range", range);
            assertThat(resolved.statusCode()).isEqualTo(206);
            assertThat(resolved.body()).isEqualTo(expected);
            assertThat(counted.get().bytesRead()).as("bytes read from the store for /resolve").isBetween((long) RANGE, BUDGET);

            String href = downloadHref(tf, oid, SIZE);
            counted.get().reset();
            HttpResponse<byte[]> lfs = tf.send(HttpRequest.newBuilder(URI.create(href)).header("Range", range).GET());
            assertThat(lfs.statusCode()).isEqualTo(206);
            assertThat(lfs.headers().firstValue("Content-Range")).hasValue("bytes " + (SIZE - RANGE) + "-" + (SIZE - 1) + "/" + SIZE);
            assertThat(lfs.body()).isEqualTo(expected);
            assertThat(counted.get().bytesRead()).as("bytes read from the store for the LFS href").isBetween((long) RANGE, BUDGET);
        }
    }

    private static String downloadHref(TestForge tf, LfsOid oid, long size) throws Exception {
        HttpResponse<byte[]> r = tf.send(tf.request("/admin/big.git/info/lfs/objects/batch")
                .header("Authorization", "Bearer " + tf.adminToken).header("Content-Type", "application/vnd.git-lfs+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"operation\":\"download\",\"objects\":[{\"oid\":\"" + oid.hex()
                        + "\",\"size\":" + size + "}]}")));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode o = new ObjectMapper().readTree(r.body()).path("objects").get(0);
        return o.path("actions").path("download").path("href").asText();
    }
}
