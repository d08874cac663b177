package dev.forge.service.cache;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig.Upstream;
import dev.forge.core.ForgeException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks one Hub-compatible upstream over HTTP with the JDK client. Redirects are followed here, not by the client: the
 * token goes only to the upstream's own host (the Hub sends file bytes from a CDN whose signed URLs refuse a second
 * credential), and the headers of the first answer (the Hub's {@code X-Linked-Etag} on its redirect) are kept.
 * Thread-safe.
 */
final class UpstreamClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;
    private final HttpClient http;

    UpstreamClient() {
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The upstream could not be reached, or answered with a server error: what is cached may be served instead. */
    static final class Unreachable extends IOException {
        Unreachable(String message, Throwable cause) { super(message, cause); }
    }

    /** An answer: its status, the headers of the first hop and of the last, and the body. */
    record Reply<T>(int status, HttpHeaders first, HttpHeaders last, T body) {
        String header(String name) {
            return last.firstValue(name).or(() -> first.firstValue(name)).orElse(null);
        }
    }

    Reply<byte[]> get(Upstream u, String path) throws Unreachable {
        return send(u, path, null, null, HttpResponse.BodyHandlers.ofByteArray());
    }

    Reply<byte[]> post(Upstream u, String path, byte[] body, String contentType) throws Unreachable {
        return send(u, path, body, contentType, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A GET whose body is read as it arrives; the caller closes it. */
    Reply<InputStream> open(Upstream u, String path) throws Unreachable {
        return send(u, path, null, null, HttpResponse.BodyHandlers.ofInputStream());
    }

    private <T> Reply<T> send(Upstream u, String path, byte[] body, String contentType, HttpResponse.BodyHandler<T> handler)
            throws Unreachable {
        URI uri = URI.create(u.url() + path);
        HttpHeaders first = null;
        try {
            for (int hop = 0; ; hop++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).header("User-Agent", "forge-cache/1");
                if (!u.token().isEmpty() && sameOrigin(uri, u.url())) b.header("Authorization", "Bearer " + u.token());
                if (body != null) b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
                else b.GET();
                HttpResponse<T> r = http.send(b.build(), handler);
                if (first == null) first = r.headers();
                int s = r.statusCode();
                Optional<String> location = r.headers().firstValue("Location");
                if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && location.isPresent() && hop < MAX_REDIRECTS) {
                    if (r.body() instanceof InputStream in) in.close();
                    uri = uri.resolve(location.get());
                    if (s == 303) body = null;
                    continue;
                }
                if (s >= 500) {
                    if (r.body() instanceof InputStream in) in.close();
                    throw new Unreachable("the upstream " + u.url() + " answered " + s, null);
                }
                return new Reply<>(s, first, r.headers(), r.body());
            }
        } catch (Unreachable e) {
            throw e;
        } catch (IOException e) {
            throw new Unreachable("the upstream " + u.url() + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
    }

    /**
     * The upstream's refusal as this forge's error with the same status and Hub error code ({@code RepoNotFound},
     * {@code GatedRepo}, {@code RevisionNotFound}, {@code EntryNotFound}, 429 with its {@code Retry-After}), and its message.
     */
    static ForgeException error(Reply<?> r, byte[] body) {
        String code = r.header("X-Error-Code");
        String message = r.header("X-Error-Message");
        if (message == null && body != null && body.length > 0) {
            try {
                JsonNode n = JSON.readTree(body);
                if (n.hasNonNull("error")) message = n.get("error").asText();
            } catch (IOException | RuntimeException ignored) {
                // not JSON: the status says enough
            }
        }
        if (message == null) message = "The upstream answered " + r.status();
        ErrorKind kind = kindOf(r.status(), code);
        ErrorDetail detail = null;
        if (kind == ErrorKind.TOO_MANY_REQUESTS) {
            long after = 1;
            try {
                after = Long.parseLong(Optional.ofNullable(r.header("Retry-After")).orElse("1").trim());
            } catch (NumberFormatException ignored) {
                // an HTTP date: one second is a safe answer
            }
            detail = new ErrorDetail.RetryAfter(Math.max(0, after));
        } else if (kind == ErrorKind.ENTRY_NOT_FOUND && r.header("X-Repo-Commit") != null) {
            detail = new ErrorDetail.RepoCommit(r.header("X-Repo-Commit"));
        } else if (kind == ErrorKind.UNAUTHORIZED || kind == ErrorKind.REPO_NOT_FOUND_ANONYMOUS || kind == ErrorKind.GATED_ANONYMOUS) {
            detail = ErrorDetail.Challenge.HUB;
        }
        return new ForgeException(kind, "Upstream: " + message, detail);
    }

    /** The error kind of the same status and code, or of the same status, or 503 when the status is not one Forge answers. */
    static ErrorKind kindOf(int status, String code) {
        ErrorKind byStatus = null;
        for (ErrorKind k : ErrorKind.values()) {
            if (k.status() != status || k == ErrorKind.MOVED) continue;
            if (code != null && k.hubCode().filter(code::equals).isPresent()) return k;
            if (byStatus == null && k.hubCode().isEmpty()) byStatus = k;
        }
        return byStatus != null ? byStatus : ErrorKind.UNAVAILABLE;
    }
}
