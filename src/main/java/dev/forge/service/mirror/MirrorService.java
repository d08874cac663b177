package dev.forge.service.mirror;

import dev.forge.core.ForgeException;
import dev.forge.core.Ids;
import dev.forge.core.LfsOid;
import dev.forge.core.Mirror;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.git.GitRepositories;
import dev.forge.git.RefMove;
import dev.forge.git.RemoteGit;
import dev.forge.git.TreeEntry;
import dev.forge.meta.MirrorDao;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.service.account.AuthService;
import dev.forge.service.airlock.Airlock;
import dev.forge.service.airlock.FileBytes;
import dev.forge.service.airlock.PullSubject;
import dev.forge.service.airlock.Verdict;
import dev.forge.service.repo.RepoService;
import dev.forge.storage.BlobStore;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Mirrors (issue 16): pull mirrors keep a local repository an exact copy of a repository of another hub, push mirrors
 * send a local repository's new commits to a remote Forge, and namespace mirrors do either for every repository of a
 * namespace (federation of two Forges).
 *
 * <p>A pull sync runs in an order that makes it safe to kill at any point: (1) git fetch of the upstream's branches and
 * tags into the repository's staging area ({@link GitRepositories#STAGING_PREFIX}), objects keeping their ids; (2) the
 * plan: each staged ref that creates or fast-forwards a local ref is applied, one that would rewrite (an upstream
 * force-push or a moved tag) or delete a local ref is not, and is reported; (3) every LFS object the new commits name
 * and the store lacks is downloaded through the upstream's batch API into the blob store, verified by SHA-256; (4) the
 * new commits are indexed; (5) only then the visible refs move, each by compare-and-set. A sync killed before (5)
 * changed nothing visible, and the next one finds the objects already fetched and stored, so it transfers only the rest.
 */
public final class MirrorService {
    /** The default time between two scheduled syncs. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);
    private static final int BATCH = 100;

    private final MirrorDao dao;
    private final RepoService repos;
    private final GitRepositories git;
    private final RemoteGit remote;
    private final BlobStore blobs;
    private final AuthService auth;
    private final AuditLog audit;
    private final InstantSource clock;
    private final HttpClient http;
    private final ExecutorService worker;
    private final Airlock airlock;

    public MirrorService(MirrorDao dao, RepoService repos, GitRepositories git, BlobStore blobs, AuthService auth, AuditLog audit,
                         Airlock airlock, InstantSource clock, ExecutorService worker) {
        this.dao = dao;
        this.airlock = airlock;
        this.repos = repos;
        this.git = git;
        this.remote = new RemoteGit(git);
        this.blobs = blobs;
        this.auth = auth;
        this.audit = audit;
        this.clock = clock;
        this.worker = worker;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        repos.readOnlyWhen(this::readOnlyBecause);
    }

    // ------------------------------------------------------------------------------------------------ what is mirrored

    /** How a mirrored repository says so in its info and pages. */
    public record Origin(String upstream, String upstreamRepo, Instant lastSync, String status, List<String> problems) {}

    /** The origin of a local repository that a pull mirror fills; empty for any other repository. */
    public Optional<Origin> origin(Repo repo) {
        return pullInto(repo).map(m -> new Origin(m.remoteUrl(), m.remoteRepoUrl(), m.lastSuccessAt(), m.status().wire(), m.problems()));
    }

    /**
     * The pull mirror filling each repository (or none), asked by every repository info and every write: kept for a few
     * seconds, forgotten at once when this node changes a mirror; a change made by another node shows within
     * {@code FRESH_FOR}, as the repository record cache does.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Optional<Mirror>> pullInto =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(50_000)
                    .expireAfterWrite(java.time.Duration.ofSeconds(5)).build();

    private Optional<Mirror> pullInto(Repo repo) {
        return pullInto.get(repo.key(), dao::pullInto);
    }

    /** Called after every change this node makes to a mirror's record. */
    private void mirrorsChanged() {
        pullInto.invalidateAll();
    }

