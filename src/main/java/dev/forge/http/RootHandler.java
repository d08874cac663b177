package dev.forge.http;

import dev.forge.http.exchange.BodyBudget;
import dev.forge.http.exchange.Cors;
import dev.forge.http.exchange.Errors;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.git.GitGate;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.ForgeConfig;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.RateLimiter;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.HexFormat;
import java.util.List;

/**
 * The entry point of every request: gives it a request id, matches the route table, and hands git
 * smart HTTP to the servlet context once {@link GitGate} admitted it. Everything thrown becomes a Hub
 * error response in {@link Errors}.
 *
 * <p>Threads: Jetty calls this handler on the thread that read the request (it declares itself non-blocking). What the
 * {@link FastLane} can answer from memory is answered there and then; every other request is handed to
 * {@code blocking} (virtual threads), where handlers may read databases, git, the store and request bodies.
 */
final class RootHandler extends Handler.Wrapper {

    private final ForgeConfig config;
    private final AuthService auth;
    private final RateLimiter rateLimits;
    private final Routes routes;
    private final GitGate git;
    private final BodyBudget budget;
    private final AnswerMemo memo;
    private final FastLane lane;
    private final LaneConnection.Factory lanes;
    private final java.util.concurrent.Executor blocking;

    RootHandler(ForgeConfig config, AuthService auth, RateLimiter rateLimits, Routes routes, GitGate git, BodyBudget budget,
                AnswerMemo memo, FastLane lane, LaneConnection.Factory lanes, java.util.concurrent.Executor blocking) {
        super(git.context());
        this.lanes = lanes;
        this.budget = budget;
        this.memo = memo;
        this.lane = lane;
        this.blocking = blocking;
        this.config = config;
        this.auth = auth;
        this.rateLimits = rateLimits;
        this.routes = routes;
        this.git = git;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        LaneConnection.returnAfter(request, lanes);
        if (lane.answer(request, response, callback)) return true;
        try {
            blocking.execute(() -> handleBlocking(request, response, callback));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        return true;
    }

    private void handleBlocking(Request request, Response response, Callback callback) {
        try {
            if (!route(request, response, callback)) Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        } catch (Throwable t) {
            // route() answers what it throws itself; this is git's servlet context failing outright
            Response.writeError(request, response, callback, t);
        }
    }

    private boolean route(Request request, Response response, Callback callback) throws Exception {
        String id = requestId(request.getHeaders().get("X-Request-Id"));
        request.setAttribute(Exchange.REQUEST_ID_ATTRIBUTE, id);
        response.getHeaders().put("X-Request-Id", id);
        Exchange ex = null;
        boolean lfsStyle = false;
        boolean page = false;
        try {
            ex = new Exchange(request, response, callback, config, auth, budget, id);
            Cors.apply(ex);
            if (ex.method().equals("OPTIONS")) {
                Cors.preflight(ex);
                return true;
            }
            Routes.Route route = routes.match(ex);
            if (route != null) {
                lfsStyle = route.lfsStyle();
                page = route.kind() == Routes.Kind.PAGE;
                if (page) routes.web().pages().begin(ex);
                RateLimiter.Kind limit = rateLimitOf(route);
                if (limit != null) rateLimits.acquire(ex.actor(), limit);
                if (!page) ex.useMemo(memo, limit);
                route.handler().handle(ex);
                return true;
            }
            GitGate.Target target = GitGate.parse(ex);
            if (target != null) {
                Repo repo = git.admit(ex, target);
                request.setAttribute(GitGate.REPO_ATTRIBUTE, repo);
                request.setAttribute(GitGate.ACTOR_ATTRIBUTE, ex.actor());
                return super.handle(request, response, callback);
            }
            if (wantsPage(ex)) {
                routes.web().pages().begin(ex);
                page = true;
            }
            java.util.Set<String> allowed = routes.allowedMethods(ex);
            if (!allowed.isEmpty()) {
                throw new ForgeException(ErrorKind.METHOD_NOT_ALLOWED, "Method " + ex.method() + " not allowed here",
                        new ErrorDetail.Allow(List.copyOf(allowed)));
            }
            throw new ForgeException(ErrorKind.NOT_FOUND, "Not found");
        } catch (Throwable t) {
            if (ex == null) ex = Exchange.bare(request, response, callback, config, auth, budget, id);
            if (page) Errors.writePage(ex, t, routes.web().pages()::errorPage);
            else Errors.write(ex, t, lfsStyle);
            return true;
        }
    }

    /**
     * A request nothing routes that a browser made for a page (GET or HEAD, accepting HTML, not under {@code /api}): its
     * "not found" is a page too, not JSON.
     */
    private static boolean wantsPage(Exchange ex) {
        String accept = ex.header("Accept");
        return (ex.method().equals("GET") || ex.isHead()) && accept != null && accept.contains("text/html")
                && (ex.segments().isEmpty() || !ex.segments().getFirst().equals("api"));
    }

    /**
     * API calls, pages and file downloads are rate limited (pages from the API's bucket); LFS transfers (already granted
     * by a batch call), the pages' static files and git are not.
     */
    private static RateLimiter.Kind rateLimitOf(Routes.Route route) {
        if (route.kind() == Routes.Kind.PAGE) {
            return route.pattern().length > 0 && route.pattern()[0].equals("static") ? null : RateLimiter.Kind.API;
        }
        String first = route.pattern()[0];
        if (first.equals("api")) return RateLimiter.Kind.API;
        return route.pattern().length > 2 && (route.pattern()[2].equals("resolve") || route.pattern()[2].equals("raw"))
                ? RateLimiter.Kind.RESOLVE : null;
    }

    static String requestId(String given) {
        if (given != null && given.length() <= 64 && given.matches("[A-Za-z0-9._:-]+")) return given;
        // a request id only needs to be unique enough to find log lines, not unpredictable
        return HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong());
    }
}
