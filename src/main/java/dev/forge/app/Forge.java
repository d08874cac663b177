package dev.forge.app;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.airlock.Airlock;
import dev.forge.service.airlock.AirlockPolicy;
import dev.forge.service.airlock.AuditedAirlock;
import dev.forge.service.account.AuditLog;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.RateLimiter;
import dev.forge.service.account.Sessions;
import dev.forge.service.discovery.OverviewService;
import dev.forge.service.lfs.FileUploadService;
import dev.forge.service.repo.DiffService;
import dev.forge.meta.SessionDao;
import dev.forge.http.web.AccountPages;
import dev.forge.http.web.DiscoverPages;
import dev.forge.http.web.DiscussionPages;
import dev.forge.http.web.FilePages;
import dev.forge.http.web.HistoryPages;
import dev.forge.http.web.ManagePages;
import dev.forge.http.web.Pages;
import dev.forge.http.web.RepoPages;
import dev.forge.http.web.Web;
import dev.forge.service.admin.FsckService;
import dev.forge.service.admin.StorageService;
import dev.forge.service.discovery.LikeService;
import dev.forge.service.discovery.PopularityService;
import dev.forge.service.discovery.SearchService;
import dev.forge.service.discovery.WeightFacts;
import dev.forge.service.lfs.LfsService;
import dev.forge.service.lfs.LockService;
import dev.forge.service.lfs.UrlSigner;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.community.PullRequestService;
import dev.forge.service.convert.ParquetConversionService;
import dev.forge.service.serving.GgufManifests;
import dev.forge.service.repo.AccessRequestService;
import dev.forge.service.repo.MergeService;
import dev.forge.service.repo.CommitService;
import dev.forge.service.repo.LfsReferences;
import dev.forge.service.repo.ContentService;
import dev.forge.service.repo.Indexer;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.PushService;
import dev.forge.service.repo.RefService;
import dev.forge.service.repo.RepoService;
import dev.forge.service.repo.UploadService;

import dev.forge.core.ForgeConfig;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitRepositories;
import dev.forge.git.Merges;
import dev.forge.meta.DiscussionDao;
import dev.forge.meta.AccessRequestDao;
import dev.forge.meta.AccountDao;
import dev.forge.meta.AuditDao;
import dev.forge.meta.Database;
import dev.forge.meta.ConversionDao;
import dev.forge.meta.DiscoveryDao;
import dev.forge.meta.LockDao;
import dev.forge.meta.StatsDao;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.storage.BlobStore;
import dev.forge.storage.ChunkCompression;
import dev.forge.storage.ChunkStore;
import dev.forge.storage.FileBlobStore;
import dev.forge.storage.LayeredBlobStore;
import dev.forge.storage.MultipartStaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.stream.Stream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ByteBufferPool;
import dev.forge.http.ForgeServer;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.Routes;
import dev.forge.http.xet.XetHandlers;
import dev.forge.service.xet.UnavailableXetCas;
import dev.forge.service.xet.ChunkXetCas;
import dev.forge.service.xet.XetCas;
import dev.forge.service.xet.XetService;
import dev.forge.service.xet.XetTokens;
import dev.forge.http.api.AccountHandlers;
import dev.forge.http.api.ApiHandlers;
import dev.forge.http.api.DiscoveryHandlers;
import dev.forge.http.api.DiscussionHandlers;
import dev.forge.http.api.GgufRegistryHandlers;
import dev.forge.http.api.OwnerHandlers;
import dev.forge.http.api.ParquetHandlers;
import dev.forge.http.api.UploadHandlers;
import dev.forge.http.files.BodyStreamer;
import dev.forge.http.files.FileHandlers;
import dev.forge.http.git.GitGate;
import dev.forge.http.lfs.LfsHandlers;
import dev.forge.http.lfs.LockHandlers;

/**
 * The wiring root: builds one forge's stores, the services over them and (on request) the HTTP edge, by hand and
 * in order, and closes them in reverse. Stores are private to it and handed only to the services that own them;
 * each handler gets only the services it calls. A start that fails half-way closes what it had opened.
 * Opening migrates the database; the serving process then calls {@link #recoverAfterCrash()}.
 */
