package dev.forge.service.demo;

import java.nio.charset.StandardCharsets;

/** A file of a generated demo repository: its path in the repository and its bytes. */
public record GeneratedFile(String path, byte[] content) {
    /** A text file, in UTF-8. */
    public static GeneratedFile text(String path, String content) {
        return new GeneratedFile(path, content.getBytes(StandardCharsets.UTF_8));
    }
}
