package dev.forge.service.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoType;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP side of another hub (the Hub itself or a Forge) that a mirror talks to: repository info and listings of the
 * Hub API, the git-lfs batch API for LFS objects (download and upload), and repository creation on a remote Forge. The
 * token, when there is one, goes in {@code Authorization: Bearer} and nowhere else (not in messages, not in logs).
 */
final class Upstream {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LFS_JSON = "application/vnd.git-lfs+json";

    private final HttpClient http;
    private final String base;
    private final String token;

    Upstream(HttpClient http, String base, String token) {
        this.http = http;
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
    }

    /** The repository's git URL: {@code <base>/[datasets/]ns/name.git}. */
    String gitUrl(RepoType type, String id) {
        return base + "/" + type.urlPrefix() + id + ".git";
    }

    /** What {@code GET /api/{type}s/{id}} answered: the status and, on 200, the JSON. */
    record Info(int status, String errorCode, JsonNode json) {
        boolean isPrivate() { return json != null && json.path("private").asBoolean(false); }

        /**
         * The repository does not exist for us: 404, or (as the Hub answers an anonymous caller, so as not to say whether
         * a private repository exists) 401 with the error code {@code RepoNotFound}.
         */
        boolean notFound() { return status == 404 || status == 410 || "RepoNotFound".equals(errorCode); }
    }

    Info info(RepoType type, String id) throws IOException {
        HttpResponse<byte[]> r = send(request("/api/" + type.plural() + "/" + id).GET().build());
        return new Info(r.statusCode(), r.headers().firstValue("X-Error-Code").orElse(null),
                r.statusCode() == 200 ? JSON.readTree(r.body()) : null);
    }

    /** The ids ({@code ns/name}) of the namespace's repositories of this type that the token lets us see. */
    List<String> list(RepoType type, String namespace) throws IOException {
        HttpResponse<byte[]> r = send(request("/api/" + type.plural() + "?author=" + URLEncoder.encode(namespace, StandardCharsets.UTF_8)
                + "&limit=1000").GET().build());
        if (r.statusCode() != 200) throw failure("listing " + namespace, r);
        List<String> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(r.body())) {
            String id = n.path("id").asText("");
            if (id.startsWith(namespace + "/")) out.add(id);
        }
        return out;
    }

    /** One LFS object to move: its SHA-256 and size. */
    record LfsObject(String oid, long size) {}

    /** Where one object's bytes go or come from, as a batch answer's action says. */
    record Action(String href, Map<String, String> header) {}

    /** The batch answer for one object: its download or upload action, or (when the server has it / needs nothing) none. */
    record Transfer(LfsObject object, Action action, Action verify, String error) {}

    List<Transfer> batch(RepoType type, String id, String operation, List<LfsObject> objects) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("operation", operation);
        body.putArray("transfers").add("basic");
        ArrayNode arr = body.putArray("objects");
        for (LfsObject o : objects) arr.addObject().put("oid", o.oid()).put("size", o.size());
        HttpRequest req = request("/" + type.urlPrefix() + id + ".git/info/lfs/objects/batch")
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        HttpResponse<byte[]> r = send(req);
        if (r.statusCode() != 200) throw failure("LFS batch (" + operation + ") for " + id, r);
        Map<String, LfsObject> asked = new LinkedHashMap<>();
        for (LfsObject o : objects) asked.put(o.oid(), o);
        List<Transfer> out = new ArrayList<>();
        for (JsonNode o : JSON.readTree(r.body()).path("objects")) {
            LfsObject obj = asked.get(o.path("oid").asText());
            if (obj == null) continue;
            if (o.has("error")) {
                out.add(new Transfer(obj, null, null, o.path("error").path("code").asInt() + " " + o.path("error").path("message").asText()));
                continue;
            }
            JsonNode actions = o.path("actions");
            out.add(new Transfer(obj, action(actions.path(operation)), action(actions.path("verify")), null));
        }
        return out;
    }

    private static Action action(JsonNode a) {
        if (a.isMissingNode() || a.isNull()) return null;
        Map<String, String> header = new LinkedHashMap<>();
        a.path("header").fields().forEachRemaining(e -> header.put(e.getKey(), e.getValue().asText()));
        return new Action(a.path("href").asText(), header);
    }

    /** Opens the bytes of a download action (the caller reads and closes). */
    InputStream download(Action a) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(a.href())).timeout(Duration.ofHours(6)).GET();
        if (a.header().isEmpty() && token != null && sameOrigin(a.href())) b.header("Authorization", "Bearer " + token);
        a.header().forEach(b::header);
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                try (InputStream in = r.body()) {
                    in.readNBytes(4096);
                }
                throw new IOException("download of an LFS object answered " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** Sends one object's bytes to an upload action, then calls its verify action if there is one. */
    void upload(Transfer t, java.util.function.Supplier<InputStream> bytes) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.action().href())).timeout(Duration.ofHours(6))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(bytes), t.object().size()));
        t.action().header().forEach(b::header);
        HttpResponse<byte[]> r = send(b.build());
        if (r.statusCode() / 100 != 2) throw failure("upload of LFS object " + t.object().oid(), r);
        if (t.verify() == null) return;
        HttpRequest.Builder v = HttpRequest.newBuilder(URI.create(t.verify().href())).timeout(Duration.ofMinutes(5))
                .header("Content-Type", LFS_JSON).header("Accept", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Map.of("oid", t.object().oid(), "size", t.object().size()))));
        t.verify().header().forEach(v::header);
        HttpResponse<byte[]> vr = send(v.build());
        if (vr.statusCode() / 100 != 2) throw failure("verify of LFS object " + t.object().oid(), vr);
    }

    /** Creates the repository on the remote; false when it existed already. */
    boolean create(RepoType type, String id, boolean isPrivate) throws IOException {
        String[] parts = id.split("/", 2);
        ObjectNode body = JSON.createObjectNode();
        body.put("name", parts[1]).put("organization", parts[0]).put("type", type.singular()).put("private", isPrivate);
        HttpResponse<byte[]> r = send(request("/api/repos/create").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
        if (r.statusCode() == 200 || r.statusCode() == 201) return true;
        if (r.statusCode() == 409) return false;
        throw failure("creating " + id, r);
    }

    private boolean sameOrigin(String href) {
        URI a = URI.create(href);
        URI b = URI.create(base);
        return java.util.Objects.equals(a.getHost(), b.getHost()) && a.getPort() == b.getPort()
                && java.util.Objects.equals(a.getScheme(), b.getScheme());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5));
        if (token != null && !token.isEmpty()) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private HttpResponse<byte[]> send(HttpRequest r) throws IOException {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** An upstream answer that is not what was asked: its status and the error message it gave, if short. */
    static IOException failure(String what, HttpResponse<byte[]> r) {
        String msg = "";
        try {
            JsonNode n = JSON.readTree(r.body());
            msg = n.path("error").isTextual() ? n.path("error").asText() : n.path("message").asText("");
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        return new UpstreamStatusException(what + ": the remote answered " + r.statusCode() + (msg.isEmpty() ? "" : " (" + dev.forge.core.Strings.clip(msg, 300) + ")"),
                r.statusCode());
    }

    static final class UpstreamStatusException extends IOException {
        final int status;

        UpstreamStatusException(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    static void requireHttpUrl(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ForgeException.badRequest("Not a URL: " + dev.forge.core.Strings.clip(url, 200));
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null
                || u.getUserInfo() != null || u.getQuery() != null || u.getFragment() != null) {
            throw ForgeException.badRequest("The remote must be an http(s) URL of a hub, without credentials (give a token instead)");
        }
    }
}
