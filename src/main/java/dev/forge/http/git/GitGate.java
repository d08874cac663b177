package dev.forge.http.git;

import dev.forge.http.exchange.Exchange;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.RepoService;
import dev.forge.service.repo.PushService;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Git smart HTTP. Authentication and access are decided here, before JGit's {@link GitServlet} sees the
 * request: reading needs read access, pushing at least the right to open pull requests (401 with
 * {@code WWW-Authenticate} asks git for credentials); which refs a pusher may move is {@link PushService#check}'s
 * decision (writers: branches and tags; pull request authors: their {@code refs/pr/N}). The servlet then serves upload-pack (protocol v0 and v2) and receive-pack, whose
 * pre-receive hook runs {@link PushService#check}: an atomic push whose commits are indexed before any
 * ref moves, or a refusal with the reasons shown by git.
 */
public final class GitGate {
    public static final String REPO_ATTRIBUTE = "forge.repo";
    public static final String ACTOR_ATTRIBUTE = "forge.actor";
    private static final List<String> SERVICES = List.of("info/refs", "git-upload-pack", "git-receive-pack");

    private final RepoService repos;
    private final PushService pushes;
    private final long maxPushBytes;

    public GitGate(RepoService repos, PushService pushes, long maxPushBytes) {
        this.repos = repos;
        this.pushes = pushes;
        this.maxPushBytes = maxPushBytes;
    }

    /** The parsed target of a git request: repository type and id and whether it pushes. */
    public record Target(RepoType type, RepoId id, boolean push) {}

    /** Recognises {@code [datasets/]{ns}/{name}[.git]/(info/refs|git-upload-pack|git-receive-pack)}. */
    public static Target parse(Exchange ex) {
        List<String> s = ex.segments();
        int start = 0;
        RepoType type = RepoType.MODEL;
        if (!s.isEmpty() && (s.getFirst().equals("datasets") || s.getFirst().equals("spaces"))) {
            type = s.getFirst().equals("datasets") ? RepoType.DATASET : RepoType.SPACE;
            start = 1;
        }
        if (s.size() - start < 3) return null;
        String suffix = String.join("/", s.subList(start + 2, s.size()));
        if (!SERVICES.contains(suffix)) return null;
        String name = s.get(start + 1);
        // the route variables a redirect of a moved repository rewrites (see Errors.movedLocation)
        ex.bindRoute(type, java.util.Map.of("ns", s.get(start), "name", name), List.of());
        if (name.endsWith(".git")) name = name.substring(0, name.length() - 4);
        RepoId id = new RepoId(s.get(start), name);
        boolean push = suffix.equals("git-receive-pack")
                || (suffix.equals("info/refs") && "git-receive-pack".equals(ex.param("service").orElse(null)));
        return new Target(type, id, push);
    }

    /** Checks access; returns the repository for the servlet, or throws the error git must see. */
    public Repo admit(Exchange ex, Target t) {
        Actor actor = ex.actor();
        Repo repo;
        try {
            // pushing needs at least the right to open pull requests: which refs the pusher may move is decided per ref
            repo = t.push() ? repos.writable(actor, t.type(), t.id(), true) : repos.filesReadable(actor, t.type(), t.id());
        } catch (ForgeException e) {
            if (actor.isAnonymous() && (e.kind().status() == 401 || t.push())) {
                throw new ForgeException(e.kind().status() == 401 ? e.kind() : dev.forge.core.ErrorKind.UNAUTHORIZED,
                        e.getMessage(), ErrorDetail.Challenge.GIT);
            }
            throw e;
        }
        return repo;
    }

    public ServletContextHandler context() {
        GitServlet servlet = new GitServlet();
        servlet.setRepositoryResolver((HttpServletRequest req, String name) -> {
            Repo repo = (Repo) req.getAttribute(REPO_ATTRIBUTE);
            if (repo == null) throw new org.eclipse.jgit.errors.RepositoryNotFoundException(name);
            return pushes.open(repo);
        });
        servlet.setUploadPackFactory((HttpServletRequest req, org.eclipse.jgit.lib.Repository db) -> {
            org.eclipse.jgit.transport.UploadPack up = new org.eclipse.jgit.transport.UploadPack(db);
            // a mirror's staging area (what its upstream holds, not yet applied here) is not the repository's to serve
            up.setRefFilter(refs -> {
                java.util.Map<String, org.eclipse.jgit.lib.Ref> shown = new java.util.LinkedHashMap<>(refs);
                shown.keySet().removeIf(n -> n.startsWith(PushService.HIDDEN_REF_PREFIX));
                return shown;
            });
            return up;
        });
        servlet.setReceivePackFactory((HttpServletRequest req, org.eclipse.jgit.lib.Repository db) -> {
            Repo repo = (Repo) req.getAttribute(REPO_ATTRIBUTE);
            if (repo == null) throw new ServiceNotEnabledException();
            ReceivePack rp = new ReceivePack(db);
            rp.setAtomic(true);
            rp.setCheckReceivedObjects(true);
            rp.setAllowDeletes(true);
            rp.setAllowNonFastForwards(true);
            rp.setMaxPackSizeLimit(maxPushBytes);
            Actor pusher = (Actor) req.getAttribute(ACTOR_ATTRIBUTE);
            // receive-pack writes this into the .keep of the pack it receives: how a refused push's pack is found
            String lockToken = "forge-push-" + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong());
            rp.setRefLogIdent(new org.eclipse.jgit.lib.PersonIdent(lockToken, "push@forge.local"));
            rp.setPreReceiveHook((pack, commands) -> preReceive(pusher, repo, lockToken, pack, commands));
            rp.setPostReceiveHook((pack, commands) -> {
                List<PushService.RefChange> applied = new ArrayList<>();
                for (ReceiveCommand c : commands) {
                    if (c.getResult() == ReceiveCommand.Result.OK) applied.add(change(c));
                }
                try {
                    pushes.pushed(pusher, repo, applied);
                } catch (IOException | RuntimeException e) {
                    // the refs moved already: the push stands, only its bookkeeping failed
                    org.slf4j.LoggerFactory.getLogger(GitGate.class).error("after the push to {}", repo.displayId(), e);
                }
            });
            return rp;
        });
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("git", servlet), "/*");
        return context;
    }

    private void preReceive(Actor pusher, Repo repo, String lockToken, ReceivePack pack, java.util.Collection<ReceiveCommand> commands) {
        List<PushService.RefChange> changes = new ArrayList<>();
        for (ReceiveCommand c : commands) {
            if (c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) continue;
            changes.add(change(c));
        }
        List<String> problems;
        try {
            problems = pushes.check(pusher, repo, changes);
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GitGate.class).error("push check failed for {}", repo.displayId(), e);
            problems = List.of("internal error while checking the push");
        }
        if (problems.isEmpty()) return;
        for (String p : problems) pack.sendMessage("forge: " + p);
        String reason = problems.size() == 1 ? problems.getFirst() : problems.getFirst() + " (and " + (problems.size() - 1) + " more)";
        for (ReceiveCommand c : commands) {
            if (c.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, reason);
        }
        try {
            pushes.refused(repo, lockToken);
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GitGate.class).warn("could not remove the pack of a refused push to {}", repo.displayId(), e);
        }
    }

    private static PushService.RefChange change(ReceiveCommand c) {
        return new PushService.RefChange(c.getRefName(), nullIfZero(c.getOldId()), nullIfZero(c.getNewId()));
    }

    private static ObjectId nullIfZero(ObjectId id) {
        return id == null || ObjectId.zeroId().equals(id) ? null : id;
    }
}
