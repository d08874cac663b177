package dev.forge.service.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns the data files of one split into parquet shards with DuckDB (its JDBC driver, in process): each file is first
 * read through on its own, so a malformed one is reported with DuckDB's reason and left out while the others are
 * converted; then the readable files are read together (columns matched by name) and written as parquet shards of at
 * most {@link #SHARD_BYTES}. DuckDB streams: memory stays under its {@code memory_limit} whatever the file sizes,
 * spilling to a temporary folder. No SQL text ever holds outside input: only paths this class was given, quoted.
 * Extensions are never installed or loaded (no network). Each call opens and closes its own in-memory database; not
 * meant to be called concurrently by the conversion service, though nothing is shared between calls.
 */
final class DuckDbParquet {
    static final String SHARD_BYTES = "256MB";
    static final String MEMORY_LIMIT = "256MB";
    private static final Pattern SHARD_INDEX = Pattern.compile("shard_(\\d+)\\.parquet");

    /** A data file: its path in the repository (for messages) and where its bytes are on disk. */
    record Source(String path, Path local) {}

    /** A file that could not be read, and why. */
    record FileError(String path, String error) {}

    /** The shards written, in order, and what could not be converted. */
    record Result(List<Path> shards, List<FileError> errors) {}

    private DuckDbParquet() {}

    static Result convert(DatasetLayout.Format format, List<Source> sources, Path out, Path spill) throws IOException {
        Files.createDirectories(spill);
        List<FileError> errors = new ArrayList<>();
        List<Source> readable = new ArrayList<>();
        try (Connection c = open(spill)) {
            for (Source s : sources) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + reader(format, List.of(s)))) {
                    rs.next();
                    readable.add(s);
                } catch (SQLException e) {
                    errors.add(new FileError(s.path(), message(e, List.of(s))));
                }
            }
            if (readable.isEmpty()) return new Result(List.of(), errors);
            if (format == DatasetLayout.Format.PARQUET) {
                // parquet files are kept as they are (the Hub copies them too): same bytes, so the store keeps them once
                return new Result(readable.stream().map(Source::local).toList(), errors);
            }
            Files.createDirectories(out);
            try (Statement st = c.createStatement()) {
                st.execute("COPY (SELECT * FROM " + reader(format, readable) + ") TO " + quote(out.toString())
                        + " (FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES '" + SHARD_BYTES + "', FILENAME_PATTERN 'shard_{i}')");
            } catch (SQLException e) {
                for (Source s : readable) errors.add(new FileError(s.path(), message(e, readable)));
                return new Result(List.of(), errors);
            }
        } catch (SQLException e) {
            throw new IOException("DuckDB could not be opened: " + e.getMessage(), e);
        }
        try (Stream<Path> files = Files.list(out)) {
            List<Path> shards = files.filter(p -> SHARD_INDEX.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(DuckDbParquet::index)).toList();
            return new Result(shards, errors);
        }
    }

    private static Connection open(Path spill) throws SQLException {
        Properties p = new Properties();
        p.setProperty("memory_limit", MEMORY_LIMIT);
        p.setProperty("threads", "1");
        p.setProperty("temp_directory", spill.toString());
        p.setProperty("autoinstall_known_extensions", "false");
        p.setProperty("autoload_known_extensions", "false");
        p.setProperty("preserve_insertion_order", "true");
        try {
            Class.forName("org.duckdb.DuckDBDriver");
        } catch (ClassNotFoundException e) {
            throw new SQLException("the DuckDB JDBC driver is not on the class path", e);
        }
        return DriverManager.getConnection("jdbc:duckdb:", p);
    }

    private static String reader(DatasetLayout.Format format, List<Source> sources) {
        StringBuilder files = new StringBuilder("[");
        for (Source s : sources) {
            if (files.length() > 1) files.append(", ");
            files.append(quote(s.local().toString()));
        }
        files.append(']');
        return switch (format) {
            case CSV -> "read_csv(" + files + ", union_by_name = true, header = true)";
            case TSV -> "read_csv(" + files + ", union_by_name = true, header = true, delim = '\\t')";
            case JSON -> "read_json(" + files + ", union_by_name = true, format = 'auto')";
            case PARQUET -> "read_parquet(" + files + ", union_by_name = true)";
        };
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** DuckDB's reason, first lines only, with the temporary paths replaced by the repository paths. */
    private static String message(SQLException e, List<Source> sources) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        for (Source s : sources) m = m.replace(s.local().toString(), s.path());
        m = m.strip();
        int cut = m.indexOf("\n\n");
        if (cut > 0) m = m.substring(0, cut);
        return m.length() > 1000 ? m.substring(0, 1000) + "…" : m;
    }

    private static long index(Path p) {
        Matcher m = SHARD_INDEX.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }
}
