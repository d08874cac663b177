package dev.forge.http;

import dev.forge.core.ForgeConfig;
import dev.forge.http.exchange.BodyBudget;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, finding 5: JSON bodies were buffered whole with no bound on how many at once, so a few hundred slow
 * clients that stopped just short of the end of 16 MiB bodies took the heap. Here 300 slow clients hold bodies open
 * against a server with small budgets, first from one address, then from thirty: the server's own accounting never
 * passes its bounds, a normal request from elsewhere still succeeds while they hold, the slow bodies time out (408),
 * and everything they reserved is returned. Nothing is asserted about wall-clock times.
 */
class SlowBodiesTest {
    private static final int CLIENTS = 300;
    private static final int DECLARED = 256 * 1024;
    private static final long TOTAL = 8L * 1024 * 1024;
    private static final long PER_ADDRESS = 2L * 1024 * 1024;

    @Test
    void threeHundredSlowClientsStayWithinTheBodyBudget(@TempDir Path dir) throws Exception {
        ForgeConfig.Limits d = ForgeConfig.Limits.defaults();
        ForgeConfig.Limits limits = new ForgeConfig.Limits(d.maxRegularFileBytes(), d.maxPushBytes(), 1024 * 1024, d.maxBatchObjects(),
                d.lfsUrlTtlSeconds(), TOTAL, PER_ADDRESS, 6);
        try (TestForge tf = TestForge.start(dir, limits)) {
            BodyBudget budget = tf.server.bodyBudget();

            // one address: the per-address bound holds them to 2 MiB, and another address is served as usual
            long decidedBefore = budget.refused() + budget.granted();
            List<Socket> slow = open(tf, 1, CLIENTS);
            settle(budget, decidedBefore, CLIENTS);
            assertThat(budget.inFlight("127.0.0.1")).isLessThanOrEqualTo(PER_ADDRESS);
            assertThat(budget.inFlight()).isLessThanOrEqualTo(TOTAL);
            assertThat(normalPost(tf, "127.0.0.2")).startsWith("HTTP/1.1 200");
            assertThat(rawGet(tf, "127.0.0.2", "/api/models")).startsWith("HTTP/1.1 200");
            assertThat(rawGet(tf, "127.0.0.1", "/api/models")).as("reads need no body budget").startsWith("HTTP/1.1 200");
            assertThat(budget.inFlight("127.0.0.1")).as("the slow bodies were still held meanwhile").isPositive();
            Map<String, Integer> outcomes = outcomes(slow);
            assertThat(outcomes).doesNotContainKey("200").containsKey("408");
            assertThat(outcomes.keySet()).isSubsetOf("408", "429", "reset");
            assertThat(budget.inFlight()).as("everything reserved is returned").isZero();
            assertThat(budget.peakPerAddress()).isLessThanOrEqualTo(PER_ADDRESS);

            // thirty addresses: now the total bound holds them
            List<Socket> many = new ArrayList<>();
            decidedBefore = budget.refused() + budget.granted();
            for (int a = 0; a < 30; a++) many.addAll(open(tf, 10 + a, CLIENTS / 30));
            settle(budget, decidedBefore, CLIENTS);
            assertThat(budget.inFlight()).isLessThanOrEqualTo(TOTAL);
            assertThat(rawGet(tf, "127.0.0.2", "/api/models")).startsWith("HTTP/1.1 200");
            assertThat(budget.inFlight()).as("the slow bodies were still held meanwhile").isPositive();
            Map<String, Integer> second = outcomes(many);
            assertThat(second).doesNotContainKey("200").containsKey("408");
            assertThat(budget.peak()).isLessThanOrEqualTo(TOTAL);
            assertThat(budget.peakPerAddress()).isLessThanOrEqualTo(PER_ADDRESS);
            assertThat(budget.refused()).as("most of the 600 slow bodies were refused before being read").isGreaterThan(CLIENTS);
            assertThat(budget.inFlight()).isZero();
            assertThat(normalPost(tf, "127.0.0.1")).as("once they are gone, the address is served again").startsWith("HTTP/1.1 200");
        }
    }

