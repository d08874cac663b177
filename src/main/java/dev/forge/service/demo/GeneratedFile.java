package dev.forge.service.demo;

/** A file of a generated demo repository: its path in the repository and its bytes. */
public record GeneratedFile(String path, byte[] content) {}
