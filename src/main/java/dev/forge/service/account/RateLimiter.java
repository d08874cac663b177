package dev.forge.service.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;

import java.time.Duration;
import java.time.InstantSource;

/**
 * Request rate limits per token (or per address for anonymous callers), one token bucket per caller and kind:
 * a bucket holds a minute's allowance and refills continuously. Site admins are not limited. Over the limit, a
 * 429 with {@code Retry-After} and the {@code RateLimit}/{@code RateLimit-Policy} headers the Hub sends (which
 * {@code huggingface_hub} reads to say when to retry). Counted per node, in memory.
 */
public final class RateLimiter {
    public enum Kind {
        API("api"), RESOLVE("resolvers");

        final String policy;

        Kind(String policy) { this.policy = policy; }
    }

    private static final class Bucket {
        double tokens;
        long updatedNanos;
    }

    private final ForgeConfig.Security security;
    private final InstantSource clock;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    public RateLimiter(ForgeConfig.Security security, InstantSource clock) {
        this.security = security;
        this.clock = clock;
    }

    /** Takes one request from the caller's allowance, or throws 429. */
    /** Whether requests of this kind are limited at all (a limit of 0 turns it off). */
    public boolean limits(Kind kind) {
        return (kind == Kind.API ? security.apiRequestsPerMinute() : security.resolveRequestsPerMinute()) > 0;
    }

    public void acquire(Actor actor, Kind kind) {
        int perMinute = kind == Kind.API ? security.apiRequestsPerMinute() : security.resolveRequestsPerMinute();
        if (perMinute == 0 || actor.isSiteAdmin()) return;
        String who = actor instanceof Actor.Signed s ? "t:" + s.token().key() : "a:" + actor.address();
        Bucket b = buckets.get(kind.name() + "|" + who, k -> {
            Bucket n = new Bucket();
            n.tokens = perMinute;
            n.updatedNanos = nanos();
            return n;
        });
        double perNano = perMinute / 60e9;
        synchronized (b) {
            long now = nanos();
            b.tokens = Math.min(perMinute, b.tokens + (now - b.updatedNanos) * perNano);
            b.updatedNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return;
            }
            long retryAfter = Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano / 1e9));
            throw new ForgeException(ErrorKind.TOO_MANY_REQUESTS,
                    "Rate limit exceeded: " + perMinute + " " + kind.policy + " requests per minute; retry in " + retryAfter + " s",
                    new ErrorDetail.RateLimited(kind.policy, perMinute, retryAfter));
        }
    }

    private long nanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
