package dev.forge.service.cache;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeConfig.Upstream;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.meta.CacheDao;
import dev.forge.meta.IndexDao;
import dev.forge.service.account.Actor;
import dev.forge.storage.BlobStore;
import dev.forge.storage.StorageFigures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The pull-through cache (issue 16, item 1): a repository not held here is looked up on the configured upstreams, in
 * order, and what they answer is kept and served from here afterwards.
 *
 * <ul>
 *   <li>A revision is resolved to its commit id first; every answer (info, tree, paths-info, commits) and every file is
 *   kept per commit id, so it is immutable and never asked again. Branch and tag names are asked again after
 *   {@code branchTtlSeconds}; with the upstream unreachable the last known commit is served (offline).</li>
 *   <li>File bytes go into the blob store under their SHA-256, so the chunk store deduplicates them with everything
 *   else. Concurrent requests for one file share one upstream transfer ({@link Arrival}); readers get any range of it
 *   while it arrives.</li>
 *   <li>Upstream refusals keep their status and error code; 429 keeps its {@code Retry-After}.</li>
 *   <li>Access: the cache asks with the upstream's token, so it must not hand out what only that token may see. A
 *   repository private on the upstream is not served here at all (as if absent: nothing of it is kept); the files of a
 *   gated one are refused ({@code GatedRepo}, never fetched) while its public metadata is served, as the Hub does.</li>
 *   <li>Before a revision's metadata or a file's bytes become visible the {@link PullGate} (the airlock) is asked.</li>
 *   <li>Past {@code maxBytes}, whole least-recently-used revisions are evicted (their objects deleted from the blob
 *   store unless a repository here or another cached revision uses them).</li>
 * </ul>
 * Thread-safe.
 */
