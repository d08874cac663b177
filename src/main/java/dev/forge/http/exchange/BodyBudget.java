package dev.forge.http.exchange;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the server holds in memory at once (JSON and form bodies are buffered whole), over all
 * clients and per client address. A body reserves its declared length before it is read, or its bytes as they arrive
 * when no length was declared; a reservation that would pass either bound is refused with 429 and
 * {@code Retry-After}, so slow or stalled clients cannot together fill the heap (issue 10, finding 5). Reservations are
 * returned when the body is done with. Counters only: the peaks are kept for tests and operators. Thread-safe.
 */
public final class BodyBudget {
    private final long total;
    private final long perAddress;
    private final int retryAfterSeconds;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong peakPerAddress = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong granted = new AtomicLong();
    private final Map<String, AtomicLong> byAddress = new ConcurrentHashMap<>();

    public BodyBudget(ForgeConfig.Limits limits) {
        this.total = limits.inFlightBodyBytes();
        this.perAddress = limits.inFlightBodyBytesPerAddress();
        this.retryAfterSeconds = limits.bodyTimeoutSeconds();
    }

    /** Takes {@code bytes} for {@code address}, or throws 429 leaving the counters as they were. */
    void reserve(String address, long bytes) {
        if (bytes <= 0) return;
        AtomicLong mine = byAddress.computeIfAbsent(address, a -> new AtomicLong());
        long own = mine.addAndGet(bytes);
        long all = inFlight.addAndGet(bytes);
        if (own > perAddress || all > total) {
            mine.addAndGet(-bytes);
            inFlight.addAndGet(-bytes);
            byAddress.computeIfPresent(address, (a, v) -> v.get() == 0 ? null : v);
            refused.incrementAndGet();
            throw new ForgeException(ErrorKind.TOO_MANY_REQUESTS, own > perAddress
                    ? "Too many request bodies in flight from your address; try again shortly"
                    : "The server is receiving too many request bodies; try again shortly",
                    new ErrorDetail.RetryAfter(retryAfterSeconds));
        }
        granted.incrementAndGet();
        peak.accumulateAndGet(all, Math::max);
        peakPerAddress.accumulateAndGet(own, Math::max);
    }

    /** Gives back what {@link #reserve} took. */
    void release(String address, long bytes) {
        if (bytes <= 0) return;
        inFlight.addAndGet(-bytes);
        AtomicLong mine = byAddress.get(address);
        if (mine != null && mine.addAndGet(-bytes) <= 0) byAddress.computeIfPresent(address, (a, v) -> v.get() <= 0 ? null : v);
    }

    /**
     * A running reservation for a body that is read piece by piece (the NDJSON commit holds one line at a time):
     * {@link Lease#take} as bytes are buffered, {@link Lease#give} when they are done with, {@link Lease#close} at the
     * end. {@code onRefused} runs before a refused take throws (the exchange then closes instead of draining).
     * Not thread-safe: it belongs to its request.
     */
    public Lease lease(String address, Runnable onRefused) {
        return new Lease(address, onRefused);
    }

    public final class Lease implements AutoCloseable {
        private final String address;
        private final Runnable onRefused;
        private long held;

        private Lease(String address, Runnable onRefused) {
            this.address = address;
            this.onRefused = onRefused;
        }

        public void take(long bytes) {
            try {
                reserve(address, bytes);
            } catch (ForgeException e) {
                onRefused.run();
                throw e;
            }
            held += Math.max(0, bytes);
        }

        public void give(long bytes) {
            long g = Math.min(Math.max(0, bytes), held);
            release(address, g);
            held -= g;
        }

        @Override
        public void close() {
            give(held);
        }
    }

    /** Bytes reserved now, over all clients. */
    public long inFlight() { return inFlight.get(); }

    /** Bytes reserved now by one address. */
    public long inFlight(String address) {
        AtomicLong v = byAddress.get(address);
        return v == null ? 0 : v.get();
    }

    /** The most ever reserved at once, over all clients and by any one address. */
    public long peak() { return peak.get(); }

    public long peakPerAddress() { return peakPerAddress.get(); }

    /** How many reservations were refused, and granted. */
    public long refused() { return refused.get(); }

    public long granted() { return granted.get(); }

    public long limit() { return total; }

    public long limitPerAddress() { return perAddress; }
}
