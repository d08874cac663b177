package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Multipart LFS uploads in flight, under {@code tmp/multipart/<upload>/}: each part is written at its own
 * offset straight into one {@code data} file. A part counts as done only once its bytes are synced and its marker
 * file (named by the part number, holding the part's CRC32C) is in place; a re-sent part first removes its marker,
 * so a resumed upload rewrites broken parts whole, and a part cut off mid-way is never counted. Parts of one
 * upload may be written concurrently (they cover disjoint ranges). A crash at any point leaves at most an
 * unpublished upload, which can be resumed or is cleared after a day.
 *
 * <p>When the store can take an object piece by piece ({@link BlobStore#assemble}, the chunk store), the parts
 * are also fed to it in order while they arrive: a part that continues the bytes fed so far goes to the store
 * as it streams in (besides the staging file, which keeps it safe over a restart), and parts that arrived early
 * follow from the staging file as soon as the gap before them is filled. Completion then only has to verify and
 * publish, instead of reading the whole object back. Anything that breaks the order (a part re-sent after it was
 * fed, a part that fails mid-way, a restart) drops the assembly, and completion falls back to handing the staging
 * file to the store ({@link BlobStore#putFile}). At most {@link #MAX_ASSEMBLIES} assemblies run at once; one idle
 * for an hour is dropped. Thread-safe.
 */
public final class MultipartStaging {
    private static final int BUFFER = 256 * 1024;
    private static final String DATA = "data";
    static final int MAX_ASSEMBLIES = 64;
    private static final Duration IDLE = Duration.ofHours(1);

    private final Path root;
    private final BlobStore store;
    private final InstantSource clock;
    private final Map<String, Assembly> assemblies = new ConcurrentHashMap<>();

    public MultipartStaging(Path tmp, BlobStore store, InstantSource clock) throws IOException {
        this.root = Files.createDirectories(tmp.resolve("multipart"));
        this.store = store;
        this.clock = clock;
    }

    private Path dir(String uploadId) {
        if (!uploadId.matches("[0-9a-f]{16,64}")) throw new IllegalArgumentException("bad upload id");
        return root.resolve(uploadId);
    }

    /**
     * The store's in-order assembly of one upload: {@code next} is the offset of the first byte not fed yet;
     * {@code early} the parts done beyond it (offset → size); {@code busy} while a thread feeds it; {@code broken}
     * once it can no longer be finished.
     */
    private static final class Assembly {
        final BlobStore.Assembly target;
        private final TreeMap<Long, Long> early = new TreeMap<>();
        private long next;
        private boolean busy;
        private boolean broken;
        private long usedAt;

        Assembly(BlobStore.Assembly target, long now) {
            this.target = target;
            this.usedAt = now;
        }

        /** Claims the assembly to feed the part at {@code offset} as it streams in, when it is the next one. */
        synchronized boolean claim(long offset, long now) {
            usedAt = now;
            if (broken || busy || offset != next) return false;
            busy = true;
            return true;
        }

        synchronized long next() { return next; }

        synchronized void advance(long bytes) { next += bytes; }

        /** Records a part done out of order; true (and claimed) when it is next after all and nobody feeds. */
        synchronized boolean arrivedEarly(long offset, long size) {
            early.put(offset, size);
            if (broken || busy || !early.containsKey(next)) return false;
            busy = true;
            return true;
        }

        /** The size of the early part that is next; or null, and then the claim is released in the same step. */
        synchronized Long takeNextEarly() {
            Long size = early.remove(next);
            if (size == null) release();
            return size;
        }

        synchronized void fail() {
            broken = true;
            release();
        }

        private void release() {
            busy = false;
            notifyAll();
        }

        synchronized boolean idleSince(long cutoff) { return !busy && usedAt < cutoff; }

        /** Waits until no thread feeds it, then takes it for good; true when every byte fed so far is sound. */
        synchronized boolean takeOver() throws InterruptedIOException {
            try {
                while (busy) wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for an upload's assembly");
            }
            boolean sound = !broken;
            broken = true;
            return sound;
        }
    }

    /**
     * Writes part {@code number}: exactly {@code expectedSize} bytes at {@code offset} of the object.
     *
     * @return the part's ETag value (CRC32C of its bytes, hex)
     * @throws BlobStore.BlobMismatchException when the body is shorter or longer than expected; the part is then not done
     */
    public String putPart(String uploadId, int number, long offset, long expectedSize, InputStream in) throws IOException {
        Path dir = Files.createDirectories(dir(uploadId));
        Files.deleteIfExists(dir.resolve(Integer.toString(number)));
        Assembly a = assemblyFor(uploadId);
        boolean feeding = a != null && a.claim(offset, clock.millis());
        if (a != null && !feeding && offset < a.next()) { // a re-sent part: the store has its old bytes
            drop(uploadId);
            a = null;
        }
        String etag;
        try {
            etag = writePart(dir, number, offset, expectedSize, in, feeding ? a.target : null);
        } catch (IOException | RuntimeException e) {
            if (feeding) {
                a.fail(); // it took the first bytes of a part that then failed
                drop(uploadId);
            }
            throw e;
        }
        if (a != null) {
            boolean more = feeding;
            if (feeding) a.advance(expectedSize);
            else more = a.arrivedEarly(offset, expectedSize);
            if (more) catchUp(uploadId, a, dir);
        }
        return etag;
    }

    /**
     * The upload's assembly; a new one for its first part (in whatever order the parts come) when the store can
     * assemble. After a restart an upload's first part here may not be its first part: then the parts staged before
     * were never recorded, the assembly never reaches the end, and completion uses the staging file.
     */
    private Assembly assemblyFor(String uploadId) throws IOException {
        Assembly a = assemblies.get(uploadId);
        if (a != null) return a;
        dropIdle();
        if (assemblies.size() >= MAX_ASSEMBLIES) return null;
        Optional<BlobStore.Assembly> target = store.assemble();
        if (target.isEmpty()) return null;
        Assembly fresh = new Assembly(target.get(), clock.millis());
        Assembly raced = assemblies.putIfAbsent(uploadId, fresh);
        if (raced == null) return fresh;
        fresh.target.close();
        return raced;
    }

    /**
     * Feeds the parts that arrived early and now follow on, from the staging file, then releases the claim. The
     * part that brought us here is safely staged either way, so a failure only drops the assembly.
     */
    private void catchUp(String uploadId, Assembly a, Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(DATA), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(BUFFER);
            for (Long size; (size = a.takeNextEarly()) != null; ) {
                for (long at = a.next(), left = size; left > 0; ) {
                    b.clear().limit((int) Math.min(BUFFER, left));
                    int n = ch.read(b, at);
                    if (n < 0) throw new IOException("the staged upload is shorter than its parts");
                    a.target.write(b.array(), 0, n);
                    at += n;
                    left -= n;
                }
                a.advance(size);
            }
        } catch (IOException | RuntimeException e) {
            a.fail();
            drop(uploadId);
        }
    }

    private String writePart(Path dir, int number, long offset, long expectedSize, InputStream in, BlobStore.Assembly feed)
            throws IOException {
        Path marker = dir.resolve(Integer.toString(number));
        CRC32C crc = new CRC32C();
        long size = 0;
        byte[] buf = new byte[BUFFER];
        try (FileChannel ch = FileChannel.open(dir.resolve(DATA), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                if (size + n > expectedSize) throw new BlobStore.BlobMismatchException("Part " + number + " is longer than " + expectedSize + " bytes");
                crc.update(buf, 0, n);
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                long at = offset + size;
                while (b.hasRemaining()) at += ch.write(b, at);
                if (feed != null) feed.write(buf, 0, n);
                size += n;
            }
            if (size != expectedSize) throw new BlobStore.BlobMismatchException("Part " + number + " has " + size + " bytes, expected " + expectedSize);
            ch.force(false);
        }
        String etag = Long.toHexString(crc.getValue());
        Path temp = Files.createTempFile(dir, "marker-", ".tmp");
        Files.writeString(temp, etag);
        Files.move(temp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return etag;
    }

    /** Drops an upload's assembly (waiting for a thread that feeds it); completion then reads the staging file. */
    private void drop(String uploadId) throws IOException {
        Assembly a = assemblies.remove(uploadId);
        if (a == null) return;
        a.takeOver();
        a.target.close();
    }

    private void dropIdle() throws IOException {
        long cutoff = clock.millis() - IDLE.toMillis();
        for (Map.Entry<String, Assembly> e : assemblies.entrySet()) {
            if (e.getValue().idleSince(cutoff)) drop(e.getKey());
        }
    }

    /**
     * Makes the assembled object {@code oid} once parts 1..{@code parts} are all done, then removes the upload:
     * by finishing its assembly when every byte was fed in order, else (or when the assembly does not match, say
     * after a part was re-sent while it was being fed) by handing the staging file to the store.
     *
     * @throws NoSuchFileException when a part is missing
     * @throws BlobStore.BlobMismatchException when the staged bytes do not match the oid or size; the parts stay,
     *     so re-sending the bad ones is enough
     */
    public void complete(String uploadId, int parts, LfsOid oid, long size) throws IOException {
        Path dir = dir(uploadId);
        for (int i = 1; i <= parts; i++) {
            if (!Files.exists(dir.resolve(Integer.toString(i)))) throw new NoSuchFileException("part " + i);
        }
        Path data = dir.resolve(DATA);
        if (!Files.exists(data)) throw new NoSuchFileException("data");
        if (!finishAssembly(uploadId, oid, size)) store.putFile(data, oid, size);
        discard(uploadId);
    }

    private boolean finishAssembly(String uploadId, LfsOid oid, long size) throws IOException {
        Assembly a = assemblies.remove(uploadId);
        if (a == null) return false;
        try (BlobStore.Assembly target = a.target) {
            if (!a.takeOver() || a.next() != size) return false;
            target.finish(oid, size);
            return true;
        } catch (BlobStore.BlobMismatchException e) {
            return false;
        }
    }

    /** Whether the upload's bytes are being fed to the store in order (for tests). */
    boolean assembling(String uploadId) {
        return assemblies.containsKey(uploadId);
    }

    public void discard(String uploadId) throws IOException {
        drop(uploadId);
        Path dir = dir(uploadId);
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
