package dev.forge.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A discussion or pull request of a repository, as stored: its number (shared by discussions and pull requests of
 * one repository), title, author, status and, for a pull request, the branch it merges into and, once merged, the
 * merge commit. {@code comments} counts its comment events (the description included).
 */
public record Discussion(String key, String repoKey, int num, String title, User author, boolean pullRequest, Status status,
                         Optional<String> targetRef, Optional<String> mergeCommit, Instant createdAt, int comments) {

    /** The Hub's statuses: a draft pull request cannot be merged until it is published (set open). */
    public enum Status {
        OPEN("open"), CLOSED("closed"), MERGED("merged"), DRAFT("draft");

        private final String wire;

        Status(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        /** Open or draft: the discussion takes status changes, and a pull request's ref takes commits. */
        public boolean isActive() { return this == OPEN || this == DRAFT; }

        public static Optional<Status> fromWire(String s) {
            for (Status v : values()) if (v.wire.equals(s)) return Optional.of(v);
            return Optional.empty();
        }
    }

    /** {@code refs/pr/<num>} for a pull request. */
    public Optional<String> gitRef() {
        return pullRequest ? Optional.of("refs/pr/" + num) : Optional.empty();
    }

    /** One entry of a discussion's timeline, by {@code author} at {@code at}; {@code key} is the Hub's event id. */
    public sealed interface Event permits Comment, StatusChange, TitleChange, CommitPushed {
        String key();

        User author();

        Instant at();
    }

    /**
     * A comment as written (markdown is stored as text). A hidden comment keeps no text and no history. An edited one
     * names its last editor and time; {@code history} holds its earlier versions, oldest first.
     */
    public record Comment(String key, User author, Instant at, String text, boolean hidden, Optional<Instant> editedAt,
                          Optional<User> editor, List<Version> history) implements Event {
        public boolean edited() { return editedAt.isPresent(); }
    }

    /** An earlier text of an edited comment, written by {@code author} at {@code at}. */
    public record Version(String text, User author, Instant at) {}

    public record StatusChange(String key, User author, Instant at, Status status) implements Event {}

    public record TitleChange(String key, User author, Instant at, String from, String to) implements Event {}

    /** A commit that landed on a pull request's ref (through the API or a git push), with its subject line. */
    public record CommitPushed(String key, User author, Instant at, String oid, String subject) implements Event {}
}
