package dev.forge.service.repo;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;

import dev.forge.core.CommitOperation;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Ids;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitRepositories;
import dev.forge.git.RefMove;
import dev.forge.meta.RepoDao;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Repository lifecycle and lookup. A repository is created with the Hub's initial commit (a
 * {@code .gitattributes} with the standard LFS patterns, by {@code system}) so it has a {@code sha} at
 * once. Creation registers the repository last, so a crash half-way leaves no visible repository.
 */
public final class RepoService {
    /** The Hub's default LFS patterns, written by the initial commit of every repository. */
    public static final String DEFAULT_GITATTRIBUTES = String.join("\n", List.of(
            "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.mlmodel",
            "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt",
            "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
            "*.xz", "*.zip", "*.zst", "*tfevents*", "*.gguf", "*.ggml", "*.mds", "*.jsonl.gz")
            .stream().map(p -> p + " filter=lfs diff=lfs merge=lfs -text").toList()) + "\n";

    private final RepoDao repos;
    private final GitRepositories git;
    /**
     * Registry rows by (type, id), including misses. Entries are invalidated by every change made here;
     * the short expiry bounds staleness when several nodes share one database.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Optional<Repo>> byId =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(50_000)
                    .expireAfterWrite(java.time.Duration.ofSeconds(5)).build();
    /** Revision → commit per repository, valid while the repository's ref generation is unchanged. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Resolved> revisions =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000).build();

    private record Resolved(long generation, String commit) {}
    private final CommitWriter writer;
    private final Indexer indexer;
    private final AccessPolicy policy;
    private final AuditLog audit;
    private final InstantSource clock;

    private final java.util.List<java.util.function.Consumer<String>> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Calls {@code listener} with a repository's key after it was created, deleted, moved or changed visibility
     * (ref moves are reported by {@link GitRepositories#onRefsChanged}).
     */
    public void onChange(java.util.function.Consumer<String> listener) {
        changeListeners.add(listener);
    }

    private void changed(Repo repo) {
        for (java.util.function.Consumer<String> l : changeListeners) l.accept(repo.key());
    }


    public RepoService(RepoDao repos, GitRepositories git, CommitWriter writer, Indexer indexer, AccessPolicy policy, AuditLog audit,
                       InstantSource clock) {
        this.audit = audit;
        this.repos = repos;
        this.git = git;
        this.writer = writer;
        this.indexer = indexer;
        this.policy = policy;
        this.clock = clock;
    }

    /** The repository, if it exists and the actor may read it; otherwise the not-found error the actor must see. */
    public Repo readable(Actor actor, RepoType type, RepoId id) {
        requireSupported(type);
        Optional<Repo> found = byId.get(cacheKey(type, id), k -> repos.find(type, id));
        if (found.isEmpty()) {
            Optional<Repo> moved = repos.redirected(type, id).filter(r -> policy.canRead(actor, r));
            if (moved.isPresent()) {
                throw new ForgeException(ErrorKind.MOVED, "Repository moved to " + moved.get().id(),
                        new ErrorDetail.Moved(moved.get().id()));
            }
            throw AccessPolicy.notFound(actor);
        }
        Repo repo = found.get();
        policy.requireRead(actor, repo);
        return repo;
    }

    /** The repository, if the actor may read its files (the difference is gating); otherwise the error they must see. */
    public Repo filesReadable(Actor actor, RepoType type, RepoId id) {
        Repo repo = readable(actor, type, id);
        policy.requireFiles(actor, repo);
        return repo;
    }

    public Repo writable(Actor actor, RepoType type, RepoId id) {
        return writable(actor, type, id, false);
    }

    /** The repository, if the actor may write to it, or with {@code pullRequest} open a pull request on it. */
    public Repo writable(Actor actor, RepoType type, RepoId id, boolean pullRequest) {
        Repo repo = readable(actor, type, id);
        policy.requireWrite(actor, repo, pullRequest);
        Optional<String> readOnly = readOnlyBecause.apply(repo);
        if (readOnly.isPresent()) {
            audit.denied(actor, "repo.write", repo.type().singular() + "/" + repo.displayId(), Map.of("reason", readOnly.get()));
            throw ForgeException.forbidden(readOnly.get());
        }
        return repo;
    }

    private volatile java.util.function.Function<Repo, Optional<String>> readOnlyBecause = r -> Optional.empty();

