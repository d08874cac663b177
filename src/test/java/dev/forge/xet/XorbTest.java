package dev.forge.xet;

import dev.forge.storage.XetHash;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XorbTest {

    @Test
    void theXorbHfXetUploadedHashesToItsName() {
        byte[] body = XetVectors.xorb();
        Xorb x = Xorb.verify(body, body.length, XetHash.fromHex(XetVectors.XORB));
        assertThat(XetHash.hex(x.hash())).isEqualTo(XetVectors.XORB);
        Set<Integer> schemes = new HashSet<>();
        for (Xorb.Chunk c : x.chunks()) schemes.add(c.scheme());
        assertThat(schemes).as("the client compressed some chunks").contains(1);
        // the three files' bytes are the xorb's bytes, in some order
        long total = 0;
        for (long s : XetVectors.SIZES) total += s;
        assertThat(x.rawLength()).isEqualTo(total);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < x.chunks().size(); i++) all.writeBytes(x.raw(i));
        String text = new String(all.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String f : XetVectors.FILES) {
            assertThat(text).contains(new String(XetVectors.resource(f), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aXorbWithAnotherNameIsRefused() {
        byte[] body = XetVectors.xorb();
        byte[] other = XetHash.fromHex(XetVectors.XORB);
        other[0] ^= 1;
        assertThatThrownBy(() -> Xorb.verify(body, body.length, other)).isInstanceOf(XetFormatException.class)
                .hasMessageContaining("hash to " + XetVectors.XORB);
    }

    @Test
    void aTruncatedXorbIsRefused() {
        byte[] body = XetVectors.xorb();
        for (int cut : new int[] {1, 7, 8, 9, 1000, body.length - 1}) {
            assertThatThrownBy(() -> Xorb.parse(body, cut)).isInstanceOf(XetFormatException.class);
        }
        assertThatThrownBy(() -> Xorb.parse(body, 0)).isInstanceOf(XetFormatException.class).hasMessageContaining("no chunks");
    }

    @Test
    void aChunkWhoseBytesChangedChangesTheXorbHash() {
        byte[] body = XetVectors.xorb();
        byte[] bad = body.clone();
        bad[ChunkHeader.LENGTH + 10] ^= 0x40; // inside the first chunk's stored bytes
        byte[] name = XetHash.fromHex(XetVectors.XORB);
        assertThatThrownBy(() -> Xorb.verify(bad, bad.length, name)).isInstanceOf(XetFormatException.class);
    }

    @Test
    void aStorageFooterIsToleratedAndIgnored() {
        byte[] body = XetVectors.xorb();
        byte[] withFooter = Arrays.copyOf(body, body.length + 40);
        System.arraycopy("XETBLOB".getBytes(), 0, withFooter, body.length, 7);
        assertThat(XetHash.hex(Xorb.parse(withFooter, withFooter.length).hash())).isEqualTo(XetVectors.XORB);
    }

    @Test
    void headersBeyondTheLimitsAreRefused() {
        byte[] h = new ChunkHeader(10, 0, 10).encode();
        h[0] = 1;
        assertThatThrownBy(() -> ChunkHeader.decode(h, 0)).isInstanceOf(XetFormatException.class).hasMessageContaining("version");
        byte[] s = new ChunkHeader(10, 0, 10).encode();
        s[4] = 3;
        assertThatThrownBy(() -> ChunkHeader.decode(s, 0)).isInstanceOf(XetFormatException.class).hasMessageContaining("scheme");
        byte[] notSmaller = new ChunkHeader(10, 1, 10).encode();
        assertThatThrownBy(() -> ChunkHeader.decode(notSmaller, 0)).isInstanceOf(XetFormatException.class).hasMessageContaining("not smaller");
        byte[] big = new ChunkHeader(10, 1, 10).encode();
        big[7] = 0x10; // raw length 1 MiB
        assertThatThrownBy(() -> ChunkHeader.decode(big, 0)).isInstanceOf(XetFormatException.class);
    }

    @Provide
    Arbitrary<List<byte[]>> chunks() {
        Arbitrary<byte[]> random = Arbitraries.integers().between(1, 20_000).flatMap(n -> Arbitraries.longs().map(seed -> {
            byte[] b = new byte[n];
            new Random(seed).nextBytes(b);
            return b;
        }));
        Arbitrary<byte[]> repetitive = Arbitraries.integers().between(1, 20_000).map(n -> {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) (i % 7);
            return b;
        });
        return Arbitraries.oneOf(random, repetitive).list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 60)
    void serializeThenParseGivesTheChunksBack(@ForAll("chunks") List<byte[]> raw, @ForAll @IntRange(min = 0, max = 2) int scheme) {
        byte[] body = Xorb.serialize(raw, scheme);
        Xorb x = Xorb.verify(body, body.length, Xorb.hashOf(raw));
        assertThat(x.chunks()).hasSize(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            assertThat(x.raw(i)).isEqualTo(raw.get(i));
            assertThat(x.chunks().get(i).hash()).isEqualTo(XetHash.chunk(raw.get(i), 0, raw.get(i).length));
        }
    }

    @Property(tries = 200)
    void anyMutationIsAFormatErrorOrAnotherHash(@ForAll("chunks") List<byte[]> raw, @ForAll @IntRange(min = 0, max = 2) int scheme,
                                                 @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where,
                                                 @ForAll @IntRange(min = 1, max = 255) int flip, @ForAll boolean truncate) {
        byte[] body = Xorb.serialize(raw, scheme);
        byte[] name = Xorb.hashOf(raw);
        byte[] bad = body.clone();
        int at = where % body.length;
        int length = bad.length;
        if (truncate) length = at;
        else bad[at] ^= (byte) flip;
        int n = length;
        try {
            Xorb x = Xorb.verify(bad, n, name);
            // a flip that leaves the content the same (e.g. an LZ4 frame's unused header bits) must give the same chunks
            for (int i = 0; i < raw.size(); i++) assertThat(x.raw(i)).isEqualTo(raw.get(i));
        } catch (XetFormatException expected) {
            assertThat(expected.kind().status()).isEqualTo(400);
        }
    }

    /** hf_xet cuts xorbs at 64 MiB of chunk bytes: incompressible ones serialize larger than 64 MiB and must pass. */
    @Test
    void sixtyFourMibOfIncompressibleChunksIsAcceptedAndMoreIsNot() {
        Random r = new Random(9);
        List<byte[]> raw = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            byte[] b = new byte[64 * 1024];
            r.nextBytes(b);
            raw.add(b);
        }
        byte[] body = Xorb.serialize(raw, 1);
        assertThat(body.length).isGreaterThan(64 * 1024 * 1024);
        assertThat(Xorb.parse(body, body.length).rawLength()).isEqualTo(64L * 1024 * 1024);
        raw.addAll(raw.subList(0, 3));
        byte[] over = Xorb.serialize(raw, 0);
        assertThatThrownBy(() -> Xorb.parse(over, over.length)).isInstanceOf(XetFormatException.class).hasMessageContaining("bytes of chunks");
        byte[] tooLong = new byte[Xorb.MAX_BYTES + 1];
        assertThatThrownBy(() -> Xorb.parse(tooLong, tooLong.length)).isInstanceOf(XetFormatException.class).hasMessageContaining("larger");
    }

    @Test
    void manyChunksRoundTrip() {
        List<byte[]> raw = new ArrayList<>();
        Random r = new Random(1);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[100 + r.nextInt(200)];
            r.nextBytes(b);
            raw.add(b);
        }
        byte[] body = Xorb.serialize(raw, 0);
        assertThat(Xorb.parse(body, body.length).chunks()).hasSize(300);
    }
}