public final class PullThroughCache implements CacheFigures {
    private static final Logger log = LoggerFactory.getLogger(PullThroughCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{40}");

    private final ForgeConfig.Cache config;
    private final CacheDao dao;
    private final IndexDao index;
    private final BlobStore blobs;
    private final Path tmp;
    private final PullGate gate;
    private final InstantSource clock;
    private final UpstreamClient upstream = new UpstreamClient();
    private final ConcurrentHashMap<String, CompletableFuture<Object>> flights = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<FileFetch>> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final Object evicting = new Object();
    /** When each revision was last served, kept here and written by {@link #flushUses()} so that a cached read writes nothing. */
    private final ConcurrentHashMap<Use, Long> uses = new ConcurrentHashMap<>();

    private record Use(String type, String id, String commit) {}

    private final java.util.function.BiPredicate<RepoType, RepoId> heldHere;

    /** @param heldHere whether a repository of that name is held here (then the cache stays out of its way) */
    public PullThroughCache(ForgeConfig.Cache config, CacheDao dao, IndexDao index, BlobStore blobs, Path tmp, PullGate gate,
                            InstantSource clock, java.util.function.BiPredicate<RepoType, RepoId> heldHere) {
        this.heldHere = heldHere;
        this.config = config;
        this.dao = dao;
        this.index = index;
        this.blobs = blobs;
        this.tmp = tmp;
        this.gate = gate;
        this.clock = clock;
    }

    public boolean enabled() { return config.enabled(); }

    /** Whether requests about this repository are the cache's: upstreams are configured and no repository here has the name. */
    public boolean answers(RepoType type, RepoId id) {
        return config.enabled() && type.isSupported() && !heldHere.test(type, id);
    }

    // ------------------------------------------------------------------------------------------- answers

    /** An upstream JSON answer as kept: the body, the commit it is about (if any) and the paging headers. */
    public record Answer(byte[] body, Optional<String> commit, Optional<Long> totalCount, Optional<String> nextQuery) {}

    /** {@code GET /api/{type}/{id}[/revision/{rev}]}: {@code rev} empty for the default branch. */
    public Answer info(Actor actor, RepoType type, RepoId id, Optional<String> rev, String query) {
        String commit = commitOf(actor, type, id, rev.orElse(""));
        return perCommit(type, id, commit, "revision/" + commit, "info", query, null, null);
    }

    /** {@code GET /api/{type}/{id}/tree/{rev}/{path}}. */
    public Answer tree(Actor actor, RepoType type, RepoId id, String rev, String path, String query) {
        String commit = commitOf(actor, type, id, rev);
        return perCommit(type, id, commit, "tree/" + commit + encodedPath(path), "tree" + encodedPath(path), query, null, null);
    }

    /** {@code POST /api/{type}/{id}/paths-info/{rev}} with the client's body as sent. */
    public Answer pathsInfo(Actor actor, RepoType type, RepoId id, String rev, byte[] body, String contentType) {
        String commit = commitOf(actor, type, id, rev);
        String key = "paths-info#" + sha256(contentType + "\n" + new String(body, StandardCharsets.UTF_8));
        return perCommit(type, id, commit, "paths-info/" + commit, key, "", body, contentType);
    }

    /** {@code GET /api/{type}/{id}/commits/{rev}}. */
    public Answer commits(Actor actor, RepoType type, RepoId id, String rev, String query) {
        String commit = commitOf(actor, type, id, rev);
        return perCommit(type, id, commit, "commits/" + commit, "commits", query, null, null);
    }

    /** {@code GET /api/{type}/{id}/refs}: about the repository as a whole, so revalidated like a branch name. */
    public Answer refs(Actor actor, RepoType type, RepoId id, String query) {
        commitOf(actor, type, id, ""); // the repository's access, and that it exists
        String key = "refs?" + query;
        String name = id.toString();
        Optional<CacheDao.Answer> kept = dao.answer(type.plural(), name, "", key);
        if (kept.isPresent() && fresh(kept.get().fetchedAt())) {
            hits.incrementAndGet();
            return answer(kept.get(), null);
        }
        try {
            CacheDao.Answer a = fetchAnswer(type, id, "refs", query, null, null);
            dao.putAnswer(type.plural(), name, "", key, a);
            misses.incrementAndGet();
            return answer(a, null);
        } catch (UpstreamClient.Unreachable e) {
            if (kept.isPresent()) {
                hits.incrementAndGet();
                return answer(kept.get(), null);
            }
            throw unavailable(e);
        }
    }

    private Answer perCommit(RepoType type, RepoId id, String commit, String upstreamPath, String kind, String query, byte[] body,
                             String contentType) {
        String key = kind + "?" + query;
        String name = id.toString();
        touch(type.plural(), name, commit);
        Optional<CacheDao.Answer> kept = dao.answer(type.plural(), name, commit, key);
        if (kept.isPresent()) {
            hits.incrementAndGet();
            return answer(kept.get(), commit);
        }
        CacheDao.Answer a = (CacheDao.Answer) singleFlight("answer " + type.plural() + "/" + name + "@" + commit + " " + key, () -> {
            Optional<CacheDao.Answer> again = dao.answer(type.plural(), name, commit, key);
            if (again.isPresent()) return again.get();
            CacheDao.Answer fetched = fetchAnswer(type, id, upstreamPath, query, body, contentType);
            dao.putAnswer(type.plural(), name, commit, key, fetched);
            misses.incrementAndGet();
            return fetched;
        });
        return answer(a, commit);
    }

    private static Answer answer(CacheDao.Answer a, String commit) {
        return new Answer(a.body(), Optional.ofNullable(commit), Optional.ofNullable(a.totalCount()), Optional.ofNullable(a.linkNext()));
    }

    /** Asks the repository's upstream; an error answer is thrown with its status and code, unreachable is thrown as such. */
    private CacheDao.Answer fetchAnswer(RepoType type, RepoId id, String path, String query, byte[] body, String contentType)
            throws UpstreamClient.Unreachable {
        Upstream u = upstreamOf(type, id);
        String url = "/api/" + type.plural() + "/" + id + "/" + path + (query.isEmpty() ? "" : "?" + query);
        UpstreamClient.Reply<byte[]> r = body == null ? upstream.get(u, url) : upstream.post(u, url, body, contentType);
        if (r.status() != 200) throw UpstreamClient.error(r, r.body());
        String total = r.header("X-Total-Count");
        return new CacheDao.Answer(withoutXet(r.body()), total == null ? null : Long.parseLong(total.trim()), nextQuery(r.header("Link")), clock.millis());
    }

    /**
     * The answer without the upstream's {@code xetHash} fields (tree, paths-info): a client that read them would fetch
     * from the upstream's Xet storage, past the cache (and fail air-gapped). Files here are served on the plain path.
     * An answer without such fields is kept byte for byte.
     */
    static byte[] withoutXet(byte[] body) {
        if (!new String(body, StandardCharsets.UTF_8).contains("\"xetHash\"")) return body;
        try {
            JsonNode n = JSON.readTree(body);
            strip(n);
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            return body;
        }
    }

    private static void strip(JsonNode n) {
        if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) o.remove("xetHash");
        for (JsonNode child : n) strip(child);
    }

