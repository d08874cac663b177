package dev.forge.testing;

import dev.forge.core.ForgeConfig;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.http.ForgeServer;
import dev.forge.service.account.Actor;
import dev.forge.app.Forge;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real Forge, started on a free loopback port over a temporary data folder, with an admin account
 * and a write token, plus a plain HTTP client. Close it to stop the server.
 */
public final class TestForge implements AutoCloseable {
    public final Path dataDir;
    public final Forge forge;
    public final ForgeServer server;
    public final String baseUrl;
    public final User admin;
    public final String adminToken;
    public final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private TestForge(Path dataDir, ForgeConfig.Limits limits) throws Exception {
        this(dataDir, limits, ForgeConfig.Uploads.defaults());
    }

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads) throws Exception {
        this(dataDir, limits, uploads, TESTING_SECURITY);
    }

    /**
     * Tests send many requests from one address, some with bad tokens on purpose: rate limits and the block
     * after failed authentications are off unless a test asks for them.
     */
    public static final ForgeConfig.Security TESTING_SECURITY = new ForgeConfig.Security(false, 0, 0, 1_000_000, 60, false);

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads, ForgeConfig.Security security) throws Exception {
        this(dataDir, limits, uploads, security, defaultStorage());
    }

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads, ForgeConfig.Security security,
                      ForgeConfig.Storage storage) throws Exception {
        this(dataDir, limits, uploads, security, storage, Forge.Options.DEFAULTS);
    }

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads, ForgeConfig.Security security,
                      ForgeConfig.Storage storage, Forge.Options options) throws Exception {
        this(dataDir, limits, uploads, security, storage, options, ForgeConfig.Cache.NONE);
    }

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads, ForgeConfig.Security security,
                      ForgeConfig.Storage storage, Forge.Options options, ForgeConfig.Cache cache) throws Exception {
        this(dataDir, limits, uploads, security, storage, options, cache, ForgeConfig.Airlock.defaults());
    }

    private TestForge(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads, ForgeConfig.Security security,
                      ForgeConfig.Storage storage, Forge.Options options, ForgeConfig.Cache cache, ForgeConfig.Airlock airlock) throws Exception {
        this.dataDir = dataDir;
        int port = freePort();
        this.baseUrl = "http://127.0.0.1:" + port;
        ForgeConfig config = new ForgeConfig("127.0.0.1", port, dataDir, URI.create(baseUrl), limits, uploads, security, storage).withCache(cache).withAirlock(airlock);
        this.forge = Forge.open(config, options);
        forge.recoverAfterCrash(); // as `forge serve` does
        this.admin = forge.auth.user("admin").orElseGet(() -> forge.auth.createUser("admin", "Administrator", "admin@example.com", true));
        this.adminToken = forge.auth.createToken(admin, "tests", Token.Role.WRITE).secret();
        this.server = forge.newServer().start();
    }

    /**
     * The store every test forge uses unless a test says otherwise: the configured default (the chunk store), or the
     * plain store when the suite runs with {@code -Dforge.test.storage=plain} (to check the whole suite against it).
     */
    private static ForgeConfig.Storage defaultStorage() {
        ForgeConfig.Storage d = ForgeConfig.Storage.defaults();
        return "plain".equals(System.getProperty("forge.test.storage"))
                ? new ForgeConfig.Storage(ForgeConfig.Storage.Kind.PLAIN, d.gcGraceSeconds())
                : d;
    }

    /** A forge whose pull-through cache asks {@code cache}'s upstreams, opened with {@code options}. */
    public static TestForge startCache(Path dataDir, ForgeConfig.Cache cache, Forge.Options options) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TESTING_SECURITY, defaultStorage(),
                options, cache);
    }

    /** A cache forge whose airlock has the policy {@code airlock}. */
    public static TestForge startCache(Path dataDir, ForgeConfig.Cache cache, ForgeConfig.Airlock airlock) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TESTING_SECURITY, defaultStorage(),
                Forge.Options.DEFAULTS, cache, airlock);
    }

    /** A forge with the given storage settings. */
    public static TestForge start(Path dataDir, ForgeConfig.Storage storage) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TESTING_SECURITY, storage);
    }

    /** A forge with the given storage settings, opened with {@code options} (a clock the test moves, a view of the blob store). */
    public static TestForge start(Path dataDir, ForgeConfig.Storage storage, Forge.Options options) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TESTING_SECURITY, storage, options);
    }

    /** A forge with its own request limits, opened with {@code options}. */
    public static TestForge start(Path dataDir, ForgeConfig.Limits limits, Forge.Options options) throws Exception {
        return new TestForge(dataDir, limits, ForgeConfig.Uploads.defaults(), TESTING_SECURITY, defaultStorage(), options);
    }

    /** A forge over the default store, opened with {@code options}. */
    public static TestForge start(Path dataDir, Forge.Options options) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), TESTING_SECURITY, defaultStorage(), options);
    }

    /** Starts a forge over {@code dataDir} (which may hold data from an earlier run). */
    public static TestForge start(Path dataDir) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults());
    }

    public static TestForge start(Path dataDir, ForgeConfig.Limits limits) throws Exception {
        return new TestForge(dataDir, limits);
    }

    /** A forge with its own upload settings (multipart threshold and part size, inline and per-commit limits). */
    public static TestForge start(Path dataDir, ForgeConfig.Limits limits, ForgeConfig.Uploads uploads) throws Exception {
        return new TestForge(dataDir, limits, uploads);
    }

    /** A forge with its own account and abuse settings (sign-up, rate limits, the block after failed logins). */
    public static TestForge start(Path dataDir, ForgeConfig.Security security) throws Exception {
        return new TestForge(dataDir, ForgeConfig.Limits.defaults(), ForgeConfig.Uploads.defaults(), security);
    }

    /** An actor for the admin, for calling services directly. */
    public Actor adminActor() {
        return Actor.internal(admin);
    }

    private final java.util.concurrent.atomic.AtomicInteger repoSeq = new java.util.concurrent.atomic.AtomicInteger();

    /** A new public model repository {@code admin/<prefix>-<n>}, unique within this forge; returns its id. */
    public String newModelRepo(String prefix) {
        String id = "admin/" + prefix + "-" + repoSeq.incrementAndGet();
        createRepo(RepoType.MODEL, id);
        return id;
    }

    public Repo createRepo(RepoType type, String id) {
        return forge.repos.create(adminActor(), type, RepoId.parse(id), false);
    }

    public Repo createPrivateRepo(RepoType type, String id) {
        return forge.repos.create(adminActor(), type, RepoId.parse(id), true);
    }

    /** {@code http://admin:<token>@127.0.0.1:port} + path: a git remote that authenticates. */
    public String authedUrl(String path) {
        return baseUrl.replace("http://", "http://admin:" + adminToken + "@") + path;
    }

    public HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path));
    }

    public HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b);
    }

    public HttpResponse<byte[]> head(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).method("HEAD", HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        forge.close();
    }
}
