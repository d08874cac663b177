package dev.forge.service.account;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Membership;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.meta.AccessRequestDao;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Locale;
import java.util.function.Function;

/**
 * Who may do what with a repository, decided in one place.
 *
 * <p>A user's standing towards a repository comes from who they are: a site admin and the owner of the
 * namespace have {@link Level#WRITE}; an organisation's members have what their role gives
 * ({@code admin}, {@code write} → write; {@code contributor} → write to the repositories they created, and pull
 * requests to the others; {@code read} → read). Anyone can read public repositories, and, as on the Hub, any signed-in
 * user may open pull requests and discussions on a public repository whose files they may read (the community's way
 * to improve each other's models), when their token may write there. The token then caps it: a {@code read} token
 * never writes; a fine-grained token reaches only the repositories and namespaces it names (and public
 * repositories, as anyone does).
 *
 * <p>A private repository is reported to those who cannot read it exactly as a missing one (401 anonymous, 404
 * otherwise), so existence never leaks. A gated repository's metadata is public, but its files need read
 * standing or an accepted access request: 401 {@code GatedRepo} anonymous, 403 {@code GatedRepo} otherwise.
 */
public final class AccessPolicy {
    /** What an actor may do with a repository, in increasing order. */
    public enum Level { NONE, READ, PULL_REQUEST, WRITE }

    private final Function<User, List<Membership>> memberships;
    private final AccessRequestDao requests;
    private final java.util.function.Predicate<String> namespaceExists;

    /** @param namespaceExists whether a user or an organisation has the name (repositories live only in those) */
    public AccessPolicy(Function<User, List<Membership>> memberships, AccessRequestDao requests,
                        java.util.function.Predicate<String> namespaceExists) {
        this.memberships = memberships;
        this.requests = requests;
        this.namespaceExists = namespaceExists;
    }

    /**
     * The actor's level towards the repository, token caps applied. Public repositories are at least READ, and at
     * least PULL_REQUEST for a signed-in user whose token may write to the repository and who may read its files.
     */
    public Level level(Actor actor, Repo repo) {
        Level own = ownLevel(actor, repo);
        if (repo.isPrivate()) return own;
        return max(own, mayContribute(actor, repo) ? Level.PULL_REQUEST : Level.READ);
    }

    /**
     * Whether the actor reaches the repository only through a {@link TokenScope.Kind#MIRROR} grant: it may then fetch
     * and push, but not administer the repository (delete, rename, settings), nor open discussions on public repositories it has no standing in.
     */
    public boolean mirroringOnly(Actor actor, Repo repo) {
        return actor.tokenOpt().filter(t -> t.role() == Token.Role.FINE_GRAINED)
                .map(t -> t.scopes().stream().noneMatch(s -> s.kind() != TokenScope.Kind.MIRROR && matches(s, repo)))
                .orElse(false);
    }

    /** Throws unless the actor may administer the repository: write access, and not only for mirroring. */
    public void requireAdministration(Actor actor, Repo repo) {
        requireWrite(actor, repo);
        if (mirroringOnly(actor, repo)) throw ForgeException.forbidden("A mirroring token may fetch and push, not administer " + repo.displayId());
    }

    /** Whether a user may open pull requests and discussions on this public repository without any standing in it. */
    private boolean mayContribute(Actor actor, Repo repo) {
        if (actor.userOpt().isEmpty()) return false;
        if (mirroringOnly(actor, repo)) return false;
        boolean tokenWrites = actor.tokenOpt().map(t -> switch (t.role()) {
            case WRITE -> true;
            case READ -> false;
            case FINE_GRAINED -> scopeWrites(t, repo);
        }).orElse(false);
        if (!tokenWrites) return false;
        return !repo.isGated() || ownLevel(actor, repo).compareTo(Level.READ) >= 0
                || requests.status(repo.key(), actor.userOpt().orElseThrow().key()).filter("accepted"::equals).isPresent();
    }

    /** What the actor's standing gives, capped by the token, before "public means readable by anyone". */
    private Level ownLevel(Actor actor, Repo repo) {
        return min(standing(actor, repo.id().namespace(), repo.createdBy()), tokenCap(actor, repo));
    }