    /** The query of a {@code Link: <…?q>; rel="next"} header, which the HTTP layer turns into a link to this forge. */
    private static String nextQuery(String link) {
        if (link == null || !link.contains("rel=\"next\"")) return null;
        int lt = link.indexOf('<');
        int gt = link.indexOf('>', lt + 1);
        if (lt < 0 || gt < 0) return null;
        String url = link.substring(lt + 1, gt);
        int q = url.indexOf('?');
        return q < 0 ? null : url.substring(q + 1);
    }

    // ------------------------------------------------------------------------------------------- revisions

    /**
     * The commit id {@code rev} names (empty: the default branch), with the access rule applied: a commit id already kept
     * is never asked again; a name is trusted for the TTL, then asked again; with the upstream unreachable the last known
     * answer stands. A revision seen for the first time passes the gate before anything of it is kept.
     */
    String commitOf(Actor actor, RepoType type, RepoId id, String rev) {
        if (!config.enabled()) throw ForgeException.repoNotFound();
        String t = type.plural();
        String name = id.toString();
        Optional<CacheDao.CachedRepo> repo = dao.repo(t, name);
        if (repo.isPresent()) requireVisible(actor, repo.get());
        Optional<CacheDao.CachedRef> ref = dao.ref(t, name, rev);
        if (COMMIT_ID.matcher(rev).matches() && repo.isPresent() && ref.isPresent()) {
            hits.incrementAndGet();
            return rev;
        }
        if (ref.isPresent() && fresh(ref.get().fetchedAt())) return ref.get().commit();
        try {
            return (String) singleFlight("rev " + t + "/" + name + "@" + rev, () -> fetchRevision(actor, type, id, rev));
        } catch (ForgeException e) {
            if (e instanceof UpstreamDown && ref.isPresent()) {
                log.debug("upstream unreachable, serving {}@{} as last known: {}", name, rev, e.getMessage());
                return ref.get().commit();
            }
            throw e;
        }
    }

    private String fetchRevision(Actor actor, RepoType type, RepoId id, String rev) throws IOException {
        String t = type.plural();
        String name = id.toString();
        ForgeException firstRefusal = null;
        UpstreamClient.Unreachable firstDown = null;
        Optional<CacheDao.CachedRepo> known = dao.repo(t, name);
        for (Upstream u : known.map(r -> List.of(upstreamByUrl(r.upstream()))).orElse(config.upstreams())) {
            String path = "/api/" + t + "/" + name + (rev.isEmpty() ? "" : "/revision/" + URLEncoder.encode(rev, StandardCharsets.UTF_8));
            UpstreamClient.Reply<byte[]> r;
            try {
                r = upstream.get(u, path);
            } catch (UpstreamClient.Unreachable e) {
                if (firstDown == null) firstDown = e;
                continue;
            }
            if (r.status() != 200) {
                ForgeException e = UpstreamClient.error(r, r.body());
                boolean notHere = e.kind() == ErrorKind.REPO_NOT_FOUND || e.kind() == ErrorKind.REPO_NOT_FOUND_ANONYMOUS;
                if (notHere && known.isEmpty()) {
                    if (firstRefusal == null) firstRefusal = e;
                    continue; // the next upstream may hold it
                }
                throw e;
            }
            JsonNode info = JSON.readTree(r.body());
            String commit = info.path("sha").asText("");
            if (!COMMIT_ID.matcher(commit).matches()) throw new ForgeException(ErrorKind.UNAVAILABLE, "The upstream named no commit for " + name);
            JsonNode gated = info.path("gated");
            CacheDao.CachedRepo repo = new CacheDao.CachedRepo(t, name, u.url().toString(), info.path("private").asBoolean(false),
                    gated.isTextual() || gated.asBoolean(false));
            dao.putRepo(repo);
            requireVisible(actor, repo);
            boolean seen = dao.ref(t, name, commit).isPresent();
            if (!seen) admitRevision(actor, type, id, u, commit, info);
            long now = clock.millis();
            String plain = "info?";
            if (dao.answer(t, name, commit, plain).isEmpty()) dao.putAnswer(t, name, commit, plain, new CacheDao.Answer(r.body(), null, null, now));
            dao.putRef(t, name, commit, commit, now);
            dao.putRef(t, name, rev, commit, now);
            dao.touch(t, name, commit, now);
            misses.incrementAndGet();
            return commit;
        }
        if (firstRefusal != null) throw firstRefusal;
        throw unavailable(firstDown);
    }

