package dev.forge.http.web;

import dev.forge.http.exchange.Exchange;

/**
 * The web pages, as the route table takes them: the shared frame ({@link Pages}) and one handler class per area. Built
 * by the wiring root with the services each area calls. Immutable.
 */
public record Web(Pages pages, DiscoverPages discover, RepoPages repo, FilePages files, HistoryPages history, AccountPages accounts,
                  ManagePages manage, DiscussionPages discussions) {

    /** The stylesheet, script and icon under {@code /static/}. */
    public void asset(Exchange ex) {
        Assets.serve(ex);
    }
}
