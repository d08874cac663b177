package dev.forge.service.repo;

import dev.forge.core.Repo;
import dev.forge.service.account.Actor;

import java.util.List;
import java.util.Optional;

/**
 * What commits and pushes to a pull request's ref ({@code refs/pr/N}) ask of the pull request they belong to. The pull
 * requests themselves are kept by {@code service.community}, which builds on this package, so this package asks through
 * this interface and the wiring root connects the two. Implementations are thread-safe.
 */
public interface PullRequestGate {

    /** A commit that landed on a pull request's ref, with its subject line. */
    record PushedCommit(String oid, String subject) {}

    /**
     * Opens a pull request by {@code actor} (who may open pull requests on the repository) onto {@code baseRef}, for a
     * commit made with {@code create_pr}: returns its number N, chosen so that {@code refs/pr/N} does not exist yet. The
     * caller then creates that ref.
     */
    int open(Actor actor, Repo repo, String baseRef, String title, String description);

    /**
     * Throws unless {@code actor} may add commits to {@code refs/pr/N}: the pull request exists and is open or a draft,
     * and the actor is its author or may write to the repository.
     */
    void requireCommit(Actor actor, Repo repo, int num);

    /** Records commits that landed on {@code refs/pr/N}, oldest first, on the pull request's timeline. */
    void committed(Actor actor, Repo repo, int num, List<PushedCommit> commits);

    /** N of {@code refs/pr/N} (a positive decimal without leading zeros); empty for any other ref. */
    static Optional<Integer> number(String ref) {
        if (ref == null || !ref.startsWith("refs/pr/")) return Optional.empty();
        String n = ref.substring("refs/pr/".length());
        if (n.isEmpty() || n.length() > 9 || n.charAt(0) == '0') return Optional.empty();
        for (int i = 0; i < n.length(); i++) if (n.charAt(i) < '0' || n.charAt(i) > '9') return Optional.empty();
        return Optional.of(Integer.parseInt(n));
    }
}
