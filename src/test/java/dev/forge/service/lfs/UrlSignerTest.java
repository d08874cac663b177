package dev.forge.service.lfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UrlSignerTest {
    private static final String OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    /** A clock the test moves by hand. */
    static final class ManualClock implements InstantSource {
        private Instant now;

        ManualClock(Instant start) { this.now = start; }

        void advance(Duration d) { now = now.plus(d); }

        @Override public Instant instant() { return now; }
    }

    private final ManualClock clock = new ManualClock(Instant.parse("2025-06-01T12:00:00Z"));
    private final byte[] key = key(1);
    private final UrlSigner signer = new UrlSigner(key, clock);

    private static byte[] key(int fill) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) fill);
        return k;
    }

    @Test
    void acceptsItsOwnTokenForTheSameFields() {
        String token = signer.sign(3600, "upload", "repoKey1", OID, "1234");
        assertThat(signer.verify(token, "upload", "repoKey1", OID, "1234")).isTrue();
        assertThat(token).matches("\\d+\\.[A-Za-z0-9_-]+");
        // another signer with the same key accepts it too (restarts, several servers)
        assertThat(new UrlSigner(key.clone(), clock).verify(token, "upload", "repoKey1", OID, "1234")).isTrue();
    }

    @Test
    void acceptsTokensWithoutFieldsAndWithEmptyOrUnicodeFields() {
        assertThat(signer.verify(signer.sign(60), new String[0])).isTrue();
        assertThat(signer.verify(signer.sign(60, ""), "")).isTrue();
        assertThat(signer.verify(signer.sign(60, "données/été.bin"), "données/été.bin")).isTrue();
    }

    @Test
    void rejectsOtherFields() {
        String token = signer.sign(3600, "upload", "repoKey1", OID, "1234");
        assertThat(signer.verify(token, "download", "repoKey1", OID, "1234")).isFalse();
        assertThat(signer.verify(token, "upload", "repoKey2", OID, "1234")).isFalse();
        assertThat(signer.verify(token, "upload", "repoKey1", OID, "1235")).isFalse();
        assertThat(signer.verify(token, "upload", "repoKey1", OID)).isFalse();                 // one fewer
        assertThat(signer.verify(token, "upload", "repoKey1", OID, "1234", "")).isFalse();     // one more, even empty
        assertThat(signer.verify(token, "repoKey1", "upload", OID, "1234")).isFalse();         // reordered
        assertThat(signer.verify(token, "UPLOAD", "repoKey1", OID, "1234")).isFalse();
        assertThat(signer.verify(token)).isFalse();
    }

    @Test
    void fieldBoundariesMatter() {
        assertThat(signer.verify(signer.sign(60, "ab", "c"), "a", "bc")).isFalse();
        assertThat(signer.verify(signer.sign(60, "a", "bc"), "ab", "c")).isFalse();
        assertThat(signer.verify(signer.sign(60, "abc"), "a", "bc")).isFalse();
        assertThat(signer.verify(signer.sign(60, "a", "bc"), "abc")).isFalse();
        assertThat(signer.verify(signer.sign(60, "a", ""), "a")).isFalse();
        assertThat(signer.verify(signer.sign(60, ""), new String[0])).isFalse();
        assertThat(signer.verify(signer.sign(60, "", ""), "")).isFalse();
    }

    @Test
    void theExpiryIsPartOfTheMac() {
        String token = signer.sign(60, "f");
        int dot = token.indexOf('.');
        long exp = Long.parseLong(token.substring(0, dot));
        String extended = (exp + 86_400) + token.substring(dot);
        assertThat(signer.verify(extended, "f")).isFalse();
        // the expiry and the first field must not run together: "12" + "3x" vs "123" + "x"
        String shifted = (exp / 10) + "." + token.substring(dot + 1);
        assertThat(signer.verify(shifted, (exp % 10) + "f")).isFalse();
    }

    @Test
    void rejectsATamperedMac() {
        String token = signer.sign(3600, "f");
        int dot = token.indexOf('.');
        String mac = token.substring(dot + 1);
        for (int i = 0; i < mac.length(); i++) {
            char c = mac.charAt(i);
            char other = c == 'A' ? 'B' : 'A';
            String tampered = token.substring(0, dot + 1) + mac.substring(0, i) + other + mac.substring(i + 1);
            assertThat(signer.verify(tampered, "f")).as("changed char %d", i).isFalse();
        }
        assertThat(signer.verify(token + "A", "f")).isFalse();
        assertThat(signer.verify(token.substring(0, token.length() - 1), "f")).isFalse();
        assertThat(signer.verify(token.substring(0, dot + 1), "f")).isFalse();
        // standard base64 or padding is not the same token
        String padded = token + "=";
        assertThat(signer.verify(padded, "f")).isFalse();
    }

    @Test
    void rejectsTokensSignedWithAnotherKey() {
        UrlSigner other = new UrlSigner(key(2), clock);
        assertThat(signer.verify(other.sign(3600, "f"), "f")).isFalse();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", ".", "..", "abc", "123", "123.", ".abc", "abc.def", "-1.abc", "1.2.3",
            "99999999999999999999.abc", "12345678901234567890123.abc", "1e9.abc", " 1.abc", "0x10.abc",
            "\u0000", "9223372036854775807.", "9223372036854775807.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void rejectsGarbageTokensWithoutThrowing(String token) {
        assertThat(signer.verify(token, "f")).isFalse();
    }

    @Test
    void expiresAfterItsTimeToLive() {
        String token = signer.sign(600, "f");
        assertThat(signer.verify(token, "f")).isTrue();
        clock.advance(Duration.ofSeconds(599));
        assertThat(signer.verify(token, "f")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(signer.verify(token, "f")).isTrue();    // valid through its expiry second
        clock.advance(Duration.ofSeconds(1));
        assertThat(signer.verify(token, "f")).isFalse();
        clock.advance(Duration.ofDays(365));
        assertThat(signer.verify(token, "f")).isFalse();
    }

    @Test
    void aZeroOrNegativeTimeToLiveIsNotValidLater() {
        String zero = signer.sign(0, "f");
        String negative = signer.sign(-10, "f");
        assertThat(signer.verify(negative, "f")).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(signer.verify(zero, "f")).isFalse();
    }

    @Test
    void shortKeysAreRejected() {
        assertThatThrownBy(() -> new UrlSigner(new byte[0], clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UrlSigner(new byte[16], clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UrlSigner(new byte[31], clock)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new UrlSigner(new byte[32], clock).sign(1)).isNotEmpty();
        assertThat(new UrlSigner(new byte[64], clock).sign(1)).isNotEmpty();
    }

    @Test
    void theKeyIsCopied() {
        byte[] k = key(3);
        UrlSigner s = new UrlSigner(k, clock);
        String token = s.sign(60, "f");
        Arrays.fill(k, (byte) 0);
        assertThat(s.verify(token, "f")).isTrue();
    }
}
