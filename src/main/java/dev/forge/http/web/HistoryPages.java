package dev.forge.http.web;

import dev.forge.core.Repo;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.repo.DiffService;
import dev.forge.service.repo.InfoService;
import dev.forge.service.repo.RepoService;

import java.util.List;
import java.util.Optional;

/**
 * History: the commits of a branch, tag or commit ({@code /{repo}/commits/{rev}}, newest first, {@value #PAGE} a page,
 * from the index: no history walk beyond the page), and one commit ({@code /{repo}/commit/{sha}}) with the files it
 * changed and their line diffs.
 */
public final class HistoryPages {
    static final int PAGE = 30;

    private final Pages pages;
    private final InfoService info;
    private final DiffService diffs;
    private final RepoService repos;

    public HistoryPages(Pages pages, InfoService info, DiffService diffs, RepoService repos) {
        this.pages = pages;
        this.info = info;
        this.diffs = diffs;
        this.repos = repos;
    }

    public record CommitsView(RepoNav nav, String revision, InfoService.CommitPage page, int pageNumber, Optional<String> newer,
                              Optional<String> older) {}

    public void commits(Exchange ex) {
        int p = ex.intParam("p", 0, 0, 1_000_000);
        InfoService.CommitPage page = info.commits(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(), p, PAGE);
        Repo repo = page.repo();
        String rev = String.join("/", ex.tailSegments());
        String base = pages.links().commits(repo, rev);
        CommitsView v = new CommitsView(RepoNav.of(pages.links(), repo, "history", rev, repos.canWrite(ex.actor(), repo)), rev, page, p,
                p == 0 ? Optional.empty() : Optional.of(p == 1 ? base : base + "?p=" + (p - 1)),
                page.hasMore() ? Optional.of(base + "?p=" + (p + 1)) : Optional.empty());
        pages.render(ex, 200, "commits.jte", pages.frame(ex, "History of " + rev + " · " + repo.displayId()), v);
    }

    public record CommitView(RepoNav nav, DiffService.CommitDiff diff, List<DiffService.FileDiff> files) {}

    public void commit(Exchange ex) {
        DiffService.CommitDiff d = diffs.commit(ex.actor(), ex.repoType(), ex.repoId(), ex.var("sha"));
        Repo repo = d.repo();
        CommitView v = new CommitView(RepoNav.of(pages.links(), repo, "history", d.commit().id(), repos.canWrite(ex.actor(), repo)), d, d.files());
        pages.render(ex, 200, "commit.jte", pages.frame(ex, d.commit().title() + " · " + repo.displayId()), v);
    }
}
