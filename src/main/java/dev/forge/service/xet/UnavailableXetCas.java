package dev.forge.service.xet;

import dev.forge.core.ByteRange;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.service.account.Actor;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The CAS of a forge without the chunk store (storage kind {@code plain}): nothing is held in Xet form, so reads find
 * nothing (downloads stay on {@code /resolve}, which needs no Xet) and uploads are refused with 503 saying why.
 */
public final class UnavailableXetCas implements XetCas {
    private static ForgeException unavailable() {
        return new ForgeException(ErrorKind.UNAVAILABLE, "This forge runs the plain store: Xet needs the chunk store (storage kind 'chunks')");
    }

    @Override public boolean putXorb(Actor actor, XetHashHex hash, InputStream body, long contentLength) { throw unavailable(); }

    @Override public ShardResult putShard(Actor actor, InputStream body, long contentLength) { throw unavailable(); }

    @Override public Optional<ByteBuffer> dedupShard(Actor actor, XetHashHex chunkHash) { return Optional.empty(); }

    @Override public Optional<XetHashHex> fileHash(LfsOid oid) { return Optional.empty(); }

    @Override public Optional<LfsOid> oidOf(XetHashHex fileHash) { return Optional.empty(); }

    @Override public Optional<Reconstruction> reconstruction(XetHashHex fileHash, Optional<ByteRange> range) { return Optional.empty(); }

    @Override public Optional<XorbSlice> xorbRange(XetHashHex xorbHash, long start, long endExclusive) { return Optional.empty(); }
}
