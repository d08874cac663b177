package dev.forge.http;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps every failure to the Hub's error shape, in one place: status, {@code X-Error-Code},
 * {@code X-Error-Message}, a {@code {"error": …}} body and the request id. Unexpected failures are
 * logged once, with the request id, and answered with a generic 500; client disconnects at debug.
 */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {}

    static void write(Exchange ex, Throwable t, boolean lfsStyle) {
        if (isDisconnect(t)) {
            log.debug("client went away: {} {}", ex.method(), ex.request.getHttpURI().getPath());
            ex.callback.failed(t);
            return;
        }
        ForgeException fe;
        if (t instanceof ForgeException f) {
            fe = f;
        } else if (t instanceof org.eclipse.jetty.http.BadMessageException b) {
            fe = new ForgeException(ErrorKind.BAD_REQUEST, b.getMessage() == null ? "Bad request" : b.getMessage());
        } else {
            log.error("request {} failed: {} {}", ex.requestId(), ex.method(), ex.request.getHttpURI().getPath(), t);
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
        settleUnreadBody(ex);
        ex.response.setStatus(kind.status());
        var headers = ex.response.getHeaders();
        headers.put("X-Request-Id", ex.requestId());
        Cors.apply(ex);
        kind.hubCode().ifPresent(code -> headers.put("X-Error-Code", code));
        headers.put("X-Error-Message", headerSafe(fe.getMessage()));
        fe.repoCommit().ifPresent(c -> headers.put("X-Repo-Commit", c));
        fe.headers().forEach((k, v) -> {
            if (k.equals(dev.forge.service.RepoService.MOVED_TO_HEADER)) {
                headers.put("Location", movedLocation(ex, v));
            } else {
                headers.put(k, v);
            }
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", fe.getMessage());
        if (lfsStyle) {
            body.put("message", fe.getMessage());
            body.put("request_id", ex.requestId());
        }
        byte[] bytes;
        try {
            bytes = Exchange.JSON.writeValueAsBytes(body);
        } catch (Exception e) {
            bytes = "{\"error\":\"error\"}".getBytes(StandardCharsets.UTF_8);
        }
        headers.put(HttpHeader.CONTENT_TYPE, lfsStyle ? "application/vnd.git-lfs+json" : "application/json");
        headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (ex.isHead()) ex.callback.succeeded();
        else ex.response.write(true, ByteBuffer.wrap(bytes), ex.callback);
    }

    /** The request's own path and query with the old {@code ns/name} replaced by the new one: a relative redirect. */
    static String movedLocation(Exchange ex, String newId) {
        String raw = ex.request.getHttpURI().getPath();
        String old = ex.var("ns") + "/" + ex.var("name");
        if (ex.var("ns") == null) return raw;
        if (old.endsWith(".git")) old = old.substring(0, old.length() - 4);
        String moved = raw.replaceFirst("(?i)/" + java.util.regex.Pattern.quote(old) + "(?=/|\\.git|$)",
                java.util.regex.Matcher.quoteReplacement("/" + newId));
        String q = ex.request.getHttpURI().getQuery();
        return q == null ? moved : moved + "?" + q;
    }

    /**
     * An error is often answered before the request body was read. Jetty would then close the connection
     * after the response without saying so, and a client reusing it fails on its next request. So a small
     * unread body is drained, and for a large or unknown one the response says {@code Connection: close}.
     */
    private static void settleUnreadBody(Exchange ex) {
        long length = ex.request.getLength();
        boolean chunked = ex.request.getHeaders().contains(org.eclipse.jetty.http.HttpHeader.TRANSFER_ENCODING);
        if (length == 0 || (length < 0 && !chunked)) return;
        if (length > 0 && length <= 256 * 1024) {
            try (java.io.InputStream in = ex.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
                return;
            } catch (Exception e) {
                // fall through: close the connection instead
            }
        }
        ex.response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
    }

    /** Header values must be one line of visible ASCII. */
    static String headerSafe(String s) {
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
