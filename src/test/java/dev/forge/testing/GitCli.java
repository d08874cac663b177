package dev.forge.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code git} (and {@code git lfs}) in a sandbox: a private HOME with its own config (user,
 * {@code git lfs install}), no terminal prompts, no system config. Fails loudly with git's output.
 */
public final class GitCli {
    private final Path home;

    public GitCli(Path home) throws IOException, InterruptedException {
        this.home = Files.createDirectories(home);
        run(home, "config", "--global", "user.name", "Forge Test");
        run(home, "config", "--global", "user.email", "test@example.com");
        run(home, "config", "--global", "init.defaultBranch", "main");
        run(home, "lfs", "install", "--skip-repo");
    }

    public record Result(int exitCode, String output) {}

    /** Runs git and returns its output; throws when it fails. */
    public String run(Path dir, String... args) throws IOException, InterruptedException {
        Result r = tryRun(dir, args);
        if (r.exitCode != 0) throw new AssertionError("git " + String.join(" ", args) + " failed (" + r.exitCode + "):\n" + r.output);
        return r.output;
    }

    /** Runs git and returns its exit code and output, whatever they are. */
    public Result tryRun(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_LFS_SKIP_SMUDGE", "0");
        env.remove("GIT_DIR");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("git " + String.join(" ", args) + " timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
