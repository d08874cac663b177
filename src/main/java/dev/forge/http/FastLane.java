package dev.forge.http;

import dev.forge.core.ByteRange;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.RateLimiter;
import dev.forge.service.discovery.PopularityService;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

import java.io.IOException;
import java.util.Optional;

/**
 * Answers a request from the {@link AnswerMemo} on the thread that read it (the connection's selector), or declines.
 * A fleet's downloads are mostly the same few HEADs and small GETs again and again; handing each to another thread cost
 * more than answering it (a wake-up per request, and under load a queue that made p99 seconds long).
 *
 * <p>Only memory is touched here, so a slow database or disk can never stall the connections the selector serves: the
 * memo, the repository's ref generation, the token of a caller seen live in the last seconds
 * ({@link AuthService#recentlyLive}) and the rate limiter's buckets. Anything else — no answer held, a caller whose
 * token must be looked up, a request the memo cannot answer, a rate limit reached — is declined and takes the ordinary
 * path, which decides and answers it in full (errors included). Thread-safe.
 */
final class FastLane {
    private final AnswerMemo memo;
    private final AuthService auth;
    private final RateLimiter rateLimits;
    private final ForgeConfig config;

    private final java.util.concurrent.Executor blocking;

    /** @param blocking where a range's body goes on after its first chunk (the ordinary path's executor) */
    FastLane(AnswerMemo memo, AuthService auth, RateLimiter rateLimits, ForgeConfig config, java.util.concurrent.Executor blocking) {
        this.blocking = blocking;
        this.memo = memo;
        this.auth = auth;
        this.rateLimits = rateLimits;
        this.config = config;
    }

    /** Answers the request and returns true, or returns false having changed nothing. */
    boolean answer(Request request, Response response, Callback callback) {
        switch (AnswerMemo.use(request)) {
            case NONE -> { return false; }
            case RANGE -> { return answerRange(request, response, callback, request.getHeaders().get(HttpHeader.RANGE)); }
            case WHOLE -> { }
        }
        boolean head = request.getMethod().equals("HEAD");
        AnswerMemo.Answer a = memo.lookup(request, head);
        if (a == null || !admit(request, a)) return false;
        response.setStatus(a.status());
        HttpFields.Mutable headers = begin(request, response);
        for (HttpField f : a.fields()) headers.add(f);
        memo.countServed();
        if (head) {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        } else {
            if (a.onGet() != null) a.onGet().run();
            response.write(true, a.body().duplicate(), callback);
        }
        return true;
    }

    /**
     * Answers a single range of a file's answer, as the ordinary path would (206, the whole answer's headers with
     * {@code Content-Range} and the range's {@code Content-Length}), or returns false having changed nothing: no answer
     * held for the URL, no way to read its bytes, or a {@code Range} the ordinary path must judge (malformed, several
     * ranges, not satisfiable). The bytes are opened here (a local store: a file opened, a small record read); the first
     * chunk is written from here and the rest from the pool ({@link #send}).
     */
    private boolean answerRange(Request request, Response response, Callback callback, String rangeHeader) {
        AnswerMemo.Answer a = memo.lookupWhole(request);
        if (a == null) return false;
        long size = a.contentLength();
        ByteRange range;
        try {
            range = size <= 0 ? null : ByteRange.parse(rangeHeader, size).orElse(null);
        } catch (ForgeException unsatisfiable) {
            range = null;
        }
        if (range == null || a.body() != null && a.body().remaining() != size) return false;
        Content.Source body = null;
        if (a.body() == null) {
            try {
                body = a.bytes().open(range.first(), range.length());
            } catch (IOException | RuntimeException notReadable) {
                return false; // the ordinary path reads it again and answers what went wrong
            }
        }
        if (!admit(request, a)) {
            if (body != null) body.fail(new IOException("not answered from the memo"));
            return false;
        }
        response.setStatus(206);
        HttpFields.Mutable headers = begin(request, response);
        // the ordinary answer's order: the file's headers, then the range's (Content-Range, Content-Length)
        for (HttpField f : a.fields()) if (f.getHeader() != HttpHeader.CONTENT_LENGTH) headers.add(f);
        headers.add(HttpHeader.CONTENT_RANGE, range.contentRange());
        headers.put(HttpHeader.CONTENT_LENGTH, range.length());
        memo.countServed();
        if (a.onGet() != null && PopularityService.DownloadRule.countsRange(rangeHeader)) a.onGet().run();
        if (body == null) {
            java.nio.ByteBuffer part = a.body().slice(); // positions from the body's first byte
            part.position((int) range.first()).limit((int) (range.first() + range.length()));
            response.write(true, part, callback);
        } else {
            send(response, body, callback);
        }
        return true;
    }

