package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code src/test/node/hub-client.mjs} (the real {@code @huggingface/hub} client) with {@code node}
 * and parses the JSON it prints. Installs the pinned packages with {@code npm ci} on first use. A missing
 * node or npm, or a failing install, fails the test: these e2e tests never skip silently.
 */
final class NodeClient {
    static final Path DIR = projectRoot().resolve("src/test/node");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean installed;

    private final String hubUrl;
    private final String token;

    /** A client of the forge at {@code hubUrl}; {@code token} may be null for anonymous calls. */
    NodeClient(String hubUrl, String token) {
        this.hubUrl = hubUrl;
        this.token = token;
    }

    NodeClient anonymous() { return new NodeClient(hubUrl, null); }

    /** {@code createRepo}: returns {@code {"repoUrl", "id"}}. */
    JsonNode createRepo(String type, String repo) throws IOException, InterruptedException {
        return run("create-repo", "--type", type, "--repo", repo);
    }

    /** Info (sha), recursive listing, then every file downloaded: {@code {"sha", "files": {path: {sha256, size, etag}}}}. */
    JsonNode downloadAll(String type, String repo) throws IOException, InterruptedException {
        return run("download-all", "--type", type, "--repo", repo);
    }

    JsonNode run(String command, String... args) throws IOException, InterruptedException {
        ensureInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", "hub-client.mjs", command, "--hub-url", hubUrl));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile());
        pb.environment().remove("HF_TOKEN");
        if (token != null) pb.environment().put("HF_TOKEN", token);
        Output out = exec(pb, 120);
        if (out.exitCode != 0) {
            throw new AssertionError("hub-client " + command + " " + String.join(" ", args) + " failed (exit " + out.exitCode + "):\n"
                    + out.stderr + out.stdout);
        }
        try {
            return JSON.readTree(out.stdout);
        } catch (IOException e) {
            throw new AssertionError("hub-client " + command + " printed no JSON:\n" + out.stdout + out.stderr, e);
        }
    }

    /** Runs {@code npm ci} once when the packages are not installed yet; fails clearly when node or npm cannot. */
    static synchronized void ensureInstalled() throws IOException, InterruptedException {
        if (installed) return;
        Output version = tryExec(new ProcessBuilder("node", "--version"), 30);
        if (version == null || version.exitCode != 0) {
            throw new AssertionError("The e2e tests need Node.js (node 18+ on the PATH) to run the @huggingface/hub client; "
                    + "install it (.ci/run does) or leave the slow classes out with ./run-tests --quick." + (version == null ? "" : "\n" + version.stderr));
        }
        if (!Files.exists(DIR.resolve("node_modules/@huggingface/hub/package.json"))) {
            Output ci = tryExec(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(DIR.toFile()), 300);
            if (ci == null) {
                throw new AssertionError("The e2e tests need npm on the PATH to install @huggingface/hub in " + DIR
                        + "; install it (.ci/run does) or leave the slow classes out with ./run-tests --quick.");
            }
            if (ci.exitCode != 0) {
                throw new AssertionError("'npm ci' failed in " + DIR + " (exit " + ci.exitCode + "):\n" + ci.stdout + ci.stderr);
            }
        }
        installed = true;
    }

    record Output(int exitCode, String stdout, String stderr) {}

    /** Like {@link #exec} but null when the program cannot be started at all (not installed). */
    static Output tryExec(ProcessBuilder pb, int timeoutSeconds) throws IOException, InterruptedException {
        try {
            return exec(pb, timeoutSeconds);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) return null;
            throw e;
        }
    }

    /**
     * Runs to the end. The output goes to files, so no thread of this JVM blocks on a pipe meanwhile: pipe
     * readers on {@code ForkJoinPool.commonPool()} would starve JGit, which measures a new file system's
     * timestamp resolution on that pool while the server's first repository creation waits for it.
     */
    static Output exec(ProcessBuilder pb, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("node-out", ".txt");
        Path err = Files.createTempFile("node-err", ".txt");
        try {
            Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    throw new AssertionError(String.join(" ", pb.command()) + " timed out after " + timeoutSeconds + " s:\n"
                            + Files.readString(err) + Files.readString(out));
                }
                return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The SHA-256 of a file's bytes, in hex (as download-all reports it). */
    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file under {@code dir} outside {@code .git}, by its {@code /}-separated relative path, to its SHA-256. */
    static SortedMap<String, String> sha256Tree(Path dir) throws IOException {
        SortedMap<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path rel = dir.relativize(p);
                if (rel.getNameCount() > 0 && rel.getName(0).toString().equals(".git")) continue;
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel.toString().replace(File.separatorChar, '/'), sha256(p));
                }
            }
        }
        return out;
    }

    /** The project folder: surefire's {@code basedir}, else the working directory (Maven runs tests there). */
    static Path projectRoot() {
        String basedir = System.getProperty("basedir");
        return Path.of(basedir != null ? basedir : System.getProperty("user.dir")).toAbsolutePath();
    }
}
