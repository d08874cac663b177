package dev.forge.e2e;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cli.ForgeCli;
import dev.forge.testing.GitCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a newcomer does first: {@code ./forge serve --demo}, then clone the demo model with git and
 * download the demo repositories with the JS client. Runs the real launcher script as a subprocess.
 */
@Tag("slow")
class DemoLauncherE2ETest {
    private static final Pattern SERVING = Pattern.compile("^Forge is serving .* at (https?://\\S+) \\(listening on .*\\)$");
    /** Normally the launcher starts in seconds; when it rebuilds first ("forge: building…") it may take minutes. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    private Process launcher;
    private final StringBuffer output = new StringBuffer();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    @AfterEach
    void stopLauncher() throws InterruptedException {
        if (launcher == null) return;
        var children = launcher.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        launcher.destroy();
        if (!launcher.waitFor(15, TimeUnit.SECONDS)) launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        children.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void demoReposCloneWithGitAndDownloadWithTheJsClient() throws Exception {
        String url = startDemo();
        GitCli git = new GitCli(tmp.resolve("home"));
        NodeClient hub = new NodeClient(url, null); // anonymous: the demo repositories are public

        Path gpt = tmp.resolve("tiny-gpt");
        git.run(tmp, "clone", url + "/demo/tiny-gpt", gpt.toString());
        assertRealSafetensors(gpt.resolve("model.safetensors"));
        JsonNode model = hub.downloadAll("model", "demo/tiny-gpt");
        assertThat(model.path("sha").asText()).isEqualTo(git.run(gpt, "rev-parse", "HEAD").strip());
        assertThat(hashes(model)).isEqualTo(NodeClient.sha256Tree(gpt))
                .containsKeys(".gitattributes", "README.md", "config.json", "tokenizer.json", "model.safetensors");

        Path stories = tmp.resolve("tiny-stories");
        git.run(tmp, "clone", url + "/datasets/demo/tiny-stories", stories.toString());
        JsonNode dataset = hub.downloadAll("dataset", "demo/tiny-stories");
        assertThat(dataset.path("sha").asText()).isEqualTo(git.run(stories, "rev-parse", "HEAD").strip());
        assertThat(hashes(dataset)).isEqualTo(NodeClient.sha256Tree(stories))
                .containsKeys("README.md", "data/train.jsonl", "data/test.jsonl");
    }

    /** Starts {@code ./forge serve --demo --port 0} and returns the URL it announces. */
    private String startDemo() throws IOException, InterruptedException {
        Path root = NodeClient.projectRoot();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("forge").toString(), "serve", "--demo", "--port", "0",
                "--data", tmp.resolve("data").toString()).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // The launcher runs the build this test belongs to (its classpath.txt was written in process-classes),
        // so it neither rebuilds nor races other builds of the checkout (-Dforge.buildDir).
        env.put("FORGE_BUILD_DIR", buildDir().toString());
        for (String v : new String[] {"FORGE_DATA", "FORGE_HOST", "FORGE_PORT", "FORGE_PUBLIC_URL"}) env.remove(v);
        launcher = pb.start();
        launcher.getOutputStream().close();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        }, "forge-launcher-output");
        reader.setDaemon(true);
        reader.start();

        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = SERVING.matcher(line.strip());
                if (m.matches()) return m.group(1);
            } else if (!launcher.isAlive() && lines.isEmpty()) {
                reader.join(2000);
                fail("./forge serve --demo exited with " + launcher.exitValue() + " before serving:\n" + output);
            }
        }
        fail("./forge serve --demo did not announce 'Forge is serving' within " + START_TIMEOUT + ":\n" + output);
        return null;
    }

    /** The build output folder holding the classes under test: the parent of {@code classes/}. */
    private static Path buildDir() {
        try {
            Path classes = Path.of(ForgeCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The real weights, not an LFS pointer: an 8-byte little-endian header length, a JSON header, then the tensors. */
    private static void assertRealSafetensors(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.ISO_8859_1))
                .as("model.safetensors must be smudged, not a pointer").doesNotStartWith("version https://git-lfs");
        assertThat(bytes.length).isGreaterThan(8);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength).isPositive().isLessThanOrEqualTo(bytes.length - 8L);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        long end = 0;
        for (var it = header.properties().iterator(); it.hasNext(); ) {
            var tensor = it.next();
            if (!tensor.getKey().equals("__metadata__")) end = Math.max(end, tensor.getValue().path("data_offsets").path(1).asLong());
        }
        assertThat(header.has("transformer.wte.weight")).isTrue();
        assertThat(8 + headerLength + end).as("header + tensor bytes").isEqualTo(bytes.length);
    }

    private static SortedMap<String, String> hashes(JsonNode download) {
        SortedMap<String, String> out = new TreeMap<>();
        download.path("files").properties().forEach(e -> out.put(e.getKey(), e.getValue().path("sha256").asText()));
        return out;
    }
}
