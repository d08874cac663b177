package dev.forge.core;

import java.util.Optional;

/**
 * The one exception family of Forge: an {@link ErrorKind} (status and Hub error code), a message safe to
 * show the caller, and optionally one typed {@link ErrorDetail} (a challenge, a retry time, the new name of a
 * moved repository, the commit a miss was resolved at...) that the HTTP layer renders as headers.
 */
public class ForgeException extends RuntimeException {
    private final ErrorKind kind;
    private final ErrorDetail detail;

    public ForgeException(ErrorKind kind, String message) {
        this(kind, message, null, null);
    }

    public ForgeException(ErrorKind kind, String message, ErrorDetail detail) {
        this(kind, message, detail, null);
    }

    /** @param detail what the client is told beyond the message, or null */
    public ForgeException(ErrorKind kind, String message, ErrorDetail detail, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.detail = detail;
    }

    public ErrorKind kind() { return kind; }

    public Optional<ErrorDetail> detail() { return Optional.ofNullable(detail); }

    /** The same error with {@code detail} instead of its own (e.g. the challenge git-lfs reads instead of the API's). */
    public ForgeException withDetail(ErrorDetail detail) {
        return new ForgeException(kind, getMessage(), detail, this);
    }

    public static ForgeException badRequest(String message) { return new ForgeException(ErrorKind.BAD_REQUEST, message); }

    public static ForgeException repoNotFound() {
        return new ForgeException(ErrorKind.REPO_NOT_FOUND, "Repository not found");
    }

    public static ForgeException revisionNotFound(String rev) {
        return new ForgeException(ErrorKind.REVISION_NOT_FOUND, "Invalid rev id: " + Strings.quoteForMessage(rev));
    }

    public static ForgeException entryNotFound(String path, String commit) {
        return new ForgeException(ErrorKind.ENTRY_NOT_FOUND, "Entry not found: " + Strings.quoteForMessage(path),
                new ErrorDetail.RepoCommit(commit));
    }

    public static ForgeException unauthorized(String message) {
        return new ForgeException(ErrorKind.UNAUTHORIZED, message, ErrorDetail.Challenge.HUB);
    }

    public static ForgeException forbidden(String message) { return new ForgeException(ErrorKind.FORBIDDEN, message); }

    public static ForgeException notFound(String message) { return new ForgeException(ErrorKind.NOT_FOUND, message); }

    public static ForgeException conflict(String message) { return new ForgeException(ErrorKind.CONFLICT, message); }
}
