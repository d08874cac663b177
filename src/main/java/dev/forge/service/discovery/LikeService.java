package dev.forge.service.discovery;

import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import dev.forge.service.repo.RepoService;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.meta.RepoDao;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Likes as the Hub exposes them: a signed-in user likes or unlikes a repository they can read; anyone who can
 * read a repository sees who liked it; a user's likes are listed to each caller only for repositories that caller
 * can read, so a like never reveals a private repository. Thread-safe.
 */
public final class LikeService {
    private final RepoService repos;
    private final RepoDao repoDao;
    private final AuthService auth;
    private final AccessPolicy policy;
    private final PopularityService popularity;

    public LikeService(RepoService repos, RepoDao repoDao, AuthService auth, AccessPolicy policy, PopularityService popularity) {
        this.repos = repos;
        this.repoDao = repoDao;
        this.auth = auth;
        this.policy = policy;
        this.popularity = popularity;
    }

    public void like(Actor actor, RepoType type, RepoId id) {
        Repo repo = readableBySignedIn(actor, type, id);
        popularity.like(repo, actor.requireUser().key());
    }

    public void unlike(Actor actor, RepoType type, RepoId id) {
        Repo repo = readableBySignedIn(actor, type, id);
        popularity.unlike(repo, actor.requireUser().key());
    }

    private Repo readableBySignedIn(Actor actor, RepoType type, RepoId id) {
        Repo repo = repos.readable(actor, type, id);
        if (actor.isAnonymous()) throw ForgeException.unauthorized("Sign in to like a repository");
        return repo;
    }

    /** A user who liked a repository (name and full name), and when. */
    public record Liker(String name, String fullname, Instant at) {}

    public List<Liker> likers(Actor actor, RepoType type, RepoId id) {
        Repo repo = repos.readable(actor, type, id);
        return popularity.likers(repo).stream().map(l -> new Liker(l.name(), l.fullname(), l.at())).toList();
    }

    /** A repository a user liked, and when. */
    public record Like(Repo repo, Instant at) {}

    /** The repositories {@code userName} liked that the actor can read, newest first; 404 for an unknown user. */
    public List<Like> likedBy(Actor actor, String userName) {
        Optional<User> user = auth.user(userName);
        if (user.isEmpty()) throw new ForgeException(ErrorKind.NOT_FOUND, "User not found");
        List<Like> out = new ArrayList<>();
        for (Map.Entry<String, Instant> e : popularity.likedBy(user.get().key())) {
            repoDao.findByKey(e.getKey()).filter(r -> policy.canRead(actor, r)).ifPresent(r -> out.add(new Like(r, e.getValue())));
        }
        return out;
    }
}
