package dev.forge.service;

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

    public LfsService(RepoService repos, RepoDao repoDao, IndexDao index, BlobStore blobs, UrlSigner signer, ForgeConfig config) {
        this.repos = repos;
        this.repoDao = repoDao;
        this.index = index;
        this.blobs = blobs;
        this.signer = signer;
        this.config = config;
    }

    public enum Operation { DOWNLOAD, UPLOAD }

    public record ObjectSpec(String oid, long size) {}

    /** Per object: an action (href to use) and maybe a verify href, or nothing (already stored), or an error. */
    public record ObjectResult(String oid, long size, String actionKind, String href, String verifyHref, int errorCode, String errorMessage) {}

    public List<ObjectResult> batch(Actor actor, RepoType type, RepoId id, Operation op, List<ObjectSpec> objects) {
        if (objects.size() > config.limits().maxBatchObjects()) {
            throw new ForgeException(ErrorKind.PAYLOAD_TOO_LARGE, "At most " + config.limits().maxBatchObjects() + " objects per batch request");
        }
        Repo repo = op == Operation.UPLOAD ? repos.writable(actor, type, id) : repos.readable(actor, type, id);
        int ttl = config.limits().lfsUrlTtlSeconds();
        List<ObjectResult> out = new ArrayList<>();
        for (ObjectSpec o : objects) {
            if (!LfsOid.isValid(o.oid())) {
                out.add(new ObjectResult(o.oid(), o.size(), null, null, null, 422, "Invalid oid: expected 64 lowercase hex digits"));
                continue;
            }
            if (o.size() < 0) {
                out.add(new ObjectResult(o.oid(), o.size(), null, null, null, 422, "Invalid size"));
                continue;
            }
            Optional<Long> stored = size(new LfsOid(o.oid()));
            if (op == Operation.DOWNLOAD) {
                if (stored.isEmpty() || !index.referencesLfs(repo.key(), o.oid())) {
                    out.add(new ObjectResult(o.oid(), o.size(), null, null, null, 404, "Object does not exist"));
                } else {
                    String t = signer.sign(ttl, "download", repo.key(), o.oid());
                    out.add(new ObjectResult(o.oid(), stored.get(), "download", objectUrl(repo, o.oid()) + "?t=" + t, null, 0, null));
                }
            } else if (stored.isPresent() && stored.get() == o.size()) {
                out.add(new ObjectResult(o.oid(), o.size(), null, null, null, 0, null));
            } else {
                String t = signer.sign(ttl, "upload", repo.key(), o.oid(), Long.toString(o.size()));
                String v = signer.sign(ttl, "verify", repo.key(), o.oid(), Long.toString(o.size()));
                String base = objectUrl(repo, o.oid());
                out.add(new ObjectResult(o.oid(), o.size(), "upload", base + "?size=" + o.size() + "&t=" + t,
                        base + "/verify?size=" + o.size() + "&t=" + v, 0, null));
            }
        }
        return out;
    }

    private String objectUrl(Repo repo, String oid) {
        return config.url("/lfs/objects/" + repo.key() + "/" + oid);
    }

    /** Stores an uploaded object after checking the URL's grant; bytes that do not hash to the oid are refused. */
    public void upload(String repoKey, String oid, long size, String grant, InputStream body) {
        requireGrant(grant, "upload", repoKey, oid, Long.toString(size));
        try {
            blobs.put(body, new LfsOid(oid), size);
        } catch (BlobStore.BlobMismatchException e) {
            throw new ForgeException(ErrorKind.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void verify(String repoKey, String oid, long size, String grant) {
        requireGrant(grant, "verify", repoKey, oid, Long.toString(size));
        Optional<Long> stored = size(new LfsOid(oid));
        if (stored.isEmpty()) throw new ForgeException(ErrorKind.NOT_FOUND, "Object " + oid + " was not uploaded");
        if (stored.get() != size) throw new ForgeException(ErrorKind.UNPROCESSABLE, "Object " + oid + " has " + stored.get() + " bytes, not " + size);
    }

    public record Download(SeekableByteChannel channel, long size) {}

    public Download download(String repoKey, String oid, String grant) {
        requireGrant(grant, "download", repoKey, oid);
        if (repoDao.findByKey(repoKey).isEmpty()) throw new ForgeException(ErrorKind.NOT_FOUND, "Object does not exist");
        try {
            SeekableByteChannel ch = blobs.open(new LfsOid(oid));
            return new Download(ch, ch.size());
        } catch (NoSuchFileException e) {
            throw new ForgeException(ErrorKind.NOT_FOUND, "Object does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
