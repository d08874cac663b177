package dev.forge.service.repo;

import org.eclipse.jgit.lib.Repository;

import java.nio.charset.StandardCharsets;

/**
 * What a branch or tag name may be, for the API and for pushes alike: a name git accepts, of at most
 * {@value #MAX_BYTES} bytes of UTF-8 as a full ref. Longer names cannot be files on common file systems: the ref
 * update then fails with an I/O error naming the data folder, which must never reach a client.
 */
public final class RefNames {
    public static final int MAX_BYTES = 255;

    private RefNames() {}

    /** Whether {@code fullName} ({@code refs/heads/…}) is an acceptable ref name. */
    public static boolean isValid(String fullName) {
        return fullName.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES && Repository.isValidRefName(fullName);
    }
}