    private Optional<String> readOnlyBecause(Repo repo) {
        return pullInto(repo).map(m -> repo.displayId() + " is a read-only mirror of " + m.remoteRepoUrl()
                + "; it changes only by syncing from there. Push to the upstream repository instead.");
    }

    // ------------------------------------------------------------------------------------------------ managing

    /** Only site admins (and the operator at the command line) manage mirrors and the cache. */
    public static void requireAdmin(Actor by) {
        // a plain write token: a MIRROR-scoped token of a site admin is handed to a peer forge to mirror with, not to
        // manage this forge's mirrors and cache
        if (by.isOperator() || by instanceof Actor.System || by.isSiteAdmin() && by.hasWriteToken()) return;
        if (by.isAnonymous()) throw ForgeException.unauthorized("Authentication required");
        throw ForgeException.forbidden("Only site admins manage mirrors");
    }

    /** A new mirror: what to mirror and how. {@code localId} null means the same id as the remote's. */
    public record Spec(Mirror.Direction direction, String remoteUrl, RepoType type, String remoteId, String localId, String token,
                       Duration interval) {
        public Spec {
            if (direction == null || remoteUrl == null || type == null || remoteId == null) throw ForgeException.badRequest("A mirror needs a direction, a remote URL, a type and a repository");
            Upstream.requireHttpUrl(remoteUrl);
            remoteUrl = remoteUrl.endsWith("/") ? remoteUrl.substring(0, remoteUrl.length() - 1) : remoteUrl;
            interval = interval == null ? DEFAULT_INTERVAL : interval;
            if (interval.compareTo(Duration.ofMinutes(1)) < 0) throw ForgeException.badRequest("A mirror's interval is at least one minute");
            if (token != null && token.isBlank()) token = null;
        }
    }

    public Mirror add(Actor by, Spec spec) {
        requireAdmin(by);
        boolean namespace = spec.remoteId().endsWith("/*");
        String remoteId = spec.remoteId();
        String localId = spec.localId() == null ? remoteId : spec.localId();
        if (namespace) {
            String ns = remoteId.substring(0, remoteId.length() - 2);
            String localNs = localId.endsWith("/*") ? localId.substring(0, localId.length() - 2) : localId;
            if (!RepoId.isValidPart(ns) || !RepoId.isValidPart(localNs)) throw ForgeException.badRequest("A namespace mirror is ns/* (and --as ns)");
            localId = localNs + "/*";
        } else {
            RepoId.parse(remoteId);
            RepoId.parse(localId);
        }
        Upstream up = new Upstream(http, spec.remoteUrl(), spec.token());
        String repoKey = null;
        if (!namespace && spec.direction() == Mirror.Direction.PULL) {
            Upstream.Info info = checkedInfo(up, spec.type(), remoteId);
            repoKey = localRepo(by, spec.type(), RepoId.parse(localId), info.isPrivate()).key();
        } else if (!namespace) {
            Repo local = repos.find(spec.type(), RepoId.parse(localId))
                    .orElseThrow(() -> ForgeException.notFound("No local " + spec.type().singular() + " " + spec.localId() + " to push"));
            repoKey = local.key();
        } else if (spec.direction() == Mirror.Direction.PULL) {
            try {
                up.list(spec.type(), remoteId.substring(0, remoteId.length() - 2));
            } catch (IOException e) {
                throw ForgeException.badRequest("The remote cannot list that namespace: " + e.getMessage());
            }
        }
        String key = Ids.newKey();
        try {
            dao.insert(new MirrorDao.NewMirror(key, spec.direction(), spec.remoteUrl(), spec.type(), remoteId, localId, repoKey, null,
                    spec.token(), spec.interval().toSeconds(), clock.instant()));
        } catch (RuntimeException e) {
            throw ForgeException.conflict("That mirror exists already");
        } finally {
            mirrorsChanged();
        }
        audit.record(by, "mirror.add", spec.type().singular() + "/" + localId, Map.of("direction", spec.direction().wire(),
                "remote", spec.remoteUrl() + "/" + spec.type().urlPrefix() + remoteId));
        return dao.find(key).orElseThrow();
    }

