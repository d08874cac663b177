package dev.forge.service.convert;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The parquet conversion of one large JSON Lines file, as {@link ParquetConversionService} runs it for a split: for
 * {@code bench/parquet-conversion.sh}, which measures this process's peak memory around it and a reference (gzip of the
 * same bytes) in the same run. Prints one line: input and output sizes, shards, seconds, MiB/s.
 *
 * <p>Usage: {@code ParquetConversionBench <work dir> <MiB of JSON Lines>}; the input is generated (seeded) when missing.
 */
public final class ParquetConversionBench {
    private ParquetConversionBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        Path source = dir.resolve("input.jsonl");
        if (!Files.exists(source)) generate(source, Long.parseLong(args[1]) << 20);
        long start = System.nanoTime();
        DuckDbParquet.Result r = DuckDbParquet.convert(DatasetLayout.Format.JSON, List.of(new DuckDbParquet.Source("input.jsonl", source)),
                dir.resolve("out"), dir.resolve("spill"));
        double seconds = (System.nanoTime() - start) / 1e9;
        long in = Files.size(source);
        long out = 0;
        for (Path p : r.shards()) out += Files.size(p);
        System.out.printf("input_mib=%d output_mib=%d shards=%d seconds=%.1f mib_per_s=%.1f errors=%d%n", in >> 20, out >> 20,
                r.shards().size(), seconds, in / 1048576.0 / seconds, r.errors().size());
    }

    /** Rows like a text dataset's: an id, a sentence with a random token, a float. */
    static void generate(Path file, long bytes) throws Exception {
        Random random = new Random(1);
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (long n = 0; written < bytes; n++) {
                String line = "{\"id\": " + n + ", \"text\": \"Once upon a time, story number " + n + " about "
                        + Long.toHexString(random.nextLong()) + " and a fox.\", \"score\": " + random.nextDouble() + "}\n";
                w.write(line);
                written += line.length();
            }
        }
    }
}
