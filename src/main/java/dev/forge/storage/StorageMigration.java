package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Moves every object of a plain store into a chunk store, one at a time: ingest (verifying the SHA-256 as any
 * upload does), publish, then delete the plain copy. Online: readers find each object in one store or the other
 * at every moment (a reader that opened the plain file keeps reading it after the delete). Resumable: a rerun
 * skips what is already moved, and an object stored in both (a crash between publish and delete) only loses its
 * plain copy.
 */
public final class StorageMigration {
    private final FileBlobStore plain;
    private final ChunkStore chunks;

    public StorageMigration(FileBlobStore plain, ChunkStore chunks) {
        this.plain = plain;
        this.chunks = chunks;
    }

    public record Report(int objects, int moved, int alreadyMoved, long bytes, long newChunkBytes, List<String> problems) {}

    public Report run(Consumer<String> progress) throws IOException {
        List<LfsOid> all = plain.list();
        int moved = 0;
        int already = 0;
        long bytes = 0;
        long before = chunks.stats().storedBytes();
        List<String> problems = new java.util.ArrayList<>();
        int i = 0;
        for (LfsOid oid : all) {
            i++;
            Path file = plain.pathOf(oid);
            long size;
            try {
                size = Files.size(file);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // deleted meanwhile
            }
            if (chunks.size(oid).isPresent()) {
                already++;
            } else {
                try (InputStream in = Files.newInputStream(file)) {
                    chunks.put(in, oid, size);
                } catch (BlobStore.BlobMismatchException e) {
                    problems.add(oid + ": " + e.getMessage() + " (left in the plain store)");
                    continue;
                }
                moved++;
                bytes += size;
            }
            plain.delete(oid);
            if (i % 100 == 0 || i == all.size()) progress.accept("[" + i + "/" + all.size() + "] " + bytes + " bytes moved");
        }
        return new Report(all.size(), moved, already, bytes, chunks.stats().storedBytes() - before, problems);
    }
}
