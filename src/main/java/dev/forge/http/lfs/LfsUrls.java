package dev.forge.http.lfs;

import dev.forge.core.ForgeConfig;

/**
 * The shapes of the LFS transfer URLs, in one place: the batch answer builds its hrefs here and {@code Routes} matches
 * requests with the same patterns, so the two cannot drift apart. Each URL names the repository by its immutable key
 * (a rename keeps grants valid) and carries its own signed grant in {@code t}.
 */
public final class LfsUrls {
    /** An object: {@code GET} downloads it, {@code PUT} uploads it whole, {@code POST} completes a multipart upload. */
    public static final String OBJECT = "/lfs/objects/{key}/{oid}";
    /** One part of a multipart upload ({@code PUT}). */
    public static final String PART = OBJECT + "/parts/{n}";
    /** The verify call after an upload ({@code POST}). */
    public static final String VERIFY = OBJECT + "/verify";

    private LfsUrls() {}

    static String download(ForgeConfig config, String repoKey, String oid, String grant) {
        return object(config, repoKey, oid) + "?t=" + grant;
    }

    static String upload(ForgeConfig config, String repoKey, String oid, long size, String grant) {
        return object(config, repoKey, oid) + "?size=" + size + "&t=" + grant;
    }

    /** The upload URL of a multipart upload: its completion needs the part size the parts were cut with. */
    static String multipartUpload(ForgeConfig config, String repoKey, String oid, long size, String grant, long partSize) {
        return upload(config, repoKey, oid, size, grant) + "&chunk=" + partSize;
    }

    static String part(ForgeConfig config, String repoKey, String oid, long n, long size, long partSize, String grant) {
        return object(config, repoKey, oid) + "/parts/" + n + "?size=" + size + "&chunk=" + partSize + "&t=" + grant;
    }

    static String verify(ForgeConfig config, String repoKey, String oid, long size, String grant) {
        return object(config, repoKey, oid) + "/verify?size=" + size + "&t=" + grant;
    }

    private static String object(ForgeConfig config, String repoKey, String oid) {
        return config.url(OBJECT.replace("{key}", repoKey).replace("{oid}", oid));
    }
}
