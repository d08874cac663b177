package dev.forge.service.lfs;

import dev.forge.service.repo.LfsReferences;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.service.repo.RepoService;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.storage.BlobStore;
import dev.forge.storage.MultipartStaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Git LFS batch API and its transfers. Batch answers carry self-authorising hrefs (signed for one
 * operation on one object of one repository, for a limited time), because the Hub clients PUT without an
 * Authorization header. Uploaded bytes are verified against their oid and size before they are stored.
 * Downloads are granted only for objects the repository itself references. Thread-safe.
 */
public final class LfsService {
    private final RepoService repos;
    private final RepoDao repoDao;
    private final IndexDao index;
    private final BlobStore blobs;
    private final UrlSigner signer;
    private final ForgeConfig config;
    private final MultipartStaging staging;
    private final AuditLog audit;
    private final LfsReferences references;

    public LfsService(RepoService repos, RepoDao repoDao, IndexDao index, LfsReferences references, BlobStore blobs, MultipartStaging staging,
                      UrlSigner signer, ForgeConfig config, AuditLog audit) {
        this.references = references;
        this.audit = audit;
        this.staging = staging;
        this.repos = repos;
        this.repoDao = repoDao;
        this.index = index;
        this.blobs = blobs;
        this.signer = signer;
        this.config = config;
    }

    public enum Operation { DOWNLOAD, UPLOAD }

    public record ObjectSpec(String oid, long size) {}

    /**
     * What the batch answers for one object: a closed set, so the HTTP layer renders each case (and builds its URLs
     * from the grants) with an exhaustive switch. A grant is the signed {@code t} of one transfer URL.
     */
    public sealed interface BatchObject {
        String oid();

        long size();

        /** Download the object (of {@code size} bytes as stored) with {@code grant}. */
        record Download(String oid, long size, String grant) implements BatchObject {}

        /** Upload the object with {@code grant}, then verify it with {@code verifyGrant}; in parts when {@code parts} says so. */
        record Upload(String oid, long size, String grant, String verifyGrant, Optional<Parts> parts) implements BatchObject {}

        /** The repository may reference the stored object already: nothing to send. */
        record Present(String oid, long size) implements BatchObject {}

        /** Nothing can be done with this object. */
        record Refused(String oid, long size, Refusal why) implements BatchObject {}
    }

    /** A multipart upload: {@code count} parts of {@code partSize} bytes (the last one shorter), each sent with {@code grant}. */
    public record Parts(long partSize, long count, String grant) {}

    /** Why the batch refuses an object. */
    public enum Refusal {
        INVALID_OID, INVALID_SIZE,
        /** An upload larger than the forge takes per object ({@code max-object-bytes}). */
        TOO_LARGE,
        /** A multipart upload that would need more parts than the forge takes ({@code max-parts}). */
        TOO_MANY_PARTS,
        NOT_FOUND
    }

    /** The batch's answer: the repository the transfer URLs name (by its immutable key), and one answer per object. */
    public record Batch(String repoKey, List<BatchObject> objects) {}

    public Batch batch(Actor actor, RepoType type, RepoId id, Operation op, List<ObjectSpec> objects) {
        return batch(actor, type, id, op, objects, false);
    }

