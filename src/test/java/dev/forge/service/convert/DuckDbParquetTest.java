package dev.forge.service.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DuckDbParquetTest {
    @TempDir
    Path dir;

    @Test
    void jsonLinesOfSeveralFilesBecomeOneShardWithEveryColumnAndAMalformedFileIsReportedNotConverted() throws Exception {
        var a = source("data/train-a.jsonl", "{\"id\": 1, \"text\": \"one\"}\n{\"id\": 2, \"text\": \"two\"}\n");
        var b = source("data/train-b.jsonl", "{\"id\": 3, \"text\": \"three\", \"tags\": [\"x\"]}\n");
        var bad = source("data/train-c.jsonl", "{\"id\": 4}\n{this is not json\n");
        DuckDbParquet.Result r = DuckDbParquet.convert(DatasetLayout.Format.JSON, List.of(a, b, bad), dir.resolve("out"), dir.resolve("spill"));
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("data/train-c.jsonl");
            assertThat(e.error()).contains("data/train-c.jsonl").doesNotContain(dir.toString());
        });
        assertThat(r.shards()).hasSize(1);
        assertThat(rows(r.shards().getFirst())).containsExactly("1|one|null", "2|two|null", "3|three|[x]");
    }

    @Test
    void csvAndTsvKeepTheirHeaderAndParquetIsKeptAsItIs() throws Exception {
        var csv = source("a.csv", "name,age\nann,31\nbob,42\n");
        DuckDbParquet.Result r = DuckDbParquet.convert(DatasetLayout.Format.CSV, List.of(csv), dir.resolve("csv"), dir.resolve("spill"));
        assertThat(r.errors()).isEmpty();
        assertThat(rows(r.shards().getFirst())).containsExactly("ann|31", "bob|42");
        var tsv = source("a.tsv", "name\tage\nann\t31\n");
        assertThat(rows(DuckDbParquet.convert(DatasetLayout.Format.TSV, List.of(tsv), dir.resolve("tsv"), dir.resolve("spill")).shards().getFirst()))
                .containsExactly("ann|31");

        Path parquet = r.shards().getFirst();
        var copy = new DuckDbParquet.Source("data/x.parquet", parquet);
        var notParquet = source("data/y.parquet", "PAR1 but not really");
        DuckDbParquet.Result kept = DuckDbParquet.convert(DatasetLayout.Format.PARQUET, List.of(copy, notParquet), dir.resolve("pq"), dir.resolve("spill"));
        assertThat(kept.shards()).containsExactly(parquet);
        assertThat(kept.errors()).extracting(DuckDbParquet.FileError::path).containsExactly("data/y.parquet");
    }

    @Test
    void nothingReadableGivesNoShardAndAnErrorPerFile() throws Exception {
        var empty = source("e.jsonl", "");
        var binary = source("b.csv", "\u0000\u0001\u0002 \"unterminated\n,,\"");
        DuckDbParquet.Result r = DuckDbParquet.convert(DatasetLayout.Format.JSON, List.of(source("x.jsonl", "[1, 2")), dir.resolve("o1"), dir.resolve("spill"));
        assertThat(r.shards()).isEmpty();
        assertThat(r.errors()).hasSize(1);
        // an empty file is readable (no rows); what matters is that nothing throws
        DuckDbParquet.convert(DatasetLayout.Format.JSON, List.of(empty), dir.resolve("o2"), dir.resolve("spill"));
        DuckDbParquet.convert(DatasetLayout.Format.CSV, List.of(binary), dir.resolve("o3"), dir.resolve("spill"));
    }

    private DuckDbParquet.Source source(String path, String content) throws Exception {
        Path local = dir.resolve("src-" + path.replace('/', '_'));
        Files.writeString(local, content, StandardCharsets.UTF_8);
        return new DuckDbParquet.Source(path, local);
    }

    /** The rows of a parquet file, each as its column values joined by {@code |}. */
    static List<String> rows(Path parquet) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM read_parquet('" + parquet + "')")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (i > 1) b.append('|');
                    Object v = rs.getObject(i);
                    b.append(v instanceof java.sql.Array arr ? java.util.Arrays.toString((Object[]) arr.getArray()).replace(" ", "") : v);
                }
                out.add(b.toString());
            }
        }
        return out;
    }
}
