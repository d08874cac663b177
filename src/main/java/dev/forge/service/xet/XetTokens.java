package dev.forge.service.xet;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.AccessPolicy;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import dev.forge.service.lfs.UrlSigner;
import dev.forge.service.repo.RepoService;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The short-lived access tokens of Xet's CAS API ({@code xet-read-token} / {@code xet-write-token}): each names one
 * repository (by its immutable key), read or write, the user and the Hub token it was issued through, and an expiry,
 * signed with the forge's key. Nothing about them is stored; nothing in them is secret but the signature.
 *
 * <p>Issuing refuses exactly as the repository itself would (a private repository is "not found", a gated one says
 * so, a read-only token asking for write gets 403), and so does every use: a CAS request re-checks the grant against
 * the repository's current settings and the Hub token's liveness, so revoking the token, turning the repository
 * private or removing a member stops its Xet tokens at once instead of when they expire. Thread-safe.
 */
public final class XetTokens {
    /** What a Xet token lets its bearer do with the CAS of its repository. */
    public enum Mode {
        READ("read"), WRITE("write");

        private final String wire;

        Mode(String wire) { this.wire = wire; }

        public String wire() { return wire; }
    }

    /** An issued token, as the clients read it ({@code accessToken}, {@code exp} in epoch seconds, {@code casUrl}). */
    public record Issued(String accessToken, long exp, String casUrl) {}

    /**
     * A verified token: who stands behind it, for which repository and what. {@code pullRequest}: the write token was
     * asked for to open a pull request (the actor may have no more than that on the repository).
     */
    public record Grant(Repo repo, Actor actor, Mode mode, boolean pullRequest) {}

    private static final String PREFIX = "xet_";
    private static final String ANONYMOUS = "-";

    private final RepoService repos;
    private final AccessPolicy policy;
    private final AuthService auth;
    private final UrlSigner signer;
    private final String casUrl;
    private final long ttlSeconds;
    private final boolean enabled;

    /** @param enabled whether this forge holds a Xet store at all (the chunk store); without it no token is issued */
    public XetTokens(RepoService repos, AccessPolicy policy, AuthService auth, UrlSigner signer,
                     String casUrl, long ttlSeconds, boolean enabled) {
        this.enabled = enabled;
        this.repos = repos;
        this.policy = policy;
        this.auth = auth;
        this.signer = signer;
        this.casUrl = casUrl;
        this.ttlSeconds = ttlSeconds;
    }

    /**
     * Issues a token for the repository, refused as the repository would refuse the same request: reading needs its
     * files readable (and {@code rev} to exist), writing needs write access, or, with {@code pullRequest}, the right
     * to open a pull request.
     */
    public Issued issue(Actor actor, RepoType type, RepoId id, String rev, Mode mode, boolean pullRequest) {
        if (!enabled) {
            throw new ForgeException(ErrorKind.UNAVAILABLE, "This forge runs the plain store: Xet needs the chunk store (storage kind 'chunks')");
        }
        Repo repo = switch (mode) {
            case READ -> {
                Repo r = repos.filesReadable(actor, type, id);
                repos.resolve(r, rev); // a revision that does not exist is RevisionNotFound, as /resolve says
                yield r;
            }
            case WRITE -> repos.writable(actor, type, id, pullRequest);
        };
        String user = actor.userOpt().map(User::key).orElse(ANONYMOUS);
        String token = actor.tokenOpt().filter(t -> actor instanceof Actor.Signed).map(Token::key).orElse(ANONYMOUS);
        if (!(actor instanceof Actor.Signed) && !(actor instanceof Actor.Anonymous)) {
            throw ForgeException.forbidden("Xet tokens are issued to requests only");
        }
        String payload = String.join("|", mode.wire(), repo.key(), user, token, pullRequest ? "pr" : "-");
        String signed = signer.sign(ttlSeconds, fields(payload));
        long exp = Long.parseLong(signed.substring(0, signed.indexOf('.')));
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return new Issued(PREFIX + encoded + "." + signed, exp, casUrl);
    }

    /**
     * Verifies a bearer token for a CAS request needing {@code needed}: signature, expiry, the Hub token still live,
     * and the repository still granting what the token says. Any failure is 401 (the client asks for a new token) or
     * the repository's own refusal.
     */
    public Grant verify(Optional<String> bearer, String address, Mode needed) {
        String t = bearer.orElseThrow(() -> ForgeException.unauthorized("A Xet access token is required"));
        Optional<String> payload = payloadOf(t);
        if (payload.isEmpty()) throw invalid();
        String[] f = payload.get().split("\\|", -1);
        if (f.length != 5) throw invalid();
        Mode mode = f[0].equals("write") ? Mode.WRITE : f[0].equals("read") ? Mode.READ : null;
        if (mode == null) throw invalid();
        if (needed == Mode.WRITE && mode != Mode.WRITE) throw ForgeException.forbidden("This Xet token is read-only");
        Actor actor = actor(f[2], f[3], address);
        Repo repo = repos.findByKey(f[1]).orElseThrow(XetTokens::invalid);
        boolean pullRequest = f[4].equals("pr");
        if (mode == Mode.WRITE) policy.requireWrite(actor, repo, pullRequest);
        if (needed == Mode.READ) policy.requireFiles(actor, repo);
        return new Grant(repo, actor, mode, pullRequest);
    }

    /** The payload of a well-formed, correctly signed, unexpired token. */
    private Optional<String> payloadOf(String t) {
        if (!t.startsWith(PREFIX) || t.length() > 1024) return Optional.empty();
        int dot = t.indexOf('.');
        if (dot < 0) return Optional.empty();
        String payload;
        try {
            payload = new String(Base64.getUrlDecoder().decode(t.substring(PREFIX.length(), dot)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return signer.verify(t.substring(dot + 1), fields(payload)) ? Optional.of(payload) : Optional.empty();
    }

    private Actor actor(String userKey, String tokenKey, String address) {
        if (userKey.equals(ANONYMOUS)) return Actor.anonymous(address);
        Token token = auth.token(tokenKey).filter(k -> !k.isRevoked() && k.userKey().equals(userKey)).orElseThrow(XetTokens::invalid);
        User user = auth.userByKey(userKey).orElseThrow(XetTokens::invalid);
        return new Actor.Signed(user, token, address);
    }

    /** The signed fields: a fixed domain first, so no other grant signed with the same key can pass for a Xet token. */
    private static String[] fields(String payload) {
        return new String[] {"xet-token", payload};
    }

    private static ForgeException invalid() {
        return new ForgeException(ErrorKind.UNAUTHORIZED, "Invalid or expired Xet access token; ask for a new one");
    }

    /** Whether this forge serves Xet (it holds the chunk store). */
    public boolean enabled() { return enabled; }

    /** The seconds a token lives. */
    public long ttlSeconds() { return ttlSeconds; }
}
