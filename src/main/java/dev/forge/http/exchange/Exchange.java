package dev.forge.http.exchange;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request and its response, as the handlers see it: decoded path segments, route variables, query
 * parameters (repeated keys and {@code key[]} kept), the authenticated actor, and ways to answer. Path
 * segments are split on the raw path and percent-decoded once each, so {@code refs%2Fpr%2F1} stays one
 * segment. Not thread-safe: it belongs to the request's thread.
 */
public final class Exchange {
    /** The one JSON mapper of the HTTP layer. */
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String REQUEST_ID_ATTRIBUTE = "forge.requestId";

    final Request request;
    final Response response;
    final Callback callback;
    private final ForgeConfig config;
    private final AuthService auth;
    private final BodyBudget budget;
    private final List<String> segments;
    private final Map<String, List<String>> query;
    private final String requestId;
    private Map<String, String> vars = Map.of();
    private List<String> tail = List.of();
    private RepoType repoType = RepoType.MODEL;
    private Actor actor;
    private AnswerMemo memo;
    private dev.forge.service.account.RateLimiter.Kind rateLimit;
    private AnswerMemo.Pending memoizable;
    private long memoChanges;
    private SessionLookup sessions;
    private boolean fromSession;

    /**
     * Finds the actor a browser session cookie stands for: {@code (secret, client address)} → the signed-in actor, or
     * empty for an unknown or expired session (the request is then anonymous).
     */
    @FunctionalInterface
    public interface SessionLookup {
        Optional<Actor> actor(String secret, String address);
    }

    public Exchange(Request request, Response response, Callback callback, ForgeConfig config, AuthService auth, BodyBudget budget,
                    String requestId) {
        this(request, response, callback, config, auth, budget, requestId, decodeSegments(request.getHttpURI().getPath()),
                parseQuery(request.getHttpURI().getQuery()));
    }

    private Exchange(Request request, Response response, Callback callback, ForgeConfig config, AuthService auth, BodyBudget budget,
                     String requestId, List<String> segments, Map<String, List<String>> query) {
        this.budget = budget;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.config = config;
        this.auth = auth;
        this.requestId = requestId;
        this.segments = segments;
        this.query = query;
    }

    /** An exchange for answering a request whose URL could not even be parsed. */
    public static Exchange bare(Request request, Response response, Callback callback, ForgeConfig config, AuthService auth,
                                BodyBudget budget, String requestId) {
        return new Exchange(request, response, callback, config, auth, budget, requestId, List.of(), Map.of());
    }

    /** Binds what the route table matched: the repository type, the route's variables and its trailing segments. */
    public void bindRoute(RepoType type, Map<String, String> variables, List<String> trailing) {
        this.repoType = type;
        this.vars = Map.copyOf(variables);
        this.tail = List.copyOf(trailing);
    }

    /** The memo this exchange's answer may go into, and the rate-limit bucket its route charges (null: none). */
    public void useMemo(AnswerMemo memo, dev.forge.service.account.RateLimiter.Kind rateLimit) {
        this.memo = memo;
        this.rateLimit = rateLimit;
        this.memoChanges = memo.changes();
    }

    /**
     * Declares that this request's answer is the same for every caller allowed to send it (or, without
     * {@code anyActor}, for every anonymous caller), as long as the repository's refs are at {@code refGeneration}
     * and its record unchanged: the {@link AnswerMemo} then keeps it, if the request and the answer qualify (a whole
     * 200 to a plain GET or HEAD). {@code onGet} is what serving it to a GET must still do (count a download).
     */
    public void memoizable(String repoKey, long refGeneration, boolean anyActor, Runnable onGet) {
        memoizable(repoKey, refGeneration, anyActor, onGet, null);
    }

    /**
     * As {@link #memoizable(String, long, boolean, Runnable)}, for a file whose bytes a local store gives ({@code bytes}):
     * the memo then answers ranges of it too, and a ranged GET answered here records the whole answer (its headers with
     * the whole length) for them.
     */
    public void memoizable(String repoKey, long refGeneration, boolean anyActor, Runnable onGet, AnswerMemo.Bytes bytes) {
        if (refGeneration >= 0) memoizable = new AnswerMemo.Pending(repoKey, refGeneration, anyActor, onGet, bytes, false);
    }

