package dev.forge.service.admin;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.RepoService;

import dev.forge.core.ErrorKind;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.git.TreeEntry;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.storage.BlobStore;
import dev.forge.storage.Collectable;
import dev.forge.storage.Migratable;
import dev.forge.storage.StorageFigures;
import dev.forge.storage.StorageMigration;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Storage figures, garbage collection and migration over the LFS object store. What is live is decided here,
 * from git: every LFS object named by any commit reachable from any ref of any repository. The stores only
 * know files and chunks. Thread-safe.
 */
public final class StorageService {
    private final RepoService repos;
    private final RepoDao repoDao;
    private final GitRepositories git;
    private final IndexDao index;
    private final BlobStore blobs;
    private final ForgeConfig.Storage config;
    private final AccessPolicy policy;
    private final java.time.InstantSource clock;
    private final Map<String, Cached> usageCache = new ConcurrentHashMap<>();

    /** A repository's figures as of its refs' generation; trusted for {@link #USAGE_FRESH} (the store may change under them). */
    private record Cached(long refGeneration, java.time.Instant computedAt, Usage usage) {}

    private static final Duration USAGE_FRESH = Duration.ofMinutes(10);
    private static final int USAGE_CACHED = 10_000;

    public StorageService(RepoService repos, RepoDao repoDao, GitRepositories git, IndexDao index, BlobStore blobs, ForgeConfig.Storage config,
                          AccessPolicy policy, java.time.InstantSource clock) {
        this.policy = policy;
        this.clock = clock;
        this.repos = repos;
        this.repoDao = repoDao;
        this.git = git;
        this.index = index;
        this.blobs = blobs;
        this.config = config;
    }

    /** Logical bytes (what clients download), stored bytes (what the disk holds) and what dedup saves. */
    public record Usage(long lfsObjects, long logicalBytes, long storedBytes) {
        public long savedBytes() { return logicalBytes - storedBytes; }
    }

    /** The LFS objects named anywhere in the repository's history (every commit reachable from a ref). */
    Set<LfsOid> liveObjects(Repo repo) throws IOException {
        Set<LfsOid> live = new HashSet<>();
        List<ObjectId> tips = new ArrayList<>();
        for (GitRepositories.RefInfo ref : git.refs(repo.key())) tips.add(ObjectId.fromString(ref.commit()));
        if (tips.isEmpty()) return live;
        for (ObjectId c : git.newCommits(repo.key(), tips, List.of())) {
            if (index.isIndexed(repo.key(), c.name())) {
                for (FileEntry e : index.all(repo.key(), c.name())) if (e.isLfs()) live.add(new LfsOid(e.lfs().oid()));
            } else {
                for (TreeEntry t : git.scanTree(repo.key(), c)) if (t.lfs() != null) live.add(t.lfs().oid());
            }
        }
        return live;
    }

    Set<LfsOid> liveObjects(Consumer<String> progress) throws IOException {
        Set<LfsOid> live = new HashSet<>();
        List<Repo> all = repoDao.all();
        int n = 0;
        for (Repo repo : all) {
            progress.accept("mark: [" + (++n) + "/" + all.size() + "] " + repo.type().singular() + " " + repo.id());
            live.addAll(liveObjects(repo));
        }
        return live;
    }

    /**
     * The repository's storage: its history's LFS objects, deduplicated among themselves. Walking the history is
     * the cost, so the answer is kept until a ref moves (or for ten minutes, or until gc or a migration here).
     */
    public Usage repoUsage(Actor actor, RepoType type, RepoId id) throws IOException {
        Repo repo = repos.readable(actor, type, id);
        long generation = git.refGeneration(repo.key());
        Cached c = usageCache.get(repo.key());
        if (c != null && c.refGeneration() == generation && clock.instant().isBefore(c.computedAt().plus(USAGE_FRESH))) return c.usage();
        Usage u = usage(liveObjects(repo));
        if (usageCache.size() >= USAGE_CACHED) usageCache.clear();
        usageCache.put(repo.key(), new Cached(generation, clock.instant(), u));
        return u;
    }

