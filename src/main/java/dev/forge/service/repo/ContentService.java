package dev.forge.service.repo;

import dev.forge.service.account.Actor;

import dev.forge.core.ErrorKind;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import dev.forge.storage.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * The download use case: a (repo, revision, path) resolved through the file index to a file and the
 * commit it was read at, and the file's bytes opened for streaming. Thread-safe.
 */
public final class ContentService {
    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;
    private final BlobStore blobs;
    /** File index entries by (repository, commit, path), misses included: a commit's index never changes. */
    private final com.github.benmanes.caffeine.cache.Cache<String, java.util.Optional<FileEntry>> entries =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(200_000).build();

    /** Files up to this size are served from {@link #smallContent} (config files, tokenizers, cards). */
    public static final int SMALL_FILE_MAX = 256 * 1024;
    /** The most bytes {@link #smallContent} keeps. */
    static final long SMALL_CACHE_BYTES = 64L * 1024 * 1024;

    /**
     * Whole contents of small files, by what names them forever: a git blob by (repository, blob id), an LFS object by
     * its sha256. Neither can change, so nothing here needs invalidating when a ref moves; a ref move changes which
     * entry a path resolves to, never the bytes an entry names. Held off-heap (direct, read-only), so a response
     * writes them to the socket as they are: no pooled buffer, no copy, no inflating of the loose object again.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, java.nio.ByteBuffer> small =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumWeight(SMALL_CACHE_BYTES)
                    .weigher((String k, java.nio.ByteBuffer v) -> v.capacity() + 2 * k.length() + 96).build();

    public ContentService(RepoService repos, IndexDao index, GitRepositories git, BlobStore blobs) {
        this.repos = repos;
        this.index = index;
        this.git = git;
        this.blobs = blobs;
    }

    /**
     * A file resolved at a commit.
     *
     * @param refGeneration the repository's ref generation read before the revision was resolved ({@code -1}: not
     *     known): an answer about this file stays true while the generation is unchanged
     */
    public record FileTarget(Repo repo, String commit, FileEntry entry, long refGeneration) {
        public FileTarget(Repo repo, String commit, FileEntry entry) {
            this(repo, commit, entry, -1);
        }
    }

    public FileTarget resolve(Actor actor, RepoType type, RepoId id, String rev, String path) {
        Repo repo = repos.filesReadable(actor, type, id);
        RepoPath.validate(path);
        long generation = repos.refGeneration(repo);
        String commit = repos.resolve(repo, rev);
        FileEntry entry = entries.get(repo.key() + "\0" + commit + "\0" + path, k -> index.entry(repo.key(), commit, path))
                .filter(e -> !e.directory())
                .orElseThrow(() -> ForgeException.entryNotFound(path, commit));
        return new FileTarget(repo, commit, entry, generation);
    }

    /**
     * A file for a page: resolved from unencoded {@code rev/path} segments (the revision is the longest prefix that
     * names a ref, as for tree listings), with at most {@code maxBytes} of its content from the start.
     *
     * @param head the first bytes of the content (of the LFS object for LFS files); {@code truncated} when there is more
     */
    public record FileView(FileTarget target, String revision, byte[] head, boolean truncated) {}

    public FileView view(Actor actor, RepoType type, RepoId id, java.util.List<String> revAndPath, int maxBytes) {
        Repo repo = repos.filesReadable(actor, type, id);
        if (revAndPath.size() < 2) throw ForgeException.badRequest("A file page needs a revision and a path");
        String[] split = repos.splitRevision(repo, revAndPath);
        if (split[1].isEmpty()) throw ForgeException.entryNotFound(String.join("/", revAndPath), repos.resolve(repo, split[0]));
        FileTarget t = resolve(actor, type, id, split[0], split[1]);
        long size = t.entry().size();
        int n = (int) Math.min(size, maxBytes);
        byte[] head = new byte[n];
        try {
            if (t.entry().isLfs()) {
                try (SeekableByteChannel ch = openLfs(t)) {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(head);
                    while (buf.hasRemaining() && ch.read(buf) >= 0) { }
                    n = buf.position();
                }
            } else {
                try (InputStream in = openGitBlob(t)) {
                    n = in.readNBytes(head, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FileView(t, split[0], n == head.length ? head : java.util.Arrays.copyOf(head, n), size > n);
    }

    /** The LFS object behind an LFS file. */
    public SeekableByteChannel openLfs(FileTarget target) {
        FileEntry.LfsInfo lfs = target.entry().lfsInfo().orElseThrow();
        try {
            return blobs.open(new LfsOid(lfs.oid()));
        } catch (NoSuchFileException e) {
            throw new ForgeException(ErrorKind.NOT_FOUND, "The LFS object of " + target.entry().path() + " is not in this forge's store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The git blob of a file: the content of a regular file, the pointer of an LFS file. */
    public InputStream openGitBlob(FileTarget target) {
        try {
            return git.openBlob(target.repo().key(), target.entry().oid());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The whole content of a small file ({@code lfs}: an LFS file's object, otherwise the git blob, which for an LFS
     * file is its pointer), from memory after the first read; empty when the file is larger than {@link #SMALL_FILE_MAX}.
     * The buffer is a read-only view of its own, positioned at 0; the caller may move its position and limit.
     */
    public Optional<java.nio.ByteBuffer> smallContent(FileTarget target, boolean lfs) {
        FileEntry e = target.entry();
        long size = lfs ? e.size() : gitBlobSize(target);
        if (size > SMALL_FILE_MAX) return Optional.empty();
        String key = lfs ? "lfs\0" + e.lfs().oid() : target.repo().key() + "\0" + e.oid();
        java.nio.ByteBuffer cached = small.get(key, k -> read(target, lfs, (int) size));
        return Optional.of(cached.duplicate());
    }

    /** How many files {@link #smallContent} holds (for tests). */
    long smallCached() {
        small.cleanUp();
        return small.estimatedSize();
    }

    private java.nio.ByteBuffer read(FileTarget target, boolean lfs, int size) {
        byte[] bytes;
        try {
            if (lfs) {
                try (SeekableByteChannel ch = openLfs(target)) {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(size);
                    while (buf.hasRemaining() && ch.read(buf) >= 0) { }
                    bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
                }
            } else {
                try (InputStream in = openGitBlob(target)) {
                    bytes = in.readNBytes(size + 1);
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        // the index's size is what the headers promised: a store that disagrees is damaged, not a file to serve short
        if (bytes.length != size) {
            throw new UncheckedIOException(new IOException("The content of " + target.entry().path() + " has " + bytes.length
                    + " bytes; the index says " + size));
        }
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(size).put(bytes).flip();
        return direct.asReadOnlyBuffer();
    }

    /** The size of the git blob (for LFS files, of the pointer). */
    public long gitBlobSize(FileTarget target) {
        return target.entry().lfsInfo().map(l -> (long) l.pointerSize()).orElse(target.entry().size());
    }
}
