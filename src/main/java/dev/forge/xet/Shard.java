package dev.forge.xet;

import dev.forge.storage.XetHash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A Xet shard (spec "shard format", MDB v2): a 48-byte header, the file info section (per file a header, its terms,
 * optionally one verification entry per term and a metadata extension holding the file's SHA-256), the xorb info
 * section (per xorb a header and one entry per chunk), each section closed by a bookend entry of all-ones hash, and
 * optionally the lookup tables and the 200-byte footer. Uploads carry no footer ({@code footer_size} 0); shards this
 * server answers with ({@link ShardWriter}) carry one, as clients store them. Every entry is 48 bytes, little-endian,
 * hashes as their 32 raw bytes. Read by {@link ShardReader}. Immutable values (arrays are not copied: do not mutate).
 *
 * @param hmacKey the key chunk hashes in the xorb section are protected with (all zeros: none)
 */
public record Shard(List<FileInfo> files, List<XorbInfo> xorbs, byte[] hmacKey, long createdAt, long keyExpiry) {
    static final int HEADER = 48;
    static final int ENTRY = 48;
    static final int FOOTER = 200;
    static final long HEADER_VERSION = 2;
    static final long FOOTER_VERSION = 1;
    static final byte[] TAG = {'H', 'F', 'R', 'e', 'p', 'o', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0, 85, 105, 103, 69, 106, 123,
            (byte) 129, 87, (byte) 131, (byte) 165, (byte) 189, (byte) 217, 92, (byte) 205, (byte) 209, 74, (byte) 169};
    static final int FLAG_VERIFICATION = 1 << 31;
    static final int FLAG_METADATA_EXT = 1 << 30;
    static final byte[] NO_KEY = new byte[XetHash.LENGTH];

    public Shard {
        files = List.copyOf(files);
        xorbs = List.copyOf(xorbs);
    }

    /** A shard of files and xorbs, no HMAC key, no expiry. */
    public static Shard of(List<FileInfo> files, List<XorbInfo> xorbs) {
        return new Shard(files, xorbs, NO_KEY, 0, -1L);
    }

    public boolean chunkHashesProtected() { return !Arrays.equals(hmacKey, NO_KEY); }

    /**
     * A file: its Xet file hash, its terms, per term the verification hash (keyed hash of the term's chunk hashes) if
     * present, and the SHA-256 of its bytes if present.
     */
    public record FileInfo(byte[] fileHash, List<Term> terms, Optional<List<byte[]>> verification, Optional<byte[]> sha256) {
        public FileInfo {
            terms = List.copyOf(terms);
            verification = verification.map(List::copyOf);
            if (verification.isPresent() && verification.get().size() != terms.size()) {
                throw new IllegalArgumentException("one verification entry per term");
            }
        }

        /**
         * The SHA-256 as its usual hex: the shard stores it as a Xet hash of the digest read as four big-endian words,
         * so its Xet text form is the digest's plain hex.
         */
        public Optional<String> sha256Hex() { return sha256.map(XetHash::hex); }

        /** The metadata-extension field for a SHA-256 given as plain hex. */
        public static byte[] sha256Field(String hex) { return XetHash.fromHex(hex); }

        public long size() {
            long n = 0;
            for (Term t : terms) n += Integer.toUnsignedLong(t.unpackedBytes());
            return n;
        }
    }

    /** Chunks {@code [chunkStart, chunkEnd)} of xorb {@code xorbHash}, {@code unpackedBytes} of the file. */
    public record Term(byte[] xorbHash, int flags, int unpackedBytes, int chunkStart, int chunkEnd) {}

    /** A xorb: its hash, flags, chunks, uncompressed bytes and serialized bytes. */
    public record XorbInfo(byte[] hash, int flags, List<ChunkEntry> chunks, int bytesInXorb, int bytesOnDisk) {
        public XorbInfo {
            chunks = List.copyOf(chunks);
        }
    }

    /** A chunk of a xorb: hash, where its bytes start in the xorb's uncompressed bytes, its length, flags. */
    public record ChunkEntry(byte[] hash, int byteStart, int unpackedBytes, int flags) {}

    /** The all-ones hash of a bookend entry. */
    static boolean isBookend(byte[] hash) {
        for (byte b : hash) if (b != (byte) 0xff) return false;
        return true;
    }

    static byte[] bookend() {
        byte[] h = new byte[XetHash.LENGTH];
        Arrays.fill(h, (byte) 0xff);
        return h;
    }

    /** The xorb hashes the files' terms name, each once, in first-use order. */
    public List<byte[]> referencedXorbs() {
        List<byte[]> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FileInfo f : files) for (Term t : f.terms()) if (seen.add(XetHash.hex(t.xorbHash()))) out.add(t.xorbHash());
        return out;
    }
}
