package dev.forge.service.repo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.cards.CardData;
import dev.forge.core.CommitMeta;
import dev.forge.core.FileEntry;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoPath;
import dev.forge.git.GitRepositories;
import dev.forge.git.TreeEntry;
import dev.forge.meta.IndexDao;
import dev.forge.storage.BlobStore;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes the per-commit file index. Every commit is indexed before any ref may point at it (pushes
 * index in the pre-receive step, API commits before the compare-and-set), so requests answer HEAD, tree
 * and info from the index and never walk git. Work is incremental along first parents: an entry whose
 * object id is unchanged keeps its parent's {@code lastCommit}, and only changed LFS pointers are checked
 * against the store. Thread-safe; indexing the same commit twice is harmless.
 */
public final class Indexer {
    private static final int MAX_CARD_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GitRepositories git;
    private final IndexDao index;
    private final BlobStore blobs;

    public Indexer(GitRepositories git, IndexDao index, BlobStore blobs) {
        this.git = git;
        this.index = index;
        this.blobs = blobs;
    }

    /** Problems that make a set of new commits unacceptable; empty means acceptable. */
    public record Problems(List<String> messages) {
        public boolean isEmpty() { return messages.isEmpty(); }
    }

    /**
     * Write-time rules for new content.
     *
     * @param checked a checked write (an API commit or a push): new paths must be valid {@link dev.forge.core.RepoPath}s, a
     *     new {@code .gitmodules} must pass git's checks, LFS pointers must name stored objects the writer may reference
     * @param lfsReferable whether the writer may reference an LFS object (by oid) in the new commits; see {@link LfsReferences}
     */
    public record Rules(boolean checked, long maxRegularFileBytes, java.util.function.Predicate<String> lfsReferable) {
        public static final Rules LENIENT = new Rules(false, Long.MAX_VALUE, oid -> true);

        /** Rules that refuse every LFS reference until {@link #referencing} says who writes. */
        public Rules(boolean checked, long maxRegularFileBytes) {
            this(checked, maxRegularFileBytes, oid -> false);
        }

        /** The same rules for one writer, who may reference what {@code referable} accepts. */
        public Rules referencing(java.util.function.Predicate<String> referable) {
            return new Rules(checked, maxRegularFileBytes, referable);
        }
    }

    /** Thrown when new commits break the rules; nothing of them is indexed then. */
    public static final class RejectedException extends Exception {
        private final List<String> problems;

        public RejectedException(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() { return problems; }
    }

    /**
     * Checks and indexes the commits reachable from {@code tips} that are not reachable from {@code known}
     * (the current ref values), parents first. Either every new commit passes the rules and all are
     * indexed, or none is indexed.
     */
    void indexNew(Repo repo, Collection<ObjectId> tips, Collection<ObjectId> known, Rules rules)
            throws IOException, RejectedException {
        List<ObjectId> fresh = git.newCommits(repo.key(), tips, known);
        Map<String, Prepared> prepared = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (ObjectId c : fresh) {
            if (index.isIndexed(repo.key(), c.name())) continue;
            Prepared p = prepare(repo, c, rules, problems, prepared);
            prepared.put(c.name(), p);
        }
        if (!problems.isEmpty()) throw new RejectedException(problems);
        for (ObjectId c : fresh) {
            Prepared p = prepared.get(c.name());
            if (p != null) index.write(repo.key(), p.meta, p.entries);
        }
    }

    /** Indexes one commit (and first-parent ancestors that lack an index), checking its new content against the rules. */
    void index(Repo repo, ObjectId commit, Rules rules) throws IOException, RejectedException {
        if (index.isIndexed(repo.key(), commit.name())) return;
        Deque<ObjectId> chain = new ArrayDeque<>();
        ObjectId at = commit;
        while (at != null && !index.isIndexed(repo.key(), at.name())) {
            chain.push(at);
            List<String> parents = git.commit(repo.key(), at).parents();
            at = parents.isEmpty() ? null : ObjectId.fromString(parents.getFirst());
        }
        Map<String, Prepared> prepared = new HashMap<>();
        while (!chain.isEmpty()) {
            ObjectId c = chain.pop();
            List<String> problems = new ArrayList<>();
            Prepared p = prepare(repo, c, c.equals(commit) ? rules : Rules.LENIENT, problems, prepared);
            if (!problems.isEmpty()) throw new RejectedException(problems);
            index.write(repo.key(), p.meta, p.entries);
            prepared.put(c.name(), p);
        }
    }

    /** Indexed commits never become unindexed (repository keys are never reused), so a positive answer is cached. */
    private final java.util.Set<String> knownIndexed = java.util.Collections.newSetFromMap(
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(200_000).<String, Boolean>build().asMap());

    boolean isIndexed(Repo repo, ObjectId commit) {
        String k = repo.key() + "/" + commit.name();
        if (knownIndexed.contains(k)) return true;
        boolean indexed = index.isIndexed(repo.key(), commit.name());
        if (indexed) knownIndexed.add(k);
        return indexed;
    }

    /** Makes sure a commit a request resolved to is indexed (commits from outside Forge are indexed on first use). */
    void ensureIndexed(Repo repo, ObjectId commit) throws IOException {
        try {
            index(repo, commit, Rules.LENIENT);
        } catch (RejectedException e) {
            throw new IllegalStateException("lenient indexing rejected a commit", e);
        }
    }

    private record Prepared(CommitMeta meta, List<FileEntry> entries) {}

