package dev.forge.core;

import java.util.Optional;

/**
 * One entry of a commit's file index: a file or a directory at {@code path}. For a file, {@code size} is
 * the real content size (for LFS files, the LFS object's size), {@code oid} the git blob id (for LFS
 * files, of the pointer); for a directory, {@code oid} is the git tree id and {@code size} is 0.
 * {@code lastCommit} is the commit that last changed the entry, along first parents.
 */
public record FileEntry(String path, boolean directory, long size, String oid, LfsInfo lfs, String lastCommit) {

    /** The LFS part of a file entry: content hash and size, and the byte size of the pointer blob in git. */
    public record LfsInfo(String oid, long size, int pointerSize) {}

    public Optional<LfsInfo> lfsInfo() { return Optional.ofNullable(lfs); }

    public boolean isLfs() { return lfs != null; }

    /** The strong validator clients use as the cache key: the LFS sha256 for LFS files, the git blob id otherwise. */
    public String etag() { return lfs != null ? lfs.oid() : oid; }

    public String parent() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
