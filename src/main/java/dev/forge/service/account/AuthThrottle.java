package dev.forge.service.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Slows guessing of passwords and tokens: an address that presents more than {@code authFailuresAllowed} bad
 * credentials within ten minutes is refused any authentication (429 with {@code Retry-After}) for
 * {@code authBlockSeconds}, doubled for each further block, up to an hour. Counted per node, in memory.
 */
final class AuthThrottle {
    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final Duration MAX_BLOCK = Duration.ofHours(1);

    private static final class State {
        Instant windowStart;
        int failures;
        int blocks;
        Instant blockedUntil = Instant.MIN;
    }

    private final ForgeConfig.Security security;
    private final InstantSource clock;
    private final Cache<String, State> byAddress = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(Duration.ofHours(2)).build();

    AuthThrottle(ForgeConfig.Security security, InstantSource clock) {
        this.security = security;
        this.clock = clock;
    }

    /** Throws 429 while the address is blocked. */
    void check(String address) {
        State s = byAddress.getIfPresent(key(address));
        if (s == null) return;
        Instant now = clock.instant();
        synchronized (s) {
            if (now.isBefore(s.blockedUntil)) {
                long seconds = Math.max(1, Duration.between(now, s.blockedUntil).toSeconds());
                throw new ForgeException(ErrorKind.TOO_MANY_REQUESTS,
                        "Too many failed authentications from your address; try again in " + seconds + " s",
                        new ErrorDetail.RetryAfter(seconds));
            }
        }
    }

    /** Whether the address is blocked now (what {@link #check} would refuse). */
    boolean refusing(String address) {
        State s = byAddress.getIfPresent(key(address));
        if (s == null) return false;
        synchronized (s) {
            return clock.instant().isBefore(s.blockedUntil);
        }
    }

    void failed(String address) {
        State s = byAddress.get(key(address), k -> new State());
        Instant now = clock.instant();
        synchronized (s) {
            if (s.windowStart == null || now.isAfter(s.windowStart.plus(WINDOW))) {
                s.windowStart = now;
                s.failures = 0;
            }
            if (++s.failures > security.authFailuresAllowed()) {
                Duration block = Duration.ofSeconds(security.authBlockSeconds()).multipliedBy(1L << Math.min(s.blocks, 12));
                s.blockedUntil = now.plus(block.compareTo(MAX_BLOCK) > 0 ? MAX_BLOCK : block);
                s.blocks++;
                s.failures = 0;
                s.windowStart = now;
            }
        }
    }

    private static String key(String address) { return address == null ? "" : address; }
}
