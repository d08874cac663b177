package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.testing.TestForge;
import org.eclipse.jgit.lib.ObjectId;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.sha256;

/** Shared helpers of the HTTP protocol tests: hashes, fixtures through the services, JSON, Link headers and raw sockets. */
final class HttpSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The JS client's Link parser, verbatim (protocol reference §1.4). */
    static final Pattern LINK = Pattern.compile("<(https?://[^>]+)>;\\s+rel=\"([^\"]+)\"");
    static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    static final Pattern ISO_MILLIS_Z = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");

    private HttpSupport() {}

    /** The LFS pointer text exactly as the spec writes it. */
    static byte[] lfsPointer(byte[] content) {
        return ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(content) + "\nsize " + content.length + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** {@code n} deterministic, non-text bytes. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed * 7 + (i >> 3));
        return b;
    }

    // ------------------------------------------------------------------------------------------ fixtures

    static CommitOperation file(String path, byte[] content) { return new CommitOperation.AddFile(path, content); }

    static CommitOperation file(String path, String content) { return file(path, utf8(content)); }

    /**
     * Stores the bytes in the blob store, records them as uploaded to {@code repo} (as the LFS upload
     * endpoints do: objects are referable only by the repositories they were uploaded to), and returns
     * the operation adding them as an LFS file.
     */
    static CommitOperation lfs(TestForge tf, Repo repo, String path, byte[] content) throws IOException {
        LfsOid oid = tf.forge.stores().blobs().put(new ByteArrayInputStream(content));
        assertThat(oid.hex()).isEqualTo(sha256(content));
        tf.forge.stores().index().recordLfsUpload(repo.key(), oid.hex());
        return new CommitOperation.AddLfsFile(path, oid, content.length);
    }

    static String commit(TestForge tf, Repo repo, String branch, String message, CommitOperation... ops) {
        return tf.forge.commits.commit(tf.admin, repo, branch, Optional.empty(), List.of(ops), message);
    }

    /** Creates {@code ref} (full name) pointing at {@code commit}. */
    static void ref(TestForge tf, Repo repo, String ref, String commit) throws IOException {
        tf.forge.stores().git().moveRef(repo.key(), ref, null, ObjectId.fromString(commit));
    }

    // ------------------------------------------------------------------------------------------ http

    static String auth(TestForge tf) { return "Bearer " + tf.adminToken; }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    static String text(HttpResponse<byte[]> r) { return new String(r.body(), StandardCharsets.UTF_8); }

    static Optional<String> header(HttpResponse<?> r, String name) { return r.headers().firstValue(name); }

    /** Asserts a Hub error: status, JSON content type, {@code {"error": "…"}} body, and the {@code X-Error-Code} (null: none). */
    static JsonNode assertHubError(HttpResponse<byte[]> r, int status, String errorCode) throws IOException {
        assertThat(r.statusCode()).as("status of %s, body %s", r.uri(), text(r)).isEqualTo(status);
        assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        if (errorCode == null) assertThat(header(r, "X-Error-Code")).isEmpty();
        else assertThat(header(r, "X-Error-Code")).hasValue(errorCode);
        assertThat(header(r, "X-Error-Message")).hasValueSatisfying(m -> assertThat(m).isNotBlank());
        JsonNode body = json(r);
        assertThat(body.path("error").isTextual()).as("error field in %s", body).isTrue();
        assertThat(body.path("error").asText()).isNotBlank();
        return body;
    }

    /** The {@code next} URL of a {@code Link} header, checked against the JS client's regex. */
    static Optional<String> nextLink(HttpResponse<?> r) {
        Optional<String> link = header(r, "Link");
        if (link.isEmpty()) return Optional.empty();
        Matcher m = LINK.matcher(link.get());
        assertThat(m.find()).as("Link header %s matches the JS regex", link.get()).isTrue();
        assertThat(m.group(2)).isEqualTo("next");
        return Optional.of(m.group(1));
    }

    /** The path and query of an absolute URL, to request it through the test client. */
    static String pathAndQuery(String absolute) {
        URI u = URI.create(absolute);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    /** Percent-encodes every byte of the UTF-8 form except RFC 3986 unreserved characters (Py {@code quote(x, safe="")}). */
    static String enc(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }

    /** Encodes a repository path segment by segment, keeping {@code /} (Py {@code quote(path)}). */
    static String encPath(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/", -1)) parts.add(enc(s));
        return String.join("/", parts);
    }

    // ------------------------------------------------------------------------------------------ raw sockets

    /** A response read off a raw socket. Header names are lower-cased; the body is de-chunked. */
    record RawResponse(String statusLine, int status, Map<String, String> headers, byte[] body) {
        String bodyText() { return new String(body, StandardCharsets.UTF_8); }

        Optional<String> header(String name) { return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT))); }
    }

    static int port(TestForge tf) { return URI.create(tf.baseUrl).getPort(); }

    /** Sends {@code request} verbatim and reads the response until the server closes the connection. */
    static RawResponse raw(TestForge tf, byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return parse(readAll(s.getInputStream()));
        }
    }

    static RawResponse raw(TestForge tf, String request) throws Exception {
        return raw(tf, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A {@code GET} of a raw request target (sent exactly as given, no client-side normalisation). */
    static RawResponse rawGet(TestForge tf, String target, String... headers) throws Exception {
        StringBuilder b = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        return raw(tf, b.append("\r\n").toString());
    }

    /**
     * Sends the head, then streams {@code bodyChunks} while a second thread reads the response, so an early
     * answer (such as a 413 before the body is read) is seen even if the server then resets the connection.
     */
    static RawResponse rawStreaming(TestForge tf, String head, Iterable<byte[]> bodyChunks) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (received) {
                            received.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // a reset after the answer: keep what arrived
                }
            });
            OutputStream out = s.getOutputStream();
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                for (byte[] chunk : bodyChunks) {
                    if (reader.isDone()) break;
                    out.write(chunk);
                }
                out.flush();
            } catch (IOException expected) {
                // the server stopped reading: its answer is what matters
            }
            reader.get(60, TimeUnit.SECONDS);
            synchronized (received) {
                return parse(received.toByteArray());
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
        } catch (java.net.SocketException reset) {
            // keep what arrived before a reset
        }
        return out.toByteArray();
    }

    static RawResponse parse(byte[] all) {
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(end).as("a complete response head in: %s", new String(all, StandardCharsets.ISO_8859_1)).isGreaterThanOrEqualTo(0);
        String head = new String(all, 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = dechunk(body);
        else if (headers.containsKey("content-length")) {
            int len = Integer.parseInt(headers.get("content-length"));
            if (body.length > len) body = java.util.Arrays.copyOf(body, len);
        }
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        return new RawResponse(lines[0], status, headers, body);
    }

    private static byte[] dechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < b.length) {
            int eol = indexOf(java.util.Arrays.copyOfRange(b, i, b.length), "\r\n".getBytes(StandardCharsets.ISO_8859_1));
            if (eol < 0) break;
            String sizeLine = new String(b, i, eol, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = Integer.parseInt(sizeLine, 16);
            i += eol + 2;
            if (size == 0) break;
            out.write(b, i, Math.min(size, b.length - i));
            i += size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