    public boolean canRead(Actor actor, Repo repo) { return level(actor, repo).compareTo(Level.READ) >= 0; }

    /** Whether the actor may write to the repository (not only open pull requests on it). */
    public boolean canWrite(Actor actor, Repo repo) { return !actor.isAnonymous() && level(actor, repo) == Level.WRITE; }

    /** Whether the actor may read the files of the repository (differs from {@link #canRead} for gated ones). */
    public boolean canReadFiles(Actor actor, Repo repo) {
        if (!canRead(actor, repo)) return false;
        if (!repo.isGated()) return true;
        if (actor.isAnonymous()) return false;
        // members and the owner read without asking; everyone else needs an accepted request
        if (ownLevel(actor, repo).compareTo(Level.READ) >= 0) return true;
        return !tokenExcludes(actor, repo) && actor.userOpt()
                .flatMap(u -> requests.status(repo.key(), u.key())).filter("accepted"::equals).isPresent();
    }

    /**
     * Whether the actor may create repositories in (or move them to) the namespace. Only a namespace that is a user
     * or an organisation holds repositories, even for a site admin: a repository in a free name would belong to
     * whoever signs up with that name later.
     */
    public boolean canCreateIn(Actor actor, RepoId id) {
        Optional<User> user = actor.userOpt();
        if (user.isEmpty() || !actor.canWriteWithToken()) return false;
        if (!namespaceExists.test(id.namespace())) return false;
        Level standing = standing(actor, id.namespace(), user.get().key()); // a new repository is the creator's own
        if (standing != Level.WRITE) return false;
        Token t = actor.tokenOpt().orElseThrow();
        if (t.role() != Token.Role.FINE_GRAINED) return true;
        return t.scopes().stream().anyMatch(s -> s.write() && (s.kind() == TokenScope.Kind.NAMESPACE || s.kind() == TokenScope.Kind.MIRROR)
                && s.target().equals(id.namespace().toLowerCase(Locale.ROOT)));
    }

    /** Throws the not-found error a caller without read access must see. */
    public void requireRead(Actor actor, Repo repo) {
        if (!canRead(actor, repo)) throw notFound(actor);
    }

    /** Throws unless the actor may read the repository's files. */
    public void requireFiles(Actor actor, Repo repo) {
        requireRead(actor, repo);
        if (canReadFiles(actor, repo)) return;
        if (actor.isAnonymous()) {
            throw new ForgeException(ErrorKind.GATED_ANONYMOUS, "Access to model " + repo.displayId()
                    + " is restricted. You must be authenticated and have your access request accepted to access it.");
        }
        throw new ForgeException(ErrorKind.GATED, "Access to model " + repo.displayId()
                + " is restricted and you are not in the authorized list. Request access on the repository's page.");
    }

    /** Throws unless the actor may write (or, with {@code pullRequest}, open a pull request); callers without read access see "not found". */
    public void requireWrite(Actor actor, Repo repo, boolean pullRequest) {
        requireRead(actor, repo);
        if (actor.isAnonymous()) throw ForgeException.unauthorized("Authentication required to write to this repository");
        Level needed = pullRequest ? Level.PULL_REQUEST : Level.WRITE;
        if (level(actor, repo).compareTo(needed) >= 0) return;
        if (!actor.canWriteWithToken()) throw ForgeException.forbidden("This token is read-only; use a token with the write role");
        if (tokenExcludes(actor, repo) || actor.tokenOpt().filter(t -> t.role() == Token.Role.FINE_GRAINED && !scopeWrites(t, repo)).isPresent()) {
            throw ForgeException.forbidden("This fine-grained token has no write access to " + repo.displayId());
        }
        throw ForgeException.forbidden("You don't have write access to " + repo.displayId()
                + (pullRequest ? "" : "; you may open a pull request if you can contribute to it"));
    }

    public void requireWrite(Actor actor, Repo repo) { requireWrite(actor, repo, false); }

    public static ForgeException notFound(Actor actor) {
        return actor.isAnonymous()
                ? new ForgeException(ErrorKind.REPO_NOT_FOUND_ANONYMOUS, "Repository not found")
                : ForgeException.repoNotFound();
    }

