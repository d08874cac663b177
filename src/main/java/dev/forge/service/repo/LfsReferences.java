package dev.forge.service.repo;

import dev.forge.core.Repo;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Which LFS objects a repository holds and which an actor may reference, decided in one place.
 *
 * <p>A repository <em>holds</em> an object when a commit reachable from one of its refs references it: history that
 * a super-squash or a refused push left behind does not count, so downloads are granted only for what the refs still
 * show. An actor <em>may reference</em> an object in a commit to a repository when they could read its bytes anyway:
 * it was uploaded to that repository (the uploader proved they hold the bytes), the repository already holds it, or
 * some repository whose files the actor may read holds it. A gated repository without an accepted request does not
 * count, nor does a private one the actor cannot see, so an oid copied from a tree listing is not a way to the
 * bytes. Deduplication still works for everyone who could download the object. Thread-safe.
 */
public final class LfsReferences {
    /** How many other repositories are asked about one object before the answer is "not referable". */
    private static final int MAX_HOLDERS = 200;
    private static final int MAX_CANDIDATE_COMMITS = 10_000;

    private final IndexDao index;
    private final RepoDao repos;
    private final GitRepositories git;
    private final AccessPolicy policy;

    public LfsReferences(IndexDao index, RepoDao repos, GitRepositories git, AccessPolicy policy) {
        this.index = index;
        this.repos = repos;
        this.git = git;
        this.policy = policy;
    }

    /** The commits the refs point at, per repository, valid while its ref generation is unchanged. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Tips> tips =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();

    private record Tips(long generation, List<String> commits) {}

    private List<String> tips(Repo repo) throws IOException {
        long generation = git.refGeneration(repo.key());
        Tips cached = tips.getIfPresent(repo.key());
        if (cached != null && cached.generation() == generation) return cached.commits();
        List<String> commits = git.refs(repo.key()).stream().map(GitRepositories.RefInfo::commit).distinct().toList();
        tips.put(repo.key(), new Tips(generation, commits));
        return commits;
    }

    /** Whether a commit reachable from the repository's refs references the object. */
    public boolean held(Repo repo, String oid) {
        try {
            if (index.referencesLfsAt(repo.key(), tips(repo), oid)) return true;
            List<String> candidates = index.commitsReferencingLfs(repo.key(), oid, MAX_CANDIDATE_COMMITS);
            return !candidates.isEmpty() && git.anyReachableFromRefs(repo.key(), candidates);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the repository may show the object as present: it was uploaded to it or the repository holds it. */
    public boolean ownedBy(Repo repo, String oid) {
        return index.uploadedLfs(repo.key(), oid) || held(repo, oid);
    }

    /** Whether {@code actor} may reference the object in a commit to {@code repo} (see the class comment). */
    public boolean mayReference(Actor actor, Repo repo, String oid) {
        if (ownedBy(repo, oid)) return true;
        for (String key : index.reposReferencingLfs(oid, MAX_HOLDERS)) {
            if (key.equals(repo.key())) continue;
            Optional<Repo> other = repos.findByKey(key);
            if (other.isPresent() && policy.canReadFiles(actor, other.get()) && held(other.get(), oid)) return true;
        }
        return false;
    }
}
