package dev.forge.service.xet;

import dev.forge.core.ByteRange;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.meta.IndexDao;
import dev.forge.service.account.AuditLog;
import dev.forge.service.lfs.UrlSigner;
import dev.forge.service.repo.LfsReferences;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * The CAS API of one repository, as a verified Xet token ({@link XetTokens.Grant}) may use it: the store's operations
 * ({@link XetCas}) bound to the grant's repository. Uploads are recorded as uploaded to that repository (so the commit
 * that follows may reference them, as after an LFS upload); reconstructions are answered only for files that
 * repository holds (a read token for one repository is no way to another's files, whatever hash it names); xorb
 * ranges go out only through URLs signed here when a reconstruction named them. Thread-safe.
 */
public final class XetService {
    private final XetCas cas;
    private final IndexDao index;
    private final LfsReferences references;
    private final UrlSigner signer;
    private final AuditLog audit;
    private final long urlTtlSeconds;
    private final java.util.concurrent.atomic.AtomicLong reconstructions = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong rangeBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong xorbs = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong shards = new java.util.concurrent.atomic.AtomicLong();

    /**
     * What went through the CAS API since start: reconstructions answered, xorb-range bytes granted and sent, xorbs and
     * shards accepted. For operators and for tests that must know a client really took the Xet path.
     */
    public record Traffic(long reconstructions, long xorbRangeBytes, long xorbsAccepted, long shardsAccepted) {}

    public Traffic traffic() { return new Traffic(reconstructions.get(), rangeBytes.get(), xorbs.get(), shards.get()); }

    public XetService(XetCas cas, IndexDao index, LfsReferences references, UrlSigner signer, AuditLog audit, long urlTtlSeconds) {
        this.cas = cas;
        this.index = index;
        this.references = references;
        this.signer = signer;
        this.audit = audit;
        this.urlTtlSeconds = urlTtlSeconds;
    }

    public boolean putXorb(XetTokens.Grant g, XetHashHex hash, InputStream body, long contentLength) {
        requireWrite(g);
        boolean inserted = cas.putXorb(g.actor(), hash, body, contentLength);
        xorbs.incrementAndGet();
        return inserted;
    }

    /** Verifies and registers a shard, then records its files as uploaded to the grant's repository. */
    public ShardResult putShard(XetTokens.Grant g, InputStream body, long contentLength) {
        requireWrite(g);
        ShardResult r = cas.putShard(g.actor(), body, contentLength);
        shards.incrementAndGet();
        for (ShardResult.RegisteredFile f : r.files()) index.recordLfsUpload(g.repo().key(), f.oid().hex());
        if (r.newlyStored() && !r.files().isEmpty()) {
            audit.record(g.actor(), "xet.upload", g.repo().type().singular() + "/" + g.repo().displayId(), Map.of(
                    "files", r.files().size(), "bytes", r.files().stream().mapToLong(ShardResult.RegisteredFile::size).sum(),
                    "first", r.files().getFirst().oid().hex()));
        }
        return r;
    }

    public Optional<ByteBuffer> dedupShard(XetTokens.Grant g, XetHashHex chunk) {
        return cas.dedupShard(g.actor(), chunk);
    }

    /**
     * The reconstruction of a file the grant's repository holds (a commit reachable from its refs references it; with a
     * write grant, also a file uploaded to it), else 404 as for a file that does not exist.
     */
    public Reconstruction reconstruction(XetTokens.Grant g, XetHashHex file, Optional<ByteRange> range) {
        LfsOid oid = cas.oidOf(file).orElseThrow(XetService::noSuchFile);
        Repo repo = g.repo();
        boolean visible = g.mode() == XetTokens.Mode.WRITE ? references.ownedBy(repo, oid.hex()) : references.held(repo, oid.hex());
        if (!visible) throw noSuchFile();
        Reconstruction r = cas.reconstruction(file, range).orElseThrow(XetService::noSuchFile);
        reconstructions.incrementAndGet();
        return r;
    }

    /** The grant of a xorb-range URL: the xorb, the inclusive byte range and an expiry, signed. */
    public String signRange(XetHashHex xorb, long first, long last) {
        return signer.sign(urlTtlSeconds, "xet-xorb", xorb.hex(), Long.toString(first), Long.toString(last));
    }

    /**
     * Bytes {@code [first, last]} of a xorb's serialization, for a URL whose grant names exactly the range
     * {@code [signedFirst, signedLast]} that contains them; anything else is 403.
     */
    public XorbSlice xorbRange(XetHashHex xorb, long signedFirst, long signedLast, String grant, long first, long last) {
        if (!signer.verify(grant, "xet-xorb", xorb.hex(), Long.toString(signedFirst), Long.toString(signedLast))) {
            throw new ForgeException(ErrorKind.FORBIDDEN, "This xorb URL is invalid or has expired; ask for the reconstruction again");
        }
        if (first < signedFirst || last > signedLast || last < first) {
            throw new ForgeException(ErrorKind.FORBIDDEN, "The range asked for is outside the range this URL grants");
        }
        XorbSlice slice = cas.xorbRange(xorb, first, last + 1).orElseThrow(() -> ForgeException.notFound("No such xorb"));
        rangeBytes.addAndGet(slice.length());
        return slice;
    }

    /** The Xet file hash of a stored LFS object, if it is in the chunk store (for {@code X-Xet-Hash} and {@code xetHash}). */
    public Optional<XetHashHex> fileHash(LfsOid oid) {
        return cas.fileHash(oid);
    }

    private static void requireWrite(XetTokens.Grant g) {
        if (g.mode() != XetTokens.Mode.WRITE) throw ForgeException.forbidden("This Xet token is read-only");
    }

    private static ForgeException noSuchFile() {
        return new ForgeException(ErrorKind.NOT_FOUND, "File not found");
    }
}