    /**
     * As {@link #memoizable(String, long, boolean, Runnable)}, for an answer that also shows the repository's popularity
     * counters (its info): the memo forgets it when they change ({@link AnswerMemo#dropCounters}).
     */
    public void memoizableWithCounters(String repoKey, long refGeneration) {
        if (refGeneration >= 0) memoizable = new AnswerMemo.Pending(repoKey, refGeneration, true, null, null, true);
    }

    private void remember(int status, ByteBuffer body) {
        if (memo == null || memoizable == null || status != 200 || !AnswerMemo.eligible(request)) return;
        if (!memoizable.anyActor() && !actor().isAnonymous()) return;
        memo.record(request, memoChanges, memoizable, rateLimit, status, response.getHeaders(), isHead() ? null : body);
    }

    /**
     * Records the whole answer of a file whose range this GET asks for (its headers, {@code Content-Length} the whole
     * {@code size}), so that the next ranges of it are answered from the memo; called before the range's own headers.
     */
    private void rememberWhole(long size) {
        if (memo == null || memoizable == null || memoizable.bytes() == null || AnswerMemo.use(request) != AnswerMemo.Use.RANGE) return;
        if (!memoizable.anyActor() && !actor().isAnonymous()) return;
        HttpFields.Mutable whole = HttpFields.build(response.getHeaders());
        whole.put(HttpHeader.CONTENT_LENGTH, size);
        memo.record(request, memoChanges, memoizable, rateLimit, 200, whole, null);
    }

    public String method() { return request.getMethod(); }

    public boolean isHead() { return "HEAD".equals(request.getMethod()); }

    public List<String> segments() { return segments; }

    public String var(String name) { return vars.get(name); }

    /** The remaining segments joined with {@code /} (a path inside the repository). */
    public String tailPath() { return String.join("/", tail); }

    public List<String> tailSegments() { return tail; }

    public RepoType repoType() { return repoType; }

    /** {@code {ns}/{name}} from the route. */
    public RepoId repoId() {
        return new RepoId(var("ns"), var("name"));
    }

    /** {@code {ns}/{name}} as git and git-lfs name it: a {@code .git} suffix is allowed and dropped. */
    public RepoId gitRepoId() {
        String name = var("name");
        if (name.endsWith(".git")) name = name.substring(0, name.length() - 4);
        return new RepoId(var("ns"), name);
    }

    public String requestId() { return requestId; }

    public ForgeConfig config() { return config; }

    public String header(String name) { return request.getHeaders().get(name); }

    // ------------------------------------------------------------------------------------------- query

