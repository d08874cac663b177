package dev.forge.service.repo;

import dev.forge.core.CommitOperation;
import dev.forge.core.ErrorKind;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuditLog;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitPatterns;
import dev.forge.git.GitRepositories;
import dev.forge.git.RefMove;
import dev.forge.meta.IndexDao;
import dev.forge.storage.BlobStore;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Commits made through Forge (the API, the seed). Each attempt validates the operations against the
 * current head (from the file index), builds the new tree and commit, indexes it, then moves the ref by
 * compare-and-set. When the caller named a parent and the head has moved, the answer is 412; otherwise a
 * lost race is retried on the new head, so racing commits all land, each exactly once. A commit whose
 * tree equals its parent's is not made. LFS files get a {@code .gitattributes} rule when no rule covers
 * them, as on the Hub. Pull requests are asked about through {@link PullRequestGate}: {@code create_pr} opens one,
 * and only its author or a writer commits onto an open pull request's {@code refs/pr/N}, each commit joining its
 * timeline. Thread-safe.
 */
public final class CommitService {
    private static final int MAX_ATTEMPTS = 64;
    static final String STALE = "A commit has happened since. Please refresh and try again.";

    private final GitRepositories git;
    private final CommitWriter writer;
    private final Indexer indexer;
    private final IndexDao index;
    private final BlobStore blobs;
    private final Indexer.Rules rules;
    private final InstantSource clock;
    private final dev.forge.git.GitBlobs blobWriter;
    private final LfsReferences references;

    private final AccessPolicy policy;
    private final AuditLog audit;
    private final PullRequestGate pullRequests;

    public CommitService(GitRepositories git, CommitWriter writer, Indexer indexer, IndexDao index, BlobStore blobs,
                         LfsReferences references, Indexer.Rules rules, AccessPolicy policy, AuditLog audit, PullRequestGate pullRequests,
                         InstantSource clock) {
        this.references = references;
        this.policy = policy;
        this.pullRequests = pullRequests;
        this.audit = audit;
        this.git = git;
        this.writer = writer;
        this.indexer = indexer;
        this.index = index;
        this.blobs = blobs;
        this.rules = rules;
        this.clock = clock;
        this.blobWriter = new dev.forge.git.GitBlobs(git);
    }

    /**
     * What to commit.
     *
     * @param revision a branch name or a full ref ({@code refs/pr/3})
     * @param parentCommit the head the caller built on (full or abbreviated), if any
     * @param createPr commit onto a new {@code refs/pr/N} based on {@code revision} instead
     */
    public record Request(String revision, Optional<String> parentCommit, List<CommitOperation> operations,
                          String summary, String description, boolean createPr) {}

    /** The commit now at the head; {@code created} is false when nothing changed; {@code pullRequest} is N of refs/pr/N. */
    public record Result(String commit, boolean created, Optional<Integer> pullRequest) {}

