package dev.forge.bench;

import dev.forge.app.Forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Uploads the {@link ModelCorpus} to a running Forge through its real API (LFS batch + basic PUT per file, then an
 * NDJSON commit of the pointers), one repository per case, and after each case reads the chunk store's stored
 * bytes (the pack files under {@code <data>/chunks/packs}); prints a Markdown table of stored/logical per case and
 * overall. Run by {@code bench/dedup-corpus.sh}:
 * <pre>java -cp … dev.forge.bench.CorpusBench BASE_URL TOKEN DATA_DIR BASE_BYTES SEED</pre>
 */
public final class CorpusBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LFS_JSON = "application/vnd.git-lfs+json";
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String token;

    private CorpusBench(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String token = args[1];
        Path data = Path.of(args[2]);
        long baseBytes = Long.parseLong(args[3]);
        long seed = Long.parseLong(args[4]);
        CorpusBench bench = new CorpusBench(base, token);
        ModelCorpus corpus = new ModelCorpus(seed, baseBytes);
        long logicalTotal = 0;
        long before = storedBytes(data);
        StringBuilder table = new StringBuilder();
        table.append("| case | files | logical MiB | new stored MiB | extra cost (new stored / logical) | seconds |\n");
        table.append("|---|---|---|---|---|---|\n");
        for (ModelCorpus.Case c : corpus.cases()) {
            String repo = "admin/" + c.name();
            bench.createRepo(c.name());
            long t0 = System.nanoTime();
            StringBuilder commit = new StringBuilder();
            commit.append(line("header", JSON.createObjectNode().put("summary", c.name()).put("description", c.description())));
            for (ModelCorpus.File f : c.files()) {
                String oid = ModelCorpus.sha256(f);
                bench.upload(repo, f, oid);
                commit.append(line("lfsFile", JSON.createObjectNode().put("path", f.path()).put("algo", "sha256").put("oid", oid).put("size", f.size())));
            }
            bench.commit(repo, commit.toString());
            double seconds = (System.nanoTime() - t0) / 1e9;
            long after = storedBytes(data);
            long added = after - before;
            before = after;
            logicalTotal += c.bytes();
            table.append(String.format("| %s (%s) | %d | %.1f | %.1f | %.2f %% | %.0f |%n", c.name(), c.description(), c.files().size(),
                    c.bytes() / 1048576.0, added / 1048576.0, 100.0 * added / c.bytes(), seconds));
            System.err.printf("corpus: %s done: %d logical, %d new stored bytes%n", c.name(), c.bytes(), added);
        }
        long stored = storedBytes(data);
        table.append(String.format("| **all** | | %.1f | %.1f | **%.1f %% of logical** | |%n", logicalTotal / 1048576.0,
                stored / 1048576.0, 100.0 * stored / logicalTotal));
        System.out.print(table);
    }

    /** Bytes of all pack files: what the chunk store keeps on disk. */
    static long storedBytes(Path data) throws IOException {
        Path packs = data.resolve("chunks").resolve("packs");
        if (!Files.isDirectory(packs)) return 0;
        try (Stream<Path> s = Files.walk(packs)) {
            long total = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) total += Files.size(p);
            return total;
        }
    }

    private static String line(String key, ObjectNode value) throws IOException {
        ObjectNode l = JSON.createObjectNode();
        l.put("key", key);
        l.set("value", value);
        return JSON.writeValueAsString(l) + "\n";
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode ok(HttpResponse<byte[]> r) throws IOException {
        if (r.statusCode() != 200) throw new IllegalStateException(r.uri() + ": " + r.statusCode() + " " + new String(r.body()));
        return JSON.readTree(r.body());
    }

    private void createRepo(String name) throws Exception {
        ok(send(HttpRequest.newBuilder(URI.create(base + "/api/repos/create")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("name", name, "organization", "admin", "type", "model"))))));
    }

    private void upload(String repo, ModelCorpus.File f, String oid) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.put("operation", "upload");
        req.putArray("transfers").add("basic");
        req.putArray("objects").addObject().put("oid", oid).put("size", f.size());
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode obj = ok(send(HttpRequest.newBuilder(URI.create(base + "/" + repo + ".git/info/lfs/objects/batch"))
                .header("Authorization", auth).header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))))).path("objects").get(0);
        if (!obj.has("actions")) return; // stored already (the copy case): nothing to send
        String href = obj.path("actions").path("upload").path("href").asText();
        ok(send(HttpRequest.newBuilder(URI.create(href)).PUT(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(f.open()), f.size()))));
    }

    private void commit(String repo, String ndjson) throws Exception {
        ok(send(HttpRequest.newBuilder(URI.create(base + "/api/models/" + repo + "/commit/main")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson))));
    }

}