    /** A repository of a namespace and its storage (as {@link #repoUsage}), for the Hub's {@code settings/repositories}. */
    public record RepoStorage(Repo repo, Instant updatedAt, long storage, double percentOfNamespace) {}

    /**
     * The repositories of the caller's own namespace, or of {@code organization} when the caller belongs to it (or is a
     * site admin), that the caller can read, with what each stores. Strangers to an organisation get 403: this is a
     * settings page of its members. Figures are cached as {@link #repoUsage} caches them.
     */
    public List<RepoStorage> namespaceStorage(Actor actor, Optional<String> organization) throws IOException {
        String own = actor.requireUser().name();
        String namespace = organization.orElse(own);
        if (organization.isPresent()) {
            Optional<Set<String>> members = policy.privateNamespacesReadable(actor);
            if (members.isPresent() && !members.get().contains(namespace.toLowerCase(Locale.ROOT))) {
                throw ForgeException.forbidden("You are not a member of " + namespace);
            }
        }
        List<Repo> visible = repoDao.inNamespace(namespace).stream().filter(r -> r.type().isSupported() && policy.canRead(actor, r)).toList();
        List<Usage> usages = new ArrayList<>();
        long total = 0;
        for (Repo r : visible) {
            Usage u = repoUsage(actor, r.type(), r.id());
            usages.add(u);
            total += u.logicalBytes();
        }
        List<RepoStorage> out = new ArrayList<>();
        for (int i = 0; i < visible.size(); i++) {
            Repo r = visible.get(i);
            long bytes = usages.get(i).logicalBytes();
            Instant updated = git.resolve(r.key(), GitRepositories.DEFAULT_REF)
                    .flatMap(head -> index.commit(r.key(), head.name())).map(c -> c.committedAt()).orElse(r.createdAt());
            out.add(new RepoStorage(r, updated, bytes, total == 0 ? 0 : 100.0 * bytes / total));
        }
        return out;
    }

    /** The same for the operator (CLI): any repository, private or not, computed afresh. */
    public Usage repoUsage(RepoType type, RepoId id) throws IOException {
        Repo repo = repoDao.find(type, id).orElseThrow(() -> new ForgeException(ErrorKind.REPO_NOT_FOUND, "No repository " + type.urlPrefix() + id));
        return usage(liveObjects(repo));
    }

    private Usage usage(Collection<LfsOid> oids) throws IOException {
        StorageFigures.Footprint f = figures().footprint(oids);
        return new Usage(oids.size(), f.logicalBytes(), f.storedBytes());
    }

    /** Whole-store figures: every stored object, whether referenced or not. */
    public Usage globalUsage() throws IOException {
        StorageFigures.Totals t = figures().totals();
        return new Usage(t.objects(), t.logicalBytes(), t.storedBytes());
    }

    private StorageFigures figures() {
        return blobs.capability(StorageFigures.class).orElseThrow(() -> new IllegalStateException("the blob store reports no figures"));
    }

    /** Marks from every repository's history, then sweeps the store (see {@link Collectable#gc}). */
    public Collectable.GcReport gc(Consumer<String> progress) throws IOException {
        Collectable store = blobs.capability(Collectable.class).orElseThrow(StorageService::notChunked);
        Set<LfsOid> live = liveObjects(progress);
        try {
            return store.gc(live, Duration.ofSeconds(config.gcGraceSeconds()), progress);
        } finally {
            usageCache.clear();
        }
    }

    /** Moves the plain store's objects into the chunk store (see {@link StorageMigration}). */
    public StorageMigration.Report migrate(Consumer<String> progress) throws IOException {
        Migratable store = blobs.capability(Migratable.class).orElseThrow(StorageService::notChunked);
        try {
            return store.migrate(progress);
        } finally {
            usageCache.clear();
        }
    }

    private static ForgeException notChunked() {
        return new ForgeException(ErrorKind.BAD_REQUEST,
                "This forge keeps LFS objects in the plain store; set storage=chunks (FORGE_STORAGE=chunks) to use the chunk store");
    }
}
