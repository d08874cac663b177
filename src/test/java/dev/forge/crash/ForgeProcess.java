package dev.forge.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code forge serve} as a separate OS process over a data folder, so that it can be killed with SIGKILL
 * ({@link #kill()}) and started again over the same folder. Started with this JVM's java and class path; its
 * output goes to {@code <data>/../forge-<n>.log} and is kept in memory.
 */
public final class ForgeProcess implements AutoCloseable {
    private static final Pattern TOKEN = Pattern.compile("hf_[A-Za-z0-9]+");
    private static final String READY = "Forge is serving";
    private static int started;

    final Process process;
    final Path data;
    final int port;
    public final String baseUrl;
    /** The admin token printed on first start; null when the data folder was used before (nothing is printed then). */
    final String printedToken;
    private final List<String> lines;

    private ForgeProcess(Process process, Path data, int port, List<String> lines) {
        this.process = process;
        this.data = data;
        this.port = port;
        this.baseUrl = "http://127.0.0.1:" + port;
        this.lines = lines;
        String token = null;
        synchronized (lines) {
            for (String l : lines) {
                Matcher m = TOKEN.matcher(l);
                if (m.find()) {
                    token = m.group();
                    break;
                }
            }
        }
        this.printedToken = token;
    }

    /** The java command line for {@code ForgeCli args…} with this JVM's class path. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-modules=jdk.incubator.vector"); // Vector API BLAKE3, as ./forge does
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.forge.cli.ForgeCli");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static ProcessBuilder builder(List<String> cmd) {
        return builder(cmd, false);
    }

    private static ProcessBuilder builder(List<String> cmd, boolean accessLog) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("FORGE_"));
        pb.environment().put("FORGE_ACCESS_LOG", accessLog ? "INFO" : "WARN");
        return pb;
    }

    /** Starts {@code forge serve} with its access log (one line per request) in {@link #output()}. */
    public static ForgeProcess startWithAccessLog(Path data) throws Exception {
        accessLogNext = true;
        try {
            return start(data);
        } finally {
            accessLogNext = false;
        }
    }

    private static volatile boolean accessLogNext;

    /** Starts {@code forge serve} on a free port and waits for "Forge is serving". */
    public static ForgeProcess start(Path data) throws Exception {
        AssertionError last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce(data);
            } catch (PortTaken e) {
                last = new AssertionError(e.getMessage());
            }
        }
        throw last;
    }

    private static final class PortTaken extends Exception {
        PortTaken(String output) { super(output); }
    }

    private static ForgeProcess startOnce(Path data) throws Exception {
        int port = freePort();
        int n;
        synchronized (ForgeProcess.class) {
            n = ++started;
        }
        Path log = data.toAbsolutePath().getParent().resolve("forge-" + n + ".log");
        Process p = builder(javaCommand("serve", "--port", Integer.toString(port), "--data", data.toString()), accessLogNext).start();
        p.getOutputStream().close();
        List<String> lines = new ArrayList<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("forge-" + n + "-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    w.write(line);
                    w.write('\n');
                    w.flush();
                    if (line.startsWith(READY)) ready.complete(null);
                }
            } catch (IOException ignored) {
                // the process died
            }
            ready.completeExceptionally(new IllegalStateException("forge exited before serving"));
        });
        try {
            ready.get(4, TimeUnit.MINUTES);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            String out;
            synchronized (lines) {
                out = String.join("\n", lines);
            }
            if (out.contains("Address already in use")) throw new PortTaken(out);
            throw new AssertionError("forge serve did not start (" + e + "); output:\n" + out);
        }
        return new ForgeProcess(p, data, port, lines);
    }

    public String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    long pid() { return process.pid(); }

    /** SIGKILL, then waits for the process to be gone; asserts it died of the signal (exit status 128 + 9). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("forge died after SIGKILL").isTrue();
        assertThat(process.exitValue()).as("exit status of a SIGKILLed process").isEqualTo(137);
    }

    /** SIGTERM (a clean shutdown through the shutdown hook), then waits. */
    void stop() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("forge did not stop on SIGTERM within 60 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    record Result(int exitCode, String output) {}

    /** Starts {@code forge <args…>} as its own process, output (stdout and stderr together) to read from its input stream. */
    static Process cli(String... args) throws IOException {
        Process p = builder(javaCommand(args)).start();
        p.getOutputStream().close();
        return p;
    }

    /** Runs {@code forge fsck --data <data>} as its own process (the server must be stopped). */
    static Result fsck(Path data) throws Exception {
        Process p = builder(javaCommand("fsck", "--data", data.toString())).start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("forge fsck did not finish");
        }
        return new Result(p.exitValue(), new String(out.get(1, TimeUnit.MINUTES), StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
