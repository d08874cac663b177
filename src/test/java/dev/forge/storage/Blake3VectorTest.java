package dev.forge.storage;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.params.Blake3Parameters;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Blake3Vector} against the official BLAKE3 keyed vectors and against Bouncy Castle, with the lanes this JVM
 * prefers ({@code -Dforge.blake3.lanes=4|8|16} picks others).
 */
class Blake3VectorTest {

    static byte[] bouncyCastle(byte[] key, byte[] data, int off, int len) {
        Blake3Digest d = new Blake3Digest(256);
        d.init(Blake3Parameters.key(key));
        d.update(data, off, len);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    @Test
    void matchesTheOfficialKeyedVectors() throws IOException {
        byte[] key = "whats the Elvish word for friend".getBytes(StandardCharsets.US_ASCII);
        int rows = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Blake3VectorTest.class.getResourceAsStream("blake3-keyed-vectors.tsv"), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#")) continue;
                String[] f = line.split("\t");
                byte[] input = new byte[Integer.parseInt(f[0])];
                for (int i = 0; i < input.length; i++) input[i] = (byte) (i % 251);
                assertThat(HexFormat.of().formatHex(new Blake3Vector(key).hash(input, 0, input.length)))
                        .as("%d bytes, %d lanes", input.length, Blake3Vector.LANES).isEqualTo(f[1]);
                rows++;
            }
        }
        assertThat(rows).isEqualTo(13);
    }

    @Property(tries = 150)
    void agreesWithBouncyCastle(@ForAll @IntRange(max = 256 * 1024) int len, @ForAll @IntRange(max = 100) int off,
                                @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] key = new byte[32];
        random.nextBytes(key);
        byte[] data = new byte[off + len + 7];
        random.nextBytes(data);
        byte[] expected = bouncyCastle(key, data, off, len);
        assertThat(new Blake3Vector(key).hash(data, off, len)).isEqualTo(expected);
    }

    /** One instance keeps scratch arrays; stale contents from a larger input must not leak into a smaller one. */
    @Test
    void reusesAnInstanceAcrossSizes() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] key = new byte[32];
        random.nextBytes(key);
        Blake3Vector hasher = new Blake3Vector(key);
        for (int len : new int[] {200_000, 1025, 65_536, 0, 17 * 1024 + 3, 64 * 1024 - 1, 130_000, 2048}) {
            byte[] data = new byte[len];
            random.nextBytes(data);
            assertThat(hasher.hash(data, 0, len)).as("%d bytes", len).isEqualTo(bouncyCastle(key, data, 0, len));
        }
    }
}