    /**
     * What the actor is towards a namespace (and a repository in it created by {@code createdBy}), tokens aside. The
     * operator administers accounts, not content: content made from the command line is made as a user
     * ({@link Actor.System}).
     */
    private Level standing(Actor actor, String namespace, String createdBy) {
        return switch (actor) {
            case Actor.Anonymous a -> Level.NONE;
            case Actor.Operator o -> Level.NONE;
            case Actor.Signed s -> standing(s.user(), namespace, createdBy);
            case Actor.System s -> standing(s.user(), namespace, createdBy);
        };
    }

    private Level standing(User user, String namespace, String createdBy) {
        if (user.admin() || user.name().equalsIgnoreCase(namespace)) return Level.WRITE;
        for (Membership m : memberships.apply(user)) {
            if (!m.org().name().equalsIgnoreCase(namespace)) continue;
            return switch (m.role()) {
                case ADMIN, WRITE -> Level.WRITE;
                case CONTRIBUTOR -> user.key().equals(createdBy) ? Level.WRITE : Level.PULL_REQUEST;
                case READ -> Level.READ;
            };
        }
        return Level.NONE;
    }

    /** The most a token lets its user do with the repository; nothing without a token. */
    private static Level tokenCap(Actor actor, Repo repo) {
        return actor.tokenOpt().map(t -> switch (t.role()) {
            case WRITE -> Level.WRITE;
            case READ -> Level.READ;
            case FINE_GRAINED -> {
                Level cap = Level.NONE;
                for (TokenScope s : t.scopes()) {
                    if (matches(s, repo)) cap = max(cap, s.write() ? Level.WRITE : Level.READ);
                }
                yield cap;
            }
        }).orElse(Level.NONE);
    }

    /**
     * The namespaces whose private repositories the actor may see in listings: none for anonymous callers and the
     * operator; every one ({@code Optional.empty()}, no filter) for a site admin without a fine-grained token; else the
     * user's own name and organisations, narrowed to the namespaces a fine-grained token names. A repository a
     * fine-grained token names by key stays reachable directly but is not listed: under-listing never leaks.
     */
    public Optional<Set<String>> privateNamespacesReadable(Actor actor) {
        Optional<User> user = actor.userOpt();
        if (user.isEmpty()) return Optional.of(Set.of());
        Optional<Token> fineGrained = actor.tokenOpt().filter(t -> t.role() == Token.Role.FINE_GRAINED);
        if (user.get().admin() && fineGrained.isEmpty()) return Optional.empty();
        Set<String> ns = new HashSet<>();
        ns.add(user.get().name().toLowerCase(Locale.ROOT));
        for (Membership m : memberships.apply(user.get())) ns.add(m.org().name().toLowerCase(Locale.ROOT));
        if (fineGrained.isPresent()) {
            Set<String> scoped = new HashSet<>();
            for (TokenScope s : fineGrained.get().scopes()) {
                if (s.kind() == TokenScope.Kind.NAMESPACE || s.kind() == TokenScope.Kind.MIRROR) scoped.add(s.target());
            }
            if (!user.get().admin()) ns.retainAll(scoped);
            else ns = scoped;
        }
        return Optional.of(ns);
    }

    /** A fine-grained token that does not name the repository reaches only what anyone can. */
    private static boolean tokenExcludes(Actor actor, Repo repo) {
        return actor.tokenOpt().filter(t -> t.role() == Token.Role.FINE_GRAINED && t.scopes().stream().noneMatch(s -> matches(s, repo)))
                .isPresent();
    }

    private static boolean scopeWrites(Token t, Repo repo) {
        return t.scopes().stream().anyMatch(s -> s.write() && matches(s, repo));
    }

    private static boolean matches(TokenScope s, Repo repo) {
        return switch (s.kind()) {
            case REPO -> s.target().equals(repo.key());
            case NAMESPACE, MIRROR -> s.target().equals(repo.id().namespace().toLowerCase(Locale.ROOT));
        };
    }

    private static Level min(Level a, Level b) { return a.compareTo(b) <= 0 ? a : b; }

    private static Level max(Level a, Level b) { return a.compareTo(b) >= 0 ? a : b; }
}
