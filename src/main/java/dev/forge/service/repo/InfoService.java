package dev.forge.service.repo;

import dev.forge.service.account.Actor;

import dev.forge.cards.CardData;
import dev.forge.cards.CardInfo;
import dev.forge.core.CommitMeta;
import dev.forge.core.Counters;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read-only views of a repository at a revision, all answered from the file index and refs: info,
 * tree pages, paths-info, refs and commit pages. Thread-safe.
 */
public final class InfoService {
    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;
    private final DetailsSource details;

    /** The most file entries (and commit records) {@link #perCommit} holds. */
    static final long PER_COMMIT_ENTRIES = 400_000;

    /**
     * What the file index says of one commit, by (repository key, commit id, question): its record, its files, a tree
     * page, a paths-info answer. A commit's index is written once and never changes (and a repository's key is never
     * reused), so nothing here is stale after a ref move: the move makes the revision resolve to another commit, and so
     * to other keys. Weighed in entries; a miss costs one index query, as before.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Object> perCommit =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumWeight(PER_COMMIT_ENTRIES)
                    .weigher((String k, Object v) -> 1 + switch (v) {
                        case List<?> l -> l.size();
                        case Rows r -> r.rows().size() + r.last().size();
                        default -> 0;
                    }).build();

    /** A listing's rows and, when expanded, the records of their last commits. */
    private record Rows(List<FileEntry> rows, Map<String, CommitMeta> last) {}

    @SuppressWarnings("unchecked")
    private <T> T perCommit(String key, java.util.function.Supplier<T> load) {
        return (T) perCommit.get(key, k -> load.get());
    }

    private static String key(String kind, Repo repo, String commit, Object... more) {
        StringBuilder b = new StringBuilder(kind).append('\0').append(repo.key()).append('\0').append(commit);
        for (Object m : more) b.append('\0').append(m);
        return b.toString();
    }

    public InfoService(RepoService repos, IndexDao index, GitRepositories git, DetailsSource details) {
        this.repos = repos;
        this.index = index;
        this.git = git;
        this.details = details;
    }

    /**
     * What discovery knows of a repository at a commit: its summary (card, files, lineage), for models how many models the
     * caller can see that are based on it, and its popularity counters.
     */
    public record Details(RepoSummary summary, Optional<Integer> childrenModelCount, Counters counters) {}

    /** Where the discovery fields of repository info come from (the discovery service, which indexes them). */
    @FunctionalInterface
    public interface DetailsSource {
        Details details(Actor actor, Repo repo, CommitMeta commit);
    }

    /**
     * A repository at one commit, with what discovery knows of it. {@code files} is filled only when asked for;
     * {@code refGeneration} is the repository's ref generation read before the revision was resolved (see {@link TreePage}).
     */
    public record Snapshot(Repo repo, CommitMeta commit, List<FileEntry> files, long usedStorage, Details details, long refGeneration) {}

    public Snapshot snapshot(Actor actor, RepoType type, RepoId id, String rev, boolean withFiles) {
        Repo repo = repos.readable(actor, type, id);
        long generation = repos.refGeneration(repo);
        String commit = repos.resolve(repo, rev);
        CommitMeta meta = perCommit(key("commit", repo, commit), () -> index.commit(repo.key(), commit).orElseThrow());
        List<FileEntry> files = withFiles
                ? perCommit(key("files", repo, commit), () -> index.all(repo.key(), commit).stream().filter(e -> !e.directory()).toList())
                : List.of();
        long used = withFiles ? files.stream().mapToLong(FileEntry::size).sum()
                : perCommit(key("size", repo, commit), () -> index.totalSize(repo.key(), commit));
        return new Snapshot(repo, meta, files, used, details.details(actor, repo, meta), generation);
    }

    /**
     * One page of a tree listing, with the cursor of the next page (null on the last), and which of the request's
     * segments named the revision and which the folder ("" for the root); {@code refGeneration} is the repository's ref
     * generation read before the revision was resolved (the page stays true while it is unchanged).
     */
    public record TreePage(Repo repo, String commit, List<FileEntry> entries, Map<String, CommitMeta> lastCommits, String nextCursor,
                           String revision, String folder, long refGeneration) {}

