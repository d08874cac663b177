package dev.forge.storage;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Both BLAKE3 paths of {@link XetHash}: the same chunk hashes, and the fallback in a JVM without the Vector API. */
class XetHashBlake3Test {

    @Test
    void choosesTheVectorApiOnlyWhenItsModuleWasAddedAndItsVectorsAreWide() {
        assertThat(XetHash.choose(false)).isEqualTo(XetHash.Blake3.BOUNCY_CASTLE);
        // the tests run with --add-modules jdk.incubator.vector (pom.xml)
        assertThat(XetHash.BLAKE3).isEqualTo(Blake3Vector.LANES >= 4 ? XetHash.Blake3.VECTOR : XetHash.Blake3.BOUNCY_CASTLE);
    }

    /** Chunk hashes switch to the vector code after the warm-up (which a background thread runs too). */
    @Test
    void usesTheVectorCodeAfterTheWarmUp() {
        Assumptions.assumeTrue(XetHash.BLAKE3 == XetHash.Blake3.VECTOR, "no usable Vector API here");
        XetHash.warmUp();
        assertThat(XetHash.vectorInUse()).isTrue();
        byte[] data = XetHashProbe.data();
        assertThat(XetHash.chunk(data, 0, data.length)).isEqualTo(XetHash.chunk(XetHash.Blake3.BOUNCY_CASTLE, data, 0, data.length));
    }

    @Property(tries = 100)
    void bothPathsGiveTheSameChunkHash(@ForAll @IntRange(max = 128 * 1024) int len, @ForAll @IntRange(max = 64) int off,
                                       @ForAll long seed) {
        byte[] data = new byte[off + len];
        new SplittableRandom(seed).nextBytes(data);
        assertThat(XetHash.chunk(XetHash.Blake3.VECTOR, data, off, len))
                .isEqualTo(XetHash.chunk(XetHash.Blake3.BOUNCY_CASTLE, data, off, len));
    }

    /** A JVM started without {@code --add-modules jdk.incubator.vector} falls back to Bouncy Castle and agrees. */
    @Test
    void fallsBackToBouncyCastleWithoutTheModule() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), XetHashProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("BOUNCY_CASTLE false " + XetHash.hex(XetHash.chunk(XetHashProbe.data(), 0, XetHashProbe.data().length)));
    }
}
