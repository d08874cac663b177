package dev.forge.git;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

import java.io.IOException;

/** Writes loose blobs ahead of a commit, so a large commit body never has to be held in memory whole. */
public final class GitBlobs {
    private final GitRepositories repos;

    public GitBlobs(GitRepositories repos) { this.repos = repos; }

    /** Writes (and flushes) a blob; returns its id. Unreferenced blobs are harmless and collectable. */
    public String insert(String key, byte[] content) throws IOException {
        try (ObjectInserter inserter = repos.repository(key).newObjectInserter()) {
            ObjectId id = inserter.insert(Constants.OBJ_BLOB, content);
            inserter.flush();
            return id.name();
        }
    }
}
