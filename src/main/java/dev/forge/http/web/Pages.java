package dev.forge.http.web;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.service.account.Sessions;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The frame every page shares: the security headers, the browser session, CSRF, rendering with the precompiled
 * templates, and error pages.
 *
 * <ul>
 *   <li><b>Headers</b>: a Content-Security-Policy that allows scripts, styles and connections only from this forge
 *   (no inline script or style at all), images from here or https, forms posting only here, no framing
 *   ({@code frame-ancestors 'none'}, {@code X-Frame-Options: DENY}), {@code nosniff}, a same-origin referrer.</li>
 *   <li><b>Session</b>: the cookie {@code forge_session} (HttpOnly, SameSite=Lax, Secure when the public URL is https)
 *   stands for its user on pages only ({@link Exchange#acceptSessionCookie}); the API never reads it.</li>
 *   <li><b>CSRF</b>: every form carries a token bound to the session, or before signing in to a random nonce in the
 *   cookie {@code forge_csrf} (HttpOnly, SameSite=Strict); a POST is refused (403) unless its token matches, and
 *   also when the browser says it comes from another site ({@code Origin}, {@code Sec-Fetch-Site}).</li>
 * </ul>
 * Thread-safe.
 */
public final class Pages {
    static final String CSRF_COOKIE = "forge_csrf";
    static final String CSRF_FIELD = "csrf";
    /** Forms without files are small. */
    static final long MAX_FORM_BYTES = 256 * 1024;
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TemplateEngine engine = TemplateEngine.createPrecompiled(null, ContentType.Html, null, "dev.forge.http.web.jte");
    private final Sessions sessions;
    private final ForgeConfig config;
    private final Links links;
    private final boolean secure;

    public Pages(Sessions sessions, ForgeConfig config) {
        this.sessions = sessions;
        this.config = config;
        String path = config.publicUrl().getPath();
        this.links = new Links(path == null || path.equals("/") ? "" : path);
        this.secure = "https".equalsIgnoreCase(config.publicUrl().getScheme());
    }

    Links links() { return links; }

    ForgeConfig config() { return config; }

    /** Called by the root handler before a page's handler: security headers, and the session cookie counts. */
    public void begin(Exchange ex) {
        ex.acceptSessionCookie(sessions::actor);
        securityHeaders(ex);
    }

    private static void securityHeaders(Exchange ex) {
        ex.setHeader("Content-Security-Policy", CSP);
        ex.setHeader("X-Frame-Options", "DENY");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Referrer-Policy", "same-origin");
        ex.setHeader("Cache-Control", "private, no-cache");
    }

    /** The layout's data for this request (and the CSRF nonce cookie, when the browser has none yet). */
    Frame frame(Exchange ex, String title) {
        String here = links.base() + ex.rawPath() + (ex.rawQuery().isEmpty() ? "" : "?" + ex.rawQuery());
        return new Frame(title, ex.actor().userOpt(), csrfToken(ex), links, here, "");
    }

    void render(Exchange ex, int status, String template, Frame frame, Object view) {
        ex.html(status, renderBytes(template, frame, view));
    }

    byte[] renderBytes(String template, Frame frame, Object view) {
        Utf8ByteOutput out = new Utf8ByteOutput(16 * 1024);
        engine.render(template, Map.of("page", frame, "v", view), out);
        return out.toByteArray();
    }

    /** The error page of a failed page request (the {@link dev.forge.http.exchange.Errors.ErrorPage} of pages). */
    public byte[] errorPage(Exchange ex, int status, String message) {
        securityHeaders(ex);
        Frame frame;
        try {
            frame = frame(ex, title(status));
        } catch (RuntimeException e) { // the credentials themselves were refused: show the page as to anyone
            frame = new Frame(title(status), Optional.empty(), "", links, ex.rawPath(), "");
        }
        return renderBytes("error.jte", frame, new ErrorView(status, title(status), message));
    }

    /** What an error page says. */
    public record ErrorView(int status, String title, String message) {
        public boolean signInHelps() { return status == 401; }
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "That did not work";
            case 401 -> "Sign in to see this";
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            case 409 -> "Already there";
            case 413 -> "Too large";
            case 429 -> "Slow down";
            default -> status >= 500 ? "Something went wrong" : "Error " + status;
        };
    }

    // ------------------------------------------------------------------------------------------- forms and CSRF

    /** Reads a URL-encoded form and checks its CSRF token; 403 when it does not match. */
    Form form(Exchange ex) throws IOException {
        if (!ex.contentType().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new ForgeException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Expected a form (application/x-www-form-urlencoded)");
        }
        Form f = new Form(FormBody.parse(new String(ex.bodyBytes(MAX_FORM_BYTES), StandardCharsets.UTF_8)));
        checkCsrf(ex, f.optional(CSRF_FIELD).orElse(null));
        return f;
    }

    /** Refuses a POST whose token does not belong to this browser, or that the browser says another site sent. */
    void checkCsrf(Exchange ex, String presented) {
        String site = ex.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) throw forbidden("The form was sent from another site");
        String origin = ex.header("Origin");
        if (origin != null && !origin.equals("null") && !sameOrigin(ex, origin)) throw forbidden("The form was sent from another site");
        Optional<String> binding = binding(ex);
        if (binding.isEmpty() || !sessions.csrfMatches(binding.get(), presented)) {
            throw forbidden("The form has expired or did not come from this forge; reload the page and try again");
        }
    }

    private boolean sameOrigin(Exchange ex, String origin) {
        try {
            URI o = URI.create(origin);
            URI pub = config.publicUrl();
            if (o.getHost() == null) return false;
            if (o.getHost().equalsIgnoreCase(pub.getHost()) && port(o) == port(pub)) return true;
            String host = ex.header("Host");
            return host != null && host.equalsIgnoreCase(o.getHost() + (o.getPort() < 0 ? "" : ":" + o.getPort()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static ForgeException forbidden(String message) { return new ForgeException(ErrorKind.FORBIDDEN, message); }

    /** What this browser's forms are bound to: its session, else its nonce cookie; empty when it has neither. */
    private Optional<String> binding(Exchange ex) {
        Optional<String> session = ex.sessionKey();
        if (session.isPresent()) return Optional.of("s:" + session.get());
        return ex.cookie(CSRF_COOKIE).filter(n -> n.length() >= 16 && n.length() <= 64).map(n -> "n:" + n);
    }

    /** The token for this page's forms, setting a nonce cookie first when the browser has neither session nor nonce. */
    private String csrfToken(Exchange ex) {
        Optional<String> binding = binding(ex);
        if (binding.isEmpty()) {
            byte[] raw = new byte[18];
            RANDOM.nextBytes(raw);
            String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            ex.addHeader("Set-Cookie", cookie(CSRF_COOKIE, nonce, "Strict", -1));
            binding = Optional.of("n:" + nonce);
        }
        return sessions.csrfToken(binding.get());
    }

    // ------------------------------------------------------------------------------------------- session cookie

    void startSession(Exchange ex, Sessions.SignedIn s) {
        ex.addHeader("Set-Cookie", cookie(Exchange.SESSION_COOKIE, s.secret(), "Lax", Sessions.LIFETIME.toSeconds()));
    }

    void endSession(Exchange ex) {
        ex.addHeader("Set-Cookie", cookie(Exchange.SESSION_COOKIE, "", "Lax", 0));
    }

    private String cookie(String name, String value, String sameSite, long maxAge) {
        return name + "=" + value + "; Path=" + (links.base().isEmpty() ? "/" : links.base()) + "; HttpOnly; SameSite=" + sameSite
                + (maxAge >= 0 ? "; Max-Age=" + maxAge : "") + (secure ? "; Secure" : "");
    }

    /** A local path to return to after a form (never another site: {@code //host} and schemes are refused). */
    String returnTo(Optional<String> next) {
        String n = next.orElse("");
        boolean local = n.startsWith("/") && !n.startsWith("//") && !n.startsWith("/\\") && n.chars().noneMatch(c -> c < 0x21 || c == 0x7f);
        return local ? n : links.home();
    }
}
