package dev.forge.service.discovery;

import dev.forge.core.CommitMeta;
import dev.forge.core.Counters;
import dev.forge.core.FileEntry;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.SortKey;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.AccessRequestService;
import dev.forge.service.repo.ContentService;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A repository as its page presents it to people: the card's text and metadata, what the weight headers say, the
 * lineage both ways, popularity, and what the visitor may do there. The same access rules as the API hold: a
 * repository the actor cannot read is "not found", and a gated one shows its metadata but not its files (the card's
 * text is a file) until the actor's request is accepted. Thread-safe.
 */
public final class OverviewService {
    /** A README larger than this is not rendered on the page (it stays a file to open). */
    public static final int MAX_CARD_BYTES = 512 * 1024;
    private static final int ROOT_FILES = 1000;
    private static final int DERIVATIVES_SHOWN = 10;

    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;
    private final SearchService search;
    private final WeightFacts weights;
    private final PopularityService popularity;
    private final AccessPolicy policy;
    private final AccessRequestService accessRequests;

    public OverviewService(RepoService repos, IndexDao index, GitRepositories git, SearchService search, WeightFacts weights,
                           PopularityService popularity, AccessPolicy policy, AccessRequestService accessRequests) {
        this.repos = repos;
        this.index = index;
        this.git = git;
        this.search = search;
        this.weights = weights;
        this.popularity = popularity;
        this.policy = policy;
        this.accessRequests = accessRequests;
    }

    /** The card's metadata as people read it; {@code tags} are those not shown elsewhere on the page. */
    public record Card(Optional<String> license, List<String> languages, List<String> datasets, Optional<String> pipelineTag,
                       Optional<String> library, List<String> tags) {}

    /** What the weight headers of the top-level files say. */
    public record Weights(Map<String, Long> parametersByDtype, long total, Optional<Gguf> gguf, List<String> architectures,
                          Optional<String> modelType) {
        public boolean known() { return total > 0 || gguf.isPresent(); }
    }

    public record Gguf(long total, Optional<String> architecture, Optional<Long> contextLength, Optional<String> quantization) {}

    /** The models this one derives from (and how), and the models the actor can see that derive from it. */
    public record Lineage(Optional<String> relation, List<String> baseModels, long derivativeCount, List<ListedRepo> derivatives) {}

    /**
     * What the visitor may do: read the files (false for a gated repository without an accepted request), write
     * (settings, uploads), whether they are signed in, liked it, and the status of their access request.
     */
    public record Access(boolean filesReadable, boolean canWrite, boolean signedIn, boolean liked, Optional<String> requestStatus) {}

    /**
     * @param revision the revision as asked for ({@code main}, a tag, a commit)
     * @param readme the card's text (front matter included), when the visitor may read files and it is small enough
     */
    public record RepoOverview(Repo repo, String revision, CommitMeta commit, Card card, Weights weights, Lineage lineage,
                               Counters counters, List<FileEntry> rootFiles, Optional<String> readme, Access access) {}

    public RepoOverview overview(Actor actor, RepoType type, RepoId id, String rev) {
        Repo repo = repos.readable(actor, type, id);
        String commitId = repos.resolve(repo, rev);
        CommitMeta commit = index.commit(repo.key(), commitId).orElseThrow();
        SearchService.View v = search.view(repo, commit);
        boolean files = policy.canReadFiles(actor, repo);
        List<FileEntry> root = index.list(repo.key(), commitId, "", false, null, ROOT_FILES);
        Optional<String> readme = files ? readme(repo, root) : Optional.empty();
        Access access = new Access(files, policy.level(actor, repo) == AccessPolicy.Level.WRITE, actor.userOpt().isPresent(),
                actor.userOpt().map(u -> popularity.liked(repo, u.key())).orElse(false),
                repo.isGated() ? accessRequests.ownStatus(actor, repo) : Optional.empty());
        return new RepoOverview(repo, rev, commit, card(repo, v), weights(v.facts()), lineage(actor, repo, v), popularity.counters(repo.key()),
                root, readme, access);
    }

    /** What the header of a weight file says, for its file page; empty for other files. */
    public Optional<WeightFacts.FileHeader> weightHeader(ContentService.FileTarget file) {
        return weights.header(file.repo(), file.entry());
    }

