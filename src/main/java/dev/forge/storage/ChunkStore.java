package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * The deduplicating {@link BlobStore}: files are cut into Xet chunks ({@link XetChunker}, named by
 * {@link XetHash#chunk}); each distinct chunk is stored once, in an immutable pack ({@link Pack}); a file is a
 * manifest of chunk runs ({@link FileManifest}) named by its SHA-256. Layout under {@code root}:
 * {@code packs/ab/<xorb hash>.pack}, {@code files/ab/cd/<sha256>}, {@code trash/} (packs gc took out of use, kept
 * until a later gc so uploads that deduplicated against them can take them back), {@code tmp/}.
 *
 * <p>Write protocol: an upload is chunked and its new chunks written while it streams in ({@link ChunkIngest});
 * packs are synced and renamed into place; then, with the SHA-256 and size verified, the manifest is synced and
 * renamed into place: the one atomic step that makes the file visible. A crash at any point leaves at most
 * unreferenced packs or temporary files, which gc removes; never a manifest whose packs are missing.
 *
 * <p>The chunk index (chunk hash → pack, offset) lives in memory, rebuilt from the pack footers at start-up
 * (about 100 bytes per stored chunk, 1.6 GB per 1 TB of unique data). Publishing a manifest takes the shared
 * side of a lock (in-process and a file lock across processes, so {@code forge gc} next to a running server is
 * safe); gc takes the exclusive side whenever it deletes or rewrites. Thread-safe.
 */
public final class ChunkStore implements BlobStore, Collectable, Verifiable, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChunkStore.class);
    private final Path root;
    private final Path packs;
    private final Path files;
    private final Path trash;
    private final Path tmp;
    private final InstantSource clock;
    private final Map<ChunkKey, Location> index = new ConcurrentHashMap<>();
    private final Map<String, PackName> known = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final FileChannel lockFile;
    private final AtomicLong lockSlot = new AtomicLong();

    private final int packLimit;
    private final PackMappings mappings;

    /** At most this many packs (64 MiB each) stay mapped: 256 GiB of address space, far below the kernel's map limit. */
    private static final int MAPPED_PACKS = 4096;
    private final ChunkCompression compression;
    private final XorbPacks xorbs;

    public ChunkStore(Path root, InstantSource clock) throws IOException {
        this(root, clock, ChunkCompression.OFF);
    }

    /** New chunks are stored as {@code compression} decides (existing ones stay as they are). */
    public ChunkStore(Path root, InstantSource clock, ChunkCompression compression) throws IOException {
        this(root, clock, Pack.MAX_BYTES, compression);
    }

    /** With packs of at most {@code packLimit} bytes (tests use small ones to get many packs). */
    ChunkStore(Path root, InstantSource clock, int packLimit) throws IOException {
        this(root, clock, packLimit, ChunkCompression.OFF);
    }

    ChunkStore(Path root, InstantSource clock, int packLimit, ChunkCompression compression) throws IOException {
        XetHash.prepare(); // the chunk-hash warm-up runs while the server starts, not during its first upload or download
        this.packLimit = packLimit;
        this.compression = compression;
        this.root = Files.createDirectories(root);
        this.packs = Files.createDirectories(root.resolve("packs"));
        this.files = Files.createDirectories(root.resolve("files"));
        this.trash = Files.createDirectories(root.resolve("trash"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
        this.clock = clock;
        this.mappings = new PackMappings(this, clock, MAPPED_PACKS, Duration.ofMinutes(1));
        this.lockFile = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.xorbs = new XorbPacks(this);
        loadIndex();
    }

    /** A chunk hash as four words: a compact, comparable map key. */
    record ChunkKey(long a, long b, long c, long d) {
        static ChunkKey of(byte[] h) {
            return new ChunkKey(XetHash.word(h, 0), XetHash.word(h, 1), XetHash.word(h, 2), XetHash.word(h, 3));
        }
    }

    /** A pack's name, set once the pack is sealed (chunks of a pack being written point to it before). */
    static final class PackName {
        private volatile byte[] hash;

        PackName() {}

        PackName(byte[] hash) { this.hash = hash; }

        void set(byte[] h) { this.hash = h; }

        byte[] hash() { return hash; }
    }

    /**
     * Where a chunk is: its pack, its index there, its stored byte range in the pack's data ({@code offset},
     * {@code stored}), and its uncompressed {@code length}.
     */
    record Location(PackName pack, int index, long offset, int stored, int length) {
        static Location of(PackName pack, Pack p, int i) {
            return new Location(pack, i, p.start(i), p.length(i), p.raw()[i]);
        }
    }

    Path root() { return root; }

    int packLimit() { return packLimit; }

    ChunkCompression compression() { return compression; }

    Path packPath(byte[] hash) {
        String h = XetHash.hex(hash);
        return packs.resolve(h.substring(0, 2)).resolve(h + ".pack");
    }

    Path trashPath(byte[] hash) { return trash.resolve(XetHash.hex(hash) + ".pack"); }

    Path filePath(LfsOid oid) {
        String h = oid.hex();
        return files.resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
    }

    Path newTempFile(String prefix) throws IOException {
        return Files.createTempFile(tmp, prefix, ".tmp");
    }

    private void loadIndex() throws IOException {
        for (Path p : list(packs, 2, ".pack")) {
            byte[] hash = XetHash.fromHex(stem(p));
            try {
                register(Pack.read(p, hash), new PackName(hash));
            } catch (IOException e) {
                // leaving it out of the index only costs dedup (reads of files using it fail, as they would anyway);
                // finding out what is damaged is fsck's business, but the operator hears of it now
                LOG.warn("Pack {} is damaged and left out of the chunk index ({}); run 'forge fsck'", p, e.getMessage());
            }
        }
    }

    /** Indexes a pack's chunks that the index does not know yet, under the pack's known name or {@code name}. */
    private void register(Pack pack, PackName name) {
        PackName existing = known.putIfAbsent(XetHash.hex(pack.hash()), name);
        PackName canonical = existing == null ? name : existing;
        for (int i = 0; i < pack.count(); i++) {
            index.putIfAbsent(ChunkKey.of(pack.chunks()[i]), Location.of(canonical, pack, i));
        }
    }

    /**
     * A stored copy of the chunk, or null. A location whose pack gc has removed (by another process) is dropped
     * here, so the upload stores the chunk again instead of referencing lost bytes.
     */
    Location find(ChunkKey key) {
        Location loc = index.get(key);
        if (loc == null) return null;
        byte[] h = loc.pack().hash();
        if (Files.exists(packPath(h)) || Files.exists(trashPath(h))) return loc;
        forget(h);
        return null;
    }

    /** Whether the chunk index names a copy of the chunk (which {@link #find} may still find gone). */
    boolean indexed(ChunkKey key) {
        return index.containsKey(key);
    }

    private void forget(byte[] packHash) {
        PackName name = known.remove(XetHash.hex(packHash));
        if (name != null) index.values().removeIf(l -> l.pack() == name);
    }

    /** Moves a sealed temporary pack to its name and indexes its chunks. */
    void publishPack(Pack pack, Path temp, PackName name) throws IOException {
        Path target = packPath(pack.hash());
        Files.createDirectories(target.getParent());
        boolean existed = Files.exists(target);
        try {
            if (existed) Files.delete(temp); // same chunks, same name: already stored
            else move(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        if (existed) {
            Pack onDisk = Pack.read(target, pack.hash());
            if (!java.util.Arrays.equals(onDisk.ends(), pack.ends())) {
                // the same chunks stored in other forms (compression was switched): the offsets handed out are not
                // its; index the stored one so a retry deduplicates against it
                register(onDisk, new PackName(onDisk.hash()));
                throw new IOException("pack " + XetHash.hex(pack.hash()) + " is already stored with other compression; retry");
            }
        }
        register(pack, name);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // a concurrent writer of the same content won; its bytes are ours
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The chunk store and its tmp folder must be on one file system", e);
        }
    }

    // ---- BlobStore

    @Override
    public Optional<Long> size(LfsOid oid) throws IOException {
        return manifest(oid).map(FileManifest::size);
    }

    /** Under the shared lock, so never between gc's look at a file's age and its removal (gc holds the exclusive one). */
    @Override
    public Optional<Long> retain(LfsOid oid) throws IOException {
        return withShared(() -> {
            Optional<FileManifest> m = manifest(oid);
            if (m.isPresent()) Files.setLastModifiedTime(filePath(oid), FileTime.from(clock.instant()));
            return m.map(FileManifest::size);
        });
    }

    Optional<FileManifest> manifest(LfsOid oid) throws IOException {
        try {
            return Optional.of(FileManifest.decode(Files.readAllBytes(filePath(oid))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public SeekableByteChannel open(LfsOid oid) throws IOException {
        FileManifest m = manifest(oid).orElseThrow(() -> new NoSuchFileException(oid.hex()));
        return new ChunkedFileChannel(m, this);
    }

    @Override
    public void put(InputStream in, LfsOid expected, long expectedSize) throws IOException {
        if (expectedSize < 0) throw new BlobMismatchException("Size mismatch for " + expected + ": negative size " + expectedSize);
        if (Files.exists(filePath(expected))) {
            verifyOnly(in, expected, expectedSize);
            return;
        }
        try (ChunkIngest ingest = new ChunkIngest(this)) {
            publishVerified(ingest.run(in, expectedSize), expected, expectedSize);
        }
    }

    private void publishVerified(ChunkIngest.Result r, LfsOid expected, long expectedSize) throws IOException {
        if (r.size() != expectedSize) {
            throw new BlobMismatchException("Size mismatch for " + expected + ": expected " + expectedSize + " bytes, got " + r.size());
        }
        if (!r.oid().equals(expected)) throw new BlobMismatchException("Content does not hash to " + expected + " (got " + r.oid() + ")");
        publish(expected, r.manifest());
    }

    @Override
    public LfsOid put(InputStream in) throws IOException {
        try (ChunkIngest ingest = new ChunkIngest(this)) {
            ChunkIngest.Result r = ingest.run(in, -1);
            publish(r.oid(), r.manifest());
            return r.oid();
        }
    }

    /** Chunks, hashes and stores the pieces as they come; the manifest is published by {@link Assembly#finish}. */
    @Override
    public Optional<Assembly> assemble() {
        ChunkIngest ingest = new ChunkIngest(this);
        return Optional.of(new Assembly() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException { ingest.write(b, off, len); }

            @Override
            public long size() { return ingest.size(); }

            @Override
            public void finish(LfsOid expected, long expectedSize) throws IOException {
                try (ingest) {
                    publishVerified(ingest.finish(), expected, expectedSize);
                }
            }

            @Override
            public void close() throws IOException { ingest.close(); }
        });
    }

    /** Whole-file dedup: the file is already stored, so the upload is only hashed, and nothing is written. */
    private void verifyOnly(InputStream in, LfsOid expected, long expectedSize) throws IOException {
        MessageDigest sha = FileBlobStore.sha256();
        byte[] buf = new byte[256 * 1024];
        long size = 0;
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
            sha.update(buf, 0, n);
            size += n;
            if (size > expectedSize) throw new BlobMismatchException("Size mismatch: more than the announced " + expectedSize + " bytes were sent");
        }
        if (size != expectedSize) throw new BlobMismatchException("Size mismatch for " + expected + ": expected " + expectedSize + " bytes, got " + size);
        LfsOid actual = new LfsOid(HexFormat.of().formatHex(sha.digest()));
        if (!actual.equals(expected)) throw new BlobMismatchException("Content does not hash to " + expected + " (got " + actual + ")");
        withShared(() -> {
            Path target = filePath(expected);
            if (Files.exists(target)) {
                Files.setLastModifiedTime(target, FileTime.from(clock.instant())); // uploaded again: young for gc
            }
            return null;
        });
        if (!Files.exists(filePath(expected))) throw new IOException("object " + expected + " was collected during the upload; retry");
    }

    /** Publishes a manifest built from Xet terms (see {@link #publish}). */
    void publishManifest(LfsOid oid, FileManifest manifest) throws IOException {
        publish(oid, manifest);
    }

    /**
     * Makes the file visible: under the shared lock, checks every pack it uses is in place (taking back any that gc
     * moved to trash meanwhile), then writes the manifest to tmp, syncs it and renames it to its name.
     */
    private void publish(LfsOid oid, FileManifest manifest) throws IOException {
        Path target = filePath(oid);
        byte[] bytes = manifest.encode();
        withShared(() -> {
            for (FileManifest.Run run : manifest.runs()) {
                Path p = packPath(run.pack());
                if (Files.exists(p)) continue;
                Path t = trashPath(run.pack());
                if (!Files.exists(t)) throw new IOException("pack " + XetHash.hex(run.pack()) + " was removed during the upload; retry");
                Files.createDirectories(p.getParent());
                move(t, p);
            }
            if (Files.exists(target)) {
                Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
                return null;
            }
            Path temp = newTempFile("file-");
            try {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) ch.write(b);
                    ch.force(true);
                }
                Files.createDirectories(target.getParent());
                move(temp, target);
            } finally {
                Files.deleteIfExists(temp);
            }
            return null;
        });
        xorbs.index(manifest.xetHash(), oid); // after the manifest: an entry never names a file that is not there
        xorbs.published(oid, manifest);
    }

    @Override
    public boolean delete(LfsOid oid) throws IOException {
        return Files.deleteIfExists(filePath(oid));
    }

    // ---- Xet (see XorbStore and XorbPacks)

    XorbPacks xorbs() { return xorbs; }

    /** Its own capabilities, and Xet's view of it ({@link XorbStore}), which its {@link XorbPacks} are. */
    @Override
    public <T> Optional<T> capability(Class<T> capability) {
        return BlobStore.super.capability(capability).or(() -> capability.isInstance(xorbs) ? Optional.of(capability.cast(xorbs)) : Optional.empty());
    }

    // ---- gc, fsck, figures

    /**
     * Removes files not in {@code live} (unless written within {@code grace}), then packs no file uses, and
     * compacts packs less than half used. See {@link ChunkGc}.
     */
    @Override
    public GcReport gc(Set<LfsOid> live, Duration grace, Consumer<String> progress) throws IOException {
        try {
            GcReport r = new ChunkGc(this).run(live, grace, progress);
            progress.accept("xet index: " + xorbs.sweepIndex() + " entries of removed files dropped");
            return r;
        } finally {
            xorbs.forgetUsers();
        }
    }

    @Override
    public FsckReport fsck(Consumer<String> progress) throws IOException {
        FsckReport r = new ChunkFsck(this).run(progress);
        List<String> xet = xorbs.checkIndex();
        if (xet.isEmpty()) return r;
        List<String> problems = new ArrayList<>(r.problems());
        problems.addAll(xet);
        return new FsckReport(r.packs(), r.chunks(), r.chunkBytes(), r.files(), r.verified(), List.copyOf(problems));
    }

    /** Whole-store figures: logical bytes are the files' sizes, stored bytes the packs on disk. */
    public record Stats(long files, long logicalBytes, long packs, long storedBytes) {
        public long savedBytes() { return logicalBytes - storedBytes; }
    }

    public Stats stats() throws IOException {
        long files = 0;
        long logical = 0;
        for (LfsOid oid : files()) {
            Optional<FileManifest> m;
            try {
                m = manifest(oid);
            } catch (IOException e) {
                continue;
            }
            if (m.isPresent()) {
                files++;
                logical += m.get().size();
            }
        }
        List<Path> packs = packFiles();
        long stored = 0;
        for (Path p : packs) stored += Files.size(p);
        return new Stats(files, logical, packs.size(), stored);
    }

    /**
     * What a set of files costs: their logical size, and the bytes of the distinct chunks they use (what they would
     * take if they were alone in the store). Files not in this store count nothing.
     */
    public StorageFigures.Footprint footprint(Collection<LfsOid> oids) throws IOException {
        long logical = 0;
        long outside = 0;
        Map<String, List<long[]>> ranges = new HashMap<>();
        for (LfsOid oid : new HashSet<>(oids)) {
            Optional<FileManifest> m = manifest(oid);
            if (m.isEmpty()) continue;
            logical += m.get().size();
            for (FileManifest.Run r : m.get().runs()) {
                ranges.computeIfAbsent(XetHash.hex(r.pack()), k -> new ArrayList<>()).add(new long[] {r.offset(), r.offset() + r.stored()});
            }
        }
        long stored = outside;
        for (List<long[]> rs : ranges.values()) {
            rs.sort(java.util.Comparator.comparingLong(a -> a[0]));
            long end = -1;
            for (long[] r : rs) {
                if (r[0] >= end) {
                    stored += r[1] - r[0];
                    end = r[1];
                } else if (r[1] > end) {
                    stored += r[1] - end;
                    end = r[1];
                }
            }
        }
        return new StorageFigures.Footprint(logical, stored);
    }

    /** Takes a pack out of use: to trash, stamped now, so the grace period runs from here. */
    void trash(Path pack) throws IOException {
        Path t = trash.resolve(pack.getFileName());
        move(pack, t);
        ChunkGc.touch(t, clock.instant());
    }

    /** Replaces a file's manifest atomically (gc compaction). */
    void replaceManifest(LfsOid oid, FileManifest m) throws IOException {
        Path temp = newTempFile("file-");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(m.encode());
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            Files.move(temp, filePath(oid), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** After compaction: the chunks of {@code old} now live in {@code fresh}. */
    void reindex(byte[] old, Pack fresh) {
        forget(old);
        PackName name = known.computeIfAbsent(XetHash.hex(fresh.hash()), k -> new PackName(fresh.hash()));
        for (int i = 0; i < fresh.count(); i++) {
            index.put(ChunkKey.of(fresh.chunks()[i]), Location.of(name, fresh, i));
        }
    }

    // ---- locking shared with gc

    interface IoAction<T> {
        T run() throws IOException;
    }

    <T> T withShared(IoAction<T> action) throws IOException {
        lock.readLock().lock();
        // a distinct one-byte region per holder: shared locks of one process must not overlap each other
        long slot = 1 + (lockSlot.getAndIncrement() & 0xffff_ffffL);
        try (FileLock ignored = lockFile.lock(slot, 1, true)) {
            return action.run();
        } finally {
            lock.readLock().unlock();
        }
    }

    <T> T withExclusive(IoAction<T> action) throws IOException {
        lock.writeLock().lock();
        try (FileLock ignored = lockFile.lock(0, Long.MAX_VALUE, false)) {
            return action.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Releases the lock file and drops the pack mappings (each unmapped once no reader holds it); the store is not used afterwards. */
    @Override
    public void close() {
        mappings.close();
        try {
            lockFile.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- listing helpers

    static List<Path> list(Path dir, int depth, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.find(dir, depth, (p, a) -> a.isRegularFile() && p.getFileName().toString().endsWith(suffix))) {
            return s.sorted().toList();
        }
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    /** The oids of all stored files. */
    public List<LfsOid> files() throws IOException {
        List<LfsOid> out = new ArrayList<>();
        for (Path p : list(files, 3, "")) {
            String name = p.getFileName().toString();
            if (name.matches("[0-9a-f]{64}")) out.add(new LfsOid(name));
        }
        return out;
    }

    List<Path> packFiles() throws IOException {
        return list(packs, 2, ".pack");
    }

    Path trashDir() { return trash; }

    PackMappings mappings() { return mappings; }

    Path tmpDir() { return tmp; }

    InstantSource clock() { return clock; }

}
