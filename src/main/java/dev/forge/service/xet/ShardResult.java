package dev.forge.service.xet;

import dev.forge.core.LfsOid;

import java.util.List;

/**
 * What an accepted shard registered: one entry per file it describes (in shard order).
 *
 * @param newlyStored whether any file was not registered before (false for an idempotent re-upload)
 */
public record ShardResult(List<RegisteredFile> files, boolean newlyStored) {
    public ShardResult {
        files = List.copyOf(files);
    }

    /** A file of the shard: its Xet file hash, the LFS oid (sha256 of its bytes, computed by us) and its size. */
    public record RegisteredFile(XetHashHex fileHash, LfsOid oid, long size) {}
}
