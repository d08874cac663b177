package dev.forge.service.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.testing.Hashes;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream shaped like the Hub (a stand-in on loopback, not the Hub): resolve answers 302 to a CDN on another origin
 * with {@code X-Linked-Etag}, {@code X-Xet-Hash} and a {@code Link rel="xet-auth"}; tree entries carry {@code xetHash};
 * some answers are 429 with {@code Retry-After} or 403 {@code GatedRepo}. The cache follows the redirect without sending
 * its token to the CDN, serves the bytes on the plain path with no Xet header, link or field of the upstream's, and keeps
 * the upstream's refusals as they were.
 */
class HubLikeUpstreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    @TempDir
    static Path dir;
    static HttpServer hub;
    static HttpServer cdn;
    static TestForge cache;
    static final byte[] BYTES = new byte[700_000];
    static String oid;
    static final List<String> hubAuth = new CopyOnWriteArrayList<>();
    static final List<String> cdnAuth = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        new Random(3).nextBytes(BYTES);
        oid = Hashes.sha256(BYTES);
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdn.createContext("/", ex -> {
            cdnAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            send(ex, 200, BYTES, "application/octet-stream");
        });
        cdn.start();
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", HubLikeUpstreamTest::hub);
        hub.start();
        String url = "http://127.0.0.1:" + hub.getAddress().getPort();
        cache = TestForge.startCache(dir.resolve("cache"), new ForgeConfig.Cache(List.of(new ForgeConfig.Upstream(URI.create(url), "hf_upstreamtoken")),
                0, 60), Forge.Options.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        cache.close();
        hub.stop(0);
        cdn.stop(0);
    }

    private static void hub(HttpExchange ex) throws IOException {
        hubAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        String p = ex.getRequestURI().getPath();
        String info = "{\"id\":\"hub/xet-model\",\"sha\":\"" + SHA + "\",\"private\":false,\"gated\":false,"
                + "\"siblings\":[{\"rfilename\":\"model.safetensors\"}]}";
        if (p.equals("/api/models/hub/busy") || p.startsWith("/api/models/hub/busy/")) {
            ex.getResponseHeaders().add("Retry-After", "7");
            send(ex, 429, "{\"error\":\"slow down\"}".getBytes(StandardCharsets.UTF_8), "application/json");
        } else if (p.equals("/api/models/hub/xet-model") || p.startsWith("/api/models/hub/xet-model/revision/")) {
            send(ex, 200, info.getBytes(StandardCharsets.UTF_8), "application/json");
        } else if (p.equals("/api/models/hub/xet-model/tree/" + SHA)) {
            String tree = "[{\"type\":\"file\",\"oid\":\"b1\",\"size\":" + BYTES.length + ",\"path\":\"model.safetensors\",\"lfs\":{\"oid\":\""
                    + oid + "\",\"size\":" + BYTES.length + ",\"pointerSize\":134},\"xetHash\":\"feedbeef\"}]";
            send(ex, 200, tree.getBytes(StandardCharsets.UTF_8), "application/json");
        } else if (p.equals("/hub/xet-model/resolve/" + SHA + "/model.safetensors")) {
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blob?signature=x");
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + oid + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", Integer.toString(BYTES.length));
            ex.getResponseHeaders().add("X-Repo-Commit", SHA);
            ex.getResponseHeaders().add("X-Xet-Hash", "feedbeef");
            ex.getResponseHeaders().add("Link", "<http://127.0.0.1/api/models/hub/xet-model/xet-read-token/" + SHA + ">; rel=\"xet-auth\"");
            send(ex, 302, new byte[0], "text/plain");
        } else if (p.equals("/hub/xet-model/resolve/" + SHA + "/gated.bin")) {
            ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
            send(ex, 403, "{\"error\":\"Access to model hub/xet-model is restricted.\"}".getBytes(StandardCharsets.UTF_8), "application/json");
        } else {
            ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            send(ex, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8), "application/json");
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
        ex.close();
    }

    @Test
    void theRedirectIsFollowedWithoutTheTokenAndNoXetOfTheUpstreamsReachesTheClient() throws Exception {
        HttpResponse<byte[]> head = cache.head("/hub/xet-model/resolve/main/model.safetensors");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("X-Xet-Hash")).isEmpty();
        assertThat(head.headers().firstValue("Link")).isEmpty();
        assertThat(head.headers().firstValue("X-Linked-Etag")).contains("\"" + oid + "\"");
        assertThat(head.headers().firstValue("X-Repo-Commit")).contains(SHA);
        HttpResponse<byte[]> get = cache.get("/hub/xet-model/resolve/main/model.safetensors");
        assertThat(Hashes.sha256(get.body())).isEqualTo(oid);
        assertThat(get.headers().firstValue("X-Xet-Hash")).isEmpty();
        assertThat(cdnAuth).as("the CDN never sees the upstream token").isNotEmpty().allMatch(a -> a.equals("null"));
        assertThat(hubAuth).as("the upstream does").contains("Bearer hf_upstreamtoken");
        String tree = new String(cache.get("/api/models/hub/xet-model/tree/main").body(), StandardCharsets.UTF_8);
        assertThat(tree).doesNotContain("xetHash").contains(oid);
        assertThat(JSON.readTree(tree).get(0).path("path").asText()).isEqualTo("model.safetensors");
    }

    @Test
    void tooManyRequestsAndGatedKeepTheirStatusCodeAndRetryAfter() throws Exception {
        HttpResponse<byte[]> busy = cache.get("/api/models/hub/busy");
        assertThat(busy.statusCode()).isEqualTo(429);
        assertThat(busy.headers().firstValue("Retry-After")).contains("7");
        HttpResponse<byte[]> gated = cache.get("/hub/xet-model/resolve/main/gated.bin");
        assertThat(gated.statusCode()).isEqualTo(403);
        assertThat(gated.headers().firstValue("X-Error-Code")).contains("GatedRepo");
        assertThat(new String(gated.body(), StandardCharsets.UTF_8)).contains("restricted");
    }
}
