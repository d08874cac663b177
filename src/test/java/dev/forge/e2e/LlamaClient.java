package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@code src/test/node-llama/complete.mjs}: the real node-llama-cpp (npm) with its prebuilt CPU build of
 * llama.cpp resolves a model URI against a forge ({@code HF_ENDPOINT}), downloads the files and completes a prompt
 * greedily. Installs the pinned packages on first use with {@code npm install --omit=optional --ignore-scripts}: the
 * Linux x86-64 build is a direct dependency, the other platforms' (CUDA ones of 140-180 MB among them) are left out,
 * and nothing is downloaded or built after install. Needs Linux x86-64; anywhere else, and without node or npm, the
 * test fails saying so: it never skips silently.
 */
final class LlamaClient {
    static final Path DIR = NodeClient.projectRoot().resolve("src/test/node-llama");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean installed;

    private LlamaClient() {}

    /** {@code {"files", "modelPath", "tokens", "completion"}} of {@code uri} downloaded into {@code models}. */
    static JsonNode complete(String endpoint, String token, String uri, Path models, String prompt, int maxTokens)
            throws IOException, InterruptedException {
        ensureInstalled();
        Files.createDirectories(models);
        List<String> cmd = new ArrayList<>(List.of("node", "complete.mjs", "--uri", uri, "--dir", models.toString(), "--prompt", prompt,
                "--max-tokens", Integer.toString(maxTokens)));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("HF_") || k.equals("MODEL_ENDPOINT") || k.startsWith("NODE_LLAMA_CPP"));
        pb.environment().put("HF_ENDPOINT", endpoint);
        pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
        if (token != null) pb.environment().put("HF_TOKEN", token);
        NodeClient.Output out = NodeClient.exec(pb, 300);
        if (out.exitCode() != 0) {
            throw new AssertionError("node-llama-cpp " + uri + " failed (exit " + out.exitCode() + "):\n" + out.stderr() + out.stdout());
        }
        String last = out.stdout().strip();
        last = last.substring(last.lastIndexOf('\n') + 1);
        try {
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new AssertionError("node-llama-cpp printed no JSON:\n" + out.stdout() + out.stderr(), e);
        }
    }

    static synchronized void ensureInstalled() throws IOException, InterruptedException {
        if (installed) return;
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new AssertionError("The node-llama-cpp end-to-end test uses the prebuilt llama.cpp for Linux x86-64, not " + os + "/" + arch
                    + ": run it there, or leave the slow classes out with ./run-tests --quick.");
        }
        NodeClient.Output node = NodeClient.tryExec(new ProcessBuilder("node", "--version"), 30);
        if (node == null || node.exitCode() != 0) {
            throw new AssertionError("The node-llama-cpp e2e test needs Node.js 20+ on the PATH; install it (.ci/run does) "
                    + "or leave the slow classes out with ./run-tests --quick.");
        }
        if (!Files.exists(DIR.resolve("node_modules/@node-llama-cpp/linux-x64/package.json"))) {
            ProcessBuilder pb = new ProcessBuilder("npm", "install", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund")
                    .directory(DIR.toFile());
            pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
            NodeClient.Output npm = NodeClient.tryExec(pb, 600);
            if (npm == null) throw new AssertionError("The node-llama-cpp e2e test needs npm on the PATH to install node-llama-cpp in " + DIR);
            if (npm.exitCode() != 0) throw new AssertionError("'npm install' failed in " + DIR + " (exit " + npm.exitCode() + "):\n" + npm.stdout() + npm.stderr());
        }
        installed = true;
    }
}
