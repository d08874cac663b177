package dev.forge.search;

import dev.forge.core.Counters;

import dev.forge.core.RepoType;

import java.time.Instant;
import java.util.List;

/**
 * What the index holds of one repository: the fields it filters and sorts on, and {@code summary}, an
 * opaque rendering of the listing fields stored with the document so that a page of results needs no
 * other lookup.
 *
 * @param parameters the model's parameter count, or -1 when unknown
 */
public record RepoDocument(String key, RepoType type, String id, boolean isPrivate, List<String> tags,
                           Instant createdAt, Instant lastModified, long parameters, Counters counters, byte[] summary) {
    public RepoDocument {
        tags = List.copyOf(tags);
    }

    public String namespace() { return id.substring(0, id.indexOf('/')); }
}
