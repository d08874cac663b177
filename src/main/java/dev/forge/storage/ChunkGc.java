package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Mark and sweep over a {@link ChunkStore}, under its exclusive lock. Roots are the live files the caller names
 * plus every file written within the grace period (an upload in flight, or one not yet committed). Files outside
 * both are removed; packs no file uses and older than the grace period go to trash, and trash older than the grace
 * period is deleted (an upload that deduplicated against a trashed pack takes it back when it publishes). A pack
 * whose used bytes fall below half of its data is compacted: its used chunks are copied to a new pack, the files
 * using it are rewritten to the new one (each by an atomic rename), and the old pack goes to trash. Every step is
 * write-new-then-switch, so a crash (SIGKILL) at any point leaves every file readable.
 */
final class ChunkGc {
    private final ChunkStore store;

    ChunkGc(ChunkStore store) {
        this.store = store;
    }

    Instant mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p).toInstant();
    }

    Collectable.GcReport run(Set<LfsOid> live, Duration grace, Consumer<String> progress) throws IOException {
        Instant cutoff = store.clock().instant().minus(grace);
        return store.withExclusive(() -> {
            int filesRemoved = 0;
            long fileBytesRemoved = 0;
            List<LfsOid> all = store.files();
            Map<String, List<LfsOid>> users = new HashMap<>();
            Map<LfsOid, FileManifest> manifests = new HashMap<>();
            int seen = 0;
            for (LfsOid oid : all) {
                if (++seen % 1000 == 0) progress.accept("files: " + seen + "/" + all.size());
                Path path = store.filePath(oid);
                FileManifest m;
                try {
                    m = FileManifest.decode(Files.readAllBytes(path));
                } catch (java.nio.file.NoSuchFileException e) {
                    continue;
                } catch (IOException e) {
                    continue; // damaged: fsck reports it; gc keeps whatever it might still use
                }
                if (!live.contains(oid) && mtime(path).isBefore(cutoff)) {
                    Files.deleteIfExists(path);
                    filesRemoved++;
                    fileBytesRemoved += m.size();
                    continue;
                }
                manifests.put(oid, m);
                for (FileManifest.Run r : m.runs()) users.computeIfAbsent(XetHash.hex(r.pack()), k -> new ArrayList<>()).add(oid);
            }
            progress.accept("files: " + filesRemoved + " removed, " + manifests.size() + " kept");

            int trashed = 0;
            int deleted = 0;
            int compacted = 0;
            long reclaimed = 0;
            for (Path t : ChunkStore.list(store.trashDir(), 1, ".pack")) {
                byte[] hash = XetHash.fromHex(ChunkStore.stem(t));
                if (users.containsKey(ChunkStore.stem(t))) {
                    Path back = store.packPath(hash);
                    Files.createDirectories(back.getParent());
                    Files.move(t, back, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } else if (mtime(t).isBefore(cutoff)) {
                    reclaimed += Files.size(t);
                    store.mappings().drop(hash); // so this process's mapping does not keep the disk space
                    Files.delete(t);
                    deleted++;
                }
            }
            List<Path> packs = store.packFiles();
            int n = 0;
            for (Path p : packs) {
                if (++n % 100 == 0) progress.accept("packs: " + n + "/" + packs.size());
                String name = ChunkStore.stem(p);
                if (!mtime(p).isBefore(cutoff)) continue;
                List<LfsOid> using = users.get(name);
                if (using == null) {
                    store.trash(p);
                    trashed++;
                    continue;
                }
                Pack pack;
                try {
                    pack = Pack.read(p, XetHash.fromHex(name));
                } catch (IOException e) {
                    continue;
                }
                BitSet used = new BitSet(pack.count());
                for (LfsOid oid : using) {
                    for (FileManifest.Run r : manifests.get(oid).runs()) {
                        if (XetHash.hex(r.pack()).equals(name)) used.set(r.first(), r.first() + r.count());
                    }
                }
                long usedBytes = 0;
                for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) usedBytes += pack.length(i);
                if (usedBytes * 2 < pack.dataLength()) {
                    compact(p, pack, used, using, manifests);
                    compacted++;
                }
            }
            for (Path t : ChunkStore.list(store.tmpDir(), 1, ".tmp")) {
                if (mtime(t).isBefore(cutoff)) Files.deleteIfExists(t); // left by a crash
            }
            progress.accept("packs: " + trashed + " to trash, " + deleted + " deleted, " + compacted + " compacted");
            return new Collectable.GcReport(filesRemoved, fileBytesRemoved, trashed, deleted, compacted, reclaimed);
        });
    }

    /** Copies the used chunks of {@code pack} to a new pack, repoints the files using it, then trashes it. */
    private void compact(Path file, Pack pack, BitSet used, List<LfsOid> using, Map<LfsOid, FileManifest> manifests) throws IOException {
        ChunkIngest.PackWriter w = new ChunkIngest.PackWriter(store.newTempFile("pack-"));
        int[] moved = new int[pack.count()];
        long[] newOffset = new long[pack.count()];
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
                // copied as stored: a compressed chunk stays compressed, nothing is recompressed
                ByteBuffer b = Pack.readFully(in, pack.start(i), pack.length(i));
                ChunkCompression.Stored stored = new ChunkCompression.Stored(pack.scheme(i), b.array(), 0, pack.length(i));
                ChunkStore.Location loc = w.append(pack.chunks()[i], stored, pack.raw()[i]);
                moved[i] = loc.index();
                newOffset[i] = loc.offset();
            }
        } catch (IOException e) {
            w.abort();
            throw e;
        }
        Pack fresh = w.finish();
        store.publishPack(fresh, w.file, w.pack);
        String old = XetHash.hex(pack.hash());
        for (LfsOid oid : using) {
            FileManifest m = manifests.get(oid);
            List<FileManifest.Run> runs = new ArrayList<>(m.runs().size());
            for (FileManifest.Run r : m.runs()) {
                runs.add(XetHash.hex(r.pack()).equals(old)
                        ? new FileManifest.Run(fresh.hash(), moved[r.first()], r.count(), newOffset[r.first()], r.length(), r.stored())
                        : r);
            }
            FileManifest rewritten = new FileManifest(m.size(), m.xetHash(), runs);
            store.replaceManifest(oid, rewritten);
            manifests.put(oid, rewritten);
        }
        store.trash(file);
        store.reindex(pack.hash(), fresh);
    }

    static void touch(Path p, Instant at) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(at));
    }
}