    /**
     * Writes an inline file's bytes into the repository ahead of its commit, so a large commit body is
     * never held in memory whole. An unreferenced blob is harmless.
     */
    public dev.forge.core.GitOid stageBlob(Repo repo, byte[] content) {
        try {
            return new dev.forge.core.GitOid(blobWriter.insert(repo.key(), content));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A commit by {@code author} acting from inside the process (the seed, tests): see {@link Actor#internal}. */
    public String commit(User author, Repo repo, String branch, Optional<String> parentCommit, List<CommitOperation> ops, String message) {
        return commit(Actor.internal(author), repo, new Request(branch, parentCommit, ops, message, "", false)).commit();
    }

    /**
     * Commits the request's operations as {@code actor}, who must be able to write to the repository (or, for
     * {@code createPr}, open a pull request; or, onto {@code refs/pr/N}, be the author of that open pull request); a
     * commit that changed something is audited, and one onto a pull request's ref joins its timeline. LFS objects the
     * commit references must be the actor's to read ({@link LfsReferences#mayReference}).
     */
    public Result commit(Actor actor, Repo repo, Request request) {
        policy.requireRead(actor, repo);
        Optional<Integer> onto = PullRequestGate.number(targetRef(request.revision()));
        policy.requireWrite(actor, repo, request.createPr() || onto.isPresent());
        if (request.createPr() && !targetRef(request.revision()).startsWith(Constants.R_HEADS)) {
            throw ForgeException.badRequest("A pull request can only be opened against a branch");
        }
        if (onto.isPresent() && !request.createPr()) pullRequests.requireCommit(actor, repo, onto.get());
        Result r = commitAs(actor, repo, request);
        if (r.created() && onto.isPresent() && !request.createPr()) {
            pullRequests.committed(actor, repo, onto.get(), List.of(new PullRequestGate.PushedCommit(r.commit(), summary(request))));
        }
        if (r.created()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("revision", request.revision());
            detail.put("commit", r.commit());
            detail.put("operations", request.operations().size());
            r.pullRequest().ifPresent(n -> detail.put("pullRequest", n));
            audit.record(actor, "repo.commit", repo.type().singular() + "/" + repo.displayId(), detail);
        }
        return r;
    }

    /**
     * A commit the forge makes itself to a ref it derives from the repository's content ({@code refs/convert/…}, such
     * as the parquet conversion of a dataset), on behalf of nobody: there is no caller to check, and only those refs
     * can be written this way. {@code author} names the commit's author.
     */
    public Result commitDerived(User author, Repo repo, Request request) {
        if (!targetRef(request.revision()).startsWith(Constants.R_REFS + "convert/") || request.createPr()) {
            throw new IllegalArgumentException("only refs/convert/ refs are derived: " + request.revision());
        }
        return commitAs(Actor.internal(author), repo, request);
    }

    private Result commitAs(Actor actor, Repo repo, Request request) {
        String targetRef = targetRef(request.revision());
        actor.requireUser(); // commits have an author
        try {
            if (request.createPr()) return commitToNewPullRequest(actor, repo, targetRef, head(repo, targetRef, request), request);
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                ObjectId head = head(repo, targetRef, request);
                Optional<ObjectId> commit = build(actor, repo, head, request);
                if (commit.isEmpty()) return new Result(head.name(), false, Optional.empty());
                RefMove moved = git.moveRef(repo.key(), targetRef, head, commit.get());
                if (moved == RefMove.MOVED) return new Result(commit.get().name(), true, Optional.empty());
                if (moved == RefMove.STALE && request.parentCommit().isPresent()) {
                    throw new ForgeException(ErrorKind.PRECONDITION_FAILED, STALE);
                }
                if (moved == RefMove.BUSY) backOff(attempt);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new ForgeException(ErrorKind.UNAVAILABLE, "The branch is too busy; try again");
    }

    /** The current head of the target ref; 412 when the caller built on another parent. */
    private ObjectId head(Repo repo, String targetRef, Request request) throws IOException {
        ObjectId head = git.resolve(repo.key(), targetRef).orElseThrow(() -> ForgeException.revisionNotFound(request.revision()));
        if (request.parentCommit().isPresent() && !head.name().startsWith(request.parentCommit().get())) {
            throw new ForgeException(ErrorKind.PRECONDITION_FAILED, STALE);
        }
        return head;
    }

    /**
     * Waits a little before retrying a ref that another writer holds: 1, 2, 4 … up to 100 ms, about 5 s over all
     * attempts, which also outlasts the age after which a lock left by a crash is broken.
     */
    static void backOff(int attempt) {
        try {
            Thread.sleep(Math.min(100, 1L << Math.min(attempt, 7)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ForgeException(ErrorKind.UNAVAILABLE, "Interrupted while waiting for the branch");
        }
    }

    /**
     * The commit is built (and indexed) on the base first, so a refused commit opens no pull request; then the pull
     * request is recorded, which picks a number whose ref does not exist, and its ref is created at the commit.
     */
    private Result commitToNewPullRequest(Actor actor, Repo repo, String baseRef, ObjectId base, Request request) throws IOException {
        ObjectId commit = build(actor, repo, base, request).orElse(null);
        if (commit == null) {
            commit = writer.writeCommit(repo.key(), writer.treeOf(repo.key(), base), List.of(base), author(actor.requireUser()), message(request));
            index(actor, repo, commit);
        }
        int n = pullRequests.open(actor, repo, baseRef, summary(request), request.description() == null ? "" : request.description().strip());
        if (git.moveRef(repo.key(), "refs/pr/" + n, null, commit) != RefMove.MOVED) {
            throw new ForgeException(ErrorKind.UNAVAILABLE, "Could not create refs/pr/" + n + "; try again");
        }
        pullRequests.committed(actor, repo, n, List.of(new PullRequestGate.PushedCommit(commit.name(), summary(request))));
        return new Result(commit.name(), true, Optional.of(n));
    }

    /** Validates and writes the commit on {@code head}; empty when the tree would not change. */
    private Optional<ObjectId> build(Actor actor, Repo repo, ObjectId head, Request request) throws IOException {
        List<CommitOperation> ops = validate(actor, repo, head.name(), request.operations());
        ObjectId parentTree = writer.treeOf(repo.key(), head);
        ObjectId tree = writer.writeTree(repo.key(), head, ops);
        if (tree.equals(parentTree)) return Optional.empty();
        ObjectId commit = writer.writeCommit(repo.key(), tree, List.of(head), author(actor.requireUser()), message(request));
        index(actor, repo, commit);
        return Optional.of(commit);
    }

    private void index(Actor actor, Repo repo, ObjectId commit) throws IOException {
        try {
            indexer.index(repo, commit, rules.referencing(oid -> references.mayReference(actor, repo, oid)));
        } catch (Indexer.RejectedException e) {
            throw ForgeException.badRequest(String.join("; ", e.problems()));
        }
    }

    /**
     * Checks every operation against the head's file index and returns the operations to apply: LFS
     * objects must be stored with the stated size (a missing size means "copy the stored object"), deleted
     * files and folders must exist, a path may appear once, and a file may not take the place of a folder
     * or sit under a file. Adds a {@code .gitattributes} rule for LFS paths no rule covers.
     */
    private List<CommitOperation> validate(Actor actor, Repo repo, String head, List<CommitOperation> ops) throws IOException {
        Set<String> seen = new HashSet<>();
        Set<String> deleted = new HashSet<>();
        Map<String, CommitOperation> adds = new LinkedHashMap<>();
        for (CommitOperation op : ops) {
            if (!seen.add(op.path())) throw ForgeException.badRequest("The path '" + op.path() + "' appears twice in this commit");
            switch (op) {
                case CommitOperation.DeleteFile d -> {
                    Optional<FileEntry> e = index.entry(repo.key(), head, d.path());
                    if (e.isEmpty() || e.get().directory()) {
                        throw new ForgeException(ErrorKind.NOT_FOUND, "A file with this name doesn't exist: " + d.path());
                    }
                    deleted.add(d.path());
                }
                case CommitOperation.DeleteFolder d -> {
                    Optional<FileEntry> e = index.entry(repo.key(), head, d.path());
                    if (e.isEmpty() || !e.get().directory()) {
                        throw new ForgeException(ErrorKind.NOT_FOUND, "A folder with this name doesn't exist: " + d.path());
                    }
                    deleted.add(d.path());
                }
                case CommitOperation.AddLfsFile f -> {
                    Optional<Long> stored = blobs.retain(f.oid());
                    if (stored.isEmpty() || !references.mayReference(actor, repo, f.oid().hex())) {
                        throw ForgeException.badRequest("The LFS object " + f.oid() + " for '" + f.path() + "' was not uploaded");
                    }
                    if (f.size() >= 0 && stored.get() != f.size()) {
                        throw ForgeException.badRequest("The LFS object " + f.oid() + " has " + stored.get() + " bytes, not " + f.size());
                    }
                    adds.put(f.path(), f.size() >= 0 ? f : new CommitOperation.AddLfsFile(f.path(), f.oid(), stored.get()));
                }
                default -> adds.put(op.path(), op);
            }
        }
        for (String path : adds.keySet()) {
            String prefix = path;
            for (int slash; (slash = prefix.lastIndexOf('/')) > 0; ) {
                prefix = prefix.substring(0, slash);
                if (adds.containsKey(prefix)) throw ForgeException.badRequest("'" + path + "' cannot be added under the file '" + prefix + "'");
                if (isDeleted(prefix, deleted)) continue;
                Optional<FileEntry> e = index.entry(repo.key(), head, prefix);
                if (e.isPresent() && !e.get().directory()) {
                    throw ForgeException.badRequest("'" + path + "' cannot be added: '" + prefix + "' is a file");
                }
            }
            Optional<FileEntry> existing = index.entry(repo.key(), head, path);
            if (existing.isPresent() && existing.get().directory() && !isDeleted(path, deleted)) {
                throw ForgeException.badRequest("'" + path + "' is a folder; delete it first to add a file in its place");
            }
        }
        List<CommitOperation> out = new ArrayList<>();
        for (CommitOperation op : ops) {
            out.add(op instanceof CommitOperation.AddLfsFile ? adds.get(op.path()) : op);
        }
        attributesFor(repo, head, adds, deleted).ifPresent(out::add);
        return out;
    }

    private static boolean isDeleted(String path, Set<String> deleted) {
        if (deleted.contains(path)) return true;
        for (String d : deleted) if (path.startsWith(d + "/")) return true;
        return false;
    }

    /** A new {@code .gitattributes} when some added LFS path is not tracked by LFS yet. */
    private Optional<CommitOperation> attributesFor(Repo repo, String head, Map<String, CommitOperation> adds, Set<String> deleted)
            throws IOException {
        List<String> lfsPaths = new ArrayList<>();
        for (CommitOperation op : adds.values()) if (op instanceof CommitOperation.AddLfsFile) lfsPaths.add(op.path());
        if (lfsPaths.isEmpty() || adds.containsKey(".gitattributes") || deleted.contains(".gitattributes")) return Optional.empty();
        Optional<FileEntry> current = index.entry(repo.key(), head, ".gitattributes");
        String text = current.isEmpty() || current.get().isLfs() ? ""
                : new String(git.readBlob(repo.key(), current.get().oid(), 1024 * 1024), StandardCharsets.UTF_8);
        GitPatterns patterns = GitPatterns.parse(text, null);
        StringBuilder extra = new StringBuilder();
        for (String p : lfsPaths) {
            if (!patterns.isLfs(p)) extra.append(escapeAttributePath(p)).append(" filter=lfs diff=lfs merge=lfs -text\n");
        }
        if (extra.isEmpty()) return Optional.empty();
        String updated = text.isEmpty() || text.endsWith("\n") ? text + extra : text + "\n" + extra;
        return Optional.of(new CommitOperation.AddFile(".gitattributes", updated.getBytes(StandardCharsets.UTF_8)));
    }

    /** A path as a literal {@code .gitattributes} pattern: glob characters escaped, spaces as a class. */
    static String escapeAttributePath(String path) {
        StringBuilder b = new StringBuilder();
        for (char c : path.toCharArray()) {
            switch (c) {
                case ' ' -> b.append("[[:space:]]");
                case '*', '?', '[', ']', '\\', '!', '#' -> b.append('\\').append(c);
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private CommitWriter.Author author(User u) {
        return CommitWriter.Author.of(u, clock.instant());
    }

    private static String message(Request r) {
        String summary = summary(r);
        return r.description() == null || r.description().isBlank() ? summary : summary + "\n\n" + r.description().strip();
    }

    private static String summary(Request r) {
        return r.summary() == null || r.summary().isBlank() ? "Upload files with Forge" : r.summary().strip();
    }

    /** {@code main} → {@code refs/heads/main}; full refs pass through; tags cannot be committed to. */
    static String targetRef(String revision) {
        if (revision == null || revision.isEmpty()) throw ForgeException.revisionNotFound("");
        if (revision.startsWith(Constants.R_TAGS)) throw ForgeException.badRequest("Cannot commit to a tag");
        if (revision.startsWith(Constants.R_REFS)) return revision;
        return Constants.R_HEADS + revision;
    }

}