    /**
     * Makes some repositories read-only for every writer (pushes, commits, branches, uploads, pull requests): a pull
     * mirror changes only by its syncs. {@code reason} answers why a repository is read-only (the message writers see),
     * or empty when it is writable.
     */
    public void readOnlyWhen(java.util.function.Function<Repo, Optional<String>> reason) {
        this.readOnlyBecause = reason;
    }

    /**
     * Creates a repository with no refs at all, for a pull mirror: its first sync brings the upstream's history, whose
     * commit ids must stay as they are (the initial commit {@link #create} writes would be a history of its own).
     */
    public Repo createEmpty(Actor actor, RepoType type, RepoId id, boolean isPrivate) {
        requireCreatable(actor, type, id, "repo.create");
        Repo repo = new Repo(Ids.newKey(), type, id, isPrivate, clock.instant(), Gating.NONE, actor.requireUser().key());
        try {
            git.create(repo.key());
        } catch (IOException e) {
            deleteQuietly(repo);
            throw new UncheckedIOException(e);
        }
        try {
            repos.insert(repo);
            forget(type, id);
            changed(repo);
        } catch (RuntimeException e) {
            deleteQuietly(repo);
            throw e;
        }
        audit.record(actor, "repo.create", repo.type().singular() + "/" + repo.displayId(), Map.of("private", isPrivate, "mirror", true));
        return repo;
    }

