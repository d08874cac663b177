package dev.forge.git;

import dev.forge.app.Forge;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Bare git repositories on disk, one per Forge repository, named by the repository's immutable key
 * ({@code root/<key>.git}) so renames never touch the file system. Open {@link Repository} objects are
 * cached and shared; they are thread-safe for reading, and refs move only by compare-and-set.
 */
public final class GitRepositories implements AutoCloseable {
    public static final String DEFAULT_BRANCH = "main";
    public static final String DEFAULT_REF = Constants.R_HEADS + DEFAULT_BRANCH;

    private final Path root;
    private final LoadingCache<String, Repository> open;
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> refGenerations =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final java.time.InstantSource clock;

    public GitRepositories(Path root, java.time.InstantSource clock) throws IOException {
        this.clock = clock;
        // JGit measures file-system timestamp resolution on the common ForkJoinPool and waits for it; with one
        // worker on a 2-CPU machine anything else blocking that pool would stall repository creation.
        org.eclipse.jgit.util.FS.FileStoreAttributes.setBackground(true);
        this.root = Files.createDirectories(root);
        this.open = Caffeine.newBuilder().maximumSize(512)
                .<String, Repository>removalListener((k, repo, cause) -> { if (repo != null) repo.close(); })
                .build(this::load);
    }

    Path dir(String key) {
        if (!key.matches("[0-9a-f]{24}")) throw new IllegalArgumentException("not a repository key: " + key);
        return root.resolve(key + ".git");
    }

    private Repository load(String key) throws IOException {
        Path dir = dir(key);
        if (!Files.isDirectory(dir)) throw new IOException("no git repository for " + key);
        return new FileRepository(dir.toFile());
    }

    /** Creates an empty bare repository whose HEAD names {@code refs/heads/main}. */
    public void create(String key) throws IOException {
        Path dir = dir(key);
        try (Repository repo = new FileRepository(dir.toFile())) {
            repo.create(true);
            RefUpdate head = repo.updateRef(Constants.HEAD);
            head.disableRefLog();
            head.link(DEFAULT_REF);
            StoredConfig config = repo.getConfig();
            config.setBoolean("core", null, "logAllRefUpdates", false);
            config.setBoolean("receive", null, "denyDeleteCurrent", true);
            config.setBoolean("uploadpack", null, "allowFilter", true);
            config.setBoolean("uploadpack", null, "allowAnySHA1InWant", false);
            config.save();
        }
        Files.createFile(dir.resolve("packed-refs"));
    }

    /** The shared open repository. Callers must not close it. */
    public Repository repository(String key) {
        try {
            return open.get(key);
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? new UncheckedIOException(io) : e;
        }
    }

    /** An open repository for a caller that will close it (as JGit's servlet does). */
    public Repository openForRequest(String key) {
        Repository repo = repository(key);
        repo.incrementOpen();
        return repo;
    }

