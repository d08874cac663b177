package dev.forge.storage;

import dev.forge.core.LfsOid;
import dev.forge.core.MappedRegions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@link XorbStore} over a {@link ChunkStore}: xorbs in and out of packs, files registered from Xet terms, and the
 * Xet file index ({@code xet/ab/<file hash>} holding the object's SHA-256). Every write is temp + fsync + rename,
 * so a crash leaves a pack, a manifest or an index entry whole or absent. Thread-safe.
 */
final class XorbPacks implements XorbStore {
    private final ChunkStore store;
    private final Path xet;

    XorbPacks(ChunkStore store) throws IOException {
        this.store = store;
        this.xet = Files.createDirectories(store.root().resolve("xet"));
    }

    Path xetDir() { return xet; }

    Path indexPath(byte[] fileHash) {
        String h = XetHash.hex(fileHash);
        return xet.resolve(h.substring(0, 2)).resolve(h);
    }

    @Override
    public boolean putXorb(byte[] hash, List<StoredChunk> chunks) throws IOException {
        if (chunks.isEmpty() || chunks.size() > Pack.MAX_CHUNKS) throw new IOException("a xorb has 1 to " + Pack.MAX_CHUNKS + " chunks");
        if (Files.exists(store.packPath(hash))) return false;
        ChunkIngest.PackWriter w = new ChunkIngest.PackWriter(store.newTempFile("xorb-"));
        try {
            for (StoredChunk c : chunks) {
                ChunkCompression.Scheme scheme = ChunkCompression.Scheme.of((byte) c.scheme());
                w.append(c.hash(), new ChunkCompression.Stored(scheme, c.bytes(), c.offset(), c.length()), c.rawLength());
            }
            Pack pack = w.finish();
            if (!Arrays.equals(pack.hash(), hash)) throw new IOException("the chunks hash to " + XetHash.hex(pack.hash()) + ", not " + XetHash.hex(hash));
            try {
                store.publishPack(pack, w.file, w.pack);
            } catch (IOException e) {
                if (Files.exists(store.packPath(hash))) return false; // stored concurrently in another form: same chunks
                throw e;
            }
            return true;
        } finally {
            Files.deleteIfExists(w.file);
        }
    }

    @Override
    public Optional<XorbLayout> xorb(byte[] hash) throws IOException {
        Optional<Pack> p = pack(hash);
        return p.map(XorbPacks::layout);
    }

    private Optional<Pack> pack(byte[] hash) throws IOException {
        try (FileChannel ch = store.mappings().open(hash)) {
            return Optional.of(Pack.read(ch, hash, XetHash.hex(hash)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    static XorbLayout layout(Pack p) {
        return new XorbLayout(p.hash(), List.of(p.chunks()), p.raw().clone(), p.schemes().clone(), p.ends().clone());
    }

    @Override
    public Optional<byte[]> xorbOfChunk(byte[] chunkHash) {
        ChunkStore.Location loc = store.find(ChunkStore.ChunkKey.of(chunkHash));
        if (loc == null || loc.pack().hash() == null) return Optional.empty();
        return Optional.of(loc.pack().hash());
    }

    @Override
    public byte[] chunk(byte[] xorb, int index) throws IOException {
        try (FileChannel ch = store.mappings().open(xorb)) {
            Pack p = Pack.read(ch, xorb, XetHash.hex(xorb));
            if (index < 0 || index >= p.count()) throw new IOException("xorb " + XetHash.hex(xorb) + " has no chunk " + index);
            return p.chunk(ch, index);
        }
    }

    @Override
    public void putXetFile(LfsOid oid, long size, byte[] fileHash, List<Term> terms) throws IOException {
        List<FileManifest.Run> runs = new ArrayList<>(terms.size());
        long total = 0;
        for (Term t : terms) {
            Pack p = pack(t.xorb()).orElseThrow(() -> new IOException("xorb " + XetHash.hex(t.xorb()) + " is not stored"));
            if (t.first() < 0 || t.end() > p.count() || t.first() >= t.end()) throw new IOException("xorb " + XetHash.hex(t.xorb()) + " has no chunks " + t.first() + ".." + t.end());
            long raw = 0;
            for (int i = t.first(); i < t.end(); i++) raw += p.raw()[i];
            if (raw != t.rawLength()) throw new IOException("chunks " + t.first() + ".." + t.end() + " of xorb " + XetHash.hex(t.xorb()) + " hold " + raw + " bytes, not " + t.rawLength());
            long offset = p.start(t.first());
            long stored = p.ends()[t.end() - 1] - offset;
            runs.add(new FileManifest.Run(p.hash(), t.first(), t.end() - t.first(), offset, raw, stored));
            total += raw;
        }
        if (total != size) throw new IOException("the terms hold " + total + " bytes, not " + size);
        store.publishManifest(oid, new FileManifest(size, fileHash.clone(), List.copyOf(runs)));
    }

    /** Writes the index entry {@code fileHash → oid} unless it is there (temp + fsync + rename). */
    void index(byte[] fileHash, LfsOid oid) throws IOException {
        Path target = indexPath(fileHash);
        if (Files.exists(target)) return;
        Path temp = store.newTempFile("xet-");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(oid.hex().getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            Files.createDirectories(target.getParent());
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The oid an index entry names (whether or not its manifest is still there), or empty. */
    Optional<LfsOid> indexed(Path entry) throws IOException {
        try {
            String s = new String(Files.readAllBytes(entry), StandardCharsets.US_ASCII);
            return LfsOid.isValid(s) ? Optional.of(new LfsOid(s)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Removes index entries whose file is gone or no longer has that Xet id (gc, after removing files); returns how many. */
    int sweepIndex() throws IOException {
        int removed = 0;
        for (Path entry : ChunkStore.list(xet, 2, "")) {
            String name = entry.getFileName().toString();
            if (!name.matches("[0-9a-f]{64}") || oidOfXetHash(XetHash.fromHex(name)).isEmpty()) {
                if (Files.deleteIfExists(entry)) removed++;
            }
        }
        return removed;
    }

    /** fsck: every index entry whose file exists must name a file with that Xet id. */
    List<String> checkIndex() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path entry : ChunkStore.list(xet, 2, "")) {
            String name = entry.getFileName().toString();
            if (!name.matches("[0-9a-f]{64}")) continue; // a temp file never lives here; ignore strays
            Optional<LfsOid> oid = indexed(entry);
            if (oid.isEmpty()) {
                problems.add("xet index entry " + name + " is unreadable");
                continue;
            }
            Optional<FileManifest> m;
            try {
                m = store.manifest(oid.get());
            } catch (IOException e) {
                continue; // the file's own problem, reported with it
            }
            if (m.isPresent() && !Arrays.equals(m.get().xetHash(), XetHash.fromHex(name))) {
                problems.add("xet index entry " + name + " names file " + oid.get() + ", whose Xet id is " + XetHash.hex(m.get().xetHash()));
            }
        }
        return problems;
    }

    @Override
    public Optional<LfsOid> oidOfXetHash(byte[] fileHash) throws IOException {
        Optional<LfsOid> oid = indexed(indexPath(fileHash));
        if (oid.isEmpty()) return Optional.empty();
        Optional<FileManifest> m = store.manifest(oid.get());
        return m.isPresent() && Arrays.equals(m.get().xetHash(), fileHash) ? oid : Optional.empty();
    }

    @Override
    public Optional<XetFile> xetFile(LfsOid oid) throws IOException {
        Optional<FileManifest> m = store.manifest(oid);
        if (m.isEmpty()) return Optional.empty();
        index(m.get().xetHash(), oid);
        List<Term> terms = new ArrayList<>(m.get().runs().size());
        for (FileManifest.Run r : m.get().runs()) terms.add(new Term(r.pack(), r.first(), r.first() + r.count(), r.length()));
        return Optional.of(new XetFile(oid, m.get().size(), m.get().xetHash(), List.copyOf(terms)));
    }

    @Override
    public void readTerms(List<Term> terms, ChunkSink sink) throws IOException {
        for (Term t : terms) {
            try (FileChannel ch = store.mappings().open(t.xorb())) {
                Pack p = Pack.read(ch, t.xorb(), XetHash.hex(t.xorb()));
                if (t.first() < 0 || t.end() > p.count() || t.first() >= t.end()) throw new IOException("xorb " + XetHash.hex(t.xorb()) + " has no chunks " + t.first() + ".." + t.end());
                for (int i = t.first(); i < t.end(); i++) sink.accept(p.chunk(ch, i));
            }
        }
    }

    /** Pack (text form) → objects whose manifests use it; built on first use from the manifests, then kept up to date. */
    private volatile java.util.Map<String, java.util.Set<LfsOid>> users;
    private volatile java.time.Instant usersBuilt = java.time.Instant.MIN;
    /** A miss rebuilds the map at most this often: a gc in another process may have renamed packs (compaction). */
    private static final java.time.Duration REBUILD_ON_MISS = java.time.Duration.ofMinutes(1);

    private java.util.Map<String, java.util.Set<LfsOid>> users() throws IOException {
        java.util.Map<String, java.util.Set<LfsOid>> u = users;
        if (u != null) return u;
        synchronized (this) {
            if (users != null) return users;
            java.util.Map<String, java.util.Set<LfsOid>> built = new java.util.concurrent.ConcurrentHashMap<>();
            for (LfsOid oid : store.files()) {
                try {
                    store.manifest(oid).ifPresent(m -> note(built, oid, m));
                } catch (IOException e) {
                    // a damaged manifest uses nothing anyone can read; fsck reports it
                }
            }
            users = built;
            usersBuilt = store.clock().instant();
            return built;
        }
    }

    private static void note(java.util.Map<String, java.util.Set<LfsOid>> map, LfsOid oid, FileManifest m) {
        for (FileManifest.Run r : m.runs()) map.computeIfAbsent(XetHash.hex(r.pack()), k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(oid);
    }

    /** A manifest was published (called by the store). */
    void published(LfsOid oid, FileManifest m) {
        java.util.Map<String, java.util.Set<LfsOid>> u = users;
        if (u != null) note(u, oid, m);
    }

    /** gc removed or rewrote manifests: rebuild on next use. */
    void forgetUsers() {
        users = null;
    }

    @Override
    public java.util.Set<LfsOid> objectsUsing(byte[] xorb) throws IOException {
        java.util.Set<LfsOid> candidates = users().getOrDefault(XetHash.hex(xorb), java.util.Set.of());
        if (candidates.isEmpty() && usersBuilt.plus(REBUILD_ON_MISS).isBefore(store.clock().instant())) {
            forgetUsers();
            candidates = users().getOrDefault(XetHash.hex(xorb), java.util.Set.of());
        }
        java.util.Set<LfsOid> out = new java.util.HashSet<>();
        for (LfsOid oid : candidates) {
            Optional<FileManifest> m = store.manifest(oid);
            if (m.isPresent() && m.get().runs().stream().anyMatch(r -> Arrays.equals(r.pack(), xorb))) out.add(oid);
        }
        return out;
    }

    @Override
    public MappedRegions.Region packRegion(byte[] xorb, long offset, int max) throws IOException {
        PackMappings.Lease lease = store.mappings().pack(xorb);
        try {
            ByteBuffer pack = lease.bytes();
            if (offset < 0 || max < 1 || offset >= pack.capacity()) throw new IOException("no bytes at " + offset + " of pack " + XetHash.hex(xorb));
            int n = (int) Math.min(max, pack.capacity() - offset);
            return new MappedRegions.Region(pack.slice((int) offset, n), lease::close);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }
}
