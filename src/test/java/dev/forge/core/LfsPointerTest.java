package dev.forge.core;

import dev.forge.git.LfsPointer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The Git LFS pointer format ({@link LfsPointer}); lives here because {@code dev.forge.git} tests belong to another suite. */
class LfsPointerTest {
    private static final String OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    private static final String V = "version https://git-lfs.github.com/spec/v1\n";

    private static Optional<LfsPointer> parse(String s) {
        return LfsPointer.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writesTheSpecFormat() {
        LfsPointer p = new LfsPointer(new LfsOid(OID), 12345);
        assertThat(new String(p.toBytes(), StandardCharsets.UTF_8))
                .isEqualTo(V + "oid sha256:" + OID + "\nsize 12345\n");
    }

    @Test
    void roundTrips() {
        for (long size : new long[] {0, 1, 12345, Long.MAX_VALUE}) {
            LfsPointer p = new LfsPointer(new LfsOid(OID), size);
            assertThat(LfsPointer.parse(p.toBytes())).contains(p);
        }
    }

    @Test
    void acceptsExtraKeysAsGitLfsDoes() {
        assertThat(parse(V + "ext-0-foo sha256:" + OID + "\noid sha256:" + OID + "\nsize 7\n"))
                .contains(new LfsPointer(new LfsOid(OID), 7));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "version https://git-lfs.github.com/spec/v1",                                        // nothing but the version, no newline
            "version https://git-lfs.github.com/spec/v2\noid sha256:" + OID + "\nsize 1\n",       // wrong version
            "version https://hawser.github.com/spec/v1\noid sha256:" + OID + "\nsize 1\n",
            "Version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize 1\n",
            " version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize 1\n",
            "oid sha256:" + OID + "\nversion https://git-lfs.github.com/spec/v1\nsize 1\n",      // version not first
            "version https://git-lfs.github.com/spec/v1\n",                                       // no oid, no size
            "version https://git-lfs.github.com/spec/v1\nsize 1\n",                               // missing oid
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\n",               // missing size
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize -1\n",      // negative size
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize \n",
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize 1x\n",
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize 1.5\n",
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "\nsize 99999999999999999999\n",
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + OID + "0\nsize 1\n",      // 65 hex digits
            "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1\n",              // too short
            "version https://git-lfs.github.com/spec/v1\noid sha256:4D7A214614AB2935C943F9E0FF69D22EADBB8F32B1258DAAA5E2CA24D17E2393\nsize 1\n",
            "version https://git-lfs.github.com/spec/v1\noid sha256:zz7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1\n",
            "version https://git-lfs.github.com/spec/v1\noid sha1:" + OID + "\nsize 1\n",         // other hash
            "version https://git-lfs.github.com/spec/v1\noid " + OID + "\nsize 1\n",
            "version https://git-lfs.github.com/spec/v1\r\noid sha256:" + OID + "\r\nsize 1\r\n", // CRLF is not the format
            "just some regular file content that happens to be long enough to be checked"})
    void rejectsWhatIsNotAPointer(String text) {
        assertThat(parse(text)).isEmpty();
    }

    @Test
    void rejectsAnythingLargerThan1024Bytes() {
        String valid = V + "oid sha256:" + OID + "\nsize 1\n";
        String padded = valid + "x-pad " + "p".repeat(LfsPointer.MAX_POINTER_SIZE - valid.length() - 7) + "\n";
        assertThat(padded.length()).isEqualTo(LfsPointer.MAX_POINTER_SIZE);
        assertThat(parse(padded)).isPresent();
        assertThat(parse(padded + "\n")).isEmpty();
        assertThat(LfsPointer.parse(new byte[1 << 20])).isEmpty();
    }

    @Property
    void parseOfToBytesRoundTrips(@ForAll("oids") String hex, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long size) {
        LfsPointer p = new LfsPointer(new LfsOid(hex), size);
        byte[] bytes = p.toBytes();
        assertThat(bytes.length).isLessThanOrEqualTo(LfsPointer.MAX_POINTER_SIZE);
        assertThat(LfsPointer.parse(bytes)).contains(p);
    }

    @Property
    void parseNeverThrows(@ForAll("noise") byte[] bytes) {
        Optional<LfsPointer> p = LfsPointer.parse(bytes);
        p.ifPresent(pointer -> assertThat(pointer.size()).isNotNegative());
    }

    @Provide
    Arbitrary<String> oids() {
        return Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
    }

    @Provide
    Arbitrary<byte[]> noise() {
        Arbitrary<String> lines = Arbitraries.oneOf(
                Arbitraries.of("version https://git-lfs.github.com/spec/v1", "oid sha256:" + OID, "size 1", "size -5", "size ",
                        "oid sha256:", "x y", ""),
                Arbitraries.strings().ofMaxLength(20));
        return Arbitraries.oneOf(
                lines.list().ofMaxSize(6).map(l -> String.join("\n", l).getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300));
    }
}