    private Optional<String> readme(Repo repo, List<FileEntry> root) {
        for (FileEntry e : root) {
            if (!e.directory() && e.path().equalsIgnoreCase("README.md") && !e.isLfs() && e.size() <= MAX_CARD_BYTES) {
                try {
                    return Optional.of(new String(git.readBlob(repo.key(), e.oid(), MAX_CARD_BYTES), StandardCharsets.UTF_8));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
        return Optional.empty();
    }

    private static Card card(Repo repo, SearchService.View v) {
        Optional<String> pipeline = v.summary().pipelineTag();
        Optional<String> library = v.summary().libraryName();
        Map<String, Object> card = v.summary().cardData();
        List<String> languages = strings(card.get("language"));
        Optional<String> license = Optional.empty();
        List<String> datasets = new ArrayList<>();
        Set<String> rest = new LinkedHashSet<>();
        Set<String> shown = new java.util.HashSet<>(languages);
        pipeline.ifPresent(shown::add);
        library.ifPresent(shown::add);
        for (String t : v.summary().tags()) {
            if (t.startsWith("license:")) {
                if (license.isEmpty()) license = Optional.of(t.substring(8));
            } else if (t.startsWith("dataset:")) {
                datasets.add(t.substring(8));
            } else if (!t.startsWith("base_model:") && !shown.contains(t) && !(repo.type() == RepoType.DATASET && t.contains(":"))) {
                rest.add(t);
            }
        }
        if (repo.type() == RepoType.DATASET) {
            for (String t : v.summary().tags()) if (t.startsWith("task_categories:")) rest.add(t.substring(16));
        }
        return new Card(license, languages, datasets, pipeline, library, List.copyOf(rest));
    }

    @SuppressWarnings("unchecked")
    private static Weights weights(CommitFacts f) {
        Map<String, Long> byDtype = new TreeMap<>();
        long total = -1;
        if (f.safetensors() != null) {
            if (f.safetensors().get("parameters") instanceof Map<?, ?> p) {
                ((Map<String, Object>) p).forEach((k, n) -> { if (n instanceof Number num) byDtype.put(k, num.longValue()); });
            }
            if (f.safetensors().get("total") instanceof Number n) total = n.longValue();
        }
        Optional<Gguf> gguf = Optional.empty();
        if (f.gguf() != null) {
            Map<String, Object> g = f.gguf();
            gguf = Optional.of(new Gguf(g.get("total") instanceof Number n ? n.longValue() : -1, text(g.get("architecture")),
                    g.get("context_length") instanceof Number n ? Optional.of(n.longValue()) : Optional.empty(), text(g.get("quantization"))));
        }
        List<String> architectures = List.of();
        Optional<String> modelType = Optional.empty();
        if (f.config() != null) {
            architectures = strings(f.config().get("architectures"));
            modelType = text(f.config().get("model_type"));
        }
        return new Weights(byDtype, total, gguf, architectures, modelType);
    }

    private Lineage lineage(Actor actor, Repo repo, SearchService.View v) {
        if (repo.type() != RepoType.MODEL) return new Lineage(Optional.empty(), List.of(), 0, List.of());
        List<ListedRepo> derived = search.summaries(actor, new SearchService.ListRequest(RepoType.MODEL, List.of(), Optional.empty(),
                List.of("base_model:" + repo.displayId()), Optional.empty(), Optional.empty(), SortKey.DOWNLOADS, false, DERIVATIVES_SHOWN,
                Optional.empty(), false, false)).items();
        long count = derived.size() < DERIVATIVES_SHOWN ? derived.size() : search.childrenCount(actor, repo);
        return new Lineage(v.summary().lineage().map(dev.forge.service.repo.RepoSummary.Lineage::relation),
                v.summary().lineage().map(dev.forge.service.repo.RepoSummary.Lineage::baseModels).orElse(List.of()), count, derived);
    }

    private static Optional<String> text(Object o) {
        return o instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    private static List<String> strings(Object o) {
        if (o instanceof String s && !s.isBlank()) return List.of(s);
        if (o instanceof List<?> l) return l.stream().filter(x -> x instanceof String s && !s.isBlank()).map(x -> (String) x).toList();
        return List.of();
    }
}
