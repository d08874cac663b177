package dev.forge.core;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * A repository id {@code namespace/name}, validated with the Hub's rules: 1–96 characters of
 * {@code [A-Za-z0-9_.-]} per part, no leading or trailing {@code -} or {@code .}, no {@code --} or
 * {@code ..}, no {@code .git} suffix. Namespaces that collide with Forge's own URL space are reserved.
 */
public record RepoId(String namespace, String name) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]{1,96}");
    /** First path segments that routes own; a namespace named like one would shadow or be shadowed. */
    public static final Set<String> RESERVED_NAMESPACES = Set.of(
            "api", "models", "datasets", "spaces", "docs", "login", "logout", "join", "settings", "new",
            "organizations", "collections", "papers", "static", "assets", "avatars", "oauth",
            "health", "metrics", "search", "pricing", "blog", "user", "users", "kernels", "buckets", "git", "lfs");

    public RepoId {
        check(namespace, "namespace");
        check(name, "name");
        if (RESERVED_NAMESPACES.contains(namespace.toLowerCase())) {
            throw ForgeException.badRequest("'" + namespace + "' is a reserved name and cannot be a namespace");
        }
    }

    /** Parses {@code ns/name}; single-segment ids are refused (clients reject them in returned URLs). */
    public static RepoId parse(String id) {
        if (id == null) throw ForgeException.badRequest("Repository id is missing");
        int slash = id.indexOf('/');
        if (slash < 0 || slash != id.lastIndexOf('/')) {
            throw ForgeException.badRequest("Repository id must be of the form 'namespace/name': " + Strings.quoteForMessage(id));
        }
        return new RepoId(id.substring(0, slash), id.substring(slash + 1));
    }

    public static boolean isValidPart(String part) {
        return part != null && PART.matcher(part).matches() && !part.startsWith("-") && !part.startsWith(".")
                && !part.endsWith("-") && !part.endsWith(".") && !part.contains("--") && !part.contains("..")
                && !part.toLowerCase(java.util.Locale.ROOT).endsWith(".git");
    }

    private static void check(String part, String what) {
        if (!isValidPart(part)) {
            throw ForgeException.badRequest("Invalid repository " + what + ": " + Strings.quoteForMessage(part)
                    + " (1-96 characters of A-Z a-z 0-9 _ . -, not starting or ending with - or ., no -- or .., not ending in .git)");
        }
    }

    @Override public String toString() { return namespace + "/" + name; }
}
