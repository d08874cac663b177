package dev.forge.git;

/**
 * A file or folder read from a git tree. {@code size} is the blob size for files (the pointer's size for
 * LFS files) and 0 for folders; {@code lfs} is the parsed pointer when the blob is one.
 */
public record TreeEntry(String path, boolean directory, String oid, long size, LfsPointer lfs) {}
