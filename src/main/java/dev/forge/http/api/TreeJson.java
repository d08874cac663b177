package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.forge.core.CommitMeta;
import dev.forge.core.Dates;
import dev.forge.core.FileEntry;
import dev.forge.http.exchange.Html;
import dev.forge.service.repo.InfoService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The wire shapes of a repository's files and history, exactly as the clients parse them: tree and paths-info
 * entries (which name their LFS object {@code lfs.oid}, where info's siblings say {@code lfs.sha256}), commits and
 * refs. Field order is the Hub's; absent optional fields are left out, never {@code null}.
 */
final class TreeJson {
    private TreeJson() {}

    /** A file or folder of a tree page or of paths-info; {@code lastCommit} only when expanded. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String type, String oid, long size, Lfs lfs, String xetHash, String path, LastCommit lastCommit) {
        static Entry of(FileEntry f, Map<String, CommitMeta> lastCommits, Function<String, Optional<String>> xetHashOf) {
            CommitMeta last = lastCommits.get(f.lastCommit());
            return new Entry(f.directory() ? "directory" : "file", f.oid(), f.size(),
                    f.lfsInfo().map(l -> new Lfs(l.oid(), l.size(), l.pointerSize())).orElse(null),
                    f.lfsInfo().flatMap(l -> xetHashOf.apply(l.oid())).orElse(null), f.path(),
                    last == null ? null : new LastCommit(last.id(), last.title(), Dates.iso(last.committedAt())));
        }

        /** @param xetHashOf the Xet file hash of an LFS object held in Xet form (by its sha256), else empty */
        static List<Entry> page(InfoService.TreePage page, Function<String, Optional<String>> xetHashOf) {
            List<Entry> out = new ArrayList<>(page.entries().size());
            for (FileEntry e : page.entries()) out.add(of(e, page.lastCommits(), xetHashOf));
            return out;
        }
    }

    record Lfs(String oid, long size, int pointerSize) {}

    record LastCommit(String id, String title, String date) {}

    /** One commit of {@code commits/{rev}}; {@code formatted} (HTML-escaped title and message) only when expanded. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Commit(String id, String title, String message, List<Author> authors, String date, Formatted formatted) {
        static Commit of(CommitMeta c, boolean formatted) {
            return new Commit(c.id(), c.title(), c.message(), List.of(new Author(c.authorName())), Dates.iso(c.committedAt()),
                    formatted ? new Formatted(Html.escape(c.title()), Html.escape(c.message())) : null);
        }
    }

    record Author(String user) {}

    record Formatted(String title, String message) {}

    /** {@code refs}: {@code pullRequests} only when asked for ({@code include_prs}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Refs(List<Ref> branches, List<Ref> converts, List<Ref> tags, List<Ref> pullRequests) {
        static Refs of(InfoService.Refs refs, boolean withPullRequests) {
            List<Ref> branches = new ArrayList<>(), tags = new ArrayList<>(), converts = new ArrayList<>(), prs = new ArrayList<>();
            for (InfoService.Ref r : refs.refs()) {
                String n = r.name();
                if (n.startsWith("refs/heads/")) branches.add(new Ref(n.substring(11), n, r.commit()));
                else if (n.startsWith("refs/tags/")) tags.add(new Ref(n.substring(10), n, r.commit()));
                else if (n.startsWith("refs/convert/")) converts.add(new Ref(n.substring(13), n, r.commit()));
                else if (n.startsWith("refs/pr/")) prs.add(new Ref(n.substring(5), n, r.commit()));
            }
            return new Refs(branches, converts, tags, withPullRequests ? prs : null);
        }
    }

    record Ref(String name, String ref, String targetCommit) {}
}
