package dev.forge.storage;

import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chunk codecs: Xet's byte grouping, LZ4 frames any LZ4 frame reader reads, and which form a chunk is kept in. */
class ChunkCompressionTest {
    private static final ChunkCompression AUTO = new ChunkCompression(ForgeConfig.Storage.Compression.AUTO);
    private static final ChunkCompression LZ4 = new ChunkCompression(ForgeConfig.Storage.Compression.LZ4);

    @Test
    void byteGroupingLaysOutPlanesAsXetDoes() {
        // bg4_split of 0..9: plane 0 = bytes 0,4,8; plane 1 = 1,5,9; plane 2 = 2,6; plane 3 = 3,7
        byte[] data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertThat(ByteGrouping.split(data, 0, data.length)).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 3, 7);
        assertThat(ByteGrouping.regroup(ByteGrouping.split(data, 0, data.length))).isEqualTo(data);
    }

    @Test
    void byteGroupingRoundTripsEveryLengthRemainder() {
        byte[] data = SampleData.Kind.RANDOM.bytes(70_000, 1);
        for (int len : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 65_536, 65_536 - 53, 65_536 + 135}) {
            byte[] planes = ByteGrouping.split(data, 17, len);
            assertThat(ByteGrouping.regroup(planes)).isEqualTo(Arrays.copyOfRange(data, 17, 17 + len));
        }
    }

    @ParameterizedTest
    @EnumSource(SampleData.Kind.class)
    void ourLz4FramesAreStandardFrames(SampleData.Kind kind) throws IOException {
        byte[] data = kind.bytes(100_000, 2);
        Lz4Frame.Encoded e = Lz4Frame.encode(data, 0, data.length);
        try (LZ4FrameInputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(e.bytes(), 0, e.length()))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(Lz4Frame.decode(e.bytes(), 0, e.length(), data.length)).isEqualTo(data);
    }

    @Test
    void framesOfOtherWritersDecodeWithChecksumsAndSeveralBlocks() throws IOException {
        byte[] data = SampleData.Kind.TOKENIZER_JSON.bytes(200_000, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(bytes, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                data.length, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM)) {
            out.write(data);
        }
        byte[] frame = bytes.toByteArray();
        assertThat(Lz4Frame.decode(frame, 0, frame.length, data.length)).isEqualTo(data);
    }

    @Test
    void aDamagedFrameIsAnErrorNotWrongBytes() {
        byte[] data = SampleData.Kind.TOKENIZER_JSON.bytes(60_000, 4);
        Lz4Frame.Encoded e = Lz4Frame.encode(data, 0, data.length);
        assertThatThrownBy(() -> Lz4Frame.decode(e.bytes(), 0, e.length() - 5, data.length)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Lz4Frame.decode(e.bytes(), 0, e.length(), data.length + 1)).isInstanceOf(IOException.class);
        byte[] bad = Arrays.copyOf(e.bytes(), e.length());
        bad[0] ^= 1;
        assertThatThrownBy(() -> Lz4Frame.decode(bad, 0, bad.length, data.length)).isInstanceOf(IOException.class);
    }

    @Test
    void xetsPredictorRecommendsByteGroupingForFloatsOnly() {
        for (SampleData.Kind kind : SampleData.Kind.values()) {
            byte[] data = kind.bytes(64 * 1024, 6);
            boolean floats = kind == SampleData.Kind.BF16_GAUSSIAN || kind == SampleData.Kind.F32_GAUSSIAN;
            assertThat(ByteGrouping.recommended(data, 0, data.length)).as(kind.name()).isEqualTo(floats);
        }
    }

    @Test
    void eachChunkKeepsACompressedFormOnlyIfItSavesEnough() throws IOException {
        byte[] random = SampleData.Kind.RANDOM.bytes(64 * 1024, 5);
        byte[] bf16 = SampleData.Kind.BF16_GAUSSIAN.bytes(64 * 1024, 5);
        byte[] text = SampleData.Kind.TOKENIZER_JSON.bytes(64 * 1024, 5);
        assertThat(AUTO.encode(random, 0, random.length).scheme()).isEqualTo(ChunkCompression.Scheme.NONE);
        assertThat(ChunkCompression.OFF.encode(text, 0, text.length).scheme()).isEqualTo(ChunkCompression.Scheme.NONE);
        assertThat(LZ4.encode(text, 0, text.length).scheme()).isEqualTo(ChunkCompression.Scheme.LZ4);
        ChunkCompression.Stored weights = AUTO.encode(bf16, 0, bf16.length);
        assertThat(weights.scheme()).isEqualTo(ChunkCompression.Scheme.BG4_LZ4);
        assertThat(weights.length()).isLessThanOrEqualTo((int) (bf16.length * (1 - ChunkCompression.MIN_SAVING)));
        assertThat(ChunkCompression.decode(weights.scheme(), weights.bytes(), weights.offset(), weights.length(), bf16.length)).isEqualTo(bf16);
    }

    /**
     * Two stores on one folder with other compression settings (two processes, or one restarted with another
     * setting) write the same chunks, the second not knowing the first's: both name the pack the same, the second finds it stored in the other
     * layout, refuses the upload (its offsets would be wrong) and indexes the stored pack, so the retry
     * deduplicates against it and reads back whole.
     */
    @Test
    void aPackStoredInAnotherLayoutIsRefusedThenDeduplicatedAgainst(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        byte[] content = SampleData.Kind.TOKENIZER_JSON.bytes(300_000, 9);
        LfsOid oid = BlobStoreContract.oidOf(content);
        try (ChunkStore plain = new ChunkStore(dir, java.time.InstantSource.system(), ChunkCompression.OFF);
             ChunkStore compressing = new ChunkStore(dir, java.time.InstantSource.system(), AUTO)) {
            plain.put(BlobStoreContract.in(content), oid, content.length);
            long packBytes = plain.stats().storedBytes();
            plain.delete(oid); // its packs stay until gc: the next upload of these bytes re-chunks them
            assertThatThrownBy(() -> compressing.put(BlobStoreContract.in(content), oid, content.length))
                    .isInstanceOf(IOException.class).hasMessageContaining("other compression; retry");
            assertThat(compressing.size(oid)).as("nothing published by the refused upload").isEmpty();
            compressing.put(BlobStoreContract.in(content), oid, content.length);
            assertThat(compressing.stats().storedBytes()).as("the retry stored nothing new").isEqualTo(packBytes);
            try (java.nio.channels.SeekableByteChannel ch = compressing.open(oid)) {
                assertThat(BlobStore.sha256(ch)).isEqualTo(oid);
            }
        }
    }
}