public final class Forge implements AutoCloseable {
    static {
        // The JDK HTTP client (the cache's upstream fetches, the mirrors' LFS downloads) reads a response in 16 KiB
        // buffers by default. Each buffer is a hand-off between the client's threads and the consumer's, which halved
        // a cold download through the cache (290 against 550 MiB/s for 1 GiB on loopback). The property is read once,
        // when the first client is built, so it is set here, before any service builds one.
        if (System.getProperty("jdk.httpclient.bufsize") == null) System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
    }

    public final ForgeConfig config;
    private final Closer closer = new Closer();
    private final Database database;
    private final GitRepositories git;
    private final BlobStore blobs;
    private final IndexDao index;
    public final AuthService auth;
    public final AccessPolicy policy;
    public final AuditLog audit;
    /** What the pull-through cache and the mirrors ask before anything pulled from an upstream becomes visible. */
    public final Airlock airlock;
    public final RateLimiter rateLimits;
    public final AccessRequestService accessRequests;
    public final RepoService repos;
    public final ContentService content;
    public final InfoService info;
    public final CommitService commits;
    public final LfsService lfs;
    public final PushService pushes;
    private final Path tmp;
    public final UploadService uploads;
    public final RefService refs;
    public final MergeService merges;
    public final DiscussionService discussions;
    public final PullRequestService pullRequests;
    public final FsckService fsck;
    public final StorageService storage;
    public final PopularityService popularity;
    public final SearchService search;
    public final LikeService likes;
    public final Sessions sessions;
    public final OverviewService overviews;
    public final DiffService diffs;
    public final FileUploadService fileUploads;
    public final LockService locks;
    public final GgufManifests ggufManifests;
    public final ParquetConversionService parquet;
    public final XetTokens xetTokens;
    public final XetService xet;
    public final dev.forge.service.cache.PullThroughCache cache;
    private final ScheduledExecutorService background;
    public final dev.forge.service.mirror.MirrorService mirrors;

    /**
     * What a caller may substitute when opening a forge: the clock every part reads (tests move it instead of
     * sleeping), and a view of the LFS object store that every service sees instead of the store itself (tests wrap it
     * to count or refuse reads; it must keep the store's protocol). {@link #DEFAULTS} is what {@code forge serve} runs.
     */
    public record Options(InstantSource clock, java.util.function.UnaryOperator<BlobStore> blobStoreView,
                          dev.forge.service.cache.PullGate pullGate) {
        public static final Options DEFAULTS = new Options(InstantSource.system(), java.util.function.UnaryOperator.identity(),
                dev.forge.service.cache.PullGate.OPEN);

        public Options(InstantSource clock, java.util.function.UnaryOperator<BlobStore> blobStoreView) {
            this(clock, blobStoreView, dev.forge.service.cache.PullGate.OPEN);
        }

        public Options withClock(InstantSource clock) { return new Options(clock, blobStoreView, pullGate); }

        public Options withBlobStoreView(java.util.function.UnaryOperator<BlobStore> view) { return new Options(clock, view, pullGate); }

        /** What the pull-through cache asks before anything fetched becomes visible (the airlock). */
        public Options withPullGate(dev.forge.service.cache.PullGate gate) { return new Options(clock, blobStoreView, gate); }
    }

