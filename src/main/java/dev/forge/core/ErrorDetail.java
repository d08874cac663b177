package dev.forge.core;

import java.util.List;

/**
 * What an error tells the client beyond its kind and message: a closed set of facts the HTTP layer renders as
 * headers, in one place ({@code http.exchange.Errors}), with an exhaustive switch. Services say what happened
 * (moved where, retry when, which challenge); only the HTTP layer knows header names and value syntax.
 */
public sealed interface ErrorDetail {

    /** Credentials are needed, and which client is asked for them (each reads its own challenge header). */
    enum Challenge implements ErrorDetail {
        /** The Hub API: Basic or a Bearer token. */
        HUB,
        /** git over smart HTTP: Basic, so git asks its credential helper. */
        GIT,
        /** git-lfs and any caller that may be it: Basic on {@code WWW-Authenticate} and on {@code LFS-Authenticate}. */
        GIT_LFS
    }

    /** Refused for now; the client may try again after {@code seconds}. */
    record RetryAfter(long seconds) implements ErrorDetail {}

    /** A rate limit ran out: its policy name and requests per minute, and when the next request is allowed. */
    record RateLimited(String policy, long perMinute, long retryAfterSeconds) implements ErrorDetail {}

    /** The repository was renamed: the same request under its new name succeeds. */
    record Moved(RepoId to) implements ErrorDetail {}

    /** The commit the request was resolved against (a 404 {@code EntryNotFound} carries it so clients cache the miss). */
    record RepoCommit(String commit) implements ErrorDetail {}

    /** No part of a range request fits in a body of {@code size} bytes. */
    record UnsatisfiableRange(long size) implements ErrorDetail {}

    /** The airlock rule that refused a pull ({@code namespace}, {@code license}, {@code pickle-import}...). */
    record AirlockRule(String rule) implements ErrorDetail {}

    /** The path exists with other methods. */
    record Allow(List<String> methods) implements ErrorDetail {
        public Allow {
            methods = List.copyOf(methods);
        }
    }
}
