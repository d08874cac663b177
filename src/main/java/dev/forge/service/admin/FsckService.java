package dev.forge.service.admin;

import dev.forge.core.FileEntry;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.git.GitRepositories;
import dev.forge.git.TreeEntry;
import dev.forge.meta.IndexDao;
import dev.forge.meta.RepoDao;
import dev.forge.storage.BlobStore;
import dev.forge.storage.Verifiable;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks a forge's stores against each other: every git object reachable from every ref exists and
 * parses; every ref names an indexed commit whose file index equals what its tree says; every LFS object
 * the refs reference is in the blob store with the right size and hashes to its name; with a store that checks itself, every
 * chunk, pack and stored file is verified as well ({@link Verifiable#fsck}). Read-only.
 */
public final class FsckService {
    private final RepoDao repos;
    private final GitRepositories git;
    private final IndexDao index;
    private final BlobStore blobs;

    public FsckService(RepoDao repos, GitRepositories git, IndexDao index, BlobStore blobs) {
        this.repos = repos;
        this.git = git;
        this.index = index;
        this.blobs = blobs;
    }

    public record Report(int repositories, int refs, long lfsObjectsVerified, long lfsBytesVerified, List<String> problems) {
        public boolean clean() { return problems.isEmpty(); }
    }

    public Report run(Consumer<String> progress) throws IOException {
        List<String> problems = new ArrayList<>();
        // the chunk store checks its chunks, packs and every file's SHA-256 from the bytes up; referenced objects
        // it verified need no second read below
        Set<LfsOid> contentVerified = new HashSet<>();
        var verifiable = blobs.capability(Verifiable.class);
        if (verifiable.isPresent()) {
            Verifiable.FsckReport chunks = verifiable.get().fsck(line -> progress.accept("chunk store: " + line));
            for (String p : chunks.problems()) problems.add("chunk store: " + p);
            contentVerified.addAll(chunks.verified());
        }
        Map<String, Long> verified = new HashMap<>();
        int refCount = 0;
        long bytes = 0;
        List<Repo> all = repos.all();
        int n = 0;
        for (Repo repo : all) {
            progress.accept("[" + (++n) + "/" + all.size() + "] " + repo.type().singular() + " " + repo.id());
            String where = repo.type().urlPrefix() + repo.id() + ": ";
            for (String p : git.checkConnectivity(repo.key())) problems.add(where + p);
            Set<String> commits = new HashSet<>();
            for (GitRepositories.RefInfo ref : git.refs(repo.key())) {
                refCount++;
                commits.add(ref.commit());
            }
            for (String commit : commits) {
                if (!index.isIndexed(repo.key(), commit)) {
                    problems.add(where + "commit " + commit + " is named by a ref but has no file index");
                    continue;
                }
                problems.addAll(compareIndex(repo, commit, where));
                for (FileEntry e : index.all(repo.key(), commit)) {
                    if (!e.isLfs() || verified.containsKey(e.lfs().oid())) continue;
                    String problem = verifyBlob(new LfsOid(e.lfs().oid()), e.lfs().size(), contentVerified);
                    verified.put(e.lfs().oid(), e.lfs().size());
                    if (problem != null) problems.add(where + e.path() + ": " + problem);
                    else bytes += e.lfs().size();
                }
            }
        }
        return new Report(all.size(), refCount, verified.size(), bytes, problems);
    }

    private List<String> compareIndex(Repo repo, String commit, String where) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, FileEntry> indexed = new HashMap<>();
        for (FileEntry e : index.all(repo.key(), commit)) indexed.put(e.path(), e);
        List<TreeEntry> tree = git.scanTree(repo.key(), ObjectId.fromString(commit));
        for (TreeEntry t : tree) {
            FileEntry e = indexed.remove(t.path());
            if (e == null) {
                problems.add(where + "commit " + commit + ": " + t.path() + " is in the tree but not in the index");
                continue;
            }
            long size = t.lfs() != null ? t.lfs().size() : t.size();
            boolean same = e.directory() == t.directory() && e.oid().equals(t.oid()) && e.size() == size
                    && (t.lfs() == null ? !e.isLfs() : e.isLfs() && e.lfs().oid().equals(t.lfs().oid().hex()));
            if (!same) problems.add(where + "commit " + commit + ": index entry of " + t.path() + " differs from the tree");
        }
        for (String extra : indexed.keySet()) problems.add(where + "commit " + commit + ": " + extra + " is indexed but not in the tree");
        return problems;
    }

    /** Null when the object is stored with this size and hashes to its name; the problem otherwise. */
    private String verifyBlob(LfsOid oid, long size, Set<LfsOid> contentVerified) throws IOException {
        var stored = blobs.size(oid);
        if (stored.isEmpty()) return "LFS object " + oid + " is missing from the store";
        if (stored.get() != size) return "LFS object " + oid + " has " + stored.get() + " bytes, the pointer says " + size;
        if (contentVerified.contains(oid)) return null;
        try (SeekableByteChannel ch = blobs.open(oid)) {
            LfsOid actual = BlobStore.sha256(ch);
            return actual.equals(oid) ? null : "LFS object " + oid + " is corrupt: its content hashes to " + actual.hex();
        }
    }
}