    /** Asks the gate about a revision seen for the first time: its files with their sizes, and its card. */
    private void admitRevision(Actor actor, RepoType type, RepoId id, Upstream u, String commit, JsonNode plainInfo) throws IOException {
        if (gate == PullGate.OPEN) return;
        UpstreamClient.Reply<byte[]> r = upstream.get(u, "/api/" + type.plural() + "/" + id + "/revision/" + commit + "?blobs=true");
        if (r.status() != 200) throw UpstreamClient.error(r, r.body());
        JsonNode info = JSON.readTree(r.body());
        List<PullGate.File> files = new ArrayList<>();
        boolean hasCard = false;
        for (JsonNode s : info.path("siblings")) {
            files.add(new PullGate.File(s.path("rfilename").asText(), s.path("size").asLong(0)));
            if (s.path("rfilename").asText().equals("README.md")) hasCard = s.path("size").asLong(0) < 1 << 20;
        }
        String card = "";
        if (hasCard) {
            UpstreamClient.Reply<byte[]> c = upstream.get(u, "/" + type.urlPrefix() + id + "/resolve/" + commit + "/README.md");
            if (c.status() == 200) card = new String(c.body(), StandardCharsets.UTF_8);
        }
        gate.checkRevision(actor, new PullGate.Revision(u.url().toString(), type.singular(), id.toString(), commit, card, files));
    }

    /**
     * The access rule: a repository private on the upstream is not served (as absent); a gated one's metadata is,
     * its files are not ({@link #resolve} checks that).
     */
    private static void requireVisible(Actor actor, CacheDao.CachedRepo repo) {
        if (repo.isPrivate()) {
            throw actor instanceof Actor.Anonymous ? new ForgeException(ErrorKind.REPO_NOT_FOUND_ANONYMOUS, "Repository not found",
                    dev.forge.core.ErrorDetail.Challenge.HUB) : ForgeException.repoNotFound();
        }
    }

    private boolean fresh(long fetchedAt) {
        return clock.millis() - fetchedAt < config.branchTtlSeconds() * 1000L;
    }

    private Upstream upstreamOf(RepoType type, RepoId id) {
        return dao.repo(type.plural(), id.toString()).map(r -> upstreamByUrl(r.upstream())).orElse(config.upstreams().getFirst());
    }

    /** The configured upstream of that URL (with its token), or an anonymous one if it is no longer configured. */
    private Upstream upstreamByUrl(String url) {
        return config.upstreams().stream().filter(u -> u.url().toString().equals(url)).findFirst()
                .orElseGet(() -> new Upstream(java.net.URI.create(url), ""));
    }

    private static ForgeException unavailable(IOException e) {
        return new UpstreamDown("The upstream is unreachable and this is not cached" + (e == null ? "" : ": " + e.getMessage()));
    }

    /**
     * 503: the upstream could not be reached and nothing cached answers. No cause is attached: the HTTP layer reads an
     * I/O cause as the client's disconnect.
     */
    private static final class UpstreamDown extends ForgeException {
        UpstreamDown(String message) { super(ErrorKind.UNAVAILABLE, message); }
    }

    // ------------------------------------------------------------------------------------------- files

    /** A file served from the cache: what its headers say, and its bytes (kept, or still arriving). */
    public record CachedFile(String commit, String path, String etag, boolean lfs, long size, Opener bytes) {}

    /** Opens the file's bytes, positioned anywhere; reads past what has arrived wait for it. */
    @FunctionalInterface
    public interface Opener {
        SeekableByteChannel open() throws IOException;
    }

