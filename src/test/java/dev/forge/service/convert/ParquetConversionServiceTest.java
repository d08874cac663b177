package dev.forge.service.convert;

import dev.forge.core.CommitOperation;
import dev.forge.core.FileEntry;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conversions of real repositories of a real forge, run synchronously (the forge converts in the background too; the
 * conversions take turns, and one that finds its dataset already converted returns the recorded result).
 */
class ParquetConversionServiceTest {
    @TempDir
    Path dir;
    TestForge tf;
    ParquetConversionService service;

    @BeforeEach
    void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        service = tf.forge.parquet; // the forge's own: its background conversions and these calls take turns
    }

    @AfterEach
    void stop() throws Exception {
        tf.close();
    }

    @Test
    void splitsBecomeShardsOnTheConvertRefAndAMalformedFileIsRecordedNotFatal() throws Exception {
        Repo repo = tf.createRepo(RepoType.DATASET, "admin/stories");
        commit(repo, Map.of("README.md", "# stories\n", "data/train.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{\"id\": 2, \"text\": \"b\"}\n",
                "data/test.jsonl", "{\"id\": 3, \"text\": \"c\"}\n", "data/train-broken.jsonl", "{\"id\": 4\n"));
        ParquetConversionService.Status status = service.convert(repo);
        assertThat(status.state()).isEqualTo("partial");
        assertThat(status.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("data/train-broken.jsonl");
            assertThat(e.error()).isNotBlank();
        });
        ParquetConversionService.Listing listing = service.files(Actor.anonymous("test"), repo.id());
        assertThat(listing.commit()).isEqualTo(status.parquetCommit().orElseThrow());
        assertThat(paths(listing)).isEqualTo(Map.of("default", Map.of("train", List.of("default/train/0000.parquet"),
                "test", List.of("default/test/0000.parquet"))));
        assertThat(rows(listing.files().get("default").get("train").getFirst())).containsExactly("1|a", "2|b");
        assertThat(tf.forge.stores().index().all(repo.key(), listing.commit()).stream().map(FileEntry::path))
                .containsExactlyInAnyOrder(".gitattributes", "default", "default/train", "default/test",
                        "default/train/0000.parquet", "default/test/0000.parquet");

        // nothing changed in the data: no new conversion commit
        commit(repo, Map.of("README.md", "# stories, again\n"));
        assertThat(service.convert(repo).parquetCommit()).isEqualTo(status.parquetCommit());

        // the data changed: the ref follows, and the files of splits that went away go with them
        commit(repo, Map.of("data/train.jsonl", "{\"id\": 9, \"text\": \"z\"}\n"));
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), List.of(new CommitOperation.DeleteFile("data/test.jsonl"),
                new CommitOperation.DeleteFile("data/train-broken.jsonl")), "drop test");
        ParquetConversionService.Status again = service.convert(repo);
        assertThat(again.state()).isEqualTo("done");
        assertThat(again.errors()).isEmpty();
        ParquetConversionService.Listing after = service.files(Actor.anonymous("test"), repo.id());
        assertThat(paths(after)).isEqualTo(Map.of("default", Map.of("train", List.of("default/train/0000.parquet"))));
        assertThat(rows(after.files().get("default").get("train").getFirst())).containsExactly("9|z");
    }

    @Test
    void parquetDataIsKeptAsItIsSoItsStorageIsShared() throws Exception {
        Repo source = tf.createRepo(RepoType.DATASET, "admin/csv");
        commit(source, Map.of("train.csv", "a,b\n1,x\n"));
        service.convert(source);
        FileEntry shard = service.files(Actor.anonymous("test"), source.id()).files().get("default").get("train").getFirst();
        byte[] parquet;
        try (InputStream in = Channels.newInputStream(tf.forge.stores().blobs().open(new LfsOid(shard.lfs().oid())))) {
            parquet = in.readAllBytes();
        }
        Repo repo = tf.createRepo(RepoType.DATASET, "admin/pq");
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(parquet));
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(),
                List.of(new CommitOperation.AddLfsFile("data/train-00000-of-00001.parquet", oid, parquet.length)), "parquet");
        service.convert(repo);
        FileEntry copied = service.files(Actor.anonymous("test"), repo.id()).files().get("default").get("train").getFirst();
        assertThat(copied.lfs().oid()).isEqualTo(oid.hex());
    }

    @Test
    void invalidCardConfigsAndEmptyDatasetsAreRecordedWithoutAConversion() throws Exception {
        Repo repo = tf.createRepo(RepoType.DATASET, "admin/bad-card");
        commit(repo, Map.of("README.md", "---\nconfigs: 12\n---\n", "train.csv", "a\n1\n"));
        ParquetConversionService.Status status = service.convert(repo);
        assertThat(status.state()).isEqualTo("failed");
        assertThat(status.errors()).extracting(ParquetConversionService.FileError::path).containsExactly("README.md");
        assertThat(status.parquetCommit()).isEmpty();

        Repo empty = tf.createRepo(RepoType.DATASET, "admin/empty");
        assertThat(service.convert(empty).state()).isEqualTo("empty");
        assertThat(tf.forge.stores().git().resolve(empty.key(), ParquetConversionService.REF)).isEmpty();
    }

    private void commit(Repo repo, Map<String, String> files) {
        tf.forge.commits.commit(tf.admin, repo, "main", Optional.empty(), files.entrySet().stream()
                .<CommitOperation>map(e -> new CommitOperation.AddFile(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8))).toList(), "data");
    }

    private static Map<String, Map<String, List<String>>> paths(ParquetConversionService.Listing listing) {
        Map<String, Map<String, List<String>>> out = new java.util.LinkedHashMap<>();
        listing.files().forEach((c, splits) -> {
            Map<String, List<String>> s = new java.util.LinkedHashMap<>();
            splits.forEach((name, files) -> s.put(name, files.stream().map(FileEntry::path).toList()));
            out.put(c, s);
        });
        return out;
    }

    private List<String> rows(FileEntry parquet) throws Exception {
        Path local = dir.resolve("read-" + System.nanoTime() + ".parquet");
        try (InputStream in = Channels.newInputStream(tf.forge.stores().blobs().open(new LfsOid(parquet.lfs().oid())))) {
            Files.copy(in, local);
        }
        return DuckDbParquetTest.rows(local);
    }
}
