package dev.forge.service.airlock;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bytes of a pulled file, opened as often as the airlock needs (the format check reads a few bytes, the
 * scanner may read the whole file). A file on local disk says where it is, so a zip checkpoint is read through its
 * central directory instead of being copied first.
 */
@FunctionalInterface
public interface FileBytes {

    InputStream open() throws IOException;

    /** Where the bytes are on local disk, when they are in one file there. */
    default Optional<Path> path() { return Optional.empty(); }

    static FileBytes of(Path file) {
        return new FileBytes() {
            @Override
            public InputStream open() throws IOException { return Files.newInputStream(file); }

            @Override
            public Optional<Path> path() { return Optional.of(file); }
        };
    }

    static FileBytes of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return () -> new ByteArrayInputStream(copy);
    }
}
