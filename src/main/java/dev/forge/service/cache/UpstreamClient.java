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

    /** Where a 200 answer's body goes, buffer by buffer, on the client's thread as it arrives. */
    interface Sink {
        void write(java.nio.ByteBuffer b) throws IOException;
    }

    /**
     * A GET whose 200 body goes to the sink {@code onOk} makes from the first hop's headers and the answer's (called
     * before the first byte); any other answer's body is read whole into the reply. Returns once the body is in.
     */
    Reply<byte[]> download(Upstream u, String path, java.util.function.BiFunction<HttpHeaders, HttpResponse.ResponseInfo, Sink> onOk)
            throws Unreachable {
        return sendHops(u, path, null, null, first -> info -> {
            if (info.statusCode() != 200) return HttpResponse.BodySubscribers.ofByteArray();
            Sink sink = onOk.apply(first == null ? info.headers() : first, info);
            HttpResponse.BodySubscriber<byte[]> written = HttpResponse.BodySubscribers.fromSubscriber(new SinkSubscriber(sink), s -> {
                if (s.failure != null) throw new java.io.UncheckedIOException(s.failure);
                return new byte[0];
            });
            return written;
        });
    }

    /** Writes each buffer to the sink; the first failure cancels the transfer. */
    private static final class SinkSubscriber implements java.util.concurrent.Flow.Subscriber<java.util.List<java.nio.ByteBuffer>> {
        private final Sink sink;
        private java.util.concurrent.Flow.Subscription subscription;
        volatile IOException failure;

        SinkSubscriber(Sink sink) { this.sink = sink; }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(java.util.List<java.nio.ByteBuffer> buffers) {
            try {
                for (java.nio.ByteBuffer b : buffers) sink.write(b);
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                subscription.cancel();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (failure == null) failure = t instanceof IOException io ? io : new IOException(t.getMessage(), t);
        }

        @Override
        public void onComplete() {}
    }

    private <T> Reply<T> send(Upstream u, String path, byte[] body, String contentType, HttpResponse.BodyHandler<T> handler)
            throws Unreachable {
        return sendHops(u, path, body, contentType, first -> handler);
    }

    private <T> Reply<T> sendHops(Upstream u, String path, byte[] body, String contentType,
                              java.util.function.Function<HttpHeaders, HttpResponse.BodyHandler<T>> handlers) throws Unreachable {
        URI uri = URI.create(u.url() + path);
        HttpHeaders first = null;
        try {
            for (int hop = 0; ; hop++) {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).header("User-Agent", "forge-cache/1");
                if (!u.token().isEmpty() && sameOrigin(uri, u.url())) b.header("Authorization", "Bearer " + u.token());
                if (body != null) b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
                else b.GET();
                HttpResponse<T> r = http.send(b.build(), handlers.apply(first));
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
        } catch (IOException | RuntimeException e) {
            // a refusal made while the answer's headers were read (the gate's) is the caller's answer, not an outage
            for (Throwable c = e; c != null; c = c.getCause()) if (c instanceof ForgeException fe) throw fe;
            if (e instanceof RuntimeException r) throw r;
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
