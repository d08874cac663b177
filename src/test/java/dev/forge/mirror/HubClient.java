package dev.forge.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Hub API of one Forge as a user with a token sees it, for the mirror tests: creating repositories, committing
 * inline and LFS files (uploaded through the batch API), moving refs, and reading refs, history and file bytes.
 */
public final class HubClient {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LFS_JSON = "application/vnd.git-lfs+json";

    final String base;
    final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(20)).build();

    public HubClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public HttpRequest.Builder req(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path)).timeout(Duration.ofMinutes(5));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    public HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<byte[]> get(String path) { return send(req(path).GET()); }

    public HttpResponse<byte[]> postJson(String path, Object body) {
        try {
            return send(req(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public HttpResponse<byte[]> delete(String path) { return send(req(path).DELETE()); }

    public static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode ok(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as("%s %s: %s", r.request().method(), r.request().uri(), new String(r.body())).isBetween(200, 299);
        return r.body().length == 0 ? JSON.createObjectNode() : json(r);
    }

    public void createRepo(String id, boolean isPrivate) {
        String[] p = id.split("/", 2);
        ok(postJson("/api/repos/create", Map.of("name", p[1], "organization", p[0], "type", "model", "private", isPrivate)));
    }

    /** Uploads {@code content} as an LFS object of the repository (through the batch API); returns its oid. */
    public String uploadLfs(String id, byte[] content) {
        String oid = sha256(content);
        ObjectNode body = JSON.createObjectNode().put("operation", "upload");
        body.putArray("transfers").add("basic");
        body.putArray("objects").addObject().put("oid", oid).put("size", content.length);
        JsonNode o = ok(send(req("/" + id + ".git/info/lfs/objects/batch").header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes())))).path("objects").get(0);
        if (!o.has("actions")) return oid;
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(o.at("/actions/upload/href").asText())).PUT(HttpRequest.BodyPublishers.ofByteArray(content));
        o.at("/actions/upload/header").fields().forEachRemaining(e -> put.header(e.getKey(), e.getValue().asText()));
        ok(send(put));
        return oid;
    }

    /** Commits inline files and LFS files (uploaded first) to a branch; returns the new commit id. */
    public String commit(String id, String branch, String summary, Map<String, byte[]> files, Map<String, byte[]> lfsFiles) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        line(out, "header", JSON.createObjectNode().put("summary", summary).put("description", ""));
        files.forEach((path, bytes) -> line(out, "file", JSON.createObjectNode().put("path", path)
                .put("content", Base64.getEncoder().encodeToString(bytes)).put("encoding", "base64")));
        lfsFiles.forEach((path, bytes) -> line(out, "lfsFile", JSON.createObjectNode().put("path", path).put("algo", "sha256")
                .put("oid", uploadLfs(id, bytes)).put("size", bytes.length)));
        return ok(send(req("/api/models/" + id + "/commit/" + branch).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())))).path("commitOid").asText();
    }

    private static void line(ByteArrayOutputStream out, String key, ObjectNode value) {
        ObjectNode l = JSON.createObjectNode().put("key", key);
        l.set("value", value);
        out.writeBytes(l.toString().getBytes());
        out.write('\n');
    }

    /** Every branch and tag → its commit. */
    public Map<String, String> refs(String id) {
        JsonNode r = ok(get("/api/models/" + id + "/refs"));
        Map<String, String> out = new TreeMap<>();
        for (String kind : List.of("branches", "tags")) {
            for (JsonNode ref : r.path(kind)) out.put(ref.path("ref").asText(), ref.path("targetCommit").asText());
        }
        return out;
    }

    public List<String> history(String id, String rev) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode c : ok(get("/api/models/" + id + "/commits/" + rev + "?limit=1000"))) out.add(c.path("id").asText());
        return out;
    }

    /** Every file of {@code rev} → SHA-256 of what {@code /resolve} serves (LFS files: their content). */
    public Map<String, String> snapshot(String id, String rev) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : ok(get("/api/models/" + id + "/tree/" + rev + "?recursive=true"))) {
            if (!"file".equals(e.path("type").asText())) continue;
            String path = e.path("path").asText();
            HttpResponse<byte[]> r = get("/" + id + "/resolve/" + rev + "/" + path);
            assertThat(r.statusCode()).as("resolve %s", path).isEqualTo(200);
            out.put(path, sha256(r.body()));
        }
        return out;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
