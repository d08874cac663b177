package dev.forge.http.exchange;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a request body whole, as JSON and form handlers need it, without letting clients hold the server's memory:
 * the bytes are reserved in the {@link BodyBudget} before they are buffered (the declared length at once, or chunk
 * by chunk when none was declared) and returned when reading ends, and the body must arrive before a deadline.
 * Reads are non-blocking with a bounded wait for more content, so a stalled client costs a parked virtual thread,
 * not a buffer that grows. Stateless; each call belongs to its request's thread.
 */
final class BufferedBody {
    private BufferedBody() {}

    /**
     * @throws ForgeException 413 past {@code max} bytes, 429 when the budget refuses, 408 past the deadline
     */
    static byte[] read(Request request, BodyBudget budget, String address, long max, int timeoutSeconds) throws IOException {
        long declared = request.getLength();
        if (declared > max) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "Request body larger than " + max + " bytes");
        long reserved = 0;
        try {
            if (declared > 0) {
                budget.reserve(address, declared);
                reserved = declared;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long total = 0;
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    awaitContent(request, deadline, timeoutSeconds);
                    continue;
                }
                try {
                    if (Content.Chunk.isFailure(chunk)) {
                        // as the stream would throw it: a malformed body (BadMessageException) is a 400, a lost client an EofException
                        Throwable f = chunk.getFailure();
                        if (f instanceof RuntimeException r) throw r;
                        if (f instanceof IOException io) throw io;
                        throw new IOException(f);
                    }
                    ByteBuffer b = chunk.getByteBuffer();
                    int n = b.remaining();
                    if (total + n > max) throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "Request body larger than " + max + " bytes");
                    if (total + n > reserved) {
                        budget.reserve(address, total + n - reserved);
                        reserved = total + n;
                    }
                    byte[] bytes = new byte[n];
                    b.get(bytes);
                    out.write(bytes, 0, n);
                    total += n;
                    if (chunk.isLast()) return out.toByteArray();
                } finally {
                    chunk.release();
                }
            }
        } finally {
            budget.release(address, reserved);
        }
    }

    /** Waits until more of the body can be read; 408 once the deadline has passed. */
    private static void awaitContent(Request request, long deadline, int timeoutSeconds) throws IOException {
        long left = deadline - System.nanoTime();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        if (left > 0) request.demand(() -> ready.complete(null));
        try {
            if (left <= 0) throw new TimeoutException();
            ready.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ForgeException(ErrorKind.REQUEST_TIMEOUT, "The request body took longer than " + timeoutSeconds + " seconds to arrive");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the request body");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }
}
