package dev.forge.service.airlock;

import dev.forge.core.RepoId;
import dev.forge.core.RepoType;

import java.util.List;

/**
 * One revision of an upstream repository that is being pulled in: where from ({@code upstream}, its base URL),
 * which repository ({@code type}, {@code repo}, named as upstream), at which {@code commit} (a full commit id), its
 * card's text ({@code README.md} at that commit; empty when it has none) and its files with their sizes (LFS files
 * by their real size, not their pointer's).
 */
public record PullSubject(String upstream, RepoType type, RepoId repo, String commit, String card, List<PulledFile> files) {
    public PullSubject {
        if (upstream == null || type == null || repo == null || commit == null) {
            throw new IllegalArgumentException("a pull names its upstream, repository and commit");
        }
        card = card == null ? "" : card;
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** The same revision without its file list (what a single file's check needs). */
    public PullSubject withoutFiles() { return new PullSubject(upstream, type, repo, commit, card, List.of()); }

    /** {@code model:ns/name@commit}, as the audit log names it. */
    public String target() { return type.singular() + ":" + repo + "@" + commit; }

    /** A file of the revision: its path in the repository and its size in bytes. */
    public record PulledFile(String path, long size) {
        public PulledFile {
            if (path == null || size < 0) throw new IllegalArgumentException("a file has a path and a size >= 0");
        }
    }
}
