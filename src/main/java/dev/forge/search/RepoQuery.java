package dev.forge.search;

import dev.forge.core.SortKey;

import dev.forge.core.RepoType;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One listing request against the index.
 *
 * @param search substrings every result's id must contain (case-insensitive)
 * @param author the exact namespace, case-insensitive
 * @param tags tags every result must carry (case-insensitive)
 * @param readableNamespaces private repositories are listed only under these namespaces (lower-case);
 *     empty means the caller may read everything
 * @param cursor where the previous page ended ({@link Page#nextCursor()}), if this is not the first page
 */
public record RepoQuery(RepoType type, List<String> search, Optional<String> author, List<String> tags,
                        Optional<Set<String>> readableNamespaces, Optional<Long> minParameters, Optional<Long> maxParameters,
                        SortKey sort, boolean ascending, int limit, Optional<String> cursor) {
    public RepoQuery {
        search = List.copyOf(search);
        tags = List.copyOf(tags);
    }

    /** Everything of a type visible to a caller who can read only public repositories and {@code namespaces}. */
    public static RepoQuery all(RepoType type, Optional<Set<String>> readableNamespaces) {
        return new RepoQuery(type, List.of(), Optional.empty(), List.of(), readableNamespaces, Optional.empty(), Optional.empty(),
                SortKey.ID, true, 100, Optional.empty());
    }

    public RepoQuery withTags(List<String> t) {
        return new RepoQuery(type, search, author, t, readableNamespaces, minParameters, maxParameters, sort, ascending, limit, cursor);
    }
}