    /** {@code GET|HEAD /{P}{id}/resolve/{rev}/{path}}: the file, fetched once whoever asks and however many at once. */
    public CachedFile resolve(Actor actor, RepoType type, RepoId id, String rev, String path) throws IOException {
        String commit = commitOf(actor, type, id, rev);
        String t = type.plural();
        String name = id.toString();
        CacheDao.CachedRepo repo = dao.repo(t, name).orElseThrow(ForgeException::repoNotFound);
        if (repo.gated()) {
            throw actor instanceof Actor.Anonymous
                    ? new ForgeException(ErrorKind.GATED_ANONYMOUS, "Access to this repository is gated on the upstream; the cache does not serve its files",
                            dev.forge.core.ErrorDetail.Challenge.HUB)
                    : new ForgeException(ErrorKind.GATED, "Access to this repository is gated on the upstream; the cache does not serve its files");
        }
        touch(t, name, commit);
        Optional<CacheDao.CachedFile> kept = dao.file(t, name, commit, path);
        if (kept.isPresent() && blobs.size(new LfsOid(kept.get().oid())).isPresent()) {
            hits.incrementAndGet();
            CacheDao.CachedFile f = kept.get();
            return new CachedFile(commit, path, f.etag(), f.lfs(), f.size(), () -> blobs.open(new LfsOid(f.oid())));
        }
        String key = t + "/" + name + "@" + commit + "/" + path;
        boolean[] started = {false};
        CompletableFuture<FileFetch> flight = arrivals.computeIfAbsent(key, k -> {
            started[0] = true;
            CompletableFuture<FileFetch> headers = new CompletableFuture<>();
            Thread.ofVirtual().name("cache-fetch").start(() -> fetchFile(actor, type, id, commit, path, key, headers));
            return headers;
        });
        if (started[0]) misses.incrementAndGet();
        else hits.incrementAndGet();
        FileFetch f = await(flight);
        if (gate.readsContent(path)) f.arrival().awaitComplete();
        return new CachedFile(commit, path, f.etag(), f.lfs(), f.arrival().size(), () -> f.arrival().reader());
    }

    /** A transfer under way: what the upstream's headers said, and the bytes as they arrive. */
    private record FileFetch(String etag, boolean lfs, Arrival arrival) {}

    private void fetchFile(Actor actor, RepoType type, RepoId id, String commit, String path, String key,
                           CompletableFuture<FileFetch> headers) {
        Transfer t = new Transfer();
        try {
            Upstream u = upstreamOf(type, id);
            PullGate.Revision subject = new PullGate.Revision(u.url().toString(), type.singular(), id.toString(), commit, "", List.of());
            UpstreamClient.Reply<byte[]> r = upstream.download(u, "/" + type.urlPrefix() + id + "/resolve/" + commit + encodedPath(path),
                    (first, info) -> t.begin(first, info.headers(), actor, subject, path, headers));
            if (r.status() != 200) throw UpstreamClient.error(r, r.body());
            if (t.total != t.arrival.size()) throw new IOException("the upstream sent " + t.total + " of " + t.arrival.size() + " bytes of " + path);
            String sha256 = t.hasher.digest();
            if (t.lfs && !sha256.equals(t.etag)) {
                throw new IOException("the upstream sent bytes of " + path + " whose SHA-256 is " + sha256 + ", not " + t.etag);
            }
            LfsOid oid = new LfsOid(sha256);
            Path done = t.staging;
            if (gate.readsContent(path)) gate.checkFile(actor, subject, path, t.arrival.size(), PullGate.Bytes.of(done));
            t.arrival.verified(); // readers get the last byte now; the store takes the file while they finish
            if (blobs.size(oid).isEmpty()) blobs.putFile(t.staging, oid, t.arrival.size());
            dao.putFile(type.plural(), id.toString(), commit, path, new CacheDao.CachedFile(oid.hex(), t.arrival.size(), t.etag, t.lfs));
            t.arrival.complete(() -> blobs.open(oid));
        } catch (Exception e) {
            Exception cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
            if (t.arrival != null) t.arrival.fail(cause instanceof ForgeException || cause instanceof IOException ? cause : new IOException(cause.getMessage(), cause));
            headers.completeExceptionally(cause);
            if (!(cause instanceof ForgeException)) log.warn("cache: fetching {} failed: {}", key, cause.toString());
        } finally {
            arrivals.remove(key);
            t.close();
        }
        evictIfNeeded();
    }