    private Forge(ForgeConfig config, Options options) throws IOException {
        this.config = config;
        InstantSource clock = options.clock();
        try {
            Path data = Files.createDirectories(config.dataDir());
            Path tmp = Files.createDirectories(data.resolve("tmp"));
            this.tmp = tmp;
            this.database = closer.push(Database.sqlite(data.resolve("forge.db")));
            this.git = closer.push(new GitRepositories(data.resolve("git"), clock));
            FileBlobStore plain = new FileBlobStore(data.resolve("blobs"), tmp);
            dev.forge.storage.XorbStore xorbs = null; // Xet's view of the chunk store (none on the plain store)
            if (config.storage().kind() == ForgeConfig.Storage.Kind.CHUNKS) {
                ChunkStore chunks = closer.push(new ChunkStore(data.resolve("chunks"), clock, new ChunkCompression(config.storage().compression())));
                LayeredBlobStore layered = new LayeredBlobStore(chunks, plain);
                xorbs = layered.capability(dev.forge.storage.XorbStore.class).orElseThrow();
                this.blobs = options.blobStoreView().apply(layered);
            } else {
                this.blobs = options.blobStoreView().apply(plain);
            }
            this.index = new IndexDao(database.jdbi());
            AccountDao accounts = new AccountDao(database.jdbi());
            RepoDao repoDao = new RepoDao(database.jdbi());
            this.audit = new AuditLog(new AuditDao(database.jdbi()), clock);
            this.airlock = new AuditedAirlock(new AirlockPolicy(config.airlock(), tmp), audit);
            this.auth = new AuthService(accounts, audit, config.security(), clock);
            AccessRequestDao requestDao = new AccessRequestDao(database.jdbi());
            this.policy = new AccessPolicy(auth::memberships, requestDao, ns -> auth.user(ns).isPresent() || auth.org(ns).isPresent());
            this.rateLimits = new RateLimiter(config.security(), clock);
            Indexer indexer = new Indexer(git, index, blobs);
            CommitWriter writer = new CommitWriter(git);
            Indexer.Rules rules = new Indexer.Rules(true, config.limits().maxRegularFileBytes());
            this.repos = new RepoService(repoDao, git, writer, indexer, policy, audit, clock);
            this.accessRequests = new AccessRequestService(repos, policy, requestDao, auth, audit, clock);
            this.popularity = new PopularityService(new StatsDao(database.jdbi()), clock);
            WeightFacts weights = new WeightFacts(index, new DiscoveryDao(database.jdbi()), git, blobs);
            this.search = new SearchService(repoDao, git, index, weights, popularity, policy, clock);
            closer.push(() -> {
                popularity.flush();
                search.close();
            });
            this.likes = new LikeService(repos, repoDao, auth, policy, popularity);
            git.onRefsChanged(search::refsChanged);
            repos.onChange(search::repoChanged);
            java.util.concurrent.ScheduledThreadPoolExecutor tasks = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "forge-background");
                t.setDaemon(true);
                return t;
            });
            tasks.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            this.background = tasks;
            // a task running when the forge closes (a search-index commit mid-fsync) finishes; none starts after
            closer.push(() -> {
                background.shutdown();
                if (!background.awaitTermination(30, TimeUnit.SECONDS)) background.shutdownNow();
            });
            this.content = new ContentService(repos, index, git, blobs);
            this.info = new InfoService(repos, index, git, search::details);
            this.refs = new RefService(repos, git, writer, indexer, audit, clock);
            this.merges = new MergeService(git, writer, new Merges(git), indexer, policy, clock);
            DiscussionDao discussionDao = new DiscussionDao(database.jdbi());
            this.discussions = new DiscussionService(repos, policy, discussionDao, refs, merges, audit, clock);
            this.pullRequests = new PullRequestService(repos, policy, discussionDao, refs, merges, audit, clock);
            repos.onChange(key -> discussions.repoChanged(key, repos.findByKey(key).isPresent()));
            LfsReferences lfsReferences = new LfsReferences(index, repoDao, git, policy);
            this.commits = new CommitService(git, writer, indexer, index, blobs, lfsReferences, rules, policy, audit, pullRequests, clock);
            this.lfs = new LfsService(repos, repoDao, index, lfsReferences, blobs, new MultipartStaging(tmp, blobs, clock),
                    new UrlSigner(signingKey(data), clock), config, audit);
            this.pushes = new PushService(indexer, git, lfsReferences, rules, policy, pullRequests, audit);
            this.uploads = new UploadService(repos, index, git, config.limits().maxRegularFileBytes());
            this.fsck = new FsckService(repoDao, git, index, blobs);
            this.storage = new StorageService(repos, repoDao, git, index, blobs, config.storage(), policy, clock);
            this.locks = new LockService(repos, new LockDao(database.jdbi()), audit, clock);
            this.ggufManifests = new GgufManifests(repos, index, git, repo -> java.util.Optional.ofNullable(
                    weights.of(repo, repos.resolve(repo, GitRepositories.DEFAULT_BRANCH)).gguf())
                    .map(g -> g.get("architecture")).map(Object::toString));
            this.parquet = closer.push(new ParquetConversionService(repos, repoDao, index, git, blobs, lfs, commits,
                    new ConversionDao(database.jdbi()), tmp, clock));
            git.onRefsChanged(parquet::refsChanged);
            this.sessions = new Sessions(new SessionDao(database.jdbi()), accounts, auth, audit, clock, signingKey(data));
            this.overviews = new OverviewService(repos, index, git, search, weights, popularity, policy, accessRequests);
            this.diffs = new DiffService(repos, index, git);
            this.fileUploads = new FileUploadService(repos, uploads, lfs, commits);
            UrlSigner xetSigner = new UrlSigner(signingKey(data), clock);
            boolean chunked = config.storage().kind() == ForgeConfig.Storage.Kind.CHUNKS;
            this.xetTokens = new XetTokens(repos, policy, auth, xetSigner, XetHandlers.casUrl(config), XET_TOKEN_TTL_SECONDS, chunked);
            XetCas xetCas = xorbs == null ? new UnavailableXetCas()
                    : new ChunkXetCas(xorbs, new dev.forge.meta.XetDao(database.jdbi()), index, repoDao, lfsReferences, policy, clock);
            this.xet = new XetService(xetCas, index, lfsReferences, xetSigner, audit, XET_TOKEN_TTL_SECONDS);
            // mirror syncs run one at a time on their own thread: a long transfer must not hold up the background tasks
            java.util.concurrent.ExecutorService mirrorWorker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "forge-mirror");
                t.setDaemon(true);
                return t;
            });
            closer.push(mirrorWorker::shutdownNow);
            this.mirrors = new dev.forge.service.mirror.MirrorService(new dev.forge.meta.MirrorDao(database.jdbi()), repos, git, blobs,
                    auth, audit, airlock, clock, mirrorWorker);
            this.cache = new dev.forge.service.cache.PullThroughCache(config.cache(), new dev.forge.meta.CacheDao(database.jdbi()), index,
                    blobs, tmp, options.pullGate() != dev.forge.service.cache.PullGate.OPEN ? options.pullGate()
                    : new dev.forge.service.cache.AirlockGate(airlock), clock, (type, id) -> repos.find(type, id).isPresent());
            closer.push(cache::flushUses); // runs before the background tasks stop and the database closes
        } catch (IOException | RuntimeException | Error e) {
            closer.close();
            throw e;
        }
    }

    /**
     * The HTTP edge over this forge (not started): each handler gets the services it calls and nothing else. The
     * server is closed with the forge if the caller does not close it first.
     */
    public ForgeServer newServer() {
        ByteBufferPool pool = ForgeServer.newBufferPool();
        BodyStreamer bodies = new BodyStreamer(pool);
        FileHandlers files = new FileHandlers(content, search, bodies, xet);
        Routes routes = new Routes(
                new ApiHandlers(auth, info, repos, storage, xet, mirrors),
                new UploadHandlers(audit, commits, refs, repos, uploads),
                files,
                new LfsHandlers(lfs, bodies, xetTokens),
                new AccountHandlers(accessRequests, audit, auth, repos),
                new DiscoveryHandlers(likes, search),
                new DiscussionHandlers(discussions, pullRequests),
                new OwnerHandlers(repos, storage),
                new ParquetHandlers(parquet),
                new GgufRegistryHandlers(ggufManifests, files),
                new LockHandlers(locks),
                new XetHandlers(xetTokens, xet, bodies),
                new dev.forge.http.mirror.MirrorHandlers(mirrors, cache),
                web(),
                cache.enabled() ? new dev.forge.http.cache.CacheHandlers(cache, bodies) : null);
        GitGate git = new GitGate(repos, pushes, config.limits().maxPushBytes());
        AnswerMemo memo = new AnswerMemo(this.git::refGeneration);
        repos.onChange(memo::dropRepository);
        popularity.onCountersChanged(changed -> memo.dropCounters(changed.keySet()));
        return closer.push(new ForgeServer(config, pool, auth, rateLimits, routes, git, memo));
    }

    /** The web pages, each area with the services it calls. */
    private Web web() {
        Pages pages = new Pages(sessions, config);
        return new Web(pages,
                new DiscoverPages(pages, search, auth, likes),
                new RepoPages(pages, overviews, storage, likes, accessRequests, info, repos, mirrors),
                new FilePages(pages, info, content, overviews, repos, accessRequests),
                new HistoryPages(pages, info, diffs, repos),
                new AccountPages(pages, sessions, auth, repos),
                new ManagePages(pages, repos, accessRequests, fileUploads, auth),
                new DiscussionPages(pages, discussions, pullRequests, repos));
    }

    /** What is on disk, for tests and maintenance tools that inspect it directly; nothing that serves requests gets it. */
    public record Stores(Database database, GitRepositories git, BlobStore blobs, IndexDao index) {}

    public Stores stores() {
        return new Stores(database, git, blobs, index);
    }

    public static Forge open(ForgeConfig config) throws IOException {
        return open(config, Options.DEFAULTS);
    }

    public static Forge open(ForgeConfig config, Options options) throws IOException {
        return new Forge(config, options);
    }

    /** How long a Xet access token and a xorb-range URL live: an hour, as the Hub's; clients refresh a minute before. */
    static final long XET_TOKEN_TTL_SECONDS = 3600;

    /** The key that signs LFS transfer URLs, made once per data folder and readable only by its owner. */
    private static byte[] signingKey(Path data) throws IOException {
        Path file = data.resolve("signing.key");
        if (!Files.exists(file)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path temp = Files.createTempFile(data, "signing", ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.write(temp, key);
            try {
                Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                Files.deleteIfExists(temp);
            }
        }
        return Files.readAllBytes(file);
    }

    /**
     * Recovers from a crash of the process that served this data folder: ref locks it left (older than 2 s;
     * real ones live microseconds) and uploads it left in {@code tmp/}. Only the serving process calls this,
     * before it serves: a CLI command run next to a live server must not touch its uploads in flight.
     */
    public void recoverAfterCrash() throws IOException {
        git.clearAbandonedLocks(java.time.Duration.ofSeconds(2));
        clearTmp(tmp);
        openSearch();
        popularity.refreshActive();
        mirrors.recover();
        startBackground();
        parquet.start();
    }

    /**
     * Opens the search index under {@code index/} (building it when missing or unreadable). Only one process can
     * hold it: the server, or a command run while no server runs.
     */
    public void openSearch() throws IOException {
        search.open(config.dataDir().resolve("index").resolve("repos"));
    }

    /**
     * Background work of the serving process: download tallies are flushed every second, the search index committed
     * and the cache's last-use times written every five seconds, and figures that move with the calendar (30-day windows, trending) refreshed daily.
     */
    private void startBackground() {
        background.scheduleWithFixedDelay(guard(popularity::flush), 1, 1, TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(guard(search::commit), 5, 5, TimeUnit.SECONDS);
        long untilMidnight = 86_400_000L - Math.floorMod(System.currentTimeMillis(), 86_400_000L) + 60_000L;
        background.scheduleAtFixedRate(guard(popularity::refreshActive), untilMidnight, 86_400_000L, TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(guard(mirrors::tick), 5, MIRROR_TICK_SECONDS, TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(guard(cache::flushUses), 5, 5, TimeUnit.SECONDS);
    }

    /** How often the scheduler looks for mirrors whose next sync is due (the sync itself runs on the mirror thread). */
    private static final long MIRROR_TICK_SECONDS = 30;

    private static Runnable guard(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Forge.class).error("background task failed", e);
            }
        };
    }

    /**
     * Removes what crashed uploads left in {@code tmp/}: temporary files older than a minute, and staged
     * multipart uploads untouched for a day (an interrupted multipart upload can resume until then).
     */
    private static void clearTmp(Path tmp) throws IOException {
        Instant cutoff = Instant.now().minusSeconds(60);
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p) && Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) Files.deleteIfExists(p);
            }
        }
        Path multipart = tmp.resolve("multipart");
        if (!Files.isDirectory(multipart)) return;
        Instant stale = Instant.now().minusSeconds(24 * 3600);
        try (Stream<Path> uploads = Files.list(multipart)) {
            for (Path dir : uploads.toList()) {
                if (Files.getLastModifiedTime(dir).toInstant().isAfter(stale)) continue;
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
    }

    @Override
    public void close() {
        closer.close();
    }
}
