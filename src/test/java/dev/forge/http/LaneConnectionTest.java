package dev.forge.http;

import dev.forge.app.Forge;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.repo.ContentService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.forge.http.HttpSupport.*;
import static dev.forge.testing.Hashes.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lane connection (issue 17): every connection starts in {@link LaneConnection}, which answers the memo's hits
 * itself and hands everything else to Jetty, taking the connection back after each request without a body. Driven with
 * raw sockets, so the bytes on the wire are what is compared: a lane answer must be exactly Jetty's answer to the same
 * request (the date aside), pipelined requests must be answered in order across hand-overs, and anything the lane does
 * not fully read must reach Jetty unchanged. Which side answered is read from {@link ForgeServer#laneAnswered()}.
 */
class LaneConnectionTest {
    @TempDir static Path dir;
    static TestForge tf;
    static final String CONFIG = "{\"hidden_size\":64}";
    static final byte[] SMALL_LFS = pattern(5000, 21);
    /** Held in memory, but larger than what the lane copies into the head's buffer: written from its own view. */
    static final byte[] MEDIUM_LFS = pattern(LaneConnection.INLINE_BODY + 3000, 23);
    static final byte[] LARGE_LFS = pattern(ContentService.SMALL_FILE_MAX + 1000, 22);

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir, Forge.Options.DEFAULTS);
        Repo repo = tf.createRepo(RepoType.MODEL, "admin/lane-conn");
        commit(tf, repo, "main", "files", file("config.json", CONFIG), lfs(tf, repo, "small.bin", SMALL_LFS),
                lfs(tf, repo, "medium.bin", MEDIUM_LFS), lfs(tf, repo, "large.bin", LARGE_LFS));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static long lane() { return tf.server.laneAnswered(); }

    static final String BASE = "/admin/lane-conn/resolve/main/";

    @Test
    void laneAnswersAreJettysAnswersByteForByte() throws Exception {
        for (String path : List.of("config.json", "small.bin", "medium.bin", "large.bin")) {
            for (String method : List.of("HEAD", "GET")) {
                if (method.equals("GET") && path.equals("large.bin")) continue; // only HEAD of a large file is held
                for (String version : List.of("HTTP/1.1", "HTTP/1.0")) {
                    String head = method + " " + BASE + path + " " + version + "\r\nHost: 127.0.0.1\r\n"
                            + (version.equals("HTTP/1.0") ? "Connection: Keep-Alive\r\n" : "") + "X-Request-Id: lane-" + method + "\r\n";
                    exchange(head + "\r\n", 1); // the first answer fills the memo
                    long before = lane();
                    Wire byLane = exchange(head + "\r\n", 1).getFirst();
                    assertThat(lane()).as("%s %s %s by the lane", method, path, version).isEqualTo(before + 1);
                    // a second Accept line: the lane declines what it reads twice, Jetty's fast lane answers it from memory
                    long served = tf.server.memo().served();
                    Wire byJetty = exchange(head + "Accept: */*\r\nAccept: */*\r\n\r\n", 1).getFirst();
                    assertThat(lane()).isEqualTo(before + 1);
                    assertThat(tf.server.memo().served()).isEqualTo(served + 1);
                    assertThat(byLane.status()).isEqualTo(200);
                    assertThat(byLane.headWithoutDate()).as("%s %s %s", method, path, version).isEqualTo(byJetty.headWithoutDate());
                    assertThat(byLane.body()).isEqualTo(byJetty.body());
                    if (method.equals("GET")) {
                        byte[] stored = switch (path) {
                            case "config.json" -> utf8(CONFIG);
                            case "small.bin" -> SMALL_LFS;
                            case "medium.bin" -> MEDIUM_LFS;
                            default -> throw new AssertionError("no GET of " + path);
                        };
                        assertThat(sha256(byLane.body())).isEqualTo(sha256(stored));
                    }
                }
            }
        }
    }

    @Test
    void pipelinedHitsAndMissesAreAnsweredInOrder() throws Exception {
        exchange("HEAD " + BASE + "small.bin HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        exchange("GET " + BASE + "config.json HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        long before = lane();
        String hit = "HEAD " + BASE + "small.bin HTTP/1.1\r\nHost: a\r\n\r\n";
        String all = hit
                + "GET /api/whoami-v2 HTTP/1.1\r\nHost: a\r\n\r\n"          // Jetty: 401
                + "GET " + BASE + "config.json HTTP/1.1\r\nHost: a\r\n\r\n"  // the lane again
                + "HEAD " + BASE + "missing.bin HTTP/1.1\r\nHost: a\r\n\r\n" // Jetty: 404
                + hit;
        List<Wire> answers = exchange(all, 5);
        assertThat(answers.stream().map(Wire::status).toList()).containsExactly(200, 401, 200, 404, 200);
        assertThat(answers.get(2).body()).isEqualTo(utf8(CONFIG));
        assertThat(answers.get(0).header("content-length")).isEqualTo(String.valueOf(SMALL_LFS.length));
        assertThat(lane()).as("the hits between Jetty's answers").isEqualTo(before + 3);
    }

    @Test
    void aRequestArrivingInPiecesIsAnsweredOnceWhole() throws Exception {
        String head = "HEAD " + BASE + "config.json HTTP/1.1\r\nHost: a\r\n\r\n";
        exchange(head, 1);
        long before = lane();
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
            for (byte b : bytes) {
                out.write(b);
                out.flush();
                Thread.sleep(1);
            }
            Wire w = read(s.getInputStream(), true);
            assertThat(w.status()).isEqualTo(200);
        }
        assertThat(lane()).isEqualTo(before + 1);
    }

    @Test
    void whatTheLaneDoesNotReadIsJettysToJudge() throws Exception {
        String target = BASE + "config.json";
        exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        long before = lane();
        assertThat(exchange("GET " + target + " HTTP/1.1\r\n\r\n", 1).getFirst().status()).as("no Host").isEqualTo(400);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 1).getFirst().status()).as("two Hosts").isEqualTo(400);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: \r\n\r\n", 1).getFirst().status()).as("a blank Host").isEqualTo(400);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a:99x\r\n\r\n", 1).getFirst().status()).as("a bad port").isEqualTo(400);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nX-Pad: " + "x".repeat(LaneConnection.HEAD_MAX) + "\r\n\r\n", 1)
                .getFirst().status()).as("a head longer than the lane reads").isEqualTo(200);
        assertThat(exchange("get " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 1).getFirst().status()).as("a lowercase method").isNotEqualTo(200);
        assertThat(exchange("GET http://a" + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 1).getFirst().status()).as("absolute form").isEqualTo(200);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 1).getFirst().status()).as("a folded line")
                .isIn(200, 400);
        byte[] nonAscii = ("GET " + target + " HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(exchange(nonAscii, 1).getFirst().status()).isEqualTo(200);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n", 1).getFirst().status()).isEqualTo(206);
        assertThat(exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nAccept: application/vnd.xet-fileinfo+json\r\n\r\n", 1)
                .getFirst().status()).isIn(200, 404, 501);
        assertThat(lane()).as("none of these came from the lane").isEqualTo(before);

        // connections that end with the answer: Jetty answers and closes them
        Wire close = exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 1).getFirst();
        assertThat(close.header("connection")).isEqualTo("close");
        assertThat(close.eofAfter()).isTrue();
        Wire http10 = exchange("GET " + target + " HTTP/1.0\r\n\r\n", 1).getFirst();
        assertThat(http10.status()).isEqualTo(200);
        assertThat(http10.eofAfter()).isTrue();
        assertThat(lane()).isEqualTo(before);
    }

    @Test
    void aConnectionWithABodyStaysWithJettyAndAnswersInOrder() throws Exception {
        String target = BASE + "config.json";
        exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        long before = lane();
        String body = "{\"paths\":[\"config.json\"]}";
        String post = "POST /api/models/admin/lane-conn/paths-info/main HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        List<Wire> answers = new ArrayList<>();
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write((post + "HEAD " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            answers.add(read(s.getInputStream(), false));
            answers.add(read(s.getInputStream(), true));
        }
        assertThat(answers.stream().map(Wire::status).toList()).containsExactly(200, 200);
        assertThat(answers.getFirst().bodyText()).contains("config.json");
        assertThat(lane()).as("after a body, the connection is Jetty's for good").isEqualTo(before);
    }

    @Test
    void aClientThatLeavesMidRequestChangesNothing() throws Exception {
        String head = "HEAD " + BASE + "config.json HTTP/1.1\r\nHost: a\r\n\r\n";
        exchange(head, 1);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", port(tf))) {
                s.getOutputStream().write(head.substring(0, 1 + i * 2).getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
        }
        long before = lane();
        assertThat(exchange(head + head, 2).stream().map(Wire::status).toList()).containsExactly(200, 200);
        assertThat(lane()).isEqualTo(before + 2);
    }

    // ------------------------------------------------------------------------------------------------ the wire

    /** One answer as it came: its head (status line and header lines), its body, and whether the server closed after it. */
    record Wire(String head, byte[] body, boolean eofAfter) {
        int status() { return Integer.parseInt(head.substring(9, 12)); }

        String headWithoutDate() {
            return head.replaceAll("(?m)^Date: .*\r\n", "");
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).toLowerCase(Locale.ROOT).equals(name)) return line.substring(colon + 1).trim();
            }
            return null;
        }

        String bodyText() { return new String(body, StandardCharsets.UTF_8); }
    }

    static List<Wire> exchange(String requests, int answers) throws Exception {
        return exchange(requests.getBytes(StandardCharsets.ISO_8859_1), answers);
    }

    /** Sends the bytes on a new connection and reads {@code answers} answers (to HEAD if the request line says so). */
    static List<Wire> exchange(byte[] requests, int answers) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port(tf))) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(requests);
            s.getOutputStream().flush();
            String text = new String(requests, StandardCharsets.ISO_8859_1);
            List<Boolean> heads = new ArrayList<>();
            for (String line : text.split("\r\n")) if (line.matches("^[A-Za-z]+ \\S+ HTTP/1\\.[01]$")) heads.add(line.startsWith("HEAD "));
            InputStream in = s.getInputStream();
            List<Wire> got = new ArrayList<>();
            for (int i = 0; i < answers; i++) got.add(read(in, i < heads.size() && heads.get(i)));
            if (!got.isEmpty() && ("close".equals(got.getLast().header("connection")) || text.contains("HTTP/1.0\r\n\r\n"))) {
                Wire last = got.removeLast();
                s.setSoTimeout(5_000);
                got.add(new Wire(last.head(), last.body(), in.read() < 0));
            }
            return got;
        }
    }

    static Wire read(InputStream in, boolean head) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) throw new IOException("the connection ended inside an answer's head: " + h.toString(StandardCharsets.ISO_8859_1));
            h.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : c == '\r' ? 1 : 0;
        }
        String text = h.toString(StandardCharsets.ISO_8859_1);
        Wire w = new Wire(text, new byte[0], false);
        String length = w.header("content-length");
        int n = head || length == null ? 0 : Integer.parseInt(length);
        byte[] body = in.readNBytes(n);
        if (body.length != n) throw new IOException("the connection ended inside a body");
        return new Wire(text, body, false);
    }
}
