package dev.forge.storage;

import dev.forge.core.LfsOid;
import dev.forge.core.MappedRegions;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The chunk store seen as Xet's CAS: a pack is a xorb without its 8-byte chunk headers, named by the same hash, so a
 * verified xorb is stored as the pack of that name (its chunks as sent, compressed ones kept compressed), a xorb's
 * serialization is synthesized from the pack (header + stored bytes per chunk), and a file registered by a shard is a
 * manifest of runs of those packs, exactly like a file that came through LFS. Next to the manifests, an index of Xet
 * file hash → SHA-256 (one small file per entry under {@code xet/}) lets a Xet file id find its object. Hashes here
 * are raw 32-byte Xet hashes. Thread-safe.
 */
public interface XorbStore {

    /** A chunk as a xorb carries it: its hash, scheme code, uncompressed length, and stored bytes {@code bytes[offset, offset+length)}. */
    record StoredChunk(byte[] hash, int scheme, int rawLength, byte[] bytes, int offset, int length) {}

    /**
     * Stores already-verified chunks as the pack {@code hash} (temp file, fsync, rename); the caller verified every
     * chunk hash and that the chunks hash to {@code hash}. False when a pack of that name is already stored.
     */
    boolean putXorb(byte[] hash, List<StoredChunk> chunks) throws IOException;

    /** A stored xorb's layout (from its pack footer), or empty. */
    Optional<XorbLayout> xorb(byte[] hash) throws IOException;

    /** The xorb holding a copy of this chunk, if any. */
    Optional<byte[]> xorbOfChunk(byte[] chunkHash) throws IOException;

    /** The uncompressed bytes of chunk {@code index} of a stored xorb. */
    byte[] chunk(byte[] xorb, int index) throws IOException;

    /**
     * Publishes a file made of xorb chunk runs: a manifest under {@code oid} (which the caller computed from the bytes)
     * and the Xet index entry {@code fileHash} → oid, both temp + fsync + rename. Idempotent.
     *
     * @throws IOException when a run names a xorb or chunks that are not stored
     */
    void putXetFile(LfsOid oid, long size, byte[] fileHash, List<Term> terms) throws IOException;

    /** The object a Xet file hash names, if its manifest is stored. */
    Optional<LfsOid> oidOfXetHash(byte[] fileHash) throws IOException;

    /** A stored object's Xet file hash and chunk runs (its manifest), indexing the hash for {@link #oidOfXetHash}. */
    Optional<XetFile> xetFile(LfsOid oid) throws IOException;

    /**
     * Bytes of a pack's data from {@code offset}, at most {@code max}, as a mapped region (held until closed); fewer
     * never, unless the pack ends first.
     */
    MappedRegions.Region packRegion(byte[] xorb, long offset, int max) throws IOException;

    /** Receives the uncompressed bytes of chunks in order. */
    interface ChunkSink {
        void accept(byte[] raw) throws IOException;
    }

    /** Reads the terms' chunks in order, decompressed (one pack opened per term). */
    void readTerms(List<Term> terms, ChunkSink sink) throws IOException;

    /**
     * The stored objects whose manifests use the xorb (what decides whether someone who may read one of them may
     * reference the xorb's chunks).
     */
    java.util.Set<LfsOid> objectsUsing(byte[] xorb) throws IOException;

    /** Chunks {@code [first, end)} of xorb {@code xorb}: {@code rawLength} bytes of the file. */
    record Term(byte[] xorb, int first, int end, long rawLength) {}

    /** A stored file in Xet terms: its size, Xet file hash and chunk runs in file order. */
    record XetFile(LfsOid oid, long size, byte[] fileHash, List<Term> terms) {}

    /** A stored xorb: per chunk its hash, uncompressed length, scheme code and stored range in the pack's data. */
    record XorbLayout(byte[] hash, List<byte[]> chunkHashes, int[] rawLengths, byte[] schemes, long[] storedEnds) {
        public int count() { return rawLengths.length; }

        public long storedStart(int chunk) { return chunk == 0 ? 0 : storedEnds[chunk - 1]; }

        public int storedLength(int chunk) { return (int) (storedEnds[chunk] - storedStart(chunk)); }

        /** Where chunk {@code i}'s header starts in the xorb serialization (8 bytes of header per chunk before it). */
        public long serializedStart(int chunk) { return storedStart(chunk) + 8L * chunk; }

        /** The length of the whole serialization (no footer). */
        public long serializedLength() { return serializedStart(count()); }
    }
}