    private Upstream.Info checkedInfo(Upstream up, RepoType type, String id) {
        Upstream.Info info;
        try {
            info = up.info(type, id);
        } catch (IOException e) {
            throw ForgeException.badRequest("The remote could not be reached: " + e.getMessage());
        }
        if (info.status() == 200) return info;
        if (info.notFound() || info.status() == 401 || info.status() == 403) {
            throw ForgeException.badRequest("The remote has no " + type.singular() + " " + id + " that this token may read");
        }
        throw ForgeException.badRequest("The remote answered " + info.status() + " for " + id);
    }

    /** The local repository a pull mirror fills: made empty (no initial commit), in a namespace made if missing. */
    private Repo localRepo(Actor by, RepoType type, RepoId id, boolean isPrivate) {
        Optional<Repo> existing = repos.find(type, id);
        if (existing.isPresent()) {
            throw ForgeException.conflict(type.singular() + " " + id + " exists here already; mirror into a new name with --as");
        }
        User owner = acting(by);
        if (auth.user(id.namespace()).isEmpty() && auth.org(id.namespace()).isEmpty()) {
            auth.createOrg(Actor.OPERATOR, id.namespace(), id.namespace(), owner);
        }
        return repos.createEmpty(Actor.internal(owner), type, id, isPrivate);
    }

    /** The user mirrors act as: the caller if a user, else the first site admin. */
    private User acting(Actor by) {
        return by.userOpt().or(() -> auth.user("admin")).orElseThrow(() -> new IllegalStateException("no admin user to act as"));
    }

    public List<Mirror> list(Actor by) {
        requireAdmin(by);
        return dao.all();
    }

    public Mirror show(Actor by, String key) {
        requireAdmin(by);
        return find(key);
    }

    private Mirror find(String key) {
        return dao.find(key).orElseThrow(() -> ForgeException.notFound("No mirror " + dev.forge.core.Strings.clip(key, 40)));
    }

    public List<Mirror> children(Actor by, String key) {
        requireAdmin(by);
        return dao.children(key);
    }

    public Mirror pause(Actor by, String key, boolean paused) {
        requireAdmin(by);
        Mirror m = find(key);
        dao.setPaused(key, paused);
        mirrorsChanged();
        audit.record(by, paused ? "mirror.pause" : "mirror.resume", m.type().singular() + "/" + m.localId(), Map.of());
        return find(key);
    }

    /** Removes the mirror (and a namespace mirror's children); the local repositories stay, now ordinary and writable. */
    public void remove(Actor by, String key) {
        requireAdmin(by);
        Mirror m = find(key);
        dao.delete(key);
        mirrorsChanged();
        audit.record(by, "mirror.remove", m.type().singular() + "/" + m.localId(), Map.of());
    }

    // ------------------------------------------------------------------------------------------------ syncing

    /** Queues a sync now (on the mirror worker); the caller follows it with {@link #show}. */
    public Mirror requestSync(Actor by, String key) {
        requireAdmin(by);
        Mirror m = find(key);
        if (m.status() == Mirror.Status.SYNCING) return m;
        worker.execute(() -> runQuietly(key));
        return m;
    }

    /** Runs a sync here and now and returns the mirror as it ended. */
    public Mirror sync(Actor by, String key) {
        requireAdmin(by);
        find(key);
        run(key);
        return find(key);
    }

    /** The scheduler's step: every due mirror is synced, one after the other, on the mirror worker. */
    public void tick() {
        for (Mirror m : dao.due(clock.instant())) worker.execute(() -> runQuietly(m.key()));
    }