    /**
     * @param revAndPath the unencoded revision and folder segments after {@code tree/}; the revision is the
     *     longest prefix that names a ref, or the first segment
     */
    public TreePage tree(Actor actor, RepoType type, RepoId id, List<String> revAndPath, boolean recursive, boolean expand,
                         String cursor, int pageSize) {
        Repo repo = repos.readable(actor, type, id);
        if (revAndPath.isEmpty()) throw ForgeException.revisionNotFound("");
        long generation = repos.refGeneration(repo);
        String[] split = repos.splitRevision(repo, revAndPath);
        String commit = repos.resolve(repo, split[0]);
        String folder = split[1];
        if (!folder.isEmpty()) RepoPath.validate(folder);
        Rows page = perCommit(key("tree", repo, commit, folder, recursive, expand, cursor, pageSize), () -> {
            if (!folder.isEmpty()) {
                FileEntry dir = index.entry(repo.key(), commit, folder).orElseThrow(() -> ForgeException.entryNotFound(folder, commit));
                if (!dir.directory()) throw ForgeException.entryNotFound(folder, commit);
            }
            List<FileEntry> rows = index.list(repo.key(), commit, folder, recursive, cursor, pageSize + 1);
            return new Rows(List.copyOf(rows), expand ? lastCommits(repo, rows.subList(0, Math.min(pageSize, rows.size()))) : Map.of());
        });
        List<FileEntry> rows = page.rows();
        String next = null;
        if (rows.size() > pageSize) {
            rows = rows.subList(0, pageSize);
            next = rows.getLast().path();
        }
        return new TreePage(repo, commit, rows, page.last(), next, split[0], folder, generation);
    }

    public TreePage pathsInfo(Actor actor, RepoType type, RepoId id, String rev, Collection<String> paths, boolean expand) {
        Repo repo = repos.readable(actor, type, id);
        long generation = repos.refGeneration(repo);
        String commit = repos.resolve(repo, rev);
        Set<String> valid = new LinkedHashSet<>();
        for (String p : paths) {
            String trimmed = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            if (RepoPath.isValid(trimmed)) valid.add(trimmed);
        }
        java.util.function.Supplier<Rows> load = () -> {
            List<FileEntry> rows = index.entries(repo.key(), commit, valid);
            return new Rows(List.copyOf(rows), expand ? lastCommits(repo, rows) : Map.of());
        };
        // the few paths a download asks about are worth keeping; a listing of thousands is not worth its key
        Rows found = valid.size() <= 64 ? perCommit(key("paths", repo, commit, expand, String.join("\0", valid)), load) : load.get();
        return new TreePage(repo, commit, found.rows(), found.last(), null, rev, "", generation);
    }

    private Map<String, CommitMeta> lastCommits(Repo repo, List<FileEntry> rows) {
        Set<String> ids = new LinkedHashSet<>();
        for (FileEntry e : rows) ids.add(e.lastCommit());
        return index.commits(repo.key(), ids);
    }

    /**
     * What is wrong with a model card's metadata ({@code validate-yaml}): a front matter that does not parse, or keys
     * the Hub reads with the wrong type; empty when the card is fine (or has no metadata).
     */
    public List<String> cardProblems(String readme) {
        try {
            return CardData.parse(readme).map(CardInfo::problems).orElse(List.of());
        } catch (CardData.InvalidCardException e) {
            return List.of(e.getMessage());
        }
    }

    /** One ref: its full name ({@code refs/heads/main}) and the commit it points at. */
    public record Ref(String name, String commit) {}

    public record Refs(Repo repo, List<Ref> refs) {}

    public Refs refs(Actor actor, RepoType type, RepoId id) {
        Repo repo = repos.readable(actor, type, id);
        try {
            return new Refs(repo, git.refs(repo.key()).stream().map(r -> new Ref(r.name(), r.commit())).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A page of history, newest first, and the total number of commits reachable from the revision. */
    public record CommitPage(Repo repo, List<CommitMeta> commits, long total, boolean hasMore) {}

    public CommitPage commits(Actor actor, RepoType type, RepoId id, List<String> revSegments, int page, int limit) {
        Repo repo = repos.readable(actor, type, id);
        if (revSegments.isEmpty()) throw ForgeException.revisionNotFound("");
        String head = repos.resolve(repo, String.join("/", revSegments)); // commits/{rev} has no path after the revision
        CommitMeta headMeta = index.commit(repo.key(), head).orElseThrow();
        try {
            List<ObjectId> ids = git.history(repo.key(), ObjectId.fromString(head), page * limit, limit);
            Map<String, CommitMeta> metas = index.commits(repo.key(), ids.stream().map(ObjectId::name).toList());
            List<CommitMeta> out = new java.util.ArrayList<>();
            for (ObjectId c : ids) {
                CommitMeta m = metas.get(c.name());
                if (m == null) {
                    repos.resolve(repo, c.name()); // indexes commits that came from outside Forge
                    m = index.commit(repo.key(), c.name()).orElseThrow();
                }
                out.add(m);
            }
            long total = headMeta.historyCount();
            return new CommitPage(repo, out, total, (long) (page + 1) * limit < total);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
