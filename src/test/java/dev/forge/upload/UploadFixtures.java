package dev.forge.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.testing.TestForge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/** Shared helpers of the upload API tests: hashes, NDJSON commit lines, and raw HTTP calls against a {@link TestForge}. */
final class UploadFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NDJSON = "application/x-ndjson";
    static final String LFS_JSON = "application/vnd.git-lfs+json";
    static final String STALE = "A commit has happened since. Please refresh and try again.";

    private UploadFixtures() {}

    // ------------------------------------------------------------------------------------------ bytes

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static String text(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    /** {@code n} deterministic pseudo-random bytes (binary: NULs included). */
    static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String b64(byte[] b) { return Base64.getEncoder().encodeToString(b); }

    // ------------------------------------------------------------------------------------------ NDJSON lines

    static String line(String key, Map<String, Object> value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("value", value);
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String header(String summary) { return header(summary, null); }

    static String header(String summary, String parentCommit) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("summary", summary);
        v.put("description", "");
        if (parentCommit != null) v.put("parentCommit", parentCommit);
        return line("header", v);
    }

    static String file(String path, byte[] content) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("content", b64(content));
        v.put("path", path);
        v.put("encoding", "base64");
        return line("file", v);
    }

    static String file(String path, String content) { return file(path, utf8(content)); }

    /** An {@code lfsFile} line; {@code size} null leaves it out (a server-side copy of a stored object). */
    static String lfsFile(String path, String oid, Long size) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("path", path);
        v.put("algo", "sha256");
        v.put("oid", oid);
        if (size != null) v.put("size", size);
        return line("lfsFile", v);
    }

    static String deletedFile(String path) { return line("deletedFile", Map.of("path", path)); }

    static String deletedFolder(String path) { return line("deletedFolder", Map.of("path", path)); }

    /** Lines joined with {@code \n} and no trailing newline (as the JS client sends them). */
    static String ndjson(String... lines) { return String.join("\n", lines); }

    // ------------------------------------------------------------------------------------------ fixtures

    static Repo repo(TestForge tf, String id) {
        return tf.forge.repos.find(RepoType.MODEL, RepoId.parse(id)).orElseThrow();
    }

    /** Stores the bytes as an LFS object uploaded to the repository (in-process, as an upload would). */
    static LfsOid storeLfs(TestForge tf, String repoId, byte[] content) {
        LfsOid oid = tf.forge.lfs.store(repo(tf, repoId), new ByteArrayInputStream(content));
        assertThat(oid.hex()).isEqualTo(sha256(content));
        return oid;
    }

    // ------------------------------------------------------------------------------------------ http

    static String bearer(TestForge tf) { return "Bearer " + tf.adminToken; }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException { return JSON.readTree(r.body()); }

    static String body(HttpResponse<byte[]> r) { return text(r.body()); }

    /** {@code POST /api/models/{id}/commit/{rev}} as the admin, NDJSON. {@code rev} is put in the URL as given. */
    static HttpResponse<byte[]> commit(TestForge tf, String repoId, String rev, String ndjson) throws IOException, InterruptedException {
        return commitRaw(tf, "/api/models/" + repoId + "/commit/" + rev, ndjson, NDJSON, bearer(tf));
    }

    /** A commit POST with everything chosen by the caller; null content type or authorization leaves the header out. */
    static HttpResponse<byte[]> commitRaw(TestForge tf, String pathAndQuery, String body, String contentType, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = tf.request(pathAndQuery).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        if (authorization != null) b.header("Authorization", authorization);
        return tf.send(b);
    }

    /** A successful commit's {@code commitOid}, after checking the response shape. */
    static String commitOk(TestForge tf, String repoId, String rev, String ndjson) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = commit(tf, repoId, rev, ndjson);
        assertThat(r.statusCode()).as("commit to %s: %s", rev, body(r)).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.path("success").asBoolean()).isTrue();
        String oid = n.path("commitOid").asText();
        assertThat(oid).matches("[0-9a-f]{40}");
        return oid;
    }

    static HttpResponse<byte[]> sendJson(TestForge tf, String method, String path, String json, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = tf.request(path).method(method,
                json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        if (authorization != null) b.header("Authorization", authorization);
        return tf.send(b);
    }

    static HttpResponse<byte[]> postJson(TestForge tf, String path, String json) throws IOException, InterruptedException {
        return sendJson(tf, "POST", path, json, bearer(tf));
    }

    static HttpResponse<byte[]> getAuthed(TestForge tf, String path) throws IOException, InterruptedException {
        return tf.get(path, "Authorization", bearer(tf));
    }

    /** Asserts a JSON error answer: the status, a JSON content type and a non-blank {@code error}; returns the message. */
    static String assertError(HttpResponse<byte[]> r, int status) throws IOException {
        assertThat(r.statusCode()).as("status of %s %s, body %s", r.request().method(), r.uri(), body(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        JsonNode n = json(r);
        assertThat(n.path("error").isTextual()).as("error field in %s", n).isTrue();
        assertThat(n.path("error").asText()).isNotBlank();
        return n.path("error").asText();
    }

    /** The commit a revision resolves to, through {@code GET /api/models/{id}/revision/{rev}} ({@code rev} as given). */
    static String headSha(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/api/models/" + repoId + "/revision/" + rev);
        assertThat(r.statusCode()).as("revision %s: %s", rev, body(r)).isEqualTo(200);
        return json(r).path("sha").asText();
    }

    static String mainSha(TestForge tf, String repoId) throws IOException, InterruptedException {
        return headSha(tf, repoId, "main");
    }

    /** {@code tree/{rev}?recursive=true}: every entry (files and folders) by path. */
    static TreeMap<String, JsonNode> tree(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/api/models/" + repoId + "/tree/" + rev + "?recursive=true");
        assertThat(r.statusCode()).as("tree: %s", body(r)).isEqualTo(200);
        TreeMap<String, JsonNode> out = new TreeMap<>();
        for (JsonNode e : json(r)) out.put(e.path("path").asText(), e);
        return out;
    }

    /** Only the files of {@link #tree}. */
    static TreeMap<String, JsonNode> files(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        TreeMap<String, JsonNode> out = new TreeMap<>();
        tree(tf, repoId, rev).forEach((p, e) -> {
            if (e.path("type").asText().equals("file")) out.put(p, e);
        });
        return out;
    }

    /** The number of commits in the history of {@code rev} ({@code X-Total-Count}). */
    static long commitCount(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/api/models/" + repoId + "/commits/" + rev + "?limit=1");
        assertThat(r.statusCode()).as("commits: %s", body(r)).isEqualTo(200);
        return Long.parseLong(r.headers().firstValue("X-Total-Count").orElseThrow());
    }

    /** The commit ids of {@code rev}'s history, newest first. */
    static List<String> commitIds(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/api/models/" + repoId + "/commits/" + rev + "?limit=1000");
        assertThat(r.statusCode()).as("commits: %s", body(r)).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode c : json(r)) out.add(c.path("id").asText());
        return out;
    }

    /** {@code GET /{id}/resolve/{rev}/{path}} as the admin (rev and path put in the URL as given); the bytes of a 200. */
    static byte[] resolve(TestForge tf, String repoId, String rev, String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/" + repoId + "/resolve/" + rev + "/" + path);
        if (r.statusCode() == 302 || r.statusCode() == 307) {
            r = tf.send(java.net.http.HttpRequest.newBuilder(r.uri().resolve(r.headers().firstValue("Location").orElseThrow())).GET());
        }
        assertThat(r.statusCode()).as("resolve %s@%s: %s", path, rev, r.statusCode() >= 400 ? body(r) : "").isEqualTo(200);
        return r.body();
    }

    /** The JSON of a {@code refs} answer with pull requests. */
    static JsonNode refs(TestForge tf, String repoId) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = getAuthed(tf, "/api/models/" + repoId + "/refs?include_prs=1");
        assertThat(r.statusCode()).as("refs: %s", body(r)).isEqualTo(200);
        return json(r);
    }

    /** The target commit of a named entry in {@code refs} ({@code kind}: branches, tags, pullRequests), or null. */
    static String refTarget(JsonNode refs, String kind, String name) {
        for (JsonNode r : refs.path(kind)) if (r.path("name").asText().equals(name)) return r.path("targetCommit").asText();
        return null;
    }

    /** Percent-encodes each segment of a repository path (UTF-8), keeping the slashes. */
    static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) b.append((char) c);
            else b.append('%').append(String.format("%02X", c));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------ LFS batch

    static HttpResponse<byte[]> lfsBatch(TestForge tf, String repoId, String authorization, Object request)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = tf.request("/" + repoId + ".git/info/lfs/objects/batch")
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)));
        if (authorization != null) b.header("Authorization", authorization);
        return tf.send(b);
    }

    /** An upload batch request for one object; {@code transfers} null leaves the field out. */
    static Map<String, Object> uploadBatch(String oid, long size, List<String> transfers) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("operation", "upload");
        if (transfers != null) req.put("transfers", transfers);
        req.put("hash_algo", "sha_256");
        req.put("ref", Map.of("name", "main"));
        req.put("objects", List.of(Map.of("oid", oid, "size", size)));
        return req;
    }
}
