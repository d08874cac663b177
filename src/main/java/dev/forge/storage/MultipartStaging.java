package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Parts of multipart LFS uploads, staged under {@code tmp/multipart/<upload>/<n>} until the upload is
 * completed into a {@link BlobStore}. A part is written to a temporary file and renamed into place, so a
 * re-sent part (a resumed upload) replaces the old one whole and a dropped connection leaves no half part.
 * Completion streams the parts in order through {@link BlobStore#put}, which verifies the SHA-256 and size
 * of the whole object before it becomes visible; a crash during completion leaves the parts for a retry.
 * Thread-safe for distinct parts; a part is identified by its upload and number.
 */
public final class MultipartStaging {
    private static final int BUFFER = 256 * 1024;
    private final Path root;

    public MultipartStaging(Path tmp) throws IOException {
        this.root = Files.createDirectories(tmp.resolve("multipart"));
    }

    private Path dir(String uploadId) {
        if (!uploadId.matches("[0-9a-f]{16,64}")) throw new IllegalArgumentException("bad upload id");
        return root.resolve(uploadId);
    }

    /**
     * Stores part {@code number} of exactly {@code expectedSize} bytes.
     *
     * @return the part's ETag value (CRC32C of its bytes, hex)
     * @throws BlobStore.BlobMismatchException when the body is shorter or longer than expected; nothing is kept
     */
    public String putPart(String uploadId, int number, long expectedSize, InputStream in) throws IOException {
        Path dir = Files.createDirectories(dir(uploadId));
        Path temp = Files.createTempFile(dir, "part-", ".tmp");
        try {
            CRC32C crc = new CRC32C();
            long size = 0;
            byte[] buf = new byte[BUFFER];
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE); OutputStream out = Channels.newOutputStream(ch)) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    size += n;
                    if (size > expectedSize) throw new BlobStore.BlobMismatchException("Part " + number + " is longer than " + expectedSize + " bytes");
                    crc.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.flush();
                ch.force(true);
            }
            if (size != expectedSize) throw new BlobStore.BlobMismatchException("Part " + number + " has " + size + " bytes, expected " + expectedSize);
            Files.move(temp, dir.resolve(Integer.toString(number)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Long.toHexString(crc.getValue());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Streams parts 1..{@code parts} into the store as {@code oid}, then removes them.
     *
     * @throws NoSuchFileException when a part is missing
     * @throws BlobStore.BlobMismatchException when the assembled bytes do not match the oid or size
     */
    public void complete(String uploadId, int parts, BlobStore store, LfsOid oid, long size) throws IOException {
        Path dir = dir(uploadId);
        List<InputStream> streams = new ArrayList<>();
        try {
            for (int i = 1; i <= parts; i++) streams.add(Files.newInputStream(dir.resolve(Integer.toString(i))));
            Enumeration<InputStream> e = Collections.enumeration(streams);
            try (InputStream all = new SequenceInputStream(e)) {
                store.put(all, oid, size);
            }
        } finally {
            for (InputStream s : streams) s.close();
        }
        discard(uploadId);
    }

    public void discard(String uploadId) throws IOException {
        Path dir = dir(uploadId);
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
