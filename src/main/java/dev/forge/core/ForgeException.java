package dev.forge.core;

import dev.forge.app.Forge;

import java.util.Map;
import java.util.Optional;

/**
 * The one exception family of Forge: an {@link ErrorKind} (status and Hub error code), a message safe to
 * show the caller, and optionally the commit the request was resolved against (404 {@code EntryNotFound}
 * carries {@code X-Repo-Commit} so clients can cache the miss).
 */
public class ForgeException extends RuntimeException {
    private final ErrorKind kind;
    private final String repoCommit;
    private final Map<String, String> headers;

    public ForgeException(ErrorKind kind, String message) {
        this(kind, message, null, Map.of(), null);
    }

    public ForgeException(ErrorKind kind, String message, String repoCommit, Map<String, String> headers, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.repoCommit = repoCommit;
        this.headers = Map.copyOf(headers);
    }

    public ErrorKind kind() { return kind; }

    public Optional<String> repoCommit() { return Optional.ofNullable(repoCommit); }

    /** Extra response headers, such as {@code Content-Range} on a 416 or {@code WWW-Authenticate} on a 401. */
    public Map<String, String> headers() { return headers; }

    public static ForgeException badRequest(String message) { return new ForgeException(ErrorKind.BAD_REQUEST, message); }

    public static ForgeException repoNotFound() {
        return new ForgeException(ErrorKind.REPO_NOT_FOUND, "Repository not found");
    }

    public static ForgeException revisionNotFound(String rev) {
        return new ForgeException(ErrorKind.REVISION_NOT_FOUND, "Invalid rev id: " + Strings.quoteForMessage(rev));
    }

    public static ForgeException entryNotFound(String path, String commit) {
        return new ForgeException(ErrorKind.ENTRY_NOT_FOUND, "Entry not found: " + Strings.quoteForMessage(path), commit, Map.of(), null);
    }

    public static ForgeException unauthorized(String message) {
        return new ForgeException(ErrorKind.UNAUTHORIZED, message, null,
                Map.of("WWW-Authenticate", "Basic realm=\"Forge\", Bearer"), null);
    }

    public static ForgeException forbidden(String message) { return new ForgeException(ErrorKind.FORBIDDEN, message); }

    public static ForgeException notFound(String message) { return new ForgeException(ErrorKind.NOT_FOUND, message); }

    public static ForgeException conflict(String message) { return new ForgeException(ErrorKind.CONFLICT, message); }
}
