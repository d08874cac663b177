package dev.forge.http.web;

import dev.forge.core.Repo;

import java.util.ArrayList;
import java.util.List;

/**
 * The header every page of a repository shares: its name and badges, and the tabs (card, files, history, branches and
 * tags, community — discussions and pull requests — and, for writers, settings). A new repository page adds a
 * {@link Tab} in {@link #of} and a route, and renders inside the same header ({@code parts/repoHeader.jte}). Immutable.
 *
 * @param current which tab is open: {@code card}, {@code files}, {@code history}, {@code refs}, {@code community}, {@code settings}
 * @param rev the revision the Files and History tabs open
 */
public record RepoNav(Repo repo, String current, String rev, boolean canWrite, List<Tab> tabs) {

    /** One tab: its label, where it goes, whether it is the open one. */
    public record Tab(String label, String href, boolean current) {}

    static RepoNav of(Links links, Repo repo, String current, String rev, boolean canWrite) {
        List<Tab> tabs = new ArrayList<>();
        tabs.add(new Tab(repo.type() == dev.forge.core.RepoType.DATASET ? "Dataset card" : "Model card",
                rev.equals("main") ? links.repo(repo) : links.repo(repo) + "?rev=" + Links.seg(rev), current.equals("card")));
        tabs.add(new Tab("Files", links.tree(repo, rev, ""), current.equals("files")));
        tabs.add(new Tab("History", links.commits(repo, rev), current.equals("history")));
        tabs.add(new Tab("Branches and tags", links.refs(repo), current.equals("refs")));
        tabs.add(new Tab("Community", links.discussions(repo), current.equals("community")));
        if (canWrite) tabs.add(new Tab("Settings", links.settings(repo), current.equals("settings")));
        return new RepoNav(repo, current, rev, canWrite, List.copyOf(tabs));
    }
}