    private Prepared prepare(Repo repo, ObjectId commitId, Rules rules, List<String> problems, Map<String, Prepared> pending)
            throws IOException {
        GitRepositories.CommitData c = git.commit(repo.key(), commitId);
        String firstParent = c.parents().isEmpty() ? null : c.parents().getFirst();
        Map<String, FileEntry> before = new HashMap<>();
        CommitMeta parentMeta = null;
        if (firstParent != null) {
            Prepared p = pending.get(firstParent);
            List<FileEntry> parentEntries = p != null ? p.entries : index.all(repo.key(), firstParent);
            for (FileEntry e : parentEntries) before.put(e.path(), e);
            parentMeta = p != null ? p.meta : index.commit(repo.key(), firstParent).orElse(null);
        }
        List<FileEntry> entries = new ArrayList<>();
        Set<LfsOid> checked = new LinkedHashSet<>();
        String readmeOid = null;
        boolean readmeChanged = false;
        for (TreeEntry t : git.scanTree(repo.key(), commitId)) {
            FileEntry old = before.get(t.path());
            boolean unchanged = old != null && old.oid().equals(t.oid()) && old.directory() == t.directory();
            String last = unchanged ? old.lastCommit() : c.id();
            if (!unchanged && rules.checked()) checkPath(repo, t, problems);
            if (t.directory()) {
                entries.add(new FileEntry(t.path(), true, 0, t.oid(), null, last));
                continue;
            }
            FileEntry.LfsInfo lfs = null;
            long size = t.size();
            if (t.lfs() != null) {
                lfs = new FileEntry.LfsInfo(t.lfs().oid().hex(), t.lfs().size(), (int) t.size());
                size = t.lfs().size();
                if (!unchanged && rules.checked() && checked.add(t.lfs().oid())) {
                    Optional<Long> stored = blobs.retain(t.lfs().oid());
                    if (stored.isEmpty() || !rules.lfsReferable().test(t.lfs().oid().hex())) {
                        problems.add("LFS object " + t.lfs().oid() + " for " + t.path() + " is missing from the store; push it with git lfs first");
                    } else if (stored.get() != t.lfs().size()) {
                        problems.add("LFS pointer " + t.path() + " says " + t.lfs().size() + " bytes but object " + t.lfs().oid() + " has " + stored.get());
                    }
                }
            } else if (!unchanged && t.size() > rules.maxRegularFileBytes()) {
                problems.add("File " + t.path() + " is " + t.size() + " bytes, larger than " + rules.maxRegularFileBytes()
                        + " bytes; please use git-lfs to store large files");
            }
            if (t.path().equalsIgnoreCase("README.md") && t.path().equals("README.md")) {
                readmeOid = t.oid();
                readmeChanged = !unchanged;
            }
            entries.add(new FileEntry(t.path(), false, size, t.oid(), lfs, last));
        }
        String card;
        if (readmeOid == null) card = null;
        else if (!readmeChanged && parentMeta != null) card = parentMeta.cardDataJson();
        else card = cardJson(repo.key(), readmeOid);
        long history = c.parents().size() == 1 && parentMeta != null
                ? parentMeta.historyCount() + 1
                : git.countHistory(repo.key(), commitId);
        String msg = c.fullMessage();
        int nl = msg.indexOf('\n');
        String title = (nl < 0 ? msg : msg.substring(0, nl)).strip();
        String body = nl < 0 ? "" : msg.substring(nl + 1).strip();
        CommitMeta meta = new CommitMeta(c.id(), c.treeId(), c.parents(), title, body, c.authorName(), c.authorEmail(),
                java.time.Instant.ofEpochMilli(c.authoredAtMillis()), java.time.Instant.ofEpochMilli(c.committedAtMillis()),
                history, card);
        return new Prepared(meta, entries);
    }

    /**
     * One rule set for names, whichever way they arrive: what {@link RepoPath} refuses in an API commit is refused in
     * a push, and a {@code .gitmodules} that git's receive check refuses (an option-injecting URL or path) is refused
     * in an API commit.
     */
    private void checkPath(Repo repo, TreeEntry t, List<String> problems) throws IOException {
        if (!RepoPath.isValid(t.path())) {
            problems.add("Invalid path " + dev.forge.core.Strings.quoteForMessage(t.path()));
            return;
        }
        String name = t.path().substring(t.path().lastIndexOf('/') + 1);
        if (!t.directory() && name.equalsIgnoreCase(".gitmodules")) {
            try {
                org.eclipse.jgit.internal.submodule.SubmoduleValidator.assertValidGitModulesFile(
                        new String(git.readBlob(repo.key(), t.oid(), MAX_CARD_BYTES), StandardCharsets.UTF_8));
            } catch (org.eclipse.jgit.internal.submodule.SubmoduleValidator.SubmoduleValidationException | IOException e) {
                problems.add(t.path() + " is refused: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("invalid"));
            }
        }
    }

    /** The card's front matter as JSON, or null when absent or invalid (a bad card never blocks a push). */
    private String cardJson(String key, String blobId) {
        try {
            String text = new String(git.readBlob(key, blobId, MAX_CARD_BYTES), StandardCharsets.UTF_8);
            Optional<Map<String, Object>> data = CardData.parse(text);
            return data.isEmpty() ? null : JSON.writeValueAsString(data.get());
        } catch (IOException | CardData.InvalidCardException e) {
            return null;
        }
    }

}