    /**
     * One file's transfer from the upstream into its staging file: begun from the answer's headers (before the first
     * byte: the gate's check by name and size, then readers may start), then fed buffer by buffer on the client's thread.
     * Every file is hashed (SHA-256) as it arrives, on a thread of its own ({@link Hasher}) so that the hash runs on the
     * other core while this one receives: an LFS file must match its name before readers get its last byte
     * ({@link Arrival#verified()}); any other file is kept under its hash.
     */
    private final class Transfer implements UpstreamClient.Sink {
        Path staging;
        java.nio.channels.FileChannel out;
        Arrival arrival;
        Hasher hasher;
        boolean lfs;
        String etag;
        long total;

        UpstreamClient.Sink begin(java.net.http.HttpHeaders first, java.net.http.HttpHeaders last, Actor actor, PullGate.Revision subject,
                                  String path, CompletableFuture<FileFetch> headers) {
            String linked = unquote(first.firstValue("X-Linked-Etag").or(() -> last.firstValue("X-Linked-Etag")).orElse(null));
            lfs = linked != null && linked.matches("[0-9a-f]{64}");
            etag = lfs ? linked : Optional.ofNullable(unquote(last.firstValue("ETag").orElse(null))).orElse("");
            long size = last.firstValueAsLong("Content-Length").orElse(-1);
            if (size < 0) throw new ForgeException(ErrorKind.UNAVAILABLE, "The upstream sent no length for " + path);
            if (!gate.readsContent(path)) gate.checkFile(actor, subject, path, size, InputStream::nullInputStream);
            try {
                hasher = new Hasher();
                staging = Files.createTempFile(tmp, "cache-", ".part");
                out = java.nio.channels.FileChannel.open(staging, java.nio.file.StandardOpenOption.WRITE);
                arrival = new Arrival(staging, size);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            headers.complete(new FileFetch(etag, lfs, arrival));
            return this;
        }

        @Override
        public void write(java.nio.ByteBuffer b) throws IOException {
            // the client hands the buffer over for good (it never reuses it), so the hasher may read it after this
            java.nio.ByteBuffer hashed = b.duplicate();
            int n = b.remaining();
            while (b.hasRemaining()) out.write(b);
            total += n;
            arrival.advance(n);
            hasher.accept(hashed);
        }

        void close() {
            if (hasher != null) hasher.stop();
            try {
                if (out != null) out.close();
            } catch (IOException ignored) {
                // written through; nothing to keep
            }
            if (arrival != null) arrival.release();
            try {
                if (staging != null) Files.deleteIfExists(staging);
            } catch (IOException ignored) {
                // tmp is cleared at the next start
            }
        }
    }

    /**
     * SHA-256 of a transfer on a virtual thread of its own, fed the received buffers through a bounded queue (a full
     * queue holds the receiver back, so at most {@link #QUEUED} buffers wait in memory).
     */
    static final class Hasher {
        private static final int QUEUED = 64;
        private static final java.nio.ByteBuffer END = java.nio.ByteBuffer.allocate(0);
        private final java.util.concurrent.BlockingQueue<java.nio.ByteBuffer> queue = new java.util.concurrent.ArrayBlockingQueue<>(QUEUED);
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final Thread thread;

        Hasher() {
            thread = Thread.ofVirtual().name("cache-hash").start(this::run);
        }

        private void run() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (java.nio.ByteBuffer b = queue.take(); b != END; b = queue.take()) sha.update(b);
                result.complete(HexFormat.of().formatHex(sha.digest()));
            } catch (InterruptedException | NoSuchAlgorithmException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        void accept(java.nio.ByteBuffer b) throws IOException {
            try {
                queue.put(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while hashing", e);
            }
        }

        /** The hex SHA-256 of everything accepted, once the hasher has caught up. */
        String digest() throws IOException {
            accept(END);
            try {
                return result.get();
            } catch (ExecutionException e) {
                throw new IOException("hashing failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while hashing", e);
            }
        }

        /** Ends the thread whatever state the transfer is in. */
        void stop() {
            if (!result.isDone()) thread.interrupt();
        }
    }

    private static FileFetch await(CompletableFuture<FileFetch> f) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ForgeException fe) throw fe;
            if (e.getCause() instanceof UpstreamClient.Unreachable down) throw unavailable(down);
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    // ------------------------------------------------------------------------------------------- single flight

    @FunctionalInterface
    private interface Fetch {
        Object run() throws IOException;
    }