    public void delete(String key) throws IOException {
        open.invalidate(key);
        refsChanged(key);
        Path dir = dir(key);
        if (!Files.exists(dir)) return;
        Path trash = root.resolve(key + ".deleted-" + System.nanoTime());
        Files.move(dir, trash);
        try (Stream<Path> walk = Files.walk(trash)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    // ---------------------------------------------------------------------------------------------- refs

    /**
     * Resolves a Hub revision to a commit: {@code HEAD}, a full ref name ({@code refs/pr/1}), a branch,
     * a tag (peeled), a full commit id, or an unambiguous abbreviation of 5 to 39 hex digits.
     */
    public Optional<ObjectId> resolve(String key, String rev) throws IOException {
        if (rev == null || rev.isEmpty() || rev.length() > 255) return Optional.empty();
        Repository repo = repository(key);
        if (ObjectId.isId(rev)) return commitOf(repo, ObjectId.fromString(rev));
        // a name git could not have ("..", control characters, ...) would let the loose-ref lookup read files outside refs/
        if (!rev.equals(Constants.HEAD) && !Repository.isValidRefName(Constants.R_HEADS + rev)) return Optional.empty();
        Ref ref = null;
        if (rev.equals(Constants.HEAD)) ref = repo.exactRef(Constants.HEAD);
        else if (rev.startsWith(Constants.R_REFS)) ref = repo.exactRef(rev);
        if (ref == null) ref = repo.exactRef(Constants.R_HEADS + rev);
        if (ref == null) ref = repo.exactRef(Constants.R_TAGS + rev);
        if (ref != null && ref.getObjectId() != null) return commitOf(repo, ref.getObjectId());
        if (rev.length() >= 5 && rev.length() < 40 && rev.matches("[0-9a-f]+")) {
            try (ObjectReader reader = repo.newObjectReader()) {
                Collection<ObjectId> matches = reader.resolve(org.eclipse.jgit.lib.AbbreviatedObjectId.fromString(rev));
                List<ObjectId> commits = new ArrayList<>();
                for (ObjectId id : matches) commitOf(repo, id).ifPresent(commits::add);
                return commits.size() == 1 ? Optional.of(commits.getFirst()) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The object a full ref name points at, unpeeled; empty when the ref does not exist. */
    public Optional<ObjectId> refTarget(String key, String refName) throws IOException {
        Ref ref = repository(key).exactRef(refName);
        return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(ref.getObjectId());
    }

    /** True when {@code rev} names a ref (branch, tag, or a full ref name). */
    public boolean isRef(String key, String rev) throws IOException {
        if (!Repository.isValidRefName(Constants.R_HEADS + rev)) return false; // see resolve
        Repository repo = repository(key);
        if (rev.startsWith(Constants.R_REFS) && repo.exactRef(rev) != null) return true;
        return repo.exactRef(Constants.R_HEADS + rev) != null || repo.exactRef(Constants.R_TAGS + rev) != null;
    }

    private static Optional<ObjectId> commitOf(Repository repo, ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repo)) {
            RevObject o = walk.parseAny(id);
            while (o instanceof RevTag tag) o = walk.parseAny(tag.getObject());
            return o instanceof RevCommit c ? Optional.of(c.copy()) : Optional.empty();
        } catch (MissingObjectException e) {
            return Optional.empty();
        }
    }

    /**
     * True when some ref's history contains one of {@code candidates} (commit ids). One walk from every ref that
     * stops at the first candidate met: a history walk, for the rare questions about commits that are not ref tips.
     */
    public boolean anyReachableFromRefs(String key, Collection<String> candidates) throws IOException {
        if (candidates.isEmpty()) return false;
        java.util.Set<String> wanted = new java.util.HashSet<>(candidates);
        List<RefInfo> refs = refs(key);
        for (RefInfo r : refs) if (wanted.contains(r.commit())) return true;
        try (RevWalk walk = new RevWalk(repository(key))) {
            walk.setRetainBody(false);
            for (RefInfo r : refs) walk.markStart(walk.parseCommit(ObjectId.fromString(r.commit())));
            for (RevCommit c; (c = walk.next()) != null; ) if (wanted.contains(c.name())) return true;
            return false;
        }
    }

    /**
     * Creates the bare repository {@code to} as a copy of {@code from}: its branches and tags (read first), and its
     * objects, hard-linked where the file system allows (copied where not), so a copy costs no object storage. Pack
     * files and loose objects are never changed in place, only added and removed, so linked files stay valid for
     * both. Pull requests and other refs outside {@code refs/heads/} and {@code refs/tags/} are not copied.
     *
     * @return the refs of the copy
     */
    public List<RefInfo> copy(String from, String to) throws IOException {
        Repository source = repository(from);
        List<Ref> refs = source.getRefDatabase().getRefsByPrefix(Constants.R_HEADS, Constants.R_TAGS);
        create(to);
        Path src = dir(from).resolve("objects");
        Path dst = dir(to).resolve("objects");
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                Path rel = src.relativize(p);
                if (rel.startsWith("info")) continue;
                Path target = dst.resolve(rel.toString());
                Files.createDirectories(target.getParent());
                try {
                    Files.createLink(target, p);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(p, target);
                }
            }
        }
        for (Ref r : refs) {
            if (r.isSymbolic() || r.getObjectId() == null) continue;
            if (moveRef(to, r.getName(), null, r.getObjectId()) != RefMove.MOVED) throw new IOException("could not copy " + r.getName());
        }
        return refs(to);
    }

    /** The first commit of {@code from}'s first-parent history (its root). */
    public ObjectId rootCommit(String key, ObjectId from) throws IOException {
        try (RevWalk walk = new RevWalk(repository(key))) {
            RevCommit c = walk.parseCommit(from);
            while (c.getParentCount() > 0) c = walk.parseCommit(c.getParent(0));
            return c.getId();
        }
    }

    /**
     * Where a mirror's sync fetches the upstream's refs before it may apply them ({@code refs/mirror/heads/main} for
     * the upstream's {@code refs/heads/main}): a staging area that is not one of the repository's refs (not listed, not
     * advertised to git clients) but keeps the fetched objects reachable until the sync moves the real refs.
     */
    public static final String STAGING_PREFIX = "refs/mirror/";

    /** All refs (the mirror staging area aside), peeled to commits where they point at annotated tags. */
    public List<RefInfo> refs(String key) throws IOException {
        return refs(key, false);
    }

    /** The refs of the mirror staging area (full names, under {@link #STAGING_PREFIX}), peeled to commits. */
    public List<RefInfo> stagedRefs(String key) throws IOException {
        return refs(key, true);
    }

    private List<RefInfo> refs(String key, boolean staged) throws IOException {
        Repository repo = repository(key);
        List<RefInfo> out = new ArrayList<>();
        for (Ref ref : repo.getRefDatabase().getRefs()) {
            if (ref.isSymbolic() || ref.getObjectId() == null) continue;
            if (ref.getName().startsWith(STAGING_PREFIX) != staged) continue;
            Optional<ObjectId> commit = commitOf(repo, ref.getObjectId());
            commit.ifPresent(c -> out.add(new RefInfo(ref.getName(), c.name())));
        }
        out.sort(Comparator.comparing(RefInfo::name));
        return out;
    }

    public record RefInfo(String name, String commit) {}

    /** The refs whose full names start with {@code prefix} and the objects they name as stored (tags not peeled). */
    public java.util.Map<String, String> refTargets(String key, String prefix) throws IOException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (Ref ref : repository(key).getRefDatabase().getRefsByPrefix(prefix)) {
            if (!ref.isSymbolic() && ref.getObjectId() != null) out.put(ref.getName(), ref.getObjectId().name());
        }
        return out;
    }

