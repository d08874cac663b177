package dev.forge.git;

import dev.forge.core.LfsOid;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The Git LFS pointer file: {@code version https://git-lfs.github.com/spec/v1}, {@code oid sha256:<hex>},
 * {@code size <n>}, each line ending in a newline. Parsing is strict about the spec's required keys but
 * accepts extra {@code key value} lines, as git-lfs does.
 */
public record LfsPointer(LfsOid oid, long size) {
    public static final String VERSION_LINE = "version https://git-lfs.github.com/spec/v1";
    /** Pointers are small; anything larger is content, not a pointer. */
    public static final int MAX_POINTER_SIZE = 1024;

    public byte[] toBytes() {
        return (VERSION_LINE + "\noid sha256:" + oid.hex() + "\nsize " + size + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public static Optional<LfsPointer> parse(byte[] bytes) {
        if (bytes.length > MAX_POINTER_SIZE || bytes.length < VERSION_LINE.length()) return Optional.empty();
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.startsWith(VERSION_LINE + "\n")) return Optional.empty();
        String oid = null;
        Long size = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("oid sha256:")) oid = line.substring("oid sha256:".length());
            else if (line.startsWith("size ")) {
                try {
                    size = Long.parseLong(line.substring(5));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        if (oid == null || size == null || size < 0 || !LfsOid.isValid(oid)) return Optional.empty();
        return Optional.of(new LfsPointer(new LfsOid(oid), size));
    }
}
