package dev.forge.http;

import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.BodyBudget;
import dev.forge.http.exchange.Errors;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.JsonErrorHandler;
import dev.forge.http.files.BodyStreamer;
import dev.forge.http.git.GitGate;

import dev.forge.core.ForgeConfig;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.RateLimiter;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Embedded Jetty 12 serving the route table and git: virtual threads for handlers, a lenient URI compliance so
 * that encoded slashes ({@code refs%2Fpr%2F1}) reach the router (which validates every segment itself),
 * and one log line per request (method, path without query, status, bytes, ms, request id; never a
 * credential or a signed URL).
 */
public final class ForgeServer implements AutoCloseable {
    private static final Logger access = LoggerFactory.getLogger("forge.access");

    private final Server server;
    private final ServerConnector connector;
    private final LaneConnection.Factory lanes;
    private final BodyBudget budget;
    private final AnswerMemo memo;

    /** The most bytes of direct buffers the pool keeps for reuse (more are released to the GC). */
    static final long POOL_DIRECT_BYTES = 64L * 1024 * 1024;
    /** The most bytes of heap buffers the pool keeps. */
    static final long POOL_HEAP_BYTES = 16L * 1024 * 1024;

    /**
     * The buffer pool the server and the handlers that stream bodies share. Its largest bucket holds the streamer's
     * {@link BodyStreamer#BUFFER}: Jetty's default pool stops at 64 KiB, so every 256 KiB read of a download was a fresh
     * direct allocation (zeroed, freed by the GC later), which cost time to the first byte and grew the resident memory
     * under load. What it keeps is bounded (default: an eighth of the heap's maximum, gigabytes on a large machine).
     */
    public static ByteBufferPool newBufferPool() {
        return new ArrayByteBufferPool.Quadratic(0, BodyStreamer.BUFFER, Integer.MAX_VALUE, POOL_HEAP_BYTES, POOL_DIRECT_BYTES);
    }

    /**
     * A server (not started yet) on the configured host and port.
     *
     * @param pool the pool from {@link #newBufferPool()} that the streaming handlers were given
     */
    public ForgeServer(ForgeConfig config, ByteBufferPool pool, AuthService auth, RateLimiter rateLimits, Routes routes, GitGate git,
                       AnswerMemo memo) {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("forge");
        java.util.concurrent.Executor blocking = threads;
        if (!"false".equals(System.getenv("FORGE_VIRTUAL_THREADS"))) {
            blocking = Executors.newVirtualThreadPerTaskExecutor();
            threads.setVirtualThreadsExecutor(blocking);
        }
        server = new Server(threads, null, pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setSendServerVersion(false);
        http.setSendDateHeader(true);
        http.setRequestHeaderSize(16 * 1024);
        http.setOutputBufferSize(BodyStreamer.BUFFER);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        h1.setInputBufferSize(64 * 1024); // fewer reads per uploaded GiB
        // no acceptor thread: the selector accepts new connections itself; and it sets up each new connection itself too
        // (see selectorTasks), so a new connection's first request is read and, from memory, answered without waiting for
        // any other thread to wake up
        // every connection starts in the lane's own connection, which answers the memo's hits and hands the rest to h1
        FastLane lane = new FastLane(memo, auth, rateLimits, config, blocking);
        LaneConnection.Factory lanes = new LaneConnection.Factory(lane, h1, server);
        this.lanes = lanes;
        connector = new ServerConnector(server, selectorTasks(threads), null, null, 0, -1, lanes, h1);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(TimeUnit.MINUTES.toMillis(5));
        server.addConnector(connector);
        budget = new BodyBudget(config.limits());
        this.memo = memo;
        server.setHandler(new RootHandler(config, auth, rateLimits, routes, git, budget, memo, lane, lanes, blocking));
        // the handler tree is fixed once started, so Jetty may trust RootHandler's non-blocking declaration and call it
        // on the selector (a dynamic tree is assumed blocking and every request is handed to another thread first)
        server.setDynamic(false);
        server.setRequestLog(ForgeServer::log);
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(5000);
    }

    /**
     * The executor of the connector's selector: Jetty hands it each accepted connection's setting-up (creating its end
     * point and connection, asking to read), which is a few allocations and a registration, and would cost a thread
     * wake-up before the connection's first byte is even read; that task runs on the selector itself. Everything else
     * (the selector's own loop, and any blocking work) goes to the thread pool. The task is recognised by its class,
     * Jetty's {@code ManagedSelector.Accept}: should Jetty rename it, connections are merely set up on the pool again.
     */
    static java.util.concurrent.Executor selectorTasks(java.util.concurrent.Executor pool) {
        return task -> {
            if (task.getClass().getName().equals(ACCEPT_TASK) || LaneConnection.isOpening(task)) task.run();
            else pool.execute(task);
        };
    }

    private static final String ACCEPT_TASK = "org.eclipse.jetty.io.ManagedSelector$Accept";

    public ForgeServer start() throws Exception {
        server.start();
        return this;
    }

    /** The accounting of request bodies held in memory (for tests and operators). */
    public BodyBudget bodyBudget() { return budget; }

    /** How many requests were answered by lane connections, without Jetty's HTTP/1.1 (for tests and operators). */
    public long laneAnswered() { return lanes.answered(); }

    /** The answers kept for the fast lane (for tests and operators). */
    public AnswerMemo memo() { return memo; }

    /** The port actually bound (useful when configured as 0). */
    public int port() { return connector.getLocalPort(); }

    public void join() throws InterruptedException { server.join(); }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static void log(Request request, Response response) {
        logAccess(request.getMethod(), request.getHttpURI().getPath(), response.getStatus(), Response.getContentBytesWritten(response),
                request.getBeginNanoTime(), request.getAttribute(Exchange.REQUEST_ID_ATTRIBUTE));
    }

    /** Whether access-log lines are written (the lane makes a line's strings only then). */
    static boolean accessLogged() { return access.isInfoEnabled(); }

    /** One access-log line (at INFO): of every request, whether Jetty or the {@link LaneConnection} answered it. */
    static void logAccess(String method, String rawPath, int status, long bodyBytes, long beganNanos, Object requestId) {
        if (!access.isInfoEnabled()) return;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beganNanos);
        access.info("{} {} {} {}B {}ms id={}", method, Errors.loggablePath(rawPath), status, bodyBytes, ms, requestId);
    }
}