    /** At start in the serving process: syncs a crash interrupted are due again at once. */
    public int recover() {
        return dao.interrupted(clock.instant());
    }

    private void runQuietly(String key) {
        try {
            run(key);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(MirrorService.class).error("mirror sync {} failed", key, e);
        }
    }

    /** An outcome of one sync. */
    private record Outcome(Mirror.Status status, String message, List<String> problems) {}

    /** One lock per mirror: a sync asked for while another runs in this process waits for it, then runs (and finds little to do). */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.locks.ReentrantLock> running =
            new java.util.concurrent.ConcurrentHashMap<>();

    private void run(String key) {
        java.util.concurrent.locks.ReentrantLock lock = running.computeIfAbsent(key, k -> new java.util.concurrent.locks.ReentrantLock());
        lock.lock();
        try {
            runLocked(key);
        } finally {
            lock.unlock();
        }
    }

    /** Runs one sync; another process syncing the mirror (its status says so) makes this a no-op. */
    private void runLocked(String key) {
        Mirror m = dao.find(key).orElse(null);
        if (m == null || !dao.begin(key)) return;
        mirrorsChanged();
        Outcome o;
        try {
            String token = dao.token(key).orElse(null);
            if (m.isNamespace()) o = m.direction() == Mirror.Direction.PULL ? pullNamespace(m, token) : pushNamespace(m, token);
            else o = m.direction() == Mirror.Direction.PULL ? pull(m, token) : push(m, token);
        } catch (IOException | RuntimeException e) {
            o = new Outcome(Mirror.Status.ERROR, String.valueOf(e.getMessage()), List.of());
        }
        Instant now = clock.instant();
        dao.end(key, o.status(), o.message(), o.problems(), now, now.plusSeconds(m.intervalSeconds()));
        mirrorsChanged();
        Actor system = Actor.internal(acting(Actor.OPERATOR));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", o.status().wire());
        if (o.message() != null) detail.put("message", o.message());
        if (!o.problems().isEmpty()) detail.put("problems", o.problems());
        audit.record(system, "mirror.sync", m.type().singular() + "/" + m.localId(), detail);
    }

    private Outcome pullNamespace(Mirror m, String token) throws IOException {
        Upstream up = new Upstream(http, m.remoteUrl(), token);
        String ns = m.remoteId().substring(0, m.remoteId().length() - 2);
        String localNs = m.localId().substring(0, m.localId().length() - 2);
        Map<String, Mirror> children = new LinkedHashMap<>();
        for (Mirror c : dao.children(m.key())) children.put(c.remoteId(), c);
        for (String id : up.list(m.type(), ns)) {
            if (children.containsKey(id)) continue;
            RepoId local = new RepoId(localNs, id.substring(ns.length() + 1));
            Upstream.Info info = up.info(m.type(), id);
            if (info.status() != 200) continue;
            if (repos.find(m.type(), local).isPresent()) continue; // a local repository of that name is not ours to fill
            Repo repo = localRepo(Actor.OPERATOR, m.type(), local, info.isPrivate());
            String key = Ids.newKey();
            dao.insert(new MirrorDao.NewMirror(key, Mirror.Direction.PULL, m.remoteUrl(), m.type(), id, local.toString(), repo.key(),
                    m.key(), token, m.intervalSeconds(), clock.instant()));
            mirrorsChanged();
            children.put(id, dao.find(key).orElseThrow());
        }
        return syncChildren(m, children.values());
    }

