package dev.forge.service.xet;

import dev.forge.core.ByteRange;
import dev.forge.core.LfsOid;
import dev.forge.service.account.Actor;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Forge's Xet content-addressed store: the CAS operations of the Xet protocol (xorb and shard upload, the global
 * dedup query, file reconstruction, xorb ranges) over the chunk store, where a xorb is stored as the pack of the same
 * name (its chunks as sent, without the 8-byte chunk headers). Authorization of the repository (tokens) is the http
 * layer's; the upload-provenance rule (which oids an actor may claim to have uploaded) is this facade's.
 * Thread-safe.
 */
public interface XetCas {
    /**
     * The largest serialized xorb accepted: the spec's 64 MiB counts chunk bytes (clients cut there), so the body may
     * exceed it by the chunk headers (8 bytes × at most 8,192 chunks) and a storage footer (512 KiB allowance).
     */
    long MAX_XORB_BYTES = dev.forge.xet.Xorb.MAX_BYTES;
    /** The largest shard accepted. */
    long MAX_SHARD_BYTES = 64L * 1024 * 1024;

    /**
     * Verifies a serialized xorb (format, every chunk hash, the xorb hash equals {@code hash}) and stores it as a pack.
     * Idempotent (true if newly stored). Any defect: ForgeException (4xx) and nothing kept; larger than
     * {@link #MAX_XORB_BYTES}: 413.
     *
     * @param contentLength the declared length, or -1 when unknown
     */
    boolean putXorb(Actor actor, XetHashHex hash, InputStream body, long contentLength);

    /**
     * Verifies a shard: format; every xorb it names present; each file's terms consistent (chunk ranges exist in those
     * xorbs, lengths add up, file hash = Merkle over its chunks); the sha256 it claims equals the sha256 of the bytes
     * (computed from the stored chunks, never trusted). Registers each file: Xet file hash -> manifest -> LFS oid, so
     * that an {@code lfsFile} commit by that sha256 finds the object present and /resolve serves it. Records the actor
     * as having uploaded those oids only if every xorb the shard references was uploaded by that actor or holds chunks
     * of objects the actor could read; otherwise 403. Idempotent.
     */
    ShardResult putShard(Actor actor, InputStream body, long contentLength);

    /** Global dedup query: a serialized shard describing the xorb holding this chunk, or empty (404). */
    Optional<ByteBuffer> dedupShard(Actor actor, XetHashHex chunkHash);

    /** The Xet file hash of a stored LFS object (computed from its manifest, cached), empty if not in the chunk store. */
    Optional<XetHashHex> fileHash(LfsOid oid);

    /** The LFS oid a Xet file hash names, if stored. */
    Optional<LfsOid> oidOf(XetHashHex fileHash);

    /**
     * Reconstruction of a file (whole, or a byte range: the range's {@code total} is ignored, its first byte past the
     * end → 416 RANGE_NOT_SATISFIABLE): terms and per-xorb fetch ranges within the xorb serializations. Empty when the
     * file is not stored.
     */
    Optional<Reconstruction> reconstruction(XetHashHex fileHash, Optional<ByteRange> range);

    /**
     * Bytes {@code [start, endExclusive)} of a xorb's serialization as regions; the caller closes the slice. Empty when
     * no such xorb; a range outside it → 416.
     */
    Optional<XorbSlice> xorbRange(XetHashHex xorbHash, long start, long endExclusive);
}