    /** Runs {@code fetch} once for all concurrent callers of {@code key}; each gets its result or its error. */
    private Object singleFlight(String key, Fetch fetch) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> running = flights.putIfAbsent(key, mine);
        if (running == null) {
            try {
                mine.complete(fetch.run());
            } catch (Exception e) {
                mine.completeExceptionally(e);
            } finally {
                flights.remove(key, mine);
            }
            running = mine;
        }
        try {
            return running.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ForgeException fe) throw fe;
            if (e.getCause() instanceof UpstreamClient.Unreachable down) throw unavailable(down);
            log.warn("cache: an upstream fetch failed", e.getCause());
            throw new ForgeException(ErrorKind.UNAVAILABLE, "The upstream failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ForgeException(ErrorKind.UNAVAILABLE, "Interrupted");
        }
    }

    // ------------------------------------------------------------------------------------------- eviction and figures

    /** Notes that the revision was served now (in memory; see {@link #flushUses()}). */
    private void touch(String type, String id, String commit) {
        uses.merge(new Use(type, id, commit), clock.millis(), Math::max);
    }

    /**
     * Writes the last-use times noted since the last flush (creating the revisions' rows when new). The forge calls it
     * every few seconds and when it closes; eviction and the figures call it first, so they order by what was served.
     */
    public void flushUses() {
        for (var e : uses.entrySet()) {
            // a newer use noted meanwhile stays for the next flush (remove fails, the entry keeps the newer time)
            if (uses.remove(e.getKey(), e.getValue())) dao.touch(e.getKey().type(), e.getKey().id(), e.getKey().commit(), e.getValue());
        }
    }

    /** Evicts least-recently-used revisions until the cached bytes fit the limit (the revisions being fetched stay). */
    void evictIfNeeded() {
        if (config.maxBytes() <= 0) return;
        synchronized (evicting) {
            try {
                flushUses();
                long cached = dao.cachedBytes();
                if (cached <= config.maxBytes()) return;
                for (CacheDao.Revision r : dao.revisions()) {
                    if (cached <= config.maxBytes()) break;
                    String prefix = r.type() + "/" + r.id() + "@" + r.commit() + "/";
                    if (arrivals.keySet().stream().anyMatch(k -> k.startsWith(prefix))) continue;
                    if (r.files() == 0) continue;
                    removeRevision(r.type(), r.id(), r.commit());
                    cached = dao.cachedBytes();
                }
            } catch (IOException | RuntimeException e) {
                log.warn("cache eviction failed", e);
            }
        }
    }

    private void removeRevision(String type, String id, String commit) throws IOException {
        uses.remove(new Use(type, id, commit));
        for (String oid : dao.removeRevision(type, id, commit)) {
            if (index.reposReferencingLfs(oid, 1).isEmpty()) blobs.delete(new LfsOid(oid));
        }
        log.info("cache: evicted {}/{}@{}", type, id, commit);
    }

    @Override
    public Figures figures() {
        flushUses();
        long cached = dao.cachedBytes();
        long stored = cached;
        try {
            Optional<StorageFigures> f = blobs.capability(StorageFigures.class);
            if (f.isPresent()) stored = f.get().footprint(dao.oids().stream().map(LfsOid::new).toList()).storedBytes();
        } catch (IOException e) {
            log.warn("cache figures: the store did not answer", e);
        }
        return new Figures(cached, stored, Math.max(0, cached - stored), hits.get(), misses.get(), dao.revisions().size());
    }

    @Override
    public List<CachedRevision> revisions() {
        flushUses();
        return dao.revisions().stream().map(r -> new CachedRevision(RepoType.fromPlural(r.type()).orElse(RepoType.MODEL), r.id(),
                r.commit(), r.bytes(), r.files(), Instant.ofEpochMilli(r.lastUsed()))).toList();
    }

    @Override
    public int evict(RepoType type, String repoId) {
        int n = 0;
        synchronized (evicting) {
            flushUses();
            for (CacheDao.Revision r : dao.revisions()) {
                if (!r.type().equals(type.plural()) || !r.id().equals(repoId)) continue;
                try {
                    removeRevision(r.type(), r.id(), r.commit());
                } catch (IOException e) {
                    throw new ForgeException(ErrorKind.INTERNAL, "Eviction failed: " + e.getMessage(), null, e);
                }
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static String encodedPath(String path) {
        if (path.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        for (String seg : path.split("/", -1)) b.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        return b.toString();
    }

    private static String unquote(String etag) {
        if (etag == null) return null;
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