    /** @param multipart the client listed the {@code multipart} transfer */
    public Batch batch(Actor actor, RepoType type, RepoId id, Operation op, List<ObjectSpec> objects, boolean multipart) {
        if (objects.size() > config.limits().maxBatchObjects()) {
            throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "At most " + config.limits().maxBatchObjects() + " objects per batch request");
        }
        Repo repo = op == Operation.UPLOAD ? repos.writable(actor, type, id, true) : repos.filesReadable(actor, type, id);
        int ttl = config.limits().lfsUrlTtlSeconds();
        List<BatchObject> out = new ArrayList<>();
        for (ObjectSpec o : objects) {
            if (!LfsOid.isValid(o.oid())) {
                out.add(new BatchObject.Refused(o.oid(), o.size(), Refusal.INVALID_OID));
                continue;
            }
            if (o.size() < 0) {
                out.add(new BatchObject.Refused(o.oid(), o.size(), Refusal.INVALID_SIZE));
                continue;
            }
            if (op == Operation.UPLOAD && o.size() > config.uploads().maxObjectBytes()) {
                out.add(new BatchObject.Refused(o.oid(), o.size(), Refusal.TOO_LARGE));
                continue;
            }
            if (op == Operation.UPLOAD && multipart && o.size() > config.uploads().multipartThresholdBytes()
                    && ForgeConfig.Uploads.partCount(o.size(), config.uploads().multipartChunkBytes()) > config.uploads().maxParts()) {
                out.add(new BatchObject.Refused(o.oid(), o.size(), Refusal.TOO_MANY_PARTS));
                continue;
            }
            Optional<Long> stored = size(new LfsOid(o.oid()));
            if (op == Operation.DOWNLOAD) {
                if (stored.isEmpty() || !references.held(repo, o.oid())) {
                    out.add(new BatchObject.Refused(o.oid(), o.size(), Refusal.NOT_FOUND));
                } else {
                    out.add(new BatchObject.Download(o.oid(), stored.get(), signer.sign(ttl, "download", repo.key(), o.oid(), visibility(repo))));
                }
            } else if (stored.isPresent() && stored.get() == o.size() && references.mayReference(actor, repo, o.oid())) {
                out.add(new BatchObject.Present(o.oid(), o.size()));
            } else {
                String t = signer.sign(ttl, "upload", repo.key(), o.oid(), Long.toString(o.size()));
                String v = signer.sign(ttl, "verify", repo.key(), o.oid(), Long.toString(o.size()));
                long chunk = config.uploads().multipartChunkBytes();
                Optional<Parts> parts = Optional.empty();
                if (multipart && o.size() > config.uploads().multipartThresholdBytes()) {
                    String p = signer.sign(ttl, "part", repo.key(), o.oid(), Long.toString(o.size()), Long.toString(chunk));
                    parts = Optional.of(new Parts(chunk, ForgeConfig.Uploads.partCount(o.size(), chunk), p));
                }
                out.add(new BatchObject.Upload(o.oid(), o.size(), t, v, parts));
            }
        }
        if (op == Operation.UPLOAD) {
            List<BatchObject> granted = out.stream().filter(r -> r instanceof BatchObject.Upload).toList();
            if (!granted.isEmpty()) {
                audit.record(actor, "lfs.upload", repo.type().singular() + "/" + repo.displayId(), java.util.Map.of("objects", granted.size(),
                        "bytes", granted.stream().mapToLong(BatchObject::size).sum(), "first", granted.getFirst().oid()));
            }
        }
        return new Batch(repo.key(), out);
    }

    /** Stores an uploaded object after checking the URL's grant; bytes that do not hash to the oid are refused. */
    public void upload(String repoKey, String oid, long size, String grant, InputStream body) {
        requireGrant(grant, "upload", repoKey, oid, Long.toString(size));
        try {
            blobs.put(body, new LfsOid(oid), size);
            index.recordLfsUpload(repoKey, oid);
        } catch (BlobStore.BlobMismatchException e) {
            throw new ForgeException(ErrorKind.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores part {@code n} of a multipart upload; returns its ETag. Re-sending a part replaces it, so an
     * interrupted upload resumes by sending the missing parts again.
     */
    public String uploadPart(String repoKey, String oid, long size, long chunk, long n, String grant, InputStream body) {
        requireGrant(grant, "part", repoKey, oid, Long.toString(size), Long.toString(chunk));
        long parts = partCount(size, chunk);
        if (n < 1 || n > parts) throw ForgeException.badRequest("Part number must be between 1 and " + parts);
        long expected = n < parts ? chunk : size - chunk * (parts - 1);
        try {
            return staging.putPart(uploadId(repoKey, oid, size), (int) n, (n - 1) * chunk, expected, body);
        } catch (BlobStore.BlobMismatchException e) {
            throw ForgeException.badRequest(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Assembles the parts into the object, verifying its SHA-256 and size before it becomes visible.
     *
     * @param chunk the part size the part URLs were issued with (the config may have changed since); it need
     *     not be trusted: the assembled object is verified by its SHA-256 and size either way
     */
    public void completeMultipart(String repoKey, String oid, long size, long chunk, String grant, String bodyOid, int partCount) {
        requireGrant(grant, "upload", repoKey, oid, Long.toString(size));
        if (!oid.equals(bodyOid)) throw ForgeException.badRequest("The completion names oid " + bodyOid + ", not " + oid);
        long parts = partCount(size, chunk);
        if (partCount != parts) throw ForgeException.badRequest("Expected " + parts + " parts, got " + partCount);
        try {
            staging.complete(uploadId(repoKey, oid, size), (int) parts, new LfsOid(oid), size);
            index.recordLfsUpload(repoKey, oid);
        } catch (NoSuchFileException e) {
            throw ForgeException.badRequest("A part of the upload is missing; upload every part before completing");
        } catch (BlobStore.BlobMismatchException e) {
            throw ForgeException.badRequest(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long partCount(long size, long chunk) {
        if (chunk <= 0) throw ForgeException.badRequest("Invalid chunk size");
        long parts = ForgeConfig.Uploads.partCount(size, chunk);
        if (parts > config.uploads().maxParts()) throw new ForgeException(ErrorKind.UNPROCESSABLE, "More than " + config.uploads().maxParts() + " parts");
        return parts;
    }

    /** Deterministic per (repository, object, size), so a new batch call resumes the same staged parts. */
    private static String uploadId(String repoKey, String oid, long size) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((repoKey + "/" + oid + "/" + size).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores bytes as an LFS object of the repository, for trusted in-process callers (the demo seed, tests). */
    public LfsOid store(Repo repo, InputStream in) {
        try {
            LfsOid oid = blobs.put(in);
            index.recordLfsUpload(repo.key(), oid.hex());
            return oid;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Confirms an upload. An object this repository may not show (it was neither uploaded to it nor is held by it) is
     * "not uploaded", whatever the store holds: the answer must not tell whether other repositories hold it.
     */
    public void verify(String repoKey, String oid, long size, String grant) {
        requireGrant(grant, "verify", repoKey, oid, Long.toString(size));
        Optional<Repo> repo = repoDao.findByKey(repoKey);
        Optional<Long> stored = repo.isPresent() && references.ownedBy(repo.get(), oid) ? size(new LfsOid(oid)) : Optional.empty();
        if (stored.isEmpty()) throw new ForgeException(ErrorKind.NOT_FOUND, "Object " + oid + " was not uploaded");
        if (stored.get() != size) throw new ForgeException(ErrorKind.UNPROCESSABLE, "Object " + oid + " has " + stored.get() + " bytes, not " + size);
    }

    public record Download(SeekableByteChannel channel, long size) {}

    /**
     * Serves a granted download. The grant names the repository's visibility when it was issued, so it stops working
     * as soon as the repository turns private or gated (or back): a URL handed out for a public repository is not a
     * way into a private one until it expires.
     */
    public Download download(String repoKey, String oid, String grant) {
        Optional<Repo> repo = repoDao.findByKey(repoKey);
        if (repo.isEmpty()) {
            requireGrant(grant, "download", repoKey, oid, "gone"); // never valid: the same 403 as a forged grant
        }
        requireGrant(grant, "download", repoKey, oid, visibility(repo.get()));
        try {
            SeekableByteChannel ch = blobs.open(new LfsOid(oid));
            return new Download(ch, ch.size());
        } catch (NoSuchFileException e) {
            throw new ForgeException(ErrorKind.NOT_FOUND, "Object does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a download grant is bound to besides the object: who could read the repository when it was issued. */
    private static String visibility(Repo repo) {
        return repo.isPrivate() ? "private" : repo.isGated() ? "gated" : "public";
    }

    private void requireGrant(String grant, String... fields) {
        if (!LfsOid.isValid(fields[2])) throw ForgeException.badRequest("Invalid oid");
        if (!signer.verify(grant, fields)) {
            throw new ForgeException(ErrorKind.FORBIDDEN, "This transfer URL is invalid or has expired; request a new one from the batch API");
        }
    }

    private Optional<Long> size(LfsOid oid) {
        try {
            return blobs.size(oid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
