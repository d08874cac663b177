package dev.forge.core;

/** One change a commit makes to a tree. Paths are validated by {@link RepoPath} on construction. */
public sealed interface CommitOperation {
    String path();

    /** A regular file stored in git, with its whole content. */
    record AddFile(String path, byte[] content) implements CommitOperation {
        public AddFile { RepoPath.validate(path); }
    }

    /** A file stored in the {@code BlobStore}; git holds its pointer. The object must exist and verify. */
    record AddLfsFile(String path, LfsOid oid, long size) implements CommitOperation {
        public AddLfsFile { RepoPath.validate(path); }
    }

    /** A regular file whose content was already written to the repository as git blob {@code blob}. */
    record AddGitBlob(String path, GitOid blob) implements CommitOperation {
        public AddGitBlob { RepoPath.validate(path); }
    }

    record DeleteFile(String path) implements CommitOperation {
        public DeleteFile { RepoPath.validate(path); }
    }

    /** Deletes everything under the folder. */
    record DeleteFolder(String path) implements CommitOperation {
        public DeleteFolder { RepoPath.validate(path); }
    }
}
