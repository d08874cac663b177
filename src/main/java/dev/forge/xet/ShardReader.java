package dev.forge.xet;

import dev.forge.storage.XetHash;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads and validates a serialized {@link Shard}, with or without footer: the header tag and version, every entry's
 * counts against the bytes left, the bookends, term chunk ranges, the xorb entries' offsets and totals, and with a
 * footer its version and every offset and count (the lookup tables themselves are derived data and not read). Any
 * defect is a {@link XetFormatException}; nothing else escapes. Stateless.
 */
public final class ShardReader {
    private ShardReader() {}

    /** Reads {@code bytes[0, length)}. */
    public static Shard read(byte[] bytes, int length) {
        if (length < 0 || length > bytes.length) throw new XetFormatException("shard: bad length");
        try {
            return parse(ByteBuffer.wrap(bytes, 0, length).slice().order(ByteOrder.LITTLE_ENDIAN));
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new XetFormatException("shard: truncated or malformed (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static Shard parse(ByteBuffer b) {
        int length = b.limit();
        if (length < Shard.HEADER + 2 * Shard.ENTRY) throw new XetFormatException("shard: too short");
        byte[] tag = new byte[32];
        b.get(tag);
        if (!Arrays.equals(tag, Shard.TAG)) throw new XetFormatException("shard: not a shard (wrong tag)");
        long version = b.getLong();
        if (version != Shard.HEADER_VERSION) throw new XetFormatException("shard: header version " + version + " is not " + Shard.HEADER_VERSION);
        long footerSize = b.getLong();
        if (footerSize != 0 && footerSize != Shard.FOOTER) throw new XetFormatException("shard: footer size " + footerSize);
        int end = footerSize == 0 ? length : length - Shard.FOOTER;
        if (end < Shard.HEADER + 2 * Shard.ENTRY) throw new XetFormatException("shard: too short for its footer");
        b.limit(end);

        List<Shard.FileInfo> files = new ArrayList<>();
        while (true) {
            need(b, Shard.ENTRY, "file header");
            byte[] fileHash = hash(b);
            int flags = b.getInt();
            long n = Integer.toUnsignedLong(b.getInt());
            b.getLong();
            if (Shard.isBookend(fileHash)) {
                if (flags != 0 || n != 0) throw new XetFormatException("shard: malformed file section bookend");
                break;
            }
            if ((flags & ~(Shard.FLAG_VERIFICATION | Shard.FLAG_METADATA_EXT)) != 0) throw new XetFormatException("shard: unknown file flags " + Integer.toHexString(flags));
            boolean verification = (flags & Shard.FLAG_VERIFICATION) != 0;
            boolean ext = (flags & Shard.FLAG_METADATA_EXT) != 0;
            long entries = n * (verification ? 2 : 1) + (ext ? 1 : 0);
            need(b, entries * Shard.ENTRY, "file entries");
            List<Shard.Term> terms = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) {
                byte[] xorb = hash(b);
                int xorbFlags = b.getInt();
                int unpacked = b.getInt();
                int start = b.getInt();
                int stop = b.getInt();
                if (start < 0 || stop <= start) throw new XetFormatException("shard: term " + i + " of file " + XetHash.hex(fileHash) + " has chunk range " + start + ".." + stop);
                if (unpacked <= 0) throw new XetFormatException("shard: term " + i + " of file " + XetHash.hex(fileHash) + " has no bytes");
                terms.add(new Shard.Term(xorb, xorbFlags, unpacked, start, stop));
            }
            Optional<List<byte[]>> ver = Optional.empty();
            if (verification) {
                List<byte[]> v = new ArrayList<>((int) n);
                for (int i = 0; i < n; i++) {
                    v.add(hash(b));
                    b.getLong();
                    b.getLong();
                }
                ver = Optional.of(v);
            }
            Optional<byte[]> sha = Optional.empty();
            if (ext) {
                sha = Optional.of(hash(b));
                b.getLong();
                b.getLong();
            }
            files.add(new Shard.FileInfo(fileHash, terms, ver, sha));
        }
        int xorbSection = b.position();

        List<Shard.XorbInfo> xorbs = new ArrayList<>();
        long chunkCount = 0;
        while (true) {
            need(b, Shard.ENTRY, "xorb header");
            byte[] hash = hash(b);
            int flags = b.getInt();
            long n = Integer.toUnsignedLong(b.getInt());
            int bytesInXorb = b.getInt();
            int bytesOnDisk = b.getInt();
            if (Shard.isBookend(hash)) break;
            need(b, n * Shard.ENTRY, "xorb chunk entries");
            if (n == 0 || n > Xorb.MAX_CHUNKS) throw new XetFormatException("shard: xorb " + XetHash.hex(hash) + " has " + n + " chunks");
            List<Shard.ChunkEntry> chunks = new ArrayList<>((int) n);
            long at = 0;
            for (int i = 0; i < n; i++) {
                byte[] chunk = hash(b);
                int start = b.getInt();
                int unpacked = b.getInt();
                int chunkFlags = b.getInt();
                b.getInt();
                if (Integer.toUnsignedLong(start) != at || unpacked <= 0 || unpacked > ChunkHeader.MAX_RAW) {
                    throw new XetFormatException("shard: chunk " + i + " of xorb " + XetHash.hex(hash) + " is misplaced");
                }
                at += unpacked;
                chunks.add(new Shard.ChunkEntry(chunk, start, unpacked, chunkFlags));
            }
            if (Integer.toUnsignedLong(bytesInXorb) != at) throw new XetFormatException("shard: xorb " + XetHash.hex(hash) + " byte count does not add up");
            chunkCount += n;
            xorbs.add(new Shard.XorbInfo(hash, flags, chunks, bytesInXorb, bytesOnDisk));
        }
        int sectionsEnd = b.position();

        if (footerSize == 0) {
            if (sectionsEnd != end) throw new XetFormatException("shard: " + (end - sectionsEnd) + " bytes after the xorb section");
            return new Shard(files, xorbs, Shard.NO_KEY, 0, -1L);
        }
        b.limit(length);
        b.position(end);
        long fv = b.getLong();
        if (fv != Shard.FOOTER_VERSION) throw new XetFormatException("shard: footer version " + fv);
        long fileInfo = b.getLong();
        long xorbInfo = b.getLong();
        long fileLookup = b.getLong();
        long fileLookupN = b.getLong();
        long xorbLookup = b.getLong();
        long xorbLookupN = b.getLong();
        long chunkLookup = b.getLong();
        long chunkLookupN = b.getLong();
        byte[] key = hash(b);
        long created = b.getLong();
        long expiry = b.getLong();
        for (int i = 0; i < 6; i++) b.getLong();
        b.getLong();
        b.getLong();
        b.getLong();
        long footerOffset = b.getLong();
        // @huggingface/hub writes a footer without lookup tables: every lookup offset and count 0, the footer right
        // after the xorb section
        boolean noLookups = fileLookup == 0 && fileLookupN == 0 && xorbLookup == 0 && xorbLookupN == 0 && chunkLookup == 0
                && chunkLookupN == 0 && footerOffset == sectionsEnd;
        boolean lookups = fileLookup == sectionsEnd
                && fileLookupN == files.size() && xorbLookupN == xorbs.size() && chunkLookupN == chunkCount
                && xorbLookup == fileLookup + 12 * fileLookupN && chunkLookup == xorbLookup + 12 * xorbLookupN
                && footerOffset == chunkLookup + 16 * chunkLookupN;
        boolean ok = fileInfo == Shard.HEADER && xorbInfo == xorbSection && (lookups || noLookups) && footerOffset == end;
        if (!ok) throw new XetFormatException("shard: the footer's offsets or counts do not match its sections");
        return new Shard(files, xorbs, key, created, expiry);
    }

    private static void need(ByteBuffer b, long bytes, String what) {
        if (bytes > b.remaining()) throw new XetFormatException("shard: truncated " + what);
    }

    private static byte[] hash(ByteBuffer b) {
        byte[] h = new byte[XetHash.LENGTH];
        b.get(h);
        return h;
    }
}