    /**
     * Writes the body's first chunk from here (it goes out with the headers), and hands the rest to the pool: a large
     * range must not keep the selector, which serves every other connection, copying for as long as the client keeps
     * up (the copy's own completions are declared blocking, as in {@code Exchange#stream}).
     */
    private void send(Response response, Content.Source body, Callback callback) {
        Callback rest = Callback.from(Invocable.InvocationType.BLOCKING, callback::succeeded, callback::failed);
        Content.Chunk first = body.read();
        if (first == null) { // stored bodies are read blocking and never answer "not yet"; should one, the pool waits
            copyOnPool(body, response, rest);
            return;
        }
        if (Content.Chunk.isFailure(first)) {
            body.fail(first.getFailure());
            callback.failed(first.getFailure());
            return;
        }
        boolean last = first.isLast();
        response.write(last, first.getByteBuffer(), Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
            first.release();
            if (last) callback.succeeded();
            else copyOnPool(body, response, rest);
        }, failure -> {
            first.release();
            body.fail(failure);
            callback.failed(failure);
        }));
    }

    private void copyOnPool(Content.Source body, Response response, Callback callback) {
        try {
            blocking.execute(() -> Content.copy(body, response, callback));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            body.fail(stopping);
            callback.failed(stopping);
        }
    }

    /** Whether the caller may be answered {@code a} from here, charging its rate limit if so. */
    private boolean admit(Request request, AnswerMemo.Answer a) {
        return admit(a, request.getHeaders().get(HttpHeader.AUTHORIZATION), () -> Exchange.clientAddress(request, config));
    }

    /**
     * Whether a caller presenting {@code authorization} (null if none) from {@code address} (asked only when something
     * reads it) may be answered {@code a} from here, charging its rate limit if so.
     */
    boolean admit(AnswerMemo.Answer a, String authorization, java.util.function.Supplier<String> address) {
        boolean limited = a.rateLimit() != null && rateLimits.limits(a.rateLimit());
        Actor actor = caller(authorization, address, a.anyActor(), limited);
        if (actor == null) return false;
        if (limited) {
            try {
                rateLimits.acquire(actor, a.rateLimit());
            } catch (ForgeException refused) {
                return false; // nothing was charged; the ordinary path answers the 429 with its details
            }
        }
        return true;
    }

    /** The request id, given or made, on the request and the response; returns the response's headers. */
    private static HttpFields.Mutable begin(Request request, Response response) {
        String id = RootHandler.requestId(request.getHeaders().get("X-Request-Id"));
        request.setAttribute(Exchange.REQUEST_ID_ATTRIBUTE, id);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put("X-Request-Id", id);
        return headers;
    }

    /**
     * The caller, when it can be told from memory: anonymous, or (for answers anyone gets) a recently live token. Its
     * address is looked up only when something will read it (the rate limiter, the failed-authentication throttle).
     */
    private Actor caller(String authorization, java.util.function.Supplier<String> address, boolean anyActor, boolean limited) {
        if (authorization == null || authorization.isBlank()) {
            // an anonymous caller's address matters only to the rate limiter
            return Actor.anonymous(limited ? address.get() : "");
        }
        if (!anyActor) return null;
        Optional<String> secret;
        try {
            secret = Exchange.presentedToken(authorization);
        } catch (ForgeException malformed) {
            return null;
        }
        String from = address.get();
        return secret.flatMap(t -> auth.recentlyLive(t, from)).orElse(null);
    }

    AnswerMemo memo() { return memo; }

    ForgeConfig config() { return config; }
}
