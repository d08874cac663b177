package dev.forge.http;

import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.RateLimiter;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

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

    FastLane(AnswerMemo memo, AuthService auth, RateLimiter rateLimits, ForgeConfig config) {
        this.memo = memo;
        this.auth = auth;
        this.rateLimits = rateLimits;
        this.config = config;
    }

    /** Answers the request and returns true, or returns false having changed nothing. */
    boolean answer(Request request, Response response, Callback callback) {
        if (!AnswerMemo.eligible(request)) return false;
        boolean head = request.getMethod().equals("HEAD");
        AnswerMemo.Answer a = memo.lookup(request, head);
        if (a == null) return false;
        boolean limited = a.rateLimit() != null && rateLimits.limits(a.rateLimit());
        Actor actor = caller(request, a.anyActor(), limited);
        if (actor == null) return false;
        if (limited) {
            try {
                rateLimits.acquire(actor, a.rateLimit());
            } catch (ForgeException refused) {
                return false; // nothing was charged; the ordinary path answers the 429 with its details
            }
        }
        String id = RootHandler.requestId(request.getHeaders().get("X-Request-Id"));
        request.setAttribute(Exchange.REQUEST_ID_ATTRIBUTE, id);
        response.setStatus(a.status());
        HttpFields.Mutable headers = response.getHeaders();
        headers.put("X-Request-Id", id);
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
     * The caller, when it can be told from memory: anonymous, or (for answers anyone gets) a recently live token. Its
     * address is looked up only when something will read it (the rate limiter, the failed-authentication throttle).
     */
    private Actor caller(Request request, boolean anyActor, boolean limited) {
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            // an anonymous caller's address matters only to the rate limiter
            return Actor.anonymous(limited ? Exchange.clientAddress(request, config) : "");
        }
        if (!anyActor) return null;
        String address = Exchange.clientAddress(request, config);
        Optional<String> secret;
        try {
            secret = Exchange.presentedToken(authorization);
        } catch (ForgeException malformed) {
            return null;
        }
        return secret.flatMap(s -> auth.recentlyLive(s, address)).orElse(null);
    }
}