    /** The NDJSON commit holds one line at a time; that line counts against the same budget, so a writer cannot hoard memory either. */
    @Test
    void commitLinesCountAgainstTheBodyBudget(@TempDir Path dir) throws Exception {
        ForgeConfig.Limits d = ForgeConfig.Limits.defaults();
        ForgeConfig.Limits limits = new ForgeConfig.Limits(d.maxRegularFileBytes(), d.maxPushBytes(), d.maxJsonBodyBytes(), d.maxBatchObjects(),
                d.lfsUrlTtlSeconds(), TOTAL, 256 * 1024, 6);
        try (TestForge tf = TestForge.start(dir, limits)) {
            tf.createRepo(dev.forge.core.RepoType.MODEL, "admin/lines");
            String header = "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n";
            String small = header + "{\"key\":\"file\",\"value\":{\"path\":\"a.txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}\n";
            String big = header + "{\"key\":\"file\",\"value\":{\"path\":\"b.bin\",\"content\":\""
                    + java.util.Base64.getEncoder().encodeToString(new byte[300 * 1024]) + "\",\"encoding\":\"base64\"}}\n";
            long refusedBefore = tf.server.bodyBudget().refused();
            assertThat(commit(tf, big).statusCode()).as("a line larger than the address may hold").isEqualTo(429);
            assertThat(tf.server.bodyBudget().refused()).isGreaterThan(refusedBefore);
            assertThat(tf.server.bodyBudget().inFlight()).isZero();
            assertThat(commit(tf, small).statusCode()).isEqualTo(200);
            assertThat(tf.server.bodyBudget().inFlight()).isZero();
        }
    }

    private static java.net.http.HttpResponse<byte[]> commit(TestForge tf, String ndjson) throws Exception {
        return tf.send(tf.request("/api/models/admin/lines/commit/main").header("Authorization", "Bearer " + tf.adminToken)
                .header("Content-Type", "application/x-ndjson").POST(java.net.http.HttpRequest.BodyPublishers.ofString(ndjson)));
    }

    /** {@code n} clients from 127.0.0.{host} that each announce a 256 KiB JSON body, send 1000 bytes of it and stop. */
    private static List<Socket> open(TestForge tf, int host, int n) throws IOException {
        List<Socket> out = new ArrayList<>();
        byte[] head = ("POST /api/validate-yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + DECLARED + "\r\n\r\n{\"content\": \"" + "x".repeat(1000 - 13)).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < n; i++) {
            Socket s = new Socket(InetAddress.getByName("127.0.0.1"), HttpSupport.port(tf), InetAddress.getByName("127.0.0." + host), 0);
            s.setSoTimeout(60_000);
            s.getOutputStream().write(head);
            s.getOutputStream().flush();
            out.add(s);
        }
        return out;
    }

    /** Waits (bounded) until the server has decided on all {@code n} new bodies: each was either granted or refused. */
    private static void settle(BodyBudget budget, long decidedBefore, int n) throws InterruptedException {
        for (int i = 0; i < 3000 && budget.refused() + budget.granted() - decidedBefore < n; i++) Thread.sleep(10);
        assertThat(budget.refused() + budget.granted() - decidedBefore).as("bodies decided").isEqualTo(n);
    }

    /** The status each slow client got (or "reset" when the server closed without an answer it could read). */
    private static Map<String, Integer> outcomes(List<Socket> sockets) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (Socket s : sockets) {
            String status;
            try (s) {
                String line = firstLine(s.getInputStream());
                status = line.startsWith("HTTP/1.1 ") ? line.substring(9, 12) : "reset";
            } catch (IOException e) {
                status = "reset";
            }
            counts.merge(status, 1, Integer::sum);
        }
        return counts;
    }

    private static String normalPost(TestForge tf, String from) throws IOException {
        String body = "{\"content\": \"---\\nlicense: mit\\n---\\n\"}";
        return exchange(tf, from, "POST /api/validate-yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body);
    }

    private static String rawGet(TestForge tf, String from, String path) throws IOException {
        return exchange(tf, from, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    }

    private static String exchange(TestForge tf, String from, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), HttpSupport.port(tf), InetAddress.getByName(from), 0)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return firstLine(s.getInputStream());
        }
    }

    private static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) line.write(c);
        return line.toString(StandardCharsets.US_ASCII).trim();
    }
}