    public Optional<String> param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }

    /** All values of {@code name} and {@code name[]}, as sent (commas kept). */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (String key : List.of(name, name + "[]")) out.addAll(query.getOrDefault(key, List.of()));
        return out;
    }

    /** All values of {@code name} and {@code name[]}, comma-separated values split. */
    public List<String> params(String name) {
        List<String> out = new ArrayList<>();
        for (String key : List.of(name, name + "[]")) {
            for (String v : query.getOrDefault(key, List.of())) {
                for (String part : v.split(",")) if (!part.isBlank()) out.add(part.trim());
            }
        }
        return out;
    }

    /** Booleans as clients send them: {@code true}/{@code True}/{@code 1}. */
    public boolean flag(String name) {
        return param(name).map(v -> v.equalsIgnoreCase("true") || v.equals("1")).orElse(false);
    }

    public int intParam(String name, int dflt, int min, int max) {
        Optional<String> v = param(name);
        if (v.isEmpty()) return dflt;
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) throw ForgeException.badRequest("'" + name + "' must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("'" + name + "' must be a number");
        }
    }

    /** The query string with {@code name} replaced by {@code value}: for {@code Link} headers. */
    public String urlWith(String name, String value) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (e.getKey().equals(name)) continue;
            for (String v : e.getValue()) {
                q.append(q.isEmpty() ? "" : "&").append(enc(e.getKey())).append('=').append(enc(v));
            }
        }
        q.append(q.isEmpty() ? "" : "&").append(enc(name)).append('=').append(enc(value));
        return config.url(request.getHttpURI().getPath()) + "?" + q;
    }

    private static String enc(String s) { return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    // ------------------------------------------------------------------------------------------- auth

    /**
     * The caller: anonymous without credentials; a 401 for credentials that match no live token. On pages (after
     * {@link #acceptSessionCookie}), a request without an {@code Authorization} header is the signed-in user of its
     * session cookie, if it carries a live one.
     */
    public Actor actor() {
        if (actor == null) {
            Optional<String> secret = presentedToken();
            if (secret.isPresent()) {
                actor = auth.authenticate(secret.get(), clientAddress());
            } else {
                Optional<Actor> signedIn = (sessions == null ? Optional.<String>empty() : cookie(SESSION_COOKIE))
                        .flatMap(s -> sessions.actor(s, clientAddress()));
                fromSession = signedIn.isPresent();
                actor = signedIn.orElseGet(() -> Actor.anonymous(clientAddress()));
            }
        }
        return actor;
    }

    /** The cookie that carries a browser session's secret (pages only; the API never reads it). */
    public static final String SESSION_COOKIE = "forge_session";

    /**
     * Lets a browser session cookie stand for the caller: only page routes do this, so the JSON API, git and file
     * downloads never act on ambient cookie credentials (and need no CSRF defence).
     */
    public void acceptSessionCookie(SessionLookup lookup) {
        if (actor != null) throw new IllegalStateException("the actor was already decided");
        this.sessions = lookup;
    }

    /** The key of the browser session the caller signed in with; empty for token and anonymous callers. */
    public Optional<String> sessionKey() {
        return actor() instanceof Actor.Signed s && fromSession ? Optional.of(s.token().key()) : Optional.empty();
    }

    /** The value of a request cookie; the first when several have the name. */
    public Optional<String> cookie(String name) {
        return Cookies.value(request.getHeaders(), name);
    }

    /**
     * The client's IP address. Behind a trusted reverse proxy, the last {@code X-Forwarded-For} entry: the one
     * the proxy appended (earlier entries come from the client and prove nothing).
     */
    public String clientAddress() {
        return clientAddress(request, config);
    }

    /** {@link #clientAddress()} of a request that has no exchange (yet). */
    public static String clientAddress(Request request, ForgeConfig config) {
        return clientAddress(config.security().trustForwardedFor() ? request.getHeaders().get("X-Forwarded-For") : null,
                Request.getRemoteAddr(request), config);
    }

    /** The same, from the request's {@code X-Forwarded-For} (null if none) and the connection's remote address. */
    public static String clientAddress(String forwardedFor, String remoteAddress, ForgeConfig config) {
        if (config.security().trustForwardedFor() && forwardedFor != null && !forwardedFor.isBlank()) {
            String last = forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).trim();
            if (!last.isEmpty() && last.length() <= 64) return last;
        }
        return remoteAddress == null ? "unknown" : remoteAddress;
    }

    /** The token from {@code Authorization: Bearer <t>} or {@code Basic base64(any:<t>)}. */
    /** The credentials the request presents ({@code Bearer}, or the password of {@code Basic}), unverified. */
    public Optional<String> credentials() { return presentedToken(); }

    Optional<String> presentedToken() {
        return presentedToken(header("Authorization"));
    }

    /** The token an {@code Authorization} header value presents; 400 for a malformed or unsupported one. */
    public static Optional<String> presentedToken(String h) {
        if (h == null || h.isBlank()) return Optional.empty();
        h = h.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.of(h.substring(7).trim());
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return Optional.of(colon < 0 ? decoded : decoded.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw ForgeException.badRequest("Malformed Basic credentials");
            }
        }
        throw ForgeException.badRequest("Unsupported Authorization scheme; use Bearer or Basic");
    }

    // ------------------------------------------------------------------------------------------- body

    private InputStream body;

    /**
     * The request body, one stream per request. Closing it does not fail the request's content: a handler that
     * stops reading early (an error thrown inside its try-with-resources) leaves the rest for {@link Errors} to
     * drain, so the connection stays usable instead of being reset while the client is still sending.
     */
    public InputStream body() {
        if (body == null) {
            body = new java.io.FilterInputStream(Content.Source.asInputStream(request)) {
                @Override
                public void close() {
                    // the request owns its content; see above
                }
            };
        }
        return body;
    }

    /** Set when the body was refused for the budget or the time it took: it is not drained, the connection is closed. */
    boolean bodyAbandoned;

    /** A reservation in the server's {@link BodyBudget} for a body this request buffers piece by piece; close it when done. */
    public BodyBudget.Lease bodyLease() {
        return budget.lease(clientAddress(), () -> bodyAbandoned = true);
    }

    /**
     * The whole body, refused with 413 past {@code max} bytes. Its bytes are held under the server's {@link BodyBudget}
     * (429 when the server or this client's address already holds too much), and the client has
     * {@link ForgeConfig.Limits#bodyTimeoutSeconds} to send it all (408 otherwise): slow bodies cannot pile up.
     */
    public byte[] bodyBytes(long max) throws IOException {
        try {
            return BufferedBody.read(request, budget, clientAddress(), max, config.limits().bodyTimeoutSeconds());
        } catch (ForgeException e) {
            if (e.kind() == ErrorKind.TOO_MANY_REQUESTS || e.kind() == ErrorKind.REQUEST_TIMEOUT) bodyAbandoned = true;
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------- answers

    public void setHeader(String name, String value) { response.getHeaders().put(name, value); }

    public void addHeader(String name, String value) { response.getHeaders().add(name, value); }

    public void json(int status, Object body) throws IOException {
        json(status, body, "application/json");
    }

    public void json(int status, Object body, String contentType) throws IOException {
        bytes(status, contentType, JSON.writeValueAsBytes(body));
    }

    /** Answers an HTML page (already rendered, UTF-8). */
    public void html(int status, byte[] page) {
        bytes(status, "text/html; charset=utf-8", page);
    }

    /** Answers a body held in memory (JSON, a page, a static asset); HEAD gets the headers only. */
    public void bytes(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        remember(status, ByteBuffer.wrap(body));
        if (isHead()) {
            finish();
        } else {
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }

    /** Answers a redirect to {@code location} (a path on this forge): 303 after a form, so the browser GETs it. */
    public void redirect(int status, String location) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.LOCATION, location);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        finish();
    }

    /** The request path as sent (still percent-encoded), for links back to it. */
    public String rawPath() { return request.getHttpURI().getPath(); }

    /** The raw query string, or empty. */
    public String rawQuery() {
        String q = request.getHttpURI().getQuery();
        return q == null ? "" : q;
    }

    /** The {@code Content-Type} of the request body, or empty. */
    public String contentType() {
        String t = header("Content-Type");
        return t == null ? "" : t;
    }

    /** Answers 200 with {@code {}}: a call that succeeded with nothing to tell. */
    public void ok() throws IOException {
        json(200, EmptyObject.INSTANCE);
    }

    /** {@code {}}. */
    private record EmptyObject() {
        static final EmptyObject INSTANCE = new EmptyObject();
    }

    public void empty(int status) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        finish();
    }

    /** The part of a body to send: {@code length} bytes from {@code offset}. */
    public record Slice(long offset, long length) {}

    /**
     * Answers the status and length of a {@code size}-byte body for this request's {@code Range} (206 with
     * {@code Content-Range}, or 200 whole; 416 is thrown by {@link dev.forge.core.ByteRange#parse}), with
     * {@code Accept-Ranges}. An empty body is answered 200 with {@code Content-Range: bytes *}{@code /0} when a
     * range was asked for: no range of it is satisfiable, and the JS client reads sizes from Content-Range.
     *
     * @return the slice to stream, or empty when no body follows (HEAD or zero length): the response is then complete
     */
    public Optional<Slice> answerRange(long size) {
        setHeader("Accept-Ranges", "bytes");
        if (size == 0 && header("Range") != null) setHeader("Content-Range", "bytes */0");
        Optional<dev.forge.core.ByteRange> range = size == 0 ? Optional.empty() : dev.forge.core.ByteRange.parse(header("Range"), size);
        long offset = range.map(dev.forge.core.ByteRange::first).orElse(0L);
        long length = range.map(dev.forge.core.ByteRange::length).orElse(size);
        if (range.isPresent()) rememberWhole(size);
        response.setStatus(range.isPresent() ? 206 : 200);
        range.ifPresent(r -> setHeader("Content-Range", r.contentRange()));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        if (isHead() || length == 0) {
            remember(response.getStatus(), org.eclipse.jetty.util.BufferUtil.EMPTY_BUFFER);
            finish();
            return Optional.empty();
        }
        return Optional.of(new Slice(offset, length));
    }

    /**
     * Answers 206 for bytes {@code [first, last]} of a {@code total}-byte resource whose range the handler chose itself
     * (a granted part, not the request's {@code Range} alone): {@code Content-Range}, {@code Content-Length}.
     */
    public void answerPart(long first, long last, long total) {
        response.setStatus(206);
        setHeader("Content-Range", "bytes " + first + "-" + last + "/" + total);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, last - first + 1);
    }

    /**
     * Completes a response that has no body (HEAD, 304, an empty or zero-length answer) with an explicit last write
     * of nothing, not by succeeding the callback alone. With the callback alone Jetty 12.1 writes the headers itself;
     * when that write finished later on the selector, its completion could run into the connection's next request:
     * the soak (bench/soak.sh) saw a NullPointerException in HttpChannelState.completeStream and the following GET
     * on the connection closed unanswered ("last already written"), about once per 100,000 requests, always right
     * after a HEAD. An explicit write completes the way every body write does.
     */
    private void finish() {
        response.write(true, org.eclipse.jetty.util.BufferUtil.EMPTY_BUFFER, callback);
    }

    /** Answers 304 Not Modified, with no {@code Content-Length}: on a 304 it would have to be the full size (RFC 9110 §8.6). */
    public void notModified() {
        response.setStatus(304);
        finish();
    }

    /** The {@code Content-Length} the client declared, or -1 when it sent none (a chunked body). */
    public long declaredLength() { return request.getLength(); }

    /**
     * Writes {@code body} (its remaining bytes) as the whole body already answered by {@link #answerRange}: one write
     * of a buffer the caller holds, with no pooled buffer and no copy; the callback completes when it is written.
     */
    public void write(ByteBuffer body) {
        if (body.remaining() == response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH)) remember(response.getStatus(), body.duplicate());
        response.write(true, body, callback);
    }

    /**
     * Streams {@code source} as the body; the callback completes when it is written or fails. The copy goes on in each
     * write's completion, and reading a stored body may block (a disk, a file still arriving from an upstream): the
     * completions are declared blocking, so Jetty runs them on its thread pool and never on the selector that the
     * server's non-blocking handler would otherwise let them run on (see {@code RootHandler}).
     */
    public void stream(Content.Source source) {
        Content.copy(source, response, Callback.from(org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING,
                callback::succeeded, callback::failed));
    }

    // ------------------------------------------------------------------------------------------- parsing

    /** Splits the raw path on {@code /} and percent-decodes each segment as UTF-8; 400 on bad escapes. */
    public static List<String> decodeSegments(String rawPath) {
        List<String> out = new ArrayList<>();
        if (rawPath == null) return out;
        String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (p.isEmpty()) return out;
        for (String s : p.split("/", -1)) out.add(decode(s));
        if (!out.isEmpty() && out.getLast().isEmpty()) out.removeLast(); // a trailing slash
        return out;
    }

    static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) throw ForgeException.badRequest("Malformed percent-encoding in the URL");
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw ForgeException.badRequest("Malformed percent-encoding in the URL");
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw ForgeException.badRequest("The URL is not valid UTF-8");
        }
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.computeIfAbsent(decodeQuery(k), x -> new ArrayList<>()).add(decodeQuery(v));
        }
        return out;
    }

    private static String decodeQuery(String s) {
        return decode(s.replace('+', ' '));
    }

    static Optional<HttpField> field(Request r, String name) {
        return Optional.ofNullable(r.getHeaders().getField(name));
    }
}
