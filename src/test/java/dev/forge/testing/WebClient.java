package dev.forge.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser as the page tests need one, over plain HTTP: its own cookie jar (so a session or CSRF cookie sticks),
 * optionally a bearer token on every request, and forms sent the way a browser sends them — URL-encoded or multipart,
 * with the CSRF token read from a page of this forge first. Redirects are not followed, so tests see the 303s.
 */
public final class WebClient {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final String baseUrl;
    private final String token;
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient http;

    public WebClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public WebClient(String baseUrl) { this(baseUrl, null); }

    public CookieManager cookies() { return cookies; }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60)).header("Accept", "text/html");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    public HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    public HttpResponse<String> head(String path) throws IOException, InterruptedException {
        return send(request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    /** The CSRF token of this browser's forms, read from a page ({@code /login} unless given). */
    public String csrf(String fromPath) throws IOException, InterruptedException {
        HttpResponse<String> page = get(fromPath);
        Matcher m = CSRF.matcher(page.body());
        if (!m.find()) throw new AssertionError("no form with a CSRF token on " + fromPath + " (" + page.statusCode() + ")");
        return m.group(1);
    }

    public String csrf() throws IOException, InterruptedException { return csrf("/login"); }

    /** The token when a page shows one, else empty (a caller whose credentials are refused gets no form). */
    private String csrfIfAny() throws IOException, InterruptedException {
        Matcher m = CSRF.matcher(get("/login").body());
        return m.find() ? m.group(1) : "";
    }

    /** Posts a URL-encoded form with this browser's CSRF token added. */
    public HttpResponse<String> post(String path, String... fields) throws IOException, InterruptedException {
        Map<String, String> f = fields(fields);
        f.putIfAbsent("csrf", csrfIfAny());
        return postRaw(path, f);
    }

    /** Posts exactly these fields (no CSRF token added). */
    public HttpResponse<String> postRaw(String path, Map<String, String> fields) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (!body.isEmpty()) body.append('&');
            body.append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        return send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** A file for {@link #upload}. */
    public record FilePart(String field, String fileName, byte[] content) {}

    /** Posts a multipart form (text fields, then files) with this browser's CSRF token added. */
    public HttpResponse<String> upload(String path, Map<String, String> fields, List<FilePart> files) throws IOException, InterruptedException {
        Map<String, String> f = new LinkedHashMap<>(fields);
        f.putIfAbsent("csrf", csrfIfAny());
        String boundary = "----forge" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : f.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n" + e.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (FilePart p : files) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.field() + "\"; filename=\"" + p.fileName()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(p.content());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** A new browser signed in as {@code user}; fails the test when signing in does not work. */
    public static WebClient signedIn(String baseUrl, String user, String password) throws IOException, InterruptedException {
        WebClient b = new WebClient(baseUrl);
        HttpResponse<String> r = b.signIn(user, password);
        if (r.statusCode() != 303) throw new AssertionError("signing in as " + user + " answered " + r.statusCode() + ": " + r.body());
        return b;
    }

    /** Signs in with a password; returns the answer (a 303 and a session cookie when it worked). */
    public HttpResponse<String> signIn(String user, String password) throws IOException, InterruptedException {
        return post("/login", "username", user, "password", password, "next", "/");
    }

    private static Map<String, String> fields(String... kv) {
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) f.put(kv[i], kv[i + 1]);
        return f;
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
