package dev.forge.git;

import dev.forge.core.CommitOperation;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Builds a commit from operations on top of a parent, writing all objects and flushing them before
 * returning. It does not move any ref: the caller indexes the commit, then moves the ref by
 * compare-and-set ({@link GitRepositories#moveRef}), so a crash leaves only unreachable objects.
 */
public final class CommitWriter {
    private final GitRepositories repos;

    public CommitWriter(GitRepositories repos) { this.repos = repos; }

    public record Author(String name, String email, Instant when) {
        /** A Forge user as a commit author; users without an e-mail get a stable placeholder address. */
        public static Author of(dev.forge.core.User user, Instant when) {
            return new Author(user.name(), user.email() == null ? user.name() + "@users.forge.local" : user.email(), when);
        }
    }

    /**
     * @param parent the commit to build on, or null for a root commit
     * @return the new commit's id
     */
    public ObjectId write(String key, ObjectId parent, List<CommitOperation> ops, Author author, String message) throws IOException {
        ObjectId tree = writeTree(key, parent, ops);
        return writeCommit(key, tree, parent == null ? List.of() : List.of(parent), author, message);
    }

    /** The tree of a commit's parent (null: empty tree). */
    public ObjectId treeOf(String key, ObjectId commit) throws IOException {
        if (commit == null) return emptyTree(key);
        try (RevWalk walk = new RevWalk(repos.repository(key))) {
            return walk.parseCommit(commit).getTree().copy();
        }
    }

    public ObjectId emptyTree(String key) throws IOException {
        try (ObjectInserter inserter = repos.repository(key).newObjectInserter()) {
            ObjectId id = inserter.insert(new org.eclipse.jgit.lib.TreeFormatter());
            inserter.flush();
            return id;
        }
    }

    /** Writes a commit object for an existing tree; moves no ref. */
    public ObjectId writeCommit(String key, ObjectId tree, List<ObjectId> parents, Author author, String message) throws IOException {
        return writeCommit(key, tree, parents, author, author, message);
    }

    /** Writes a commit whose author and committer differ (a merge: the pull request's author, committed by its merger). */
    public ObjectId writeCommit(String key, ObjectId tree, List<ObjectId> parents, Author author, Author committer, String message)
            throws IOException {
        try (ObjectInserter inserter = repos.repository(key).newObjectInserter()) {
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree);
            cb.setParentIds(parents);
            cb.setAuthor(new PersonIdent(author.name(), author.email(), author.when(), ZoneOffset.UTC));
            cb.setCommitter(new PersonIdent(committer.name(), committer.email(), committer.when(), ZoneOffset.UTC));
            cb.setMessage(message);
            ObjectId id = inserter.insert(cb);
            inserter.flush();
            return id;
        }
    }

    /** Applies operations to the parent's tree (or an empty one) and writes the resulting tree. */
    public ObjectId writeTree(String key, ObjectId parent, List<CommitOperation> ops) throws IOException {
        Repository repo = repos.repository(key);
        try (ObjectInserter inserter = repo.newObjectInserter(); RevWalk walk = new RevWalk(repo)) {
            DirCache index = DirCache.newInCore();
            if (parent != null) {
                DirCacheBuilder builder = index.builder();
                RevCommit p = walk.parseCommit(parent);
                try (TreeWalk tw = new TreeWalk(repo)) {
                    tw.addTree(p.getTree());
                    tw.setRecursive(true);
                    while (tw.next()) {
                        DirCacheEntry e = new DirCacheEntry(tw.getRawPath());
                        e.setFileMode(tw.getFileMode(0));
                        e.setObjectId(tw.getObjectId(0));
                        builder.add(e);
                    }
                }
                builder.finish();
            }
            DirCacheEditor editor = index.editor();
            for (CommitOperation op : ops) {
                switch (op) {
                    case CommitOperation.AddFile f -> add(editor, f.path(), inserter.insert(Constants.OBJ_BLOB, f.content()));
                    case CommitOperation.AddLfsFile f -> add(editor, f.path(),
                            inserter.insert(Constants.OBJ_BLOB, new LfsPointer(f.oid(), f.size()).toBytes()));
                    case CommitOperation.AddGitBlob f -> add(editor, f.path(), ObjectId.fromString(f.blob().hex()));
                    case CommitOperation.DeleteFile f -> editor.add(new DirCacheEditor.DeletePath(f.path()));
                    case CommitOperation.DeleteFolder f -> editor.add(new DirCacheEditor.DeleteTree(f.path()));
                }
            }
            editor.finish();
            ObjectId tree = index.writeTree(inserter);
            inserter.flush();
            return tree;
        }
    }

    private static void add(DirCacheEditor editor, String path, ObjectId blob) {
        editor.add(new DirCacheEditor.PathEdit(path) {
            @Override
            public void apply(DirCacheEntry ent) {
                ent.setFileMode(FileMode.REGULAR_FILE);
                ent.setObjectId(blob);
            }
        });
    }
}
