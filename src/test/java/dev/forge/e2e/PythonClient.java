package dev.forge.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs Python against a real Forge with one of the client stacks {@code bin/python-clients.sh} installs under
 * {@code target/py} ({@code FORGE_PY_ROOT} overrides): {@link #HUB2} (huggingface_hub 2.x + hf_xet) and {@link #HUB1}
 * (huggingface_hub 1.x + hf_xet, transformers, datasets, torch). {@code HF_ENDPOINT} points at the forge, the cache
 * ({@code HF_HOME}) is a folder of the test's, and nothing reaches the network. A missing venv fails the test with
 * what to run: these tests never skip silently.
 */
public final class PythonClient {
    /** The venv names, as in {@code src/test/python/requirements-<name>.txt}. */
    public static final String HUB2 = "hub2";
    public static final String HUB1 = "hub1";

    private final Path python;
    private final String endpoint;
    private final Path home;
    private final Map<String, String> env = new LinkedHashMap<>();

    private PythonClient(Path python, String endpoint, Path home) {
        this.python = python;
        this.endpoint = endpoint;
        this.home = home;
    }

    /**
     * A client stack talking to the forge at {@code endpoint}, caching under {@code home}.
     *
     * @param token sent as {@code HF_TOKEN}; null for anonymous use
     */
    public static PythonClient of(String venv, String endpoint, String token, Path home) {
        Path root = System.getenv("FORGE_PY_ROOT") != null ? Path.of(System.getenv("FORGE_PY_ROOT"))
                : projectRoot().resolve("target/py");
        Path python = root.resolve(venv).resolve("bin/python");
        if (!Files.isExecutable(python)) {
            throw new AssertionError("The Python end-to-end tests need the '" + venv + "' client stack at " + root.resolve(venv)
                    + ": run bin/python-clients.sh (.ci/run does), or leave the slow classes out with ./run-tests --quick.");
        }
        PythonClient c = new PythonClient(python, endpoint, home);
        if (token != null) c.env.put("HF_TOKEN", token);
        return c;
    }

    /** The same stack with one more environment variable for the scripts it runs. */
    public PythonClient with(String name, String value) {
        PythonClient c = new PythonClient(python, endpoint, home);
        c.env.putAll(env);
        c.env.put(name, value);
        return c;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        /** The stdout, after checking the script succeeded. */
        public String ok() {
            if (exitCode != 0) throw new AssertionError("python exited " + exitCode + ":\n" + stderr + stdout);
            return stdout;
        }
    }

    /** Runs {@code script} (Python source) with {@code args} in {@code workDir}; waits at most {@code timeout}. */
    public Result run(String script, Path workDir, Duration timeout, String... args) throws IOException, InterruptedException {
        Path file = Files.createTempFile(home.getParent() == null ? home : home.getParent(), "script", ".py");
        Files.writeString(file, script);
        List<String> cmd = new ArrayList<>(List.of(python.toString(), file.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, workDir, timeout);
    }

    /** Runs one of the venv's console scripts ({@code hf}, ...) with {@code args}. */
    public Result command(String program, Path workDir, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python.getParent().resolve(program).toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, workDir, timeout);
    }

    private Result exec(List<String> cmd, Path workDir, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(home);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("HF_") || k.startsWith("HUGGINGFACE_") || k.endsWith("_proxy") || k.endsWith("_PROXY"));
        e.put("HF_ENDPOINT", endpoint);
        e.put("HF_HOME", home.toString());
        e.put("HF_HUB_DISABLE_TELEMETRY", "1");
        e.put("HF_HUB_DISABLE_PROGRESS_BARS", "1");
        e.put("HF_HUB_ETAG_TIMEOUT", "30");
        e.put("HF_HUB_DOWNLOAD_TIMEOUT", "60");
        e.put("DO_NOT_TRACK", "1");
        e.put("PYTHONUNBUFFERED", "1");
        e.put("NO_PROXY", "*");
        e.putAll(env);
        Path out = Files.createTempFile("py-out", ".txt");
        Path err = Files.createTempFile("py-err", ".txt");
        try {
            Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " timed out after " + timeout + ":\n" + Files.readString(err) + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no pom.xml above " + Path.of("").toAbsolutePath());
        return p;
    }
}
