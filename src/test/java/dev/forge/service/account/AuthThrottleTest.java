package dev.forge.service.account;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthThrottleTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = now::get;
    private final AuthThrottle throttle = new AuthThrottle(new ForgeConfig.Security(false, 0, 0, 3, 60, false), clock);

    private void advance(Duration d) { now.set(now.get().plus(d)); }

    @Test
    void blocksAfterTheAllowedFailuresThenDoublesEachBlock() {
        for (int i = 0; i < 3; i++) throttle.failed("10.0.0.1");
        throttle.check("10.0.0.1"); // three allowed
        throttle.failed("10.0.0.1");
        assertThatThrownBy(() -> throttle.check("10.0.0.1")).isInstanceOf(ForgeException.class)
                .satisfies(e -> assertThat(((ForgeException) e).detail()).contains(new ErrorDetail.RetryAfter(60)));
        throttle.check("10.0.0.2"); // other addresses are not affected

        advance(Duration.ofSeconds(61));
        throttle.check("10.0.0.1");
        for (int i = 0; i < 4; i++) throttle.failed("10.0.0.1");
        assertThatThrownBy(() -> throttle.check("10.0.0.1"))
                .satisfies(e -> assertThat(((ForgeException) e).detail()).contains(new ErrorDetail.RetryAfter(120)));
    }

    @Test
    void failuresSpreadBeyondTheWindowAreForgiven() {
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.0.3");
            throttle.failed("10.0.0.3");
            advance(Duration.ofMinutes(11));
            throttle.check("10.0.0.3");
        }
    }

    @Test
    void blocksNeverExceedAnHour() {
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 4; i++) throttle.failed("10.0.0.4");
            assertThatThrownBy(() -> throttle.check("10.0.0.4")).satisfies(e ->
                    assertThat(((ErrorDetail.RetryAfter) ((ForgeException) e).detail().orElseThrow()).seconds()).isBetween(60L, 3600L));
            advance(Duration.ofHours(1).plusSeconds(1));
        }
    }
}
