package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoId;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.convert.ParquetConversionService;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hub's listing of a dataset's parquet conversion: {@code GET /api/datasets/{id}/parquet} (config → split → file
 * URLs), {@code …/parquet/{config}} (split → URLs), {@code …/parquet/{config}/{split}} (URLs), and
 * {@code …/parquet/{config}/{split}/{n}.parquet}, a redirect to the n-th file on {@code refs/convert/parquet}. The URLs
 * are the last form, as on the Hub. {@code …/parquet-conversion} is Forge's own: the state of the latest conversion
 * and the files that could not be converted, with why.
 */
public final class ParquetHandlers {
    private final ParquetConversionService conversions;

    public ParquetHandlers(ParquetConversionService conversions) {
        this.conversions = conversions;
    }

    public void all(Exchange ex) throws IOException {
        ParquetConversionService.Listing l = conversions.files(ex.actor(), repoId(ex));
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        l.files().forEach((config, splits) -> out.put(config, urls(ex, l, config, splits)));
        ex.json(200, out);
    }

    public void config(Exchange ex) throws IOException {
        ParquetConversionService.Listing l = conversions.files(ex.actor(), repoId(ex));
        Map<String, List<FileEntry>> splits = l.files().get(ex.var("config"));
        if (splits == null) throw ForgeException.notFound("No config " + ex.var("config") + " in the parquet conversion");
        ex.json(200, urls(ex, l, ex.var("config"), splits));
    }

    public void split(Exchange ex) throws IOException {
        ex.json(200, urls(ex, repoId(ex), ex.var("config"), ex.var("split"), files(ex).size()));
    }

    public void shard(Exchange ex) {
        String name = ex.var("file");
        int n;
        try {
            if (!name.matches("\\d{1,6}\\.parquet")) throw new NumberFormatException();
            n = Integer.parseInt(name.substring(0, name.length() - ".parquet".length()));
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("A parquet file is named <n>.parquet");
        }
        List<FileEntry> files = files(ex);
        if (n >= files.size()) throw ForgeException.notFound("No parquet file " + n + " in " + ex.var("config") + "/" + ex.var("split"));
        ex.setHeader("Location", ex.config().url("/datasets/" + repoId(ex) + "/resolve/" + enc(ParquetConversionService.REF) + "/"
                + pathUrl(files.get(n).path())));
        ex.empty(302);
    }

    public void status(Exchange ex) throws IOException {
        ParquetConversionService.Status s = conversions.status(ex.actor(), repoId(ex))
                .orElseThrow(() -> ForgeException.notFound("The dataset has not been converted to parquet yet"));
        ex.json(200, new StatusJson(s.state(), s.sourceCommit(), s.parquetCommit().orElse(null), s.convertedAt().toString(),
                s.errors().stream().map(e -> new ErrorJson(e.path(), e.error())).toList()));
    }

    private List<FileEntry> files(Exchange ex) {
        ParquetConversionService.Listing l = conversions.files(ex.actor(), repoId(ex));
        Map<String, List<FileEntry>> splits = l.files().get(ex.var("config"));
        List<FileEntry> files = splits == null ? null : splits.get(ex.var("split"));
        if (files == null) throw ForgeException.notFound("No split " + ex.var("config") + "/" + ex.var("split") + " in the parquet conversion");
        return files;
    }

    private static Map<String, List<String>> urls(Exchange ex, ParquetConversionService.Listing l, String config,
                                                  Map<String, List<FileEntry>> splits) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        splits.forEach((split, files) -> out.put(split, urls(ex, l.repo().id(), config, split, files.size())));
        return out;
    }

    private static List<String> urls(Exchange ex, RepoId id, String config, String split, int count) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> ex.config().url("/api/datasets/" + id + "/parquet/" + enc(config) + "/" + enc(split) + "/" + i + ".parquet"))
                .toList();
    }

    private static RepoId repoId(Exchange ex) {
        return new RepoId(ex.var("ns"), ex.var("name"));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String pathUrl(String path) {
        return String.join("/", java.util.Arrays.stream(path.split("/")).map(ParquetHandlers::enc).toList());
    }

    record StatusJson(String state, String sourceCommit, String parquetCommit, @JsonProperty("convertedAt") String convertedAt,
                      List<ErrorJson> errors) {}

    record ErrorJson(String path, String error) {}
}
