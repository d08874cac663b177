package dev.forge.http.web;

import dev.forge.core.User;

import java.util.Optional;

/**
 * What every page's layout needs: the title, the signed-in user (if any), the CSRF token of this page's forms, the
 * link builder, the page's own path (for "sign in and come back"), and the search box's text.
 */
public record Frame(String title, Optional<User> user, String csrf, Links links, String here, String query) {
    public Frame withTitle(String t) { return new Frame(t, user, csrf, links, here, query); }

    public Frame withQuery(String q) { return new Frame(title, user, csrf, links, here, q); }

    public boolean signedIn() { return user.isPresent(); }

    public String userName() { return user.map(User::name).orElse(""); }
}
