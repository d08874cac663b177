package dev.forge.xet;

import dev.forge.storage.XetHash;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShardTest {

    @Test
    void theShardHfXetUploadedDescribesItsThreeFiles() throws Exception {
        byte[] bytes = XetVectors.shard();
        Shard s = ShardReader.read(bytes, bytes.length);
        assertThat(s.files()).hasSize(3);
        byte[] xorbBody = XetVectors.xorb();
        Xorb xorb = Xorb.parse(xorbBody, xorbBody.length);
        for (Shard.FileInfo f : s.files()) {
            int i = Arrays.asList(XetVectors.FILE_HASHES).indexOf(XetHash.hex(f.fileHash()));
            assertThat(i).as("file hash %s is one of the uploaded files", XetHash.hex(f.fileHash())).isNotNegative();
            assertThat(f.size()).isEqualTo(XetVectors.SIZES[i]);
            assertThat(f.sha256Hex().orElseThrow()).isEqualTo(XetVectors.SHA256[i]);
            assertThat(Shard.FileInfo.sha256Field(XetVectors.SHA256[i])).isEqualTo(f.sha256().get());
            assertThat(f.verification()).isPresent();
            // every term is a chunk range of the uploaded xorb; its verification entry and the file hash are ours too
            List<XetHash.Node> nodes = new ArrayList<>();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int t = 0; t < f.terms().size(); t++) {
                Shard.Term term = f.terms().get(t);
                assertThat(XetHash.hex(term.xorbHash())).isEqualTo(XetVectors.XORB);
                List<byte[]> hashes = new ArrayList<>();
                for (int c = term.chunkStart(); c < term.chunkEnd(); c++) {
                    Xorb.Chunk chunk = xorb.chunks().get(c);
                    hashes.add(chunk.hash());
                    nodes.add(new XetHash.Node(chunk.hash(), chunk.rawLength()));
                    sha.update(xorb.raw(c));
                }
                assertThat(f.verification().get().get(t)).isEqualTo(XetHash.verification(hashes));
            }
            assertThat(XetHash.fileHash(nodes)).isEqualTo(f.fileHash());
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(f.sha256Hex().get());
            assertThat(XetHash.hex(f.fileHash())).isEqualTo(XetVectors.FILE_HASHES[i]);
        }
        assertThat(s.xorbs()).hasSize(1);
        Shard.XorbInfo x = s.xorbs().getFirst();
        assertThat(XetHash.hex(x.hash())).isEqualTo(XetVectors.XORB);
        assertThat(x.chunks()).hasSize(xorb.chunks().size());
        for (int c = 0; c < x.chunks().size(); c++) assertThat(x.chunks().get(c).hash()).isEqualTo(xorb.chunks().get(c).hash());
        assertThat(Integer.toUnsignedLong(x.bytesInXorb())).isEqualTo(xorb.rawLength());
        assertThat(s.chunkHashesProtected()).isFalse();
    }

    @Test
    void theDedupAnswerTheClientAcceptedAndTheShardItSentAfterwards() {
        byte[] answer = XetVectors.resource("dedup-answer.shard");
        Shard a = ShardReader.read(answer, answer.length);
        assertThat(a.chunkHashesProtected()).isTrue();
        assertThat(a.files()).isEmpty();
        assertThat(XetHash.hex(a.xorbs().getFirst().hash())).isEqualTo(XetVectors.XORB);
        assertThat(ShardWriter.write(a, true)).as("our writer, byte for byte").isEqualTo(answer);
        byte[] after = XetVectors.resource("upload-after-dedup.shard");
        Shard s = ShardReader.read(after, after.length);
        assertThat(s.xorbs()).as("no new xorb").isEmpty();
        assertThat(s.files()).singleElement().satisfies(f -> {
            assertThat(XetHash.hex(f.fileHash())).isEqualTo(XetVectors.FILE_HASHES[0]);
            assertThat(f.terms()).allSatisfy(t -> assertThat(XetHash.hex(t.xorbHash())).isEqualTo(XetVectors.XORB));
        });
    }

    @Test
    void writingTheUploadedShardWithoutFooterGivesItsBytesBack() {
        byte[] bytes = XetVectors.shard();
        Shard s = ShardReader.read(bytes, bytes.length);
        byte[] again = ShardWriter.write(s, false);
        // the header, the sections and the bookends are ours byte for byte, except reserved fields we write as 0
        Shard reread = ShardReader.read(again, again.length);
        assertThat(reread.files()).hasSize(3);
        assertThat(again.length).isEqualTo(bytes.length);
    }

    @Test
    void aShardWithFooterReadsBackAndItsFooterIsChecked() {
        byte[] bytes = XetVectors.shard();
        Shard s = ShardReader.read(bytes, bytes.length);
        byte[] full = ShardWriter.write(s, true);
        Shard back = ShardReader.read(full, full.length);
        assertThat(back.files()).hasSize(3);
        assertThat(back.xorbs().getFirst().chunks()).hasSize(s.xorbs().getFirst().chunks().size());
        byte[] bad = full.clone();
        bad[bad.length - 8] ^= 1; // footer_offset
        assertThatThrownBy(() -> ShardReader.read(bad, bad.length)).isInstanceOf(XetFormatException.class).hasMessageContaining("footer");
    }

    @Test
    void notAShardIsRefused() {
        byte[] bytes = XetVectors.shard();
        byte[] bad = bytes.clone();
        bad[3] = 'x';
        assertThatThrownBy(() -> ShardReader.read(bad, bad.length)).isInstanceOf(XetFormatException.class).hasMessageContaining("tag");
        assertThatThrownBy(() -> ShardReader.read(new byte[10], 10)).isInstanceOf(XetFormatException.class);
        assertThatThrownBy(() -> ShardReader.read(bytes, bytes.length - 1)).isInstanceOf(XetFormatException.class);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 48);
        assertThatThrownBy(() -> ShardReader.read(longer, longer.length)).isInstanceOf(XetFormatException.class).hasMessageContaining("after");
    }

    // ---- properties

    @Provide
    Arbitrary<byte[]> hashes() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32).filter(h -> !Shard.isBookend(h));
    }

    @Provide
    Arbitrary<Shard> shards() {
        Arbitrary<Shard.Term> term = Combinators.combine(hashes(), Arbitraries.integers().between(1, 1 << 26),
                Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(1, 50))
                .as((h, n, start, len) -> new Shard.Term(h, 0, n, start, start + len));
        Arbitrary<Shard.FileInfo> file = Combinators.combine(hashes(), term.list().ofMinSize(1).ofMaxSize(5), Arbitraries.of(true, false),
                hashes().optional()).as((h, terms, verify, sha) -> new Shard.FileInfo(h, terms,
                verify ? Optional.of(terms.stream().map(t -> XetHash.verification(List.of(t.xorbHash()))).toList()) : Optional.empty(), sha));
        Arbitrary<Shard.XorbInfo> xorb = Combinators.combine(hashes(), Arbitraries.integers().between(1, 100_000).list().ofMinSize(1).ofMaxSize(8),
                Arbitraries.integers().between(0, 1 << 20)).as((h, sizes, disk) -> {
                    List<Shard.ChunkEntry> chunks = new ArrayList<>();
                    int at = 0;
                    for (int i = 0; i < sizes.size(); i++) {
                        chunks.add(new Shard.ChunkEntry(XetHash.hmac(h, XetHash.chunk(new byte[] {(byte) i}, 0, 1)), at, sizes.get(i), 0));
                        at += sizes.get(i);
                    }
                    return new Shard.XorbInfo(h, 0, chunks, at, disk);
                });
        return Combinators.combine(file.list().ofMaxSize(4), xorb.list().ofMaxSize(3)).as(Shard::of);
    }

    @Property(tries = 150)
    void writeThenReadGivesTheShardBack(@ForAll("shards") Shard s, @ForAll boolean footer) {
        byte[] bytes = ShardWriter.write(s, footer);
        Shard back = ShardReader.read(bytes, bytes.length);
        assertThat(ShardWriter.write(back, footer)).isEqualTo(bytes);
        assertThat(back.files()).hasSize(s.files().size());
        assertThat(back.xorbs()).hasSize(s.xorbs().size());
    }

    @Property(tries = 400)
    void anyMutatedShardIsAFormatErrorOrStillAShard(@ForAll("shards") Shard s, @ForAll boolean footer,
                                                     @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where,
                                                     @ForAll @IntRange(min = 1, max = 255) int flip, @ForAll @IntRange(min = 0, max = 2) int how) {
        byte[] bytes = ShardWriter.write(s, footer);
        int at = where % bytes.length;
        byte[] bad = switch (how) {
            case 0 -> { byte[] b = bytes.clone(); b[at] ^= (byte) flip; yield b; }
            case 1 -> Arrays.copyOf(bytes, at);
            default -> { byte[] b = Arrays.copyOf(bytes, bytes.length + 1 + flip % 96); b[bytes.length] = (byte) flip; yield b; }
        };
        try {
            Shard back = ShardReader.read(bad, bad.length);
            // what still parses is a well-formed shard: it writes out again and reads back the same
            byte[] again = ShardWriter.write(back, footer);
            assertThat(ShardReader.read(again, again.length).files()).hasSize(back.files().size());
        } catch (XetFormatException expected) {
            assertThat(expected.kind().status()).isEqualTo(400);
        }
    }
}