    private Outcome pushNamespace(Mirror m, String token) throws IOException {
        String ns = m.remoteId().substring(0, m.remoteId().length() - 2);
        String localNs = m.localId().substring(0, m.localId().length() - 2);
        Map<String, Mirror> children = new LinkedHashMap<>();
        for (Mirror c : dao.children(m.key())) children.put(c.localId(), c);
        for (Repo r : repos.inNamespace(localNs)) {
            if (r.type() != m.type() || children.containsKey(r.id().toString())) continue;
            String key = Ids.newKey();
            dao.insert(new MirrorDao.NewMirror(key, Mirror.Direction.PUSH, m.remoteUrl(), m.type(), ns + "/" + r.id().name(),
                    r.id().toString(), r.key(), m.key(), token, m.intervalSeconds(), clock.instant()));
            mirrorsChanged();
            children.put(r.id().toString(), dao.find(key).orElseThrow());
        }
        return syncChildren(m, children.values());
    }

    private Outcome syncChildren(Mirror parent, java.util.Collection<Mirror> children) {
        List<String> problems = new ArrayList<>();
        int failed = 0;
        long done = 0;
        dao.progress(parent.key(), new Mirror.Progress(0, children.size(), 0, 0));
        for (Mirror c : children) {
            if (c.paused()) continue;
            run(c.key());
            Mirror after = dao.find(c.key()).orElseThrow();
            if (after.status() != Mirror.Status.OK) {
                if (after.status() != Mirror.Status.DIVERGED) failed++;
                problems.add(c.localId() + ": " + after.status().wire() + (after.message() == null ? "" : " (" + after.message() + ")"));
                for (String p : after.problems()) problems.add(c.localId() + ": " + p);
            }
            dao.progress(parent.key(), new Mirror.Progress(++done, children.size(), 0, 0));
        }
        Mirror.Status s = failed > 0 ? Mirror.Status.ERROR : problems.isEmpty() ? Mirror.Status.OK : Mirror.Status.DIVERGED;
        return new Outcome(s, children.size() + " repositories, " + failed + " failed", problems);
    }

    // ------------------------------------------------------------------------------------------------ pull