    /**
     * A number that changes whenever a ref of the repository may have moved, so callers can cache what they
     * resolved from refs and notice when it is stale. Every ref move through this class bumps it; ref moves
     * made by JGit's receive-pack are reported with {@link #refsChanged}.
     */
    public long refGeneration(String key) {
        return refGenerations.computeIfAbsent(key, k -> new java.util.concurrent.atomic.AtomicLong()).get();
    }

    public void refsChanged(String key) {
        refGenerations.computeIfAbsent(key, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        for (java.util.function.Consumer<String> l : refListeners) l.accept(key);
    }

    private final java.util.List<java.util.function.Consumer<String>> refListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Calls {@code listener} with the repository key after every change of its refs ({@link #refsChanged}), on the
     * thread that made it, so derived views (the search index) are updated in the same step as the ref.
     */
    public void onRefsChanged(java.util.function.Consumer<String> listener) {
        refListeners.add(listener);
    }

    /** Moves {@code refName} from {@code expected} (null: must not exist) to {@code target}. */
    public RefMove moveRef(String key, String refName, ObjectId expected, ObjectId target) throws IOException {
        Repository repo = repository(key);
        RefUpdate u = repo.updateRef(refName);
        u.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
        u.setNewObjectId(target);
        u.setForceUpdate(true);
        u.disableRefLog();
        RefUpdate.Result r;
        try {
            r = u.update();
        } finally {
            refsChanged(key);
        }
        return switch (r) {
            case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> RefMove.MOVED;
            case LOCK_FAILURE -> {
                Ref now = repo.exactRef(refName);
                ObjectId current = now == null ? null : now.getObjectId();
                boolean same = expected == null ? current == null : expected.equals(current);
                if (same) breakAbandonedLock(key, refName);
                yield same ? RefMove.BUSY : RefMove.STALE;
            }
            default -> throw new IOException("Cannot move " + refName + ": " + r);
        };
    }

    /** JGit holds a ref lock for the microseconds between writing {@code <ref>.lock} and renaming it. */
    static final java.time.Duration ABANDONED_LOCK_AGE = java.time.Duration.ofSeconds(2);

    /**
     * A process killed between JGit's lock and rename leaves {@code <ref>.lock} behind, and the ref could
     * never move again. A lock much older than any real update is such a leftover and is removed, so the
     * caller's retry succeeds.
     */
    private void breakAbandonedLock(String key, String refName) {
        Path lock = dir(key).resolve(refName + ".lock").normalize();
        if (!lock.startsWith(dir(key))) return;
        try {
            java.time.Instant modified = Files.getLastModifiedTime(lock).toInstant();
            if (modified.isBefore(clock.instant().minus(ABANDONED_LOCK_AGE))) {
                org.slf4j.LoggerFactory.getLogger(GitRepositories.class).warn("removing abandoned ref lock {}", lock);
                Files.deleteIfExists(lock);
            }
        } catch (IOException e) {
            // no lock file (a real concurrent update): nothing to break
        }
    }

    /**
     * Removes lock files older than {@code age} left in any repository by a crash (ref, packed-refs, HEAD and
     * config locks). Run at start, before serving.
     */
    public int clearAbandonedLocks(java.time.Duration age) throws IOException {
        java.time.Instant cutoff = clock.instant().minus(age);
        int removed = 0;
        try (Stream<Path> repos = Files.list(root)) {
            for (Path repo : repos.filter(p -> p.getFileName().toString().endsWith(".git")).toList()) {
                try (Stream<Path> files = Files.walk(repo)) {
                    for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".lock") && Files.isRegularFile(f)).toList()) {
                        if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff) && Files.deleteIfExists(p)) removed++;
                    }
                }
            }
        }
        return removed;
    }

    /** Deletes {@code refName} if it still points at {@code expected}; false when it moved meanwhile. */
    public boolean deleteRef(String key, String refName, ObjectId expected) throws IOException {
        RefUpdate u = repository(key).updateRef(refName);
        u.setExpectedOldObjectId(expected);
        u.setForceUpdate(true);
        u.disableRefLog();
        RefUpdate.Result r;
        try {
            r = u.delete();
        } finally {
            refsChanged(key);
        }
        return r == RefUpdate.Result.FORCED || r == RefUpdate.Result.FAST_FORWARD || r == RefUpdate.Result.NO_CHANGE;
    }

    /**
     * Deletes the pack that a refused push wrote: JGit's receive-pack has no quarantine and keeps every pack it
     * received, so repeated refusals would fill the disk. The pack is recognised by its {@code .keep} file, whose
     * lock message carries {@code lockToken} (unique to one push) until receive-pack unlocks it; the {@code .keep}
     * itself is left for receive-pack to remove. Its objects are reachable from no ref.
     *
     * @return whether a pack was found and deleted
     */
    public boolean discardReceivedPack(String key, String lockToken) throws IOException {
        Path packs = dir(key).resolve("objects").resolve("pack");
        if (!Files.isDirectory(packs)) return false;
        List<Path> keeps;
        try (Stream<Path> files = Files.list(packs)) {
            keeps = files.filter(p -> p.getFileName().toString().endsWith(".keep")).toList();
        }
        for (Path keep : keeps) {
            String lock;
            try {
                lock = Files.readString(keep, java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // another push finished meanwhile
            }
            if (!lock.contains(lockToken)) continue;
            String base = keep.getFileName().toString();
            base = base.substring(0, base.length() - ".keep".length());
            for (String ext : List.of(".bitmap", ".rev", ".idx", ".pack")) Files.deleteIfExists(packs.resolve(base + ext));
            return true;
        }
        return false;
    }

    // ----------------------------------------------------------------------------------------- objects

    public record CommitData(String id, String treeId, List<String> parents, String fullMessage, String authorName,
                             String authorEmail, long authoredAtMillis, long committedAtMillis) {}

    public CommitData commit(String key, ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repository(key))) {
            RevCommit c = walk.parseCommit(id);
            List<String> parents = new ArrayList<>();
            for (RevCommit p : c.getParents()) parents.add(p.name());
            return new CommitData(c.name(), c.getTree().name(), parents, c.getFullMessage(),
                    c.getAuthorIdent().getName(), c.getAuthorIdent().getEmailAddress(),
                    c.getAuthorIdent().getWhenAsInstant().toEpochMilli(), c.getCommitterIdent().getWhenAsInstant().toEpochMilli());
        }
    }

    /** The number of commits reachable from {@code id} (itself included). Walks history: call at write time only. */
    public long countHistory(String key, ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repository(key))) {
            walk.setRetainBody(false);
            walk.markStart(walk.parseCommit(id));
            long n = 0;
            while (walk.next() != null) n++;
            return n;
        }
    }

    /**
     * The commits reachable from {@code tips} and not from {@code known}, parents before children.
     * Walks history: call at write time only.
     */
    public List<ObjectId> newCommits(String key, Collection<ObjectId> tips, Collection<ObjectId> known) throws IOException {
        try (RevWalk walk = new RevWalk(repository(key))) {
            walk.setRetainBody(false);
            walk.sort(org.eclipse.jgit.revwalk.RevSort.TOPO, true);
            walk.sort(org.eclipse.jgit.revwalk.RevSort.REVERSE, true);
            for (ObjectId t : tips) walk.markStart(walk.parseCommit(t));
            for (ObjectId k : known) {
                try {
                    walk.markUninteresting(walk.parseCommit(k));
                } catch (MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException ignored) {
                    // a known tip that is gone or not a commit limits nothing
                }
            }
            List<ObjectId> out = new ArrayList<>();
            for (RevCommit c; (c = walk.next()) != null; ) out.add(c.copy());
            return out;
        }
    }

    /** Reads every file and folder of a commit's tree, parsing LFS pointers among small blobs. */
    public List<TreeEntry> scanTree(String key, ObjectId commitId) throws IOException {
        Repository repo = repository(key);
        List<TreeEntry> out = new ArrayList<>();
        try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader(); TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(walk.parseCommit(commitId).getTree());
            tw.setRecursive(false);
            while (tw.next()) {
                String path = tw.getPathString();
                ObjectId oid = tw.getObjectId(0);
                if (tw.isSubtree()) {
                    out.add(new TreeEntry(path, true, oid.name(), 0, null));
                    tw.enterSubtree();
                    continue;
                }
                int mode = tw.getRawMode(0);
                if ((mode & org.eclipse.jgit.lib.FileMode.TYPE_MASK) == org.eclipse.jgit.lib.FileMode.TYPE_GITLINK) continue;
                long size = reader.getObjectSize(oid, Constants.OBJ_BLOB);
                LfsPointer lfs = null;
                if (size <= LfsPointer.MAX_POINTER_SIZE) {
                    lfs = LfsPointer.parse(reader.open(oid, Constants.OBJ_BLOB).getBytes()).orElse(null);
                }
                out.add(new TreeEntry(path, false, oid.name(), size, lfs));
            }
        }
        return out;
    }

    /** Reads a blob whole; for small files (cards, configs). */
    public byte[] readBlob(String key, String blobId, int maxBytes) throws IOException {
        ObjectLoader loader = repository(key).open(ObjectId.fromString(blobId), Constants.OBJ_BLOB);
        if (loader.getSize() > maxBytes) throw new IOException("blob larger than " + maxBytes + " bytes");
        return loader.getCachedBytes(maxBytes);
    }

    /** Streams a blob; large blobs are not loaded into memory. */
    public InputStream openBlob(String key, String blobId) throws IOException {
        return repository(key).open(ObjectId.fromString(blobId), Constants.OBJ_BLOB).openStream();
    }

    /** A page of the first-parent-inclusive history of {@code from}, newest first, skipping {@code skip} commits. */
    public List<ObjectId> history(String key, ObjectId from, int skip, int limit) throws IOException {
        try (RevWalk walk = new RevWalk(repository(key))) {
            walk.setRetainBody(false);
            walk.markStart(walk.parseCommit(from));
            List<ObjectId> out = new ArrayList<>();
            int i = 0;
            for (RevCommit c; (c = walk.next()) != null && out.size() < limit; i++) {
                if (i >= skip) out.add(c.copy());
            }
            return out;
        }
    }

    /**
     * Checks that every object reachable from the repository's refs exists and parses (commits, trees,
     * blobs); returns the problems found, empty when the repository is sound.
     */
    public List<String> checkConnectivity(String key) throws IOException {
        Repository repo = repository(key);
        List<String> problems = new ArrayList<>();
        try (org.eclipse.jgit.revwalk.ObjectWalk walk = new org.eclipse.jgit.revwalk.ObjectWalk(repo)) {
            for (Ref ref : repo.getRefDatabase().getRefs()) {
                if (ref.getObjectId() == null) continue;
                try {
                    walk.markStart(walk.parseAny(ref.getObjectId()));
                } catch (MissingObjectException e) {
                    problems.add(ref.getName() + " points at a missing object " + ref.getObjectId().name());
                }
            }
            walk.checkConnectivity();
        } catch (MissingObjectException e) {
            problems.add("missing object " + e.getObjectId().name());
        } catch (org.eclipse.jgit.errors.CorruptObjectException e) {
            problems.add("corrupt object: " + e.getMessage());
        }
        return problems;
    }

    @Override
    public void close() {
        open.invalidateAll();
        open.cleanUp();
    }
}
