package dev.forge.xet;

import dev.forge.storage.XetHash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Serializes a {@link Shard}: with the lookup tables and footer (how a server answers, and how clients keep shards
 * on disk), or without (how clients upload them, {@code footer_size} 0). Lookup keys are each hash's first 8 bytes as
 * a little-endian number (Xet's truncated hash), sorted unsigned. Stateless.
 */
public final class ShardWriter {
    private ShardWriter() {}

    public static byte[] write(Shard shard, boolean footer) {
        int fileEntries = 0;
        for (Shard.FileInfo f : shard.files()) {
            fileEntries += 1 + f.terms().size() * (f.verification().isPresent() ? 2 : 1) + (f.sha256().isPresent() ? 1 : 0);
        }
        int chunkCount = 0;
        for (Shard.XorbInfo x : shard.xorbs()) chunkCount += x.chunks().size();
        int xorbEntries = shard.xorbs().size() + chunkCount;
        long sections = Shard.HEADER + (long) (fileEntries + 1 + xorbEntries + 1) * Shard.ENTRY;
        long lookups = footer ? 12L * shard.files().size() + 12L * shard.xorbs().size() + 16L * chunkCount : 0;
        long total = sections + lookups + (footer ? Shard.FOOTER : 0);
        if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("shard too large");
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Shard.TAG).putLong(Shard.HEADER_VERSION).putLong(footer ? Shard.FOOTER : 0);

        List<long[]> fileLookup = new ArrayList<>(); // {key, index}
        int index = 0;
        for (Shard.FileInfo f : shard.files()) {
            fileLookup.add(new long[] {truncate(f.fileHash()), index});
            int flags = (f.verification().isPresent() ? Shard.FLAG_VERIFICATION : 0) | (f.sha256().isPresent() ? Shard.FLAG_METADATA_EXT : 0);
            b.put(f.fileHash()).putInt(flags).putInt(f.terms().size()).putLong(0);
            for (Shard.Term t : f.terms()) b.put(t.xorbHash()).putInt(t.flags()).putInt(t.unpackedBytes()).putInt(t.chunkStart()).putInt(t.chunkEnd());
            if (f.verification().isPresent()) for (byte[] v : f.verification().get()) b.put(v).putLong(0).putLong(0);
            if (f.sha256().isPresent()) b.put(f.sha256().get()).putLong(0).putLong(0);
            index += 1 + f.terms().size() * (f.verification().isPresent() ? 2 : 1) + (f.sha256().isPresent() ? 1 : 0);
        }
        b.put(Shard.bookend()).putInt(0).putInt(0).putLong(0);
        long xorbSection = b.position();

        List<long[]> xorbLookup = new ArrayList<>();
        List<long[]> chunkLookup = new ArrayList<>(); // {key, xorb index, chunk offset}
        index = 0;
        long rawBytes = 0;
        long diskBytes = 0;
        for (Shard.XorbInfo x : shard.xorbs()) {
            xorbLookup.add(new long[] {truncate(x.hash()), index});
            b.put(x.hash()).putInt(x.flags()).putInt(x.chunks().size()).putInt(x.bytesInXorb()).putInt(x.bytesOnDisk());
            for (int i = 0; i < x.chunks().size(); i++) {
                Shard.ChunkEntry c = x.chunks().get(i);
                b.put(c.hash()).putInt(c.byteStart()).putInt(c.unpackedBytes()).putInt(c.flags()).putInt(0);
                chunkLookup.add(new long[] {truncate(c.hash()), index, i});
            }
            index += 1 + x.chunks().size();
            rawBytes += Integer.toUnsignedLong(x.bytesInXorb());
            diskBytes += Integer.toUnsignedLong(x.bytesOnDisk());
        }
        b.put(Shard.bookend()).putInt(0).putInt(0).putInt(0).putInt(0);
        if (!footer) return b.array();

        long fileLookupAt = b.position();
        fileLookup.sort(Comparator.comparing(e -> e[0], Long::compareUnsigned));
        for (long[] e : fileLookup) b.putLong(e[0]).putInt((int) e[1]);
        long xorbLookupAt = b.position();
        xorbLookup.sort(Comparator.comparing(e -> e[0], Long::compareUnsigned));
        for (long[] e : xorbLookup) b.putLong(e[0]).putInt((int) e[1]);
        long chunkLookupAt = b.position();
        chunkLookup.sort(Comparator.comparing(e -> e[0], Long::compareUnsigned));
        for (long[] e : chunkLookup) b.putLong(e[0]).putInt((int) e[1]).putInt((int) e[2]);
        long footerAt = b.position();
        long materialized = 0;
        for (Shard.FileInfo f : shard.files()) materialized += f.size();
        b.putLong(Shard.FOOTER_VERSION).putLong(Shard.HEADER).putLong(xorbSection)
                .putLong(fileLookupAt).putLong(fileLookup.size())
                .putLong(xorbLookupAt).putLong(xorbLookup.size())
                .putLong(chunkLookupAt).putLong(chunkLookup.size())
                .put(shard.hmacKey()).putLong(shard.createdAt()).putLong(shard.keyExpiry());
        for (int i = 0; i < 6; i++) b.putLong(0);
        b.putLong(diskBytes).putLong(materialized).putLong(rawBytes).putLong(footerAt);
        return b.array();
    }

    /** Xet's truncated hash: the first 8 bytes as a little-endian number. */
    static long truncate(byte[] hash) {
        return ByteBuffer.wrap(hash, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A shard's chunk hashes under an HMAC key (what a dedup answer holds: only a client with the chunk can match it). */
    public static Shard.XorbInfo protect(Shard.XorbInfo x, byte[] key) {
        List<Shard.ChunkEntry> out = new ArrayList<>(x.chunks().size());
        for (Shard.ChunkEntry c : x.chunks()) out.add(new Shard.ChunkEntry(XetHash.hmac(c.hash(), key), c.byteStart(), c.unpackedBytes(), c.flags()));
        return new Shard.XorbInfo(x.hash(), x.flags(), out, x.bytesInXorb(), x.bytesOnDisk());
    }
}
