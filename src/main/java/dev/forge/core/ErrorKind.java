package dev.forge.core;

import java.util.Optional;

/**
 * The closed set of error categories, each with its HTTP status and, where clients branch on it,
 * the Hub's {@code X-Error-Code}. The HTTP layer maps these once.
 */
public enum ErrorKind {
    /** The repository was renamed; the HTTP layer answers with a relative redirect to the new name. */
    MOVED(307, null),
    BAD_REQUEST(400, null),
    UNAUTHORIZED(401, null),
    /** A private repository seen by an anonymous caller: 401, but named as not found so existence is not revealed. */
    REPO_NOT_FOUND_ANONYMOUS(401, "RepoNotFound"),
    /** A gated repository's files, asked for anonymously: log in and request access. */
    GATED_ANONYMOUS(401, "GatedRepo"),
    FORBIDDEN(403, null),
    /** Something pulled from an upstream was refused by the airlock; the detail names the rule. */
    AIRLOCK_REFUSED(403, "AirlockRefused"),
    /** A gated repository's files, asked for by a user whose access request is not accepted. */
    GATED(403, "GatedRepo"),
    REPO_NOT_FOUND(404, "RepoNotFound"),
    REVISION_NOT_FOUND(404, "RevisionNotFound"),
    ENTRY_NOT_FOUND(404, "EntryNotFound"),
    NOT_FOUND(404, null),
    METHOD_NOT_ALLOWED(405, null),
    /** The client took too long to send its request body. */
    REQUEST_TIMEOUT(408, null),
    CONFLICT(409, null),
    GONE(410, null),
    PRECONDITION_FAILED(412, null),
    PAYLOAD_TOO_LARGE(413, null),
    UNSUPPORTED_MEDIA_TYPE(415, null),
    RANGE_NOT_SATISFIABLE(416, null),
    UNPROCESSABLE(422, null),
    /** Too many requests; the error carries {@code Retry-After}. */
    TOO_MANY_REQUESTS(429, null),
    INTERNAL(500, null),
    UNAVAILABLE(503, null);

    private final int status;
    private final String hubCode;

    ErrorKind(int status, String hubCode) {
        this.status = status;
        this.hubCode = hubCode;
    }

    public int status() { return status; }

    public Optional<String> hubCode() { return Optional.ofNullable(hubCode); }
}
