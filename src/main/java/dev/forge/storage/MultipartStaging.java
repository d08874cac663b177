package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Multipart LFS uploads in flight, under {@code tmp/multipart/<upload>/}: each part is written at its own
 * offset straight into one {@code data} file, so completing the upload never copies the bytes again: the
 * store verifies that file's SHA-256 and size and takes it over by rename ({@link BlobStore#putFile}).
 * A part counts as done only once its bytes are synced and its marker file (named by the part number,
 * holding the part's CRC32C) is in place; a re-sent part first removes its marker, so a resumed upload
 * rewrites broken parts whole, and a part cut off mid-way is never counted. Parts of one upload may be
 * written concurrently (they cover disjoint ranges). A crash at any point leaves at most an unpublished
 * upload, which can be resumed or is cleared after a day.
 */
public final class MultipartStaging {
    private static final int BUFFER = 256 * 1024;
    private static final String DATA = "data";
    private final Path root;

    public MultipartStaging(Path tmp) throws IOException {
        this.root = Files.createDirectories(tmp.resolve("multipart"));
    }

    private Path dir(String uploadId) {
        if (!uploadId.matches("[0-9a-f]{16,64}")) throw new IllegalArgumentException("bad upload id");
        return root.resolve(uploadId);
    }

    /**
     * Writes part {@code number}: exactly {@code expectedSize} bytes at {@code offset} of the object.
     *
     * @return the part's ETag value (CRC32C of its bytes, hex)
     * @throws BlobStore.BlobMismatchException when the body is shorter or longer than expected; the part is then not done
     */
    public String putPart(String uploadId, int number, long offset, long expectedSize, InputStream in) throws IOException {
        Path dir = Files.createDirectories(dir(uploadId));
        Path marker = dir.resolve(Integer.toString(number));
        Files.deleteIfExists(marker);
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

    /**
     * Hands the assembled object to the store as {@code oid} once parts 1..{@code parts} are all done, then
     * removes the upload.
     *
     * @throws NoSuchFileException when a part is missing
     * @throws BlobStore.BlobMismatchException when the assembled bytes do not match the oid or size
     */
    public void complete(String uploadId, int parts, BlobStore store, LfsOid oid, long size) throws IOException {
        Path dir = dir(uploadId);
        for (int i = 1; i <= parts; i++) {
            if (!Files.exists(dir.resolve(Integer.toString(i)))) throw new NoSuchFileException("part " + i);
        }
        Path data = dir.resolve(DATA);
        if (!Files.exists(data)) throw new NoSuchFileException("data");
        store.putFile(data, oid, size); // on a mismatch the parts stay: re-sending the bad ones is enough
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
