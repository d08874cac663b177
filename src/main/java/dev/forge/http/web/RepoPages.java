package dev.forge.http.web;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.admin.StorageService;
import dev.forge.service.discovery.LikeService;
import dev.forge.service.discovery.OverviewService;
import dev.forge.service.repo.AccessRequestService;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A repository's own page (card, metadata, lineage, snippets, like button, access request), its branches and tags, and
 * the like and access-request forms. What the visitor sees follows the API's rules exactly: a private repository they
 * cannot read is "not found" (401 anonymously, 404 otherwise), a gated one shows its metadata and a request form
 * instead of its files.
 */
public final class RepoPages {
    private final Pages pages;
    private final OverviewService overviews;
    private final StorageService storage;
    private final LikeService likes;
    private final AccessRequestService accessRequests;
    private final InfoService info;
    private final RepoService repos;
    private final dev.forge.service.mirror.MirrorService mirrors;

    public RepoPages(Pages pages, OverviewService overviews, StorageService storage, LikeService likes, AccessRequestService accessRequests,
                     InfoService info, RepoService repos, dev.forge.service.mirror.MirrorService mirrors) {
        this.mirrors = mirrors;
        this.pages = pages;
        this.overviews = overviews;
        this.storage = storage;
        this.likes = likes;
        this.accessRequests = accessRequests;
        this.info = info;
        this.repos = repos;
    }

    /**
     * @param card the rendered card, when the visitor may read it; {@code cardTruncated} when it was cut
     * @param storage logical bytes, bytes stored and saved by deduplication over the repository's history
     */
    /** @param mirror where a mirrored repository comes from (shown on its page); empty for any other */
    public record RepoView(RepoNav nav, OverviewService.RepoOverview o, Optional<SafeHtml> card, boolean cardTruncated,
                           StorageService.Usage storage, List<Snippets.Snippet> snippets,
                           Optional<dev.forge.service.mirror.MirrorService.Origin> mirror) {}

    public void repo(Exchange ex) throws IOException {
        String rev = ex.param("rev").filter(r -> !r.isBlank()).orElse("main");
        OverviewService.RepoOverview o = overviews.overview(ex.actor(), ex.repoType(), ex.repoId(), rev);
        Repo repo = o.repo();
        Links links = pages.links();
        Optional<SafeHtml> card = Optional.empty();
        boolean truncated = false;
        if (o.readme().isPresent()) {
            String commit = o.commit().id();
            Markdown.Rendered r = Markdown.card(o.readme().get(), new Markdown.Resolver() {
                @Override public String link(String path) { return links.blob(repo, rev, path); }

                @Override public String image(String path) { return links.resolve(repo, commit, path); }
            });
            card = Optional.of(r.html());
            truncated = r.truncated();
        }
        StorageService.Usage usage = storage.repoUsage(ex.actor(), ex.repoType(), ex.repoId());
        RepoView v = new RepoView(RepoNav.of(links, repo, "card", rev, o.access().canWrite()), o, card, truncated, usage,
                Snippets.of(pages.config().publicUrl().toString(), o), mirrors.origin(repo));
        pages.render(ex, 200, "repo.jte", pages.frame(ex, repo.displayId()), v);
    }

    /** {@code POST /{repo}/like}: {@code like=1} likes, {@code like=0} unlikes; back to the repository's page. */
    public void like(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        if (f.optional("like").orElse("1").equals("0")) likes.unlike(ex.actor(), ex.repoType(), ex.repoId());
        else likes.like(ex.actor(), ex.repoType(), ex.repoId());
        ex.redirect(303, pages.links().repo(ex.repoType(), ex.repoId().toString()));
    }

    /** {@code POST /{repo}/request-access}: asks for access to a gated repository, with an optional reason. */
    public void requestAccess(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        String reason = f.optional("reason").map(String::strip).orElse("");
        if (reason.length() > 2000) throw ForgeException.badRequest("The reason is longer than 2000 characters");
        String fields = reason.isEmpty() ? null : Exchange.JSON.writeValueAsString(Map.of("reason", reason));
        accessRequests.ask(ex.actor(), ex.repoType(), ex.repoId(), fields);
        ex.redirect(303, pages.returnTo(f.optional("return")));
    }

    /** One ref for the branches-and-tags page: its short name, the revision to link, the commit. */
    public record RefRow(String name, String rev, String commit) {}

    public record RefsView(RepoNav nav, List<RefRow> branches, List<RefRow> tags, List<RefRow> pullRequests, List<RefRow> other) {}

    public void refs(Exchange ex) {
        InfoService.Refs refs = info.refs(ex.actor(), ex.repoType(), ex.repoId());
        List<RefRow> branches = new ArrayList<>(), tags = new ArrayList<>(), prs = new ArrayList<>(), other = new ArrayList<>();
        for (InfoService.Ref r : refs.refs()) {
            String n = r.name();
            if (n.startsWith("refs/heads/")) branches.add(new RefRow(n.substring(11), n.substring(11), r.commit()));
            else if (n.startsWith("refs/tags/")) tags.add(new RefRow(n.substring(10), n.substring(10), r.commit()));
            else if (n.startsWith("refs/pr/")) prs.add(new RefRow("#" + n.substring(8), n, r.commit()));
            else other.add(new RefRow(n, n, r.commit()));
        }
        Repo repo = refs.repo();
        RefsView v = new RefsView(RepoNav.of(pages.links(), repo, "refs", "main", repos.canWrite(ex.actor(), repo)), branches, tags, prs, other);
        pages.render(ex, 200, "refs.jte", pages.frame(ex, "Branches and tags · " + repo.displayId()), v);
    }

    /** The page a gated repository's file shows to a visitor without access (the API's status and error code kept). */
    static void gated(Pages pages, Exchange ex, ForgeException e, Repo repo, Optional<String> status) {
        if (e.kind() != ErrorKind.GATED && e.kind() != ErrorKind.GATED_ANONYMOUS) throw e;
        ex.setHeader("X-Error-Code", "GatedRepo");
        ex.setHeader("X-Error-Message", dev.forge.http.exchange.Errors.headerSafe(e.getMessage()));
        pages.render(ex, e.kind().status(), "gated.jte", pages.frame(ex, "Access needed · " + repo.displayId()),
                new GatedView(repo, status, e.getMessage()));
    }

    public record GatedView(Repo repo, Optional<String> requestStatus, String message) {}
}
