package dev.forge.service.repo;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitRepositories;
import dev.forge.git.Merges;
import dev.forge.git.RefMove;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Merges one ref into a branch, and shows what such a merge would bring (the diff and the files that conflict): the git
 * side of pull requests. A merge always makes a merge commit (first parent the branch, second the merged head), authored
 * by whoever the caller names (a pull request's author) and committed by the merger, so history records every merged
 * pull request even when the branch had not moved. The tree is the merged head's when the branch is its ancestor, else
 * JGit's recursive three-way merge; conflicts refuse the merge with the conflicting paths and change nothing. The branch
 * moves by compare-and-set: when another commit or merge lands first, the merge is recomputed on the new head, so racing
 * merges all land and none loses a commit ({@link CommitService}'s retry loop). Thread-safe.
 */
public final class MergeService {
    private static final int MAX_ATTEMPTS = 64;
    /** Diffs are cut here: clients receive them inside one JSON document. */
    public static final int MAX_DIFF_BYTES = 1024 * 1024;

    private final GitRepositories git;
    private final CommitWriter writer;
    private final Merges merges;
    private final Indexer indexer;
    private final AccessPolicy policy;
    private final InstantSource clock;
    /** What a (base, head) pair brings: immutable, since both are commits; weighed by the diff's length. */
    private final Cache<String, Changes> previews = Caffeine.newBuilder()
            .maximumWeight(64L * 1024 * 1024).<String, Changes>weigher((k, v) -> 256 + v.diff().map(String::length).orElse(0)).build();

    public MergeService(GitRepositories git, CommitWriter writer, Merges merges, Indexer indexer, AccessPolicy policy, InstantSource clock) {
        this.git = git;
        this.writer = writer;
        this.merges = merges;
        this.indexer = indexer;
        this.policy = policy;
        this.clock = clock;
    }

    /** Merge {@code sourceRef} into the branch {@code targetRef}; the commit is authored by {@code author}. */
    public record Merge(String targetRef, String sourceRef, User author, String message) {}

    /** The merge commit, and the branch head and merged head it joined. */
    public record Merged(String commit, String target, String source) {}

    /**
     * Merges as {@code actor}, who must be able to write to the repository. 400 when the source brings nothing new, 409
     * with the conflicting files when the trees do not merge cleanly, and when the target branch is gone.
     */
    public Merged merge(Actor actor, Repo repo, Merge m) {
        policy.requireWrite(actor, repo);
        User committer = actor.requireUser();
        String branch = shortName(m.targetRef());
        try {
            ObjectId source = git.resolve(repo.key(), m.sourceRef()).orElseThrow(() -> ForgeException.revisionNotFound(m.sourceRef()));
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                ObjectId target = git.resolve(repo.key(), m.targetRef())
                        .orElseThrow(() -> ForgeException.conflict("The target branch '" + branch + "' no longer exists"));
                if (merges.isAncestor(repo.key(), source, target)) {
                    throw ForgeException.badRequest("This pull request has no associated changes: its commits are already in '" + branch + "'");
                }
                ObjectId tree = switch (merges.isAncestor(repo.key(), target, source)
                        ? new Merges.Clean(writer.treeOf(repo.key(), source)) : merges.merge(repo.key(), target, source)) {
                    case Merges.Clean c -> c.tree();
                    case Merges.Conflicts c -> throw new ForgeException(ErrorKind.CONFLICT, "Cannot merge into '" + branch
                            + "': these files conflict: " + String.join(", ", c.paths().subList(0, Math.min(20, c.paths().size())))
                            + (c.paths().size() > 20 ? " (and " + (c.paths().size() - 20) + " more)" : "")
                            + ". Bring the pull request up to date with '" + branch + "' and merge again.");
                };
                var when = clock.instant();
                ObjectId commit = writer.writeCommit(repo.key(), tree, List.of(target, source), CommitWriter.Author.of(m.author(), when),
                        CommitWriter.Author.of(committer, when), m.message());
                indexer.ensureIndexed(repo, commit);
                RefMove moved = git.moveRef(repo.key(), m.targetRef(), target, commit);
                if (moved == RefMove.MOVED) return new Merged(commit.name(), target.name(), source.name());
                if (moved == RefMove.BUSY) CommitService.backOff(attempt);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new ForgeException(ErrorKind.UNAVAILABLE, "The branch '" + branch + "' is too busy; try again");
    }

    /**
     * What merging {@code sourceRef} into {@code targetRef} brings: the heads compared, the files that would conflict, and
     * (when asked) the unified diff from their merge base to the source, at most {@link #MAX_DIFF_BYTES}. For a merge
     * already made, {@code mergedAs} names its commit: the comparison is then between its two parents, as it was.
     */
    public record Changes(Optional<String> base, Optional<String> head, List<String> conflictingFiles, Optional<String> diff,
                          boolean diffTruncated) {
        static final Changes NONE = new Changes(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), false);
    }

    /** The changes a pull request brings, for a caller who may read the repository's files. */
    public Changes changes(Actor actor, Repo repo, String targetRef, String sourceRef, Optional<String> mergedAs, boolean withDiff) {
        policy.requireFiles(actor, repo);
        try {
            ObjectId base;
            ObjectId head;
            Optional<GitRepositories.CommitData> merge = mergedAs.filter(ObjectId::isId).isEmpty() ? Optional.empty()
                    : git.resolve(repo.key(), mergedAs.get()).map(id -> commitData(repo, id));
            if (merge.isPresent() && merge.get().parents().size() == 2) {
                base = ObjectId.fromString(merge.get().parents().get(0));
                head = ObjectId.fromString(merge.get().parents().get(1));
            } else {
                Optional<ObjectId> h = git.resolve(repo.key(), sourceRef);
                if (h.isEmpty()) return Changes.NONE;
                head = h.get();
                base = git.resolve(repo.key(), targetRef).orElse(null);
            }
            String key = repo.key() + "/" + (base == null ? "-" : base.name()) + "/" + head.name() + "/" + withDiff + "/" + merge.isPresent();
            ObjectId b = base;
            return previews.get(key, k -> preview(repo, b, head, withDiff, merge.isPresent()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Changes preview(Repo repo, ObjectId target, ObjectId source, boolean withDiff, boolean merged) {
        try {
            Optional<ObjectId> mergeBase = target == null ? Optional.empty() : merges.mergeBase(repo.key(), target, source);
            List<String> conflicts = List.of();
            if (!merged && target != null && !mergeBase.map(source::equals).orElse(false) && !mergeBase.map(target::equals).orElse(false)
                    && merges.merge(repo.key(), target, source) instanceof Merges.Conflicts c) {
                conflicts = c.paths();
            }
            Optional<String> diff = Optional.empty();
            boolean truncated = false;
            if (withDiff) {
                Merges.Diff d = merges.diff(repo.key(), mergeBase.orElse(null), source, MAX_DIFF_BYTES);
                diff = Optional.of(d.text());
                truncated = d.truncated();
            }
            return new Changes(Optional.ofNullable(target).map(ObjectId::name), Optional.of(source.name()), conflicts, diff, truncated);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GitRepositories.CommitData commitData(Repo repo, ObjectId id) {
        try {
            return git.commit(repo.key(), id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shortName(String ref) {
        return ref.startsWith(Constants.R_HEADS) ? ref.substring(Constants.R_HEADS.length()) : ref;
    }
}