    private Outcome pull(Mirror m, String token) throws IOException {
        Repo repo = repos.findByKey(m.repoKey()).orElse(null);
        if (repo == null) return new Outcome(Mirror.Status.ERROR, "the local repository was deleted; remove this mirror", List.of());
        Upstream up = new Upstream(http, m.remoteUrl(), token);
        String key = repo.key();
        // (1) objects first, into the staging area
        try {
            remote.fetchToStaging(key, up.gitUrl(m.type(), m.remoteId()), token);
        } catch (RemoteGit.RemoteException e) {
            Upstream.Info info;
            try {
                info = up.info(m.type(), m.remoteId());
            } catch (IOException unreachable) {
                return new Outcome(Mirror.Status.ERROR, "the upstream cannot be reached (" + unreachable.getMessage() + "); the local copy is served as it is", List.of());
            }
            if (info.notFound()) {
                return new Outcome(Mirror.Status.UPSTREAM_GONE, "the upstream repository is gone (or no longer readable with this mirror's token); "
                        + "nothing was changed here, the local copy keeps every ref and object", List.of());
            }
            if (info.status() == 401 || info.status() == 403) {
                return new Outcome(Mirror.Status.REFUSED, "the upstream refused access (" + info.status() + "); give the mirror a token that may read it", List.of());
            }
            throw e;
        }
        // (2) the plan: what may move, what is reported and kept
        Map<String, String> staged = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : git.refTargets(key, GitRepositories.STAGING_PREFIX).entrySet()) {
            staged.put("refs/" + e.getKey().substring(GitRepositories.STAGING_PREFIX.length()), e.getValue());
        }
        Map<String, String> visible = new LinkedHashMap<>(git.refTargets(key, "refs/heads/"));
        visible.putAll(git.refTargets(key, "refs/tags/"));
        List<String> problems = new ArrayList<>();
        Map<String, String> moves = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : staged.entrySet()) {
            String name = e.getKey();
            String now = e.getValue();
            String was = visible.get(name);
            if (now.equals(was)) continue;
            if (was == null) {
                moves.put(name, now);
            } else if (name.startsWith("refs/heads/") && remote.isAncestor(key, was, now)) {
                moves.put(name, now);
            } else {
                problems.add(name + ": the upstream " + (name.startsWith("refs/tags/") ? "moved this tag" : "rewrote this branch (force-push)")
                        + " from " + shortId(was) + " to " + shortId(now) + "; not applied, kept at " + shortId(was));
            }
        }
        for (Map.Entry<String, String> e : visible.entrySet()) {
            if (!staged.containsKey(e.getKey())) {
                problems.add(e.getKey() + ": deleted upstream; not applied, kept at " + shortId(e.getValue()));
            }
        }
        // the airlock sees each revision to apply before anything of it is fetched or shown
        Actor system = Actor.internal(acting(Actor.OPERATOR));
        boolean refused = false;
        Map<String, PullSubject> subjects = new LinkedHashMap<>();
        for (java.util.Iterator<Map.Entry<String, String>> it = moves.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            PullSubject subject = subject(m, key, git.resolve(key, e.getValue()).orElseThrow().name());
            if (airlock.checkRevision(system, subject) instanceof Verdict.Refused r) {
                problems.add(e.getKey() + ": refused by the airlock rule '" + r.rule() + "': " + r.reason() + "; not applied");
                refused = true;
                it.remove();
            } else {
                subjects.put(e.getKey(), subject);
            }
        }
        List<String> tips = new ArrayList<>();
        for (String id : moves.values()) git.resolve(key, id).ifPresent(c -> tips.add(c.name()));
        List<String> known = new ArrayList<>();
        for (String id : visible.values()) git.resolve(key, id).ifPresent(c -> known.add(c.name()));
        // (3) every LFS object the new commits name
        Map<String, Long> lfs = lfsObjects(key, tips, known);
        List<Upstream.LfsObject> missing = new ArrayList<>();
        long missingBytes = 0;
        for (Map.Entry<String, Long> o : lfs.entrySet()) {
            if (blobs.size(new LfsOid(o.getKey())).isEmpty()) {
                missing.add(new Upstream.LfsObject(o.getKey(), o.getValue()));
                missingBytes += o.getValue();
            }
        }
        dao.progress(m.key(), new Mirror.Progress(0, missing.size(), 0, missingBytes));
        for (int i = 0; i < missing.size(); i += BATCH) {
            List<Upstream.LfsObject> chunk = missing.subList(i, Math.min(missing.size(), i + BATCH));
            for (Upstream.Transfer t : up.batch(m.type(), m.remoteId(), "download", chunk)) {
                if (t.error() != null || t.action() == null) {
                    throw new IOException("the upstream cannot send LFS object " + t.object().oid() + (t.error() == null ? "" : ": " + t.error()));
                }
                try (InputStream in = up.download(t.action())) {
                    blobs.put(in, new LfsOid(t.object().oid()), t.object().size()); // verifies SHA-256 and size
                }
                dao.fetched(m.key(), t.object().size());
            }
        }
        // the airlock sees each new file's bytes (now here, not yet visible); a refused file keeps its ref where it was
        Set<String> before = new HashSet<>();
        for (String c : known) for (TreeEntry t : git.scanTree(key, ObjectId.fromString(c))) before.add(t.oid());
        Map<String, Verdict> verdicts = new java.util.HashMap<>();
        for (java.util.Iterator<Map.Entry<String, String>> it = moves.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            PullSubject subject = subjects.get(e.getKey());
            for (TreeEntry t : git.scanTree(key, ObjectId.fromString(subject.commit()))) {
                if (t.directory() || before.contains(t.oid())) continue;
                Verdict v = verdicts.computeIfAbsent(t.oid() + " " + t.path(), k -> airlock.checkFile(system, subject.withoutFiles(), t.path(),
                        t.lfs() != null ? t.lfs().size() : t.size(), bytesOf(key, t)));
                if (v instanceof Verdict.Refused r) {
                    problems.add(e.getKey() + ": " + t.path() + " refused by the airlock rule '" + r.rule() + "': " + r.reason() + "; not applied");
                    refused = true;
                    it.remove();
                    break;
                }
            }
        }
        tips.clear();
        for (String id : moves.values()) git.resolve(key, id).ifPresent(c -> tips.add(c.name()));
        // (4) index, (5) then the visible refs, each by compare-and-set
        if (!tips.isEmpty()) repos.indexImported(repo, tips, known);
        List<String> applied = new ArrayList<>();
        for (Map.Entry<String, String> e : moves.entrySet()) {
            String was = visible.get(e.getKey());
            RefMove r = git.moveRef(key, e.getKey(), was == null ? null : ObjectId.fromString(was), ObjectId.fromString(e.getValue()));
            if (r == RefMove.BUSY) r = git.moveRef(key, e.getKey(), was == null ? null : ObjectId.fromString(was), ObjectId.fromString(e.getValue()));
            if (r == RefMove.MOVED) applied.add(e.getKey());
            else problems.add(e.getKey() + ": changed here during the sync; not applied");
        }
        String message = applied.size() + " ref(s) updated, " + missing.size() + " LFS object(s) fetched (" + missingBytes + " bytes)";
        Mirror.Status status = refused ? Mirror.Status.REFUSED : problems.isEmpty() ? Mirror.Status.OK : Mirror.Status.DIVERGED;
        return new Outcome(status, message, problems);
    }

    /** What the airlock is shown of one upstream revision: its card and its files with their real sizes. */
    private PullSubject subject(Mirror m, String key, String commit) throws IOException {
        List<PullSubject.PulledFile> files = new ArrayList<>();
        String card = "";
        for (TreeEntry t : git.scanTree(key, ObjectId.fromString(commit))) {
            if (t.directory()) continue;
            files.add(new PullSubject.PulledFile(t.path(), t.lfs() != null ? t.lfs().size() : t.size()));
            if (t.path().equals("README.md") && t.lfs() == null && t.size() <= 1 << 20) {
                card = new String(git.readBlob(key, t.oid(), 1 << 20), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return new PullSubject(m.remoteUrl(), m.type(), RepoId.parse(m.remoteId()), commit, card, files);
    }

    /** A file's bytes for the airlock: an LFS object from the blob store, or the git blob. */
    private FileBytes bytesOf(String key, TreeEntry t) {
        if (t.lfs() != null) return () -> java.nio.channels.Channels.newInputStream(blobs.open(t.lfs().oid()));
        return () -> git.openBlob(key, t.oid());
    }

    /** The LFS objects (oid → size) that the commits reachable from {@code tips} and not from {@code known} name. */
    private Map<String, Long> lfsObjects(String key, List<String> tips, List<String> known) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        if (tips.isEmpty()) return out;
        Set<String> seenBlobs = new HashSet<>();
        for (ObjectId c : git.newCommits(key, tips.stream().map(ObjectId::fromString).toList(), known.stream().map(ObjectId::fromString).toList())) {
            for (TreeEntry t : git.scanTree(key, c)) {
                if (t.directory() || !seenBlobs.add(t.oid())) continue;
                if (t.lfs() != null) out.putIfAbsent(t.lfs().oid().hex(), t.lfs().size());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ push

    private Outcome push(Mirror m, String token) throws IOException {
        Repo repo = repos.findByKey(m.repoKey()).orElse(null);
        if (repo == null) return new Outcome(Mirror.Status.ERROR, "the local repository was deleted; remove this mirror", List.of());
        Upstream up = new Upstream(http, m.remoteUrl(), token);
        String key = repo.key();
        String url = up.gitUrl(m.type(), m.remoteId());
        boolean created = up.create(m.type(), m.remoteId(), repo.isPrivate());
        Map<String, String> remoteRefs = remote.remoteRefs(key, url, token);
        Map<String, String> local = new LinkedHashMap<>(git.refTargets(key, "refs/heads/"));
        local.putAll(git.refTargets(key, "refs/tags/"));
        List<String> tips = new ArrayList<>();
        for (String id : local.values()) git.resolve(key, id).ifPresent(c -> tips.add(c.name()));
        List<String> known = new ArrayList<>();
        for (String id : remoteRefs.values()) if (remote.has(key, id)) git.resolve(key, id).ifPresent(c -> known.add(c.name()));
        Map<String, Long> lfs = lfsObjects(key, tips, known);
        List<Upstream.LfsObject> objects = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<String, Long> o : lfs.entrySet()) {
            objects.add(new Upstream.LfsObject(o.getKey(), o.getValue()));
            bytes += o.getValue();
        }
        dao.progress(m.key(), new Mirror.Progress(0, objects.size(), 0, bytes));
        int sent = 0;
        for (int i = 0; i < objects.size(); i += BATCH) {
            for (Upstream.Transfer t : up.batch(m.type(), m.remoteId(), "upload", objects.subList(i, Math.min(objects.size(), i + BATCH)))) {
                if (t.error() != null) throw new IOException("the remote refuses LFS object " + t.object().oid() + ": " + t.error());
                if (t.action() != null) {
                    LfsOid oid = new LfsOid(t.object().oid());
                    up.upload(t, () -> {
                        try {
                            return java.nio.channels.Channels.newInputStream(blobs.open(oid));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    sent++;
                }
                dao.fetched(m.key(), t.object().size());
            }
        }
        List<RemoteGit.PushRef> refs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : local.entrySet()) {
            String there = remoteRefs.get(e.getKey());
            if (e.getValue().equals(there)) continue;
            // the remote's own first commit (made by creating it just now) is replaced; any other rewrite is refused
            boolean force = created && e.getKey().equals(GitRepositories.DEFAULT_REF);
            refs.add(new RemoteGit.PushRef(e.getKey(), e.getValue(), there, force));
        }
        for (String name : remoteRefs.keySet()) {
            if (!local.containsKey(name)) problems.add(name + ": exists on the remote only; not deleted there");
        }
        int pushed = 0;
        if (!refs.isEmpty()) {
            for (RemoteGit.Pushed p : remote.push(key, url, token, refs)) {
                if (p.ok()) pushed++;
                else problems.add(p.name() + ": the remote refused it (" + p.status() + "); not forced");
            }
        }
        boolean refused = problems.stream().anyMatch(p -> p.contains("refused"));
        String message = pushed + " ref(s) pushed, " + sent + " LFS object(s) sent";
        return new Outcome(refused ? Mirror.Status.DIVERGED : Mirror.Status.OK, message, problems);
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** Figures over every mirror, for the admin API and the command line. */
    public record Figures(int mirrors, int pull, int push, int paused, int failing, long objectsFetched, long bytesFetched) {}

    public Figures figures(Actor by) {
        requireAdmin(by);
        int pull = 0, push = 0, paused = 0, failing = 0;
        long objects = 0, bytes = 0;
        List<Mirror> all = dao.all();
        for (Mirror m : all) {
            if (m.direction() == Mirror.Direction.PULL) pull++;
            else push++;
            if (m.paused()) paused++;
            if (m.status() == Mirror.Status.ERROR || m.status() == Mirror.Status.REFUSED || m.status() == Mirror.Status.UPSTREAM_GONE) failing++;
            if (!m.isNamespace()) {
                objects += m.objectsFetched();
                bytes += m.bytesFetched();
            }
        }
        return new Figures(all.size(), pull, push, paused, failing, objects, bytes);
    }

    /** The lower-case wire name of a status, for callers that print it. */
    public static String wire(Mirror.Status s) { return s.wire().toLowerCase(Locale.ROOT); }
}
