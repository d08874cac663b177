package dev.forge.http.exchange;

import dev.forge.service.account.Secrets;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Maps every failure to the Hub's error shape, in one place: status, {@code X-Error-Code},
 * {@code X-Error-Message}, a {@code {"error": …}} body and the request id. Unexpected failures are
 * logged once, with the request id, and answered with a generic 500; client disconnects at debug.
 */
public final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    /** An unread body up to this size is read before the error is answered, keeping the connection. */
    private static final long DRAIN_BEFORE_LIMIT = 256 * 1024;
    /** After an error answer, at most this much of a body is read and dropped before the connection closes. */
    private static final long DRAIN_AFTER_LIMIT = 1L << 30;

    private Errors() {}

    /**
     * The body of an error answered to a browser: an HTML page for the status and message (already safe to show:
     * redacted, and escaped by the page). Pages get no {@code WWW-Authenticate}, so a browser never pops up a login
     * dialog for a private repository.
     */
    @FunctionalInterface
    public interface ErrorPage {
        byte[] render(Exchange ex, int status, String message);
    }

    public static void write(Exchange ex, Throwable t, boolean lfsStyle) {
        write(ex, t, lfsStyle, null);
    }

    /** The same mapping as {@link #write(Exchange, Throwable, boolean)}, answered with the page {@code page} renders. */
    public static void writePage(Exchange ex, Throwable t, ErrorPage page) {
        write(ex, t, false, page);
    }

    private static void write(Exchange ex, Throwable t, boolean lfsStyle, ErrorPage page) {
        if (isDisconnect(t)) {
            log.debug("client went away: {} {}", ex.method(), loggablePath(ex.request.getHttpURI().getPath()));
            ex.callback.failed(t);
            return;
        }
        ForgeException fe;
        if (t instanceof ForgeException f) {
            fe = f;
        } else if (t instanceof org.eclipse.jetty.http.BadMessageException b) {
            fe = new ForgeException(ErrorKind.BAD_REQUEST, b.getMessage() == null ? "Bad request" : b.getMessage());
        } else {
            log.error("request {} failed: {} {}", ex.requestId(), ex.method(), loggablePath(ex.request.getHttpURI().getPath()), t);
            fe = new ForgeException(ErrorKind.INTERNAL, "Internal error (request id " + ex.requestId() + ")");
        }
        if (ex.response.isCommitted()) {
            ex.callback.failed(t);
            return;
        }
        try {
            ex.response.reset();
        } catch (IllegalStateException ignored) {
            // already reset
        }
        ErrorKind kind = fe.kind();
        boolean drainAfter = !settleUnreadBody(ex);
        ex.response.setStatus(kind.status());
        var headers = ex.response.getHeaders();
        headers.put("X-Request-Id", ex.requestId());
        Cors.apply(ex);
        kind.hubCode().ifPresent(code -> headers.put("X-Error-Code", code));
        String message = dev.forge.service.account.Secrets.redact(fe.getMessage()); // messages echo input; a pasted token must not come back
        headers.put("X-Error-Message", headerSafe(message));
        fe.detail().filter(d -> page == null || !(d instanceof ErrorDetail.Challenge)).ifPresent(d -> render(ex, d));
        if (page != null) {
            byte[] html;
            try {
                html = page.render(ex, kind.status(), message);
            } catch (RuntimeException e) {
                log.error("request {}: the error page failed", ex.requestId(), e);
                html = ("<!doctype html><title>Error</title><p>Error " + kind.status() + "</p>").getBytes(StandardCharsets.UTF_8);
            }
            headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            headers.put(HttpHeader.CONTENT_LENGTH, html.length);
            if (ex.isHead()) ex.callback.succeeded();
            else if (drainAfter) writeThenDrain(ex, html);
            else ex.response.write(true, ByteBuffer.wrap(html), ex.callback);
            return;
        }
        Object body = lfsStyle ? new LfsErrorBody(message, message, ex.requestId()) : new ErrorBody(message);
        byte[] bytes;
        try {
            bytes = Exchange.JSON.writeValueAsBytes(body);
        } catch (Exception e) {
            bytes = "{\"error\":\"error\"}".getBytes(StandardCharsets.UTF_8);
        }
        headers.put(HttpHeader.CONTENT_TYPE, lfsStyle ? "application/vnd.git-lfs+json" : "application/json");
        headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (ex.isHead()) {
            ex.callback.succeeded();
        } else if (drainAfter) {
            writeThenDrain(ex, bytes);
        } else {
            ex.response.write(true, ByteBuffer.wrap(bytes), ex.callback);
        }
    }

    /** The Hub's error body. */
    record ErrorBody(String error) {}

    /** The error body git-lfs reads ({@code message}), with the Hub's {@code error} and the request id. */
    record LfsErrorBody(String error, String message, @JsonProperty("request_id") String requestId) {}

    /** The headers that say what an error's detail says. */
    private static void render(Exchange ex, ErrorDetail detail) {
        var headers = ex.response.getHeaders();
        switch (detail) {
            case ErrorDetail.Challenge c -> {
                switch (c) {
                    case HUB -> headers.put("WWW-Authenticate", "Basic realm=\"Forge\", Bearer");
                    case GIT -> headers.put("WWW-Authenticate", "Basic realm=\"Forge\"");
                    case GIT_LFS -> {
                        // git-lfs asks for credentials on a 401 that carries LFS-Authenticate
                        headers.put("WWW-Authenticate", "Basic realm=\"Forge\"");
                        headers.put("LFS-Authenticate", "Basic realm=\"Forge\"");
                    }
                }
            }
            case ErrorDetail.RetryAfter r -> headers.put("Retry-After", Long.toString(r.seconds()));
            case ErrorDetail.RateLimited r -> {
                headers.put("Retry-After", Long.toString(r.retryAfterSeconds()));
                headers.put("RateLimit", "\"" + r.policy() + "\";r=0;t=" + r.retryAfterSeconds());
                headers.put("RateLimit-Policy", "\"fixed window\";\"" + r.policy() + "\";q=" + r.perMinute() + ";w=60");
            }
            case ErrorDetail.Moved m -> headers.put("Location", movedLocation(ex, m.to().toString()));
            case ErrorDetail.RepoCommit c -> headers.put("X-Repo-Commit", c.commit());
            case ErrorDetail.UnsatisfiableRange r -> headers.put("Content-Range", "bytes */" + r.size());
            case ErrorDetail.AirlockRule r -> headers.put("X-Airlock-Rule", headerSafe(r.rule()));
            case ErrorDetail.Allow a -> headers.put("Allow", String.join(", ", a.methods()));
        }
    }

    /**
     * A lingering close: the response goes out first, then the body the client is still sending is read and
     * dropped (up to a bound), so the connection is not reset under the client before it has read the answer.
     */
    private static void writeThenDrain(Exchange ex, byte[] bytes) {
        try {
            Callback.Completable written = new Callback.Completable();
            ex.response.write(true, ByteBuffer.wrap(bytes), written);
            written.get();
            try (java.io.InputStream in = ex.body()) {
                byte[] buf = new byte[64 * 1024];
                long left = DRAIN_AFTER_LIMIT;
                for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0; ) left -= n;
            }
            ex.callback.succeeded();
        } catch (Exception e) {
            log.debug("error response or its drain ended early: {}", e.toString());
            ex.callback.failed(e);
        }
    }

    /**
     * A request path as logs may show it: token-shaped parts redacted, also when they were percent-encoded (a token
     * pasted into a URL by mistake, or sent there on purpose to plant it in the logs).
     */
    public static String loggablePath(String raw) {
        if (raw == null) return "";
        String redacted = dev.forge.service.account.Secrets.redact(raw);
        if (raw.indexOf('%') < 0) return redacted;
        try {
            String decoded = String.join("/", Exchange.decodeSegments(raw));
            return dev.forge.service.account.Secrets.looksLikeToken(decoded) ? "/" + dev.forge.service.account.Secrets.redact(decoded) : redacted;
        } catch (RuntimeException e) {
            return redacted;
        }
    }

    /** The request's own path and query with the old {@code ns/name} replaced by the new one: a relative redirect. */
    public static String movedLocation(Exchange ex, String newId) {
        String raw = ex.request.getHttpURI().getPath();
        String q0 = ex.request.getHttpURI().getQuery();
        if (ex.var("ns") == null) return q0 == null ? raw : raw + "?" + q0;
        String old = ex.var("ns") + "/" + ex.var("name");
        if (old.endsWith(".git")) old = old.substring(0, old.length() - 4);
        String moved = raw.replaceFirst("(?i)/" + java.util.regex.Pattern.quote(old) + "(?=/|\\.git|$)",
                java.util.regex.Matcher.quoteReplacement("/" + newId));
        String q = ex.request.getHttpURI().getQuery();
        return q == null ? moved : moved + "?" + q;
    }

    /**
     * An error is often answered before the request body was read. Jetty would then close the connection
     * after the response without saying so, and a client reusing it fails on its next request. So a small
     * unread body is drained first; a large or unknown one gets {@code Connection: close} and is drained after
     * the response (see {@link #writeThenDrain}). Returns whether the body is settled before the response.
     */
    private static boolean settleUnreadBody(Exchange ex) {
        if (ex.bodyAbandoned) {
            // refused for the budget or for being too slow: reading the rest is exactly what must not happen
            ex.response.getHeaders().put(HttpHeader.CONNECTION, "close");
            return true;
        }
        long length = ex.request.getLength();
        var headers = ex.request.getHeaders();
        boolean chunked = headers.contains(HttpHeader.TRANSFER_ENCODING);
        if (length == 0 || (length < 0 && !chunked)) return true;
        ex.response.getHeaders().put(HttpHeader.CONNECTION, "close");
        // a client waiting for 100 Continue sends nothing more once it has the answer
        if (headers.contains(HttpHeader.EXPECT, "100-continue")) return true;
        if (length > 0 && length <= DRAIN_BEFORE_LIMIT) {
            try (java.io.InputStream in = ex.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                ex.response.getHeaders().remove(HttpHeader.CONNECTION);
                return true;
            } catch (Exception e) {
                return true; // the client went away or sent less than it announced: just close
            }
        }
        return false;
    }

    /** Header values must be one line of visible ASCII. */
    public static String headerSafe(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && b.length() < 300; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private static boolean isDisconnect(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EofException || c instanceof java.nio.channels.ClosedChannelException) return true;
            if (c instanceof UncheckedIOException && c.getCause() instanceof EofException) return true;
        }
        return false;
    }
}