    /**
     * Indexes commits fetched from elsewhere (a mirror's upstream) that are reachable from {@code tips} and not from
     * {@code known}, before any ref may point at them; nothing is checked (they are the upstream's, as they are).
     */
    public void indexImported(Repo repo, java.util.Collection<String> tips, java.util.Collection<String> known) {
        try {
            indexer.indexNew(repo, tips.stream().map(ObjectId::fromString).toList(), known.stream().map(ObjectId::fromString).toList(),
                    Indexer.Rules.LENIENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Indexer.RejectedException e) {
            throw new IllegalStateException("lenient indexing rejected a commit", e);
        }
    }

    /** Notes that a repository's visibility-relevant state changed (listeners refresh their views). */
    public void touched(Repo repo) {
        forget(repo.type(), repo.id());
        changed(repo);
    }

    public Optional<Repo> findByKey(String key) { return repos.findByKey(key); }

    /** Every repository of a namespace, for jobs of the forge itself (mirrors); no access check. */
    public List<Repo> inNamespace(String namespace) { return repos.inNamespace(namespace); }

    /**
     * The repository with this key if {@code user} (with their own standing, whatever token they hold now) may read
     * it: what a token's scope may be described as. A private repository the user can no longer see is not named.
     */
    public Optional<Repo> readableByKey(User user, String key) {
        return repos.findByKey(key).filter(r -> policy.canRead(Actor.internal(user), r));
    }

    /** Whether the actor may write to a repository they can read (pages show the settings and upload links then). */
    public boolean canWrite(Actor actor, Repo repo) {
        return policy.level(actor, repo) == AccessPolicy.Level.WRITE;
    }

    /**
     * The key of the repository {@code [type:]namespace/name} names, for a fine-grained token's scope: the actor's user
     * must be able to read it with their full standing (whatever token they use now). Otherwise "not found".
     */
    public String scopeTarget(Actor by, String spec) {
        RepoType type = RepoType.MODEL;
        int colon = spec.indexOf(':');
        if (colon > 0) {
            type = RepoType.fromName(spec.substring(0, colon)).orElseThrow(() -> ForgeException.badRequest("Unknown repository type in '"
                    + dev.forge.core.Strings.clip(spec, 200) + "'"));
        }
        return readable(Actor.internal(by.requireUser()).at(by.address()), type, RepoId.parse(spec.substring(colon + 1))).key();
    }

    /** Lookup without access checks, for internal callers that check access themselves. */
    public Optional<Repo> find(RepoType type, RepoId id) {
        return type.isSupported() ? repos.find(type, id) : Optional.empty();
    }

    private static String cacheKey(RepoType type, RepoId id) {
        return (type.singular() + "/" + id).toLowerCase(java.util.Locale.ROOT);
    }

    private void forget(RepoType type, RepoId id) {
        byId.invalidate(cacheKey(type, id));
    }

    public Repo create(Actor actor, RepoType type, RepoId id, boolean isPrivate) {
        requireCreatable(actor, type, id, "repo.create");
        Repo repo = new Repo(Ids.newKey(), type, id, isPrivate, clock.instant(), Gating.NONE, actor.requireUser().key());
        try {
            git.create(repo.key());
            ObjectId initial = writer.write(repo.key(), null,
                    List.of(new CommitOperation.AddFile(".gitattributes", DEFAULT_GITATTRIBUTES.getBytes(StandardCharsets.UTF_8))),
                    new CommitWriter.Author("system", "system@forge.local", clock.instant()), "initial commit");
            indexer.ensureIndexed(repo, initial);
            if (git.moveRef(repo.key(), GitRepositories.DEFAULT_REF, null, initial) != RefMove.MOVED) {
                throw new IOException("could not create the default branch");
            }
        } catch (IOException e) {
            deleteQuietly(repo);
            throw new UncheckedIOException(e);
        }
        try {
            repos.insert(repo); // last: until here the repository is invisible
            forget(type, id);
            changed(repo);
        } catch (RuntimeException e) {
            deleteQuietly(repo); // lost a race with a concurrent create of the same id
            throw e;
        }
        audit.record(actor, "repo.create", repo.type().singular() + "/" + repo.displayId(), Map.of("private", isPrivate));
        return repo;
    }

    /**
     * The old name of a moved repository keeps redirecting clients that still use it, so taking that name over would
     * catch their pushes and downloads. Only someone who may write to the moved repository may reuse its old name
     * (whoever can create in the namespace can read its repositories, so the refusal tells them nothing new).
     */
    private void requireNameFree(Actor actor, RepoType type, RepoId id) {
        Optional<Repo> moved = repos.redirected(type, id);
        if (moved.isPresent() && !policy.canWrite(actor, moved.get())) {
            throw ForgeException.conflict("The name " + id + " still redirects to " + moved.get().id()
                    + "; only those who may write to that repository can reuse it");
        }
    }

    /** Refuses a new repository {@code id} the actor may not create, or whose name is taken (409). */
    private void requireCreatable(Actor actor, RepoType type, RepoId id, String action) {
        requireSupported(type);
        if (actor.isAnonymous()) throw ForgeException.unauthorized("Authentication required to create a repository");
        if (!policy.canCreateIn(actor, id)) {
            audit.denied(actor, action, type.singular() + "/" + id, Map.of());
            throw ForgeException.forbidden("You don't have the rights to create a repository under the namespace '" + id.namespace() + "'");
        }
        if (repos.find(type, id).isPresent()) throw ForgeException.conflict("You already created this " + type.singular() + " repo");
        requireNameFree(actor, type, id);
    }

    /**
     * Duplicates a repository the actor may download under a new id they may create, as the Hub's {@code duplicate}
     * does: full history, branches and tags (not pull requests), visibility as asked or the source's. Git objects are
     * hard-linked and LFS objects are content-addressed, so the copy costs no storage; the copy starts ungated.
     */
    public Repo duplicate(Actor actor, RepoType type, RepoId from, RepoId to, Optional<Boolean> isPrivate) {
        Repo source = filesReadable(actor, type, from);
        requireCreatable(actor, type, to, "repo.duplicate");
        boolean visibility = isPrivate.orElse(source.isPrivate());
        Repo repo = new Repo(Ids.newKey(), type, to, visibility, clock.instant(), Gating.NONE, actor.requireUser().key());
        try {
            for (GitRepositories.RefInfo ref : git.copy(source.key(), repo.key())) {
                indexer.ensureIndexed(repo, ObjectId.fromString(ref.commit()));
            }
            if (git.resolve(repo.key(), GitRepositories.DEFAULT_REF).isEmpty()) throw new IOException("the source has no default branch");
        } catch (IOException e) {
            deleteQuietly(repo);
            throw new UncheckedIOException(e);
        }
        try {
            repos.insert(repo);
            forget(type, to);
            changed(repo);
        } catch (RuntimeException e) {
            deleteQuietly(repo);
            throw e;
        }
        audit.record(actor, "repo.duplicate", type.singular() + "/" + repo.displayId(),
                Map.of("from", source.displayId(), "private", visibility));
        return repo;
    }

    public void delete(Actor actor, RepoType type, RepoId id) {
        Repo repo = writable(actor, type, id);
        policy.requireAdministration(actor, repo);
        repos.delete(repo.key());
        forget(type, id);
        audit.record(actor, "repo.delete", repo.type().singular() + "/" + repo.displayId(), Map.of("key", repo.key()));
        try {
            git.delete(repo.key());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            changed(repo);
        }
    }

    private void deleteQuietly(Repo repo) {
        try {
            git.delete(repo.key());
        } catch (IOException | RuntimeException ignored) {
            // best effort: an unregistered git directory is never served
        }
    }

    /** Renames a repository (and may move it to another namespace the actor can write); the old name redirects. */
    public Repo move(Actor actor, RepoType type, RepoId from, RepoId to) {
        Repo repo = writable(actor, type, from);
        policy.requireAdministration(actor, repo);
        if (!policy.canCreateIn(actor, to)) {
            throw ForgeException.forbidden("You don't have the rights to move a repository to the namespace '" + to.namespace() + "'");
        }
        if (repos.find(type, to).filter(r -> !r.key().equals(repo.key())).isPresent()) {
            throw ForgeException.conflict("A repository named " + to + " already exists");
        }
        if (repos.redirected(type, to).filter(r -> !r.key().equals(repo.key())).isPresent()) requireNameFree(actor, type, to);
        repos.rename(repo, to);
        forget(type, from);
        forget(type, to);
        audit.record(actor, "repo.move", type.singular() + "/" + from, Map.of("to", to.toString()));
        changed(repo);
        return repos.findByKey(repo.key()).orElseThrow();
    }

    /** Changes visibility and gating; a null leaves that setting as it is. */
    public void updateSettings(Actor actor, RepoType type, RepoId id, Boolean isPrivate, Gating gating) {
        Repo repo = writable(actor, type, id);
        policy.requireAdministration(actor, repo);
        Map<String, Object> settings = new java.util.LinkedHashMap<>();
        if (isPrivate != null) {
            repos.setPrivate(repo.key(), isPrivate);
            settings.put("private", isPrivate);
        }
        if (gating != null) {
            repos.setGating(repo.key(), gating);
            settings.put("gated", gating.wire());
        }
        forget(type, id);
        changed(repo);
        if (!settings.isEmpty()) audit.record(actor, "repo.settings", type.singular() + "/" + repo.displayId(), settings);
    }

    public void setPrivate(Actor actor, RepoType type, RepoId id, boolean isPrivate) {
        updateSettings(actor, type, id, isPrivate, null);
    }

    /** Resolves a revision to an indexed commit id, or 404 {@code RevisionNotFound}. */
    /** The repository's ref generation: it changes with every ref move (see {@link GitRepositories#refGeneration}). */
    public long refGeneration(Repo repo) {
        return git.refGeneration(repo.key());
    }

    public String resolve(Repo repo, String rev) {
        String cacheKey = repo.key() + "\0" + rev;
        long generation = git.refGeneration(repo.key());
        Resolved cached = revisions.getIfPresent(cacheKey);
        if (cached != null && cached.generation() == generation) return cached.commit();
        String commit = resolveUncached(repo, rev);
        revisions.put(cacheKey, new Resolved(generation, commit));
        return commit;
    }

    /**
     * A revision named by a ref resolves to what the ref points at. One named by a commit id (full or abbreviated)
     * resolves only when some ref reaches it: git keeps the objects of history that a super-squash or a branch
     * deletion dropped and of refused pushes, and those must be as unreadable here as they are to git fetch. The
     * answer is cached per ref generation by {@link #resolve}, so the history walk runs once per ref change.
     */
    private String resolveUncached(Repo repo, String rev) {
        try {
            ObjectId id = git.resolve(repo.key(), rev).orElseThrow(() -> ForgeException.revisionNotFound(rev));
            boolean byRef = rev.equals(org.eclipse.jgit.lib.Constants.HEAD) || git.isRef(repo.key(), rev);
            if (!byRef && !git.anyReachableFromRefs(repo.key(), List.of(id.name()))) throw ForgeException.revisionNotFound(rev);
            if (!indexer.isIndexed(repo, id)) indexer.ensureIndexed(repo, id); // history that came from outside Forge
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Splits unencoded {@code rev/path} segments (as the JS client sends them in tree and commits URLs)
     * at the longest prefix that names a ref; a single first segment is taken as the revision otherwise.
     *
     * @return the revision and the rest of the path ("" when none)
     */
    public String[] splitRevision(Repo repo, List<String> segments) {
        try {
            for (int n = segments.size(); n > 1; n--) {
                String candidate = String.join("/", segments.subList(0, n));
                if (git.isRef(repo.key(), candidate)) {
                    return new String[] {candidate, String.join("/", segments.subList(n, segments.size()))};
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String[] {segments.getFirst(), String.join("/", segments.subList(1, segments.size()))};
    }

    private static void requireSupported(RepoType type) {
        if (!type.isSupported()) throw new ForgeException(ErrorKind.NOT_FOUND, "Spaces are not supported by this forge");
    }
}
