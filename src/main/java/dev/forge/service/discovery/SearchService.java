package dev.forge.service.discovery;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.ContentService;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.RepoService;
import dev.forge.service.repo.RepoSummary;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.CardInfo;
import dev.forge.core.CommitMeta;
import dev.forge.core.ErrorKind;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Membership;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.core.Counters;
import dev.forge.search.Page;
import dev.forge.search.RepoDocument;
import dev.forge.search.RepoIndex;
import dev.forge.search.RepoQuery;
import dev.forge.core.SortKey;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Discovery: keeps the search index in step with the repositories and answers listings and the discovery
 * part of repository info. A repository's document is rebuilt from the database and its default branch on every
 * change that can alter it — a ref move (reported by {@link GitRepositories#onRefsChanged}, on the thread that
 * moved it, so the listing shows a commit as soon as the commit call returns), and create, delete, move and
 * visibility changes (reported by {@link RepoService}). Each rebuild of one repository happens under that
 * repository's lock and reads its state inside it, so the last writer always writes the newest state. Changes are
 * searchable at once and durable at the next {@link #commit}; the whole index can be rebuilt from the database and
 * git ({@link #rebuild}): it is derived data. Thread-safe.
 */
public final class SearchService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SearchService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOCKS = 256;

    private final RepoDao repoDao;
    private final GitRepositories git;
    private final IndexDao index;
    private final WeightFacts weights;
    private final PopularityService popularity;
    private final AccessPolicy policy;
    private final java.time.InstantSource clock;
    private final Object[] locks = new Object[LOCKS];
    /** The default-branch commit each repository's document was built from, to skip ref moves of other refs. */
    private final ConcurrentHashMap<String, String> indexedHeads = new ConcurrentHashMap<>();
    private volatile RepoIndex lucene;
    /** A change could not be applied to the index: it must not be marked as cleanly closed. */
    private volatile boolean missedChange;
    /** A background reconcile has not finished: closing now must leave the index to be reconciled again. */
    private volatile boolean reconciling;

    public SearchService(RepoDao repoDao, GitRepositories git, IndexDao index, WeightFacts weights, PopularityService popularity, AccessPolicy policy,
                         java.time.InstantSource clock) {
        this.clock = clock;
        this.repoDao = repoDao;
        this.git = git;
        this.index = index;
        this.weights = weights;
        this.popularity = popularity;
        this.policy = policy;
        for (int i = 0; i < LOCKS; i++) locks[i] = new Object();
        popularity.onCountersChanged(this::countersChanged);
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    /**
     * Opens the index under {@code dir}. A new or reset index is rebuilt before this returns; one left by a crash,
     * or holding another number of repositories than the registry (repositories created by the command line while
     * no server ran), is reconciled in the background while the old documents keep serving.
     */
    public synchronized void open(Path dir) throws IOException {
        if (lucene != null) return;
        RepoIndex opened = RepoIndex.open(dir, clock);
        lucene = opened;
        if (opened.wasReset()) {
            long t = System.nanoTime();
            int n = rebuild();
            LOG.info("Built the search index of {} repositories in {} ms", n, (System.nanoTime() - t) / 1_000_000);
        } else if (!opened.closedCleanly() || opened.size() != repoDao.count()) {
            reconciling = true;
            Thread.ofVirtual().name("search-reconcile").start(() -> {
                try {
                    int n = rebuild();
                    reconciling = false;
                    LOG.info("Reconciled the search index with {} repositories", n);
                } catch (RuntimeException e) {
                    LOG.error("Reconciling the search index failed; run 'forge index rebuild'", e);
                }
            });
        }
    }

    /**
     * Re-derives every repository's document from the database and git, then removes documents of repositories
     * that no longer exist. Searches keep answering from the old documents meanwhile.
     *
     * @return the number of repositories indexed
     */
    public int rebuild() {
        RepoIndex idx = requireIndex();
        List<Repo> all = repoDao.all();
        Map<String, Counters> counters = popularity.allCounters();
        Set<String> live = new HashSet<>();
        for (Repo r : all) {
            live.add(r.key());
            synchronized (lock(r.key())) {
                try {
                    Optional<RepoDocument> doc = document(r, counters.getOrDefault(r.key(), Counters.ZERO));
                    if (doc.isPresent()) idx.putUnpublished(doc.get());
                } catch (RuntimeException e) {
                    // one repository's content never stops a rebuild (nor the start that runs it): its old document stays
                    LOG.error("Could not index repository {} ({}); the others are indexed", r.displayId(), r.key(), e);
                }
            }
        }
        for (String k : idx.keys()) {
            if (!live.contains(k)) {
                synchronized (lock(k)) {
                    if (repoDao.findByKey(k).isEmpty()) idx.delete(k);
                }
            }
        }
        idx.publish(true);
        return live.size();
    }

    @Override
    public synchronized void close() throws IOException {
        if (lucene != null) {
            lucene.close(!missedChange && !reconciling);
            lucene = null;
        }
    }

    // ------------------------------------------------------------------------------------------- keeping in step

    /** A ref of the repository moved: rebuild its document if its default branch now names another commit. */
    public void refsChanged(String repoKey) {
        update(repoKey, false);
    }

    /** The repository was created, deleted, moved or changed visibility: rebuild its document. */
    public void repoChanged(String repoKey) {
        update(repoKey, true);
    }

    private void update(String repoKey, boolean force) {
        RepoIndex idx = lucene;
        if (idx == null) return;
        try {
            synchronized (lock(repoKey)) {
                Optional<Repo> repo = repoDao.findByKey(repoKey);
                if (repo.isEmpty()) {
                    if (indexedHeads.remove(repoKey) != null || force) idx.delete(repoKey);
                    return;
                }
                Optional<ObjectId> head = git.resolve(repoKey, GitRepositories.DEFAULT_REF);
                if (!force && head.isPresent() && head.get().name().equals(indexedHeads.get(repoKey))) return;
                Optional<RepoDocument> doc = document(repo.get(), popularity.counters(repoKey));
                if (doc.isPresent()) idx.put(doc.get());
            }
        } catch (IOException | RuntimeException e) {
            // the change itself has happened; the index is re-derived at the next start (or by forge index rebuild)
            missedChange = true;
            LOG.error("Could not update the search index for repository {}", repoKey, e);
        }
    }

    private void countersChanged(Map<String, Counters> changed) {
        RepoIndex idx = lucene;
        if (idx == null) return;
        for (Map.Entry<String, Counters> e : changed.entrySet()) {
            synchronized (lock(e.getKey())) {
                idx.updateCounters(e.getKey(), e.getValue());
            }
        }
        idx.publish(false);
    }

    /**
     * Makes the index's changes durable. Called every few seconds: a crash loses at most that much of the index,
     * and the missing clean-close marker then has it re-derived from the database and git at the next start.
     */
    public void commit() {
        RepoIndex idx = lucene;
        if (idx != null) idx.commit();
    }

    private Object lock(String key) {
        return locks[Math.floorMod(key.hashCode(), LOCKS)];
    }

    /** The document of a repository at its default branch; empty when the branch does not exist. */
    private Optional<RepoDocument> document(Repo repo, Counters counters) {
        try {
            Optional<ObjectId> head = git.resolve(repo.key(), GitRepositories.DEFAULT_REF);
            if (head.isEmpty()) return Optional.empty();
            String commit = head.get().name();
            Optional<CommitMeta> meta = index.commit(repo.key(), commit);
            if (meta.isEmpty()) return Optional.empty(); // not indexed yet: the ref move that follows indexing reports it
            View v = view(repo, meta.get());
            byte[] summary = SummaryCodec.encode(v.summary());
            indexedHeads.put(repo.key(), commit);
            List<String> terms = new ArrayList<>(v.summary().tags());
            terms.add(repo.isGated() ? GATED_TERM : NOT_GATED_TERM); // for ?gated=true|false; not a tag the Hub shows
            return Optional.of(new RepoDocument(repo.key(), repo.type(), repo.displayId(), repo.isPrivate(), terms,
                    repo.createdAt(), meta.get().committedAt(), v.facts().parameters(), counters, summary));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------- what a repository shows

    /** What a repository shows at a commit (from its card and files; no counters, no file list), and the facts behind it. */
    record View(RepoSummary summary, CommitFacts facts) {}

    View view(Repo repo, CommitMeta c) {
        Map<String, Object> card = cardData(c);
        CardInfo info = CardInfo.of(repo.type(), card);
        CommitFacts facts = repo.type() == RepoType.MODEL ? weights.of(repo, c.id()) : CommitFacts.NONE;
        Optional<String> library = info.libraryName().or(() -> Optional.ofNullable(facts.library()));
        Optional<CardInfo.Relation> relation = info.baseModels().isEmpty() ? Optional.empty()
                : Optional.of(info.declaredRelation().orElseGet(() ->
                        CardInfo.Relation.infer(info.baseModels().size(), facts.adapterConfig(), facts.ggufFiles())));
        java.util.Set<String> tagSet = new java.util.LinkedHashSet<>();
        if (info.libraryName().isEmpty()) library.ifPresent(tagSet::add);
        tagSet.addAll(info.allTags(facts.fileTags(), relation));
        boolean model = repo.type() == RepoType.MODEL;
        RepoSummary summary = new RepoSummary(repo.key(), repo.type(), repo.displayId(), repo.id().namespace(), c.id(), c.committedAt(),
                repo.createdAt(), repo.isPrivate(), repo.gating(), List.copyOf(tagSet), model ? info.pipelineTag() : Optional.empty(),
                model ? library : Optional.empty(), card, Optional.ofNullable(facts.safetensors()), Optional.ofNullable(facts.gguf()),
                Optional.ofNullable(facts.config()), relation.map(r -> new RepoSummary.Lineage(r.wire(), info.baseModels())));
        return new View(summary, facts);
    }

    private static Map<String, Object> cardData(CommitMeta c) {
        if (c.cardDataJson() == null) return Map.of();
        try {
            return JSON.readValue(c.cardDataJson(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** Details of a repository the actor can read, at one of its commits. */
    public InfoService.Details details(Actor actor, Repo repo, CommitMeta commit) {
        Optional<Integer> children = repo.type() == RepoType.MODEL ? Optional.of(childrenCount(actor, repo)) : Optional.empty();
        View v = views.get(new ViewKey(repo, commit.id()), k -> view(repo, commit));
        return new InfoService.Details(v.summary(), children, popularity.counters(repo.key()));
    }

    /**
     * What a repository looks like at a commit, by the whole repository record and the commit id: the commit's card and
     * files never change, and a change of the record (visibility, gating, a move) is another key.
     */
    private record ViewKey(Repo repo, String commit) {}

    private final com.github.benmanes.caffeine.cache.Cache<ViewKey, View> views =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();

    /** How many models the actor can see that name this one as their base model. */
    public int childrenCount(Actor actor, Repo repo) {
        RepoIndex idx = lucene;
        if (idx == null) return 0;
        return idx.count(RepoQuery.all(RepoType.MODEL, readableNamespaces(actor)).withTags(List.of("base_model:" + repo.displayId())));
    }

    // ------------------------------------------------------------------------------------------- downloads

    /** The library that decides which files count as downloads, per (repository, commit): a commit never changes. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Optional<String>> libraries =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(50_000).build();

    /**
     * A file was served to a GET with this {@code Range} header: counts a download when the file is one of those that
     * mark a download of the repository and the GET reads it from its start (not a resumed download, not the one-byte
     * size probe of the JS client).
     */
    public void served(ContentService.FileTarget t, String rangeHeader) {
        if (PopularityService.DownloadRule.countsRange(rangeHeader) && countsDownload(t)) popularity.recordDownload(t.repo());
    }

    /**
     * What a whole GET of this file answered from memory does to be counted as {@link #served} would count it, decided
     * once (the file and its commit's library do not change): null when such a GET is not a download.
     */
    public Runnable downloadCounter(ContentService.FileTarget t) {
        if (!countsDownload(t)) return null;
        Repo repo = t.repo();
        return () -> popularity.recordDownload(repo);
    }

    private boolean countsDownload(ContentService.FileTarget t) {
        Repo repo = t.repo();
        String path = t.entry().path();
        if (!PopularityService.DownloadRule.mayCount(repo.type(), path)) return false;
        Optional<String> library = repo.type() != RepoType.MODEL ? Optional.empty()
                : libraries.get(repo.key() + "/" + t.commit(), k -> index.commit(repo.key(), t.commit())
                        .flatMap(c -> view(repo, c).summary().libraryName()));
        return PopularityService.DownloadRule.counts(repo.type(), library.orElse(null), path);
    }

    // ------------------------------------------------------------------------------------------- listing

    /**
     * A listing request, already parsed.
     *
     * @param tags tags every result must carry ({@code filter}, {@code pipeline_tag}, {@code library}, {@code language} …)
     */
    public record ListRequest(RepoType type, List<String> search, Optional<String> author, List<String> tags,
                              Optional<Long> minParameters, Optional<Long> maxParameters, SortKey sort, boolean ascending,
                              int limit, Optional<String> cursor, boolean withSiblings, boolean withChildren) {}

    /** One listed repository: its stored summary, current counters, and (when asked) its files and derivative count. */
    public record Listed(RepoSummary summary, Counters counters, Optional<List<FileEntry>> siblings, Optional<Integer> children) {}

    public record Listing(List<Listed> items, Optional<String> nextCursor) {}

    public Listing list(Actor actor, ListRequest r) {
        if (!r.type().isSupported()) throw new ForgeException(ErrorKind.NOT_FOUND, "Spaces are not supported by this forge");
        RepoIndex idx = requireIndex();
        RepoQuery q = new RepoQuery(r.type(), r.search(), r.author(), r.tags(), readableNamespaces(actor), r.minParameters(),
                r.maxParameters(), r.sort(), r.ascending(), r.limit(), r.cursor());
        Page page;
        try {
            page = idx.search(q);
        } catch (RepoIndex.InvalidCursorException e) {
            throw ForgeException.badRequest("Invalid cursor");
        }
        List<Listed> out = new ArrayList<>(page.hits().size());
        for (Page.Hit h : page.hits()) {
            RepoSummary summary = SummaryCodec.decode(h.summary(), r.type());
            Optional<List<FileEntry>> siblings = r.withSiblings()
                    ? Optional.of(index.all(h.key(), summary.sha()).stream().filter(e -> !e.directory()).toList()) : Optional.empty();
            Optional<Integer> children = r.withChildren() && r.type() == RepoType.MODEL
                    ? Optional.of(idx.count(RepoQuery.all(RepoType.MODEL, q.readableNamespaces())
                            .withTags(List.of("base_model:" + summary.id())))) : Optional.empty();
            out.add(new Listed(summary, h.counters(), siblings, children));
        }
        return new Listing(out, page.nextCursor());
    }

    /** A page of a listing as people see it (the web pages): the same query, each hit as a {@link ListedRepo}. */
    public record Summaries(List<ListedRepo> items, Optional<String> nextCursor) {}

    public Summaries summaries(Actor actor, ListRequest r) {
        Listing l = list(actor, r);
        return new Summaries(l.items().stream().map(ListedRepo::of).toList(), l.nextCursor());
    }

    /** Index terms for the {@code gated} listing filter (the control character keeps them apart from real tags). */
    public static final String GATED_TERM = "\u0001gated:yes", NOT_GATED_TERM = "\u0001gated:no";

    /**
     * Private repositories the actor may see are those of its own namespaces; empty means everything (admins). A
     * fine-grained token lists only the private repositories of the namespaces it names (one it names by
     * repository stays reachable directly but is not listed: under-listing never leaks).
     */
    Optional<Set<String>> readableNamespaces(Actor actor) {
        return policy.privateNamespacesReadable(actor);
    }

    private RepoIndex requireIndex() {
        RepoIndex idx = lucene;
        if (idx == null) throw new ForgeException(ErrorKind.UNAVAILABLE, "The search index is not open");
        return idx;
    }
}
