package dev.forge.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/**
 * A small Hub client over {@code java.net.http} (HTTP/1.1) for the crash and concurrency tests: the NDJSON commit,
 * the LFS batch and its transfers, and the read API used to check a repository's state.
 */
final class Hub {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LFS_JSON = "application/vnd.git-lfs+json";
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

    final String base;
    final String token;
    final HttpClient http;

    Hub(String base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    // ------------------------------------------------------------------------------------------ plumbing

    HttpRequest.Builder request(String pathOrUrl) {
        return HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
                .timeout(Duration.ofMinutes(5));
    }

    HttpRequest.Builder authed(String path) {
        return request(path).header("Authorization", "Bearer " + token);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    CompletableFuture<HttpResponse<byte[]>> sendAsync(HttpRequest.Builder b) {
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + text(r), e);
        }
    }

    static String text(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }

    static JsonNode ok(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as("%s %s: %s", r.request().method(), r.uri(), text(r)).isEqualTo(200);
        return json(r);
    }

    static HttpRequest.BodyPublisher jsonBody(Object value) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A body of exactly {@code length} bytes (sent with Content-Length) read from a fresh stream. */
    static HttpRequest.BodyPublisher streamBody(Supplier<? extends InputStream> in, long length) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(in), length);
    }

    // ------------------------------------------------------------------------------------------ writes

    /** {@code admin/<name>}, a public model. */
    String createRepo(String name) {
        ok(send(authed("/api/repos/create").header("Content-Type", "application/json")
                .POST(jsonBody(Map.of("name", name, "organization", "admin", "type", "model")))));
        return "admin/" + name;
    }

    /** An LFS file of a commit. */
    record LfsRef(String oid, long size) {}

    /** The NDJSON commit body: the header, then one {@code file} line per inline file and one {@code lfsFile} line per LFS file. */
    static byte[] commitBody(String summary, String parentCommit, Map<String, byte[]> files, Map<String, LfsRef> lfs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ObjectNode header = JSON.createObjectNode();
        header.put("summary", summary);
        header.put("description", "");
        if (parentCommit != null) header.put("parentCommit", parentCommit);
        line(out, "header", header);
        files.forEach((path, bytes) -> {
            ObjectNode v = JSON.createObjectNode();
            v.put("path", path);
            v.put("content", Base64.getEncoder().encodeToString(bytes));
            v.put("encoding", "base64");
            line(out, "file", v);
        });
        lfs.forEach((path, ref) -> {
            ObjectNode v = JSON.createObjectNode();
            v.put("path", path);
            v.put("algo", "sha256");
            v.put("oid", ref.oid());
            v.put("size", ref.size());
            line(out, "lfsFile", v);
        });
        return out.toByteArray();
    }

    private static void line(ByteArrayOutputStream out, String key, ObjectNode value) {
        ObjectNode l = JSON.createObjectNode();
        l.put("key", key);
        l.set("value", value);
        try {
            out.write(JSON.writeValueAsBytes(l));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
    }

    HttpRequest.Builder commitRequest(String repoId, String rev) {
        return authed("/api/models/" + repoId + "/commit/" + rev).header("Content-Type", "application/x-ndjson");
    }

    HttpResponse<byte[]> commit(String repoId, String rev, byte[] body) {
        return send(commitRequest(repoId, rev).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Commits and returns the new head; asserts 200. */
    String commitOk(String repoId, String summary, Map<String, byte[]> files, Map<String, LfsRef> lfs) {
        JsonNode r = ok(commit(repoId, "main", commitBody(summary, null, files, lfs)));
        return r.path("commitOid").asText();
    }

    /** The per-object answer of an LFS batch request for one object. */
    JsonNode batch(String repoId, String operation, List<String> transfers, String oid, long size) {
        ObjectNode req = JSON.createObjectNode();
        req.put("operation", operation);
        ArrayNode t = req.putArray("transfers");
        transfers.forEach(t::add);
        req.putObject("ref").put("name", "refs/heads/main");
        ObjectNode o = req.putArray("objects").addObject();
        o.put("oid", oid);
        o.put("size", size);
        req.put("hash_algo", "sha256");
        HttpResponse<byte[]> r = send(authed("/" + repoId + ".git/info/lfs/objects/batch")
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON).POST(jsonBody(req)));
        JsonNode body = ok(r);
        assertThat(body.path("objects").size()).isEqualTo(1);
        JsonNode obj = body.path("objects").get(0);
        assertThat(obj.path("oid").asText()).isEqualTo(oid);
        return obj;
    }

    /** Uploads a whole payload with one basic PUT to the href of a fresh upload batch (no-op when already stored). */
    void uploadBasic(String repoId, Payload p) {
        JsonNode obj = batch(repoId, "upload", List.of("basic"), p.sha256(), p.size);
        assertThat(obj.has("error")).as("batch error %s", obj).isFalse();
        if (!obj.has("actions")) return;
        HttpResponse<byte[]> r = send(request(obj.at("/actions/upload/href").asText())
                .PUT(streamBody(p::stream, p.size)));
        assertThat(r.statusCode()).as("PUT: %s", text(r)).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------ reads

    /** {@code sha} of the repository info (the head of the default branch). */
    String sha(String repoId) {
        return ok(send(authed("/api/models/" + repoId))).path("sha").asText();
    }

    /** Every ref (branches, tags, pull requests) → its commit. */
    Map<String, String> refs(String repoId) {
        JsonNode r = ok(send(authed("/api/models/" + repoId + "/refs?include_prs=1")));
        Map<String, String> out = new TreeMap<>();
        for (String kind : List.of("branches", "tags", "pullRequests")) {
            for (JsonNode ref : r.path(kind)) out.put(ref.path("ref").asText(), ref.path("targetCommit").asText());
        }
        return out;
    }

    /** The commit ids of {@code rev}'s history, newest first, all pages. */
    List<String> commitIds(String repoId, String rev) {
        List<String> ids = new ArrayList<>();
        String url = "/api/models/" + repoId + "/commits/" + rev + "?limit=1000";
        while (url != null) {
            HttpResponse<byte[]> r = send(authed(url));
            for (JsonNode c : ok(r)) ids.add(c.path("id").asText());
            url = next(r);
        }
        return ids;
    }

    /** Every entry of {@code rev}'s tree, recursively, all pages. */
    List<JsonNode> tree(String repoId, String rev) {
        List<JsonNode> out = new ArrayList<>();
        String url = "/api/models/" + repoId + "/tree/" + rev + "?recursive=true";
        while (url != null) {
            HttpResponse<byte[]> r = send(authed(url));
            for (JsonNode e : ok(r)) out.add(e);
            url = next(r);
        }
        return out;
    }

    private static String next(HttpResponse<?> r) {
        String link = r.headers().firstValue("Link").orElse(null);
        if (link == null) return null;
        Matcher m = NEXT.matcher(link);
        return m.find() ? m.group(1) : null;
    }

    /** SHA-256 of a file as {@code /resolve} serves it (LFS files: their content); asserts 200. */
    String resolveSha256(String repoId, String rev, String path) {
        try {
            HttpResponse<InputStream> r = http.send(authed("/" + repoId + "/resolve/" + rev + "/" + path).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                MessageDigest md = Payload.sha();
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) >= 0; ) md.update(buf, 0, n);
                assertThat(r.statusCode()).as("resolve %s@%s", path, rev).isEqualTo(200);
                return HexFormat.of().formatHex(md.digest());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every file of {@code rev} (by the tree API) → the SHA-256 of what {@code /resolve} serves for it. */
    Map<String, String> snapshot(String repoId, String rev) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : tree(repoId, rev)) {
            if (!"file".equals(e.path("type").asText())) continue;
            String path = e.path("path").asText();
            out.put(path, resolveSha256(repoId, rev, path));
        }
        return out;
    }


    /** path → SHA-256 of the content, for a model of what a repository should hold. */
    static Map<String, String> hashes(Map<String, byte[]> files) {
        Map<String, String> out = new LinkedHashMap<>();
        files.forEach((p, b) -> out.put(p, sha256(b)));
        return out;
    }
}
