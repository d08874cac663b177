package dev.forge.service;

import dev.forge.core.CommitOperation;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.git.CommitWriter;
import dev.forge.git.GitRepositories;
import dev.forge.git.RefMove;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Commits made through Forge itself (the seed, the API). Each attempt builds the commit on the current
 * head, indexes it, then moves the branch by compare-and-set. When the caller named a parent and the
 * head has moved, the answer is 412; otherwise a lost race is retried on the new head, so two racing
 * commits both land, each exactly once. Thread-safe.
 */
public final class CommitService {
    private static final int MAX_ATTEMPTS = 50;

    private final GitRepositories git;
    private final CommitWriter writer;
    private final Indexer indexer;
    private final Indexer.Rules rules;
    private final InstantSource clock;

    public CommitService(GitRepositories git, CommitWriter writer, Indexer indexer, Indexer.Rules rules, InstantSource clock) {
        this.git = git;
        this.writer = writer;
        this.indexer = indexer;
        this.rules = rules;
        this.clock = clock;
    }

    /**
     * @param expectedParent the head the caller built on, or empty to apply on whatever the head is
     * @return the new commit id
     */
    public String commit(User author, Repo repo, String branch, Optional<String> expectedParent, List<CommitOperation> ops, String message) {
        String ref = Constants.R_HEADS + branch;
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                ObjectId head = git.resolve(repo.key(), ref).orElseThrow(() -> ForgeException.revisionNotFound(branch));
                if (expectedParent.isPresent() && !head.name().startsWith(expectedParent.get())) {
                    throw new ForgeException(ErrorKind.PRECONDITION_FAILED, "A commit has happened since. Please refresh and try again.");
                }
                ObjectId commit = writer.write(repo.key(), head, ops,
                        new CommitWriter.Author(author.name(), author.email() == null ? author.name() + "@users.forge.local" : author.email(), clock.instant()),
                        message);
                try {
                    indexer.index(repo, commit, rules);
                } catch (Indexer.RejectedException e) {
                    throw new ForgeException(ErrorKind.BAD_REQUEST, String.join("; ", e.problems()));
                }
                RefMove moved = git.moveRef(repo.key(), ref, head, commit);
                if (moved == RefMove.MOVED) return commit.name();
                if (moved == RefMove.STALE && expectedParent.isPresent()) {
                    throw new ForgeException(ErrorKind.PRECONDITION_FAILED, "A commit has happened since. Please refresh and try again.");
                }
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new ForgeException(ErrorKind.UNAVAILABLE, "The branch is too busy; try again");
    }
}
