package dev.forge.http.web;

import dev.forge.core.Repo;
import dev.forge.core.RepoType;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The URLs of pages, at the Hub's paths ({@code /{ns}/{name}}, {@code /datasets/{ns}/{name}/tree/{rev}/{path}} …) under
 * the public URL's path (a forge behind a proxy at {@code /hub} links to {@code /hub/...}). Every segment is
 * percent-encoded; a revision is one segment ({@code refs%2Fpr%2F1}), a path keeps its slashes. Immutable.
 */
public record Links(String base) {
    public String home() { return base + "/"; }

    public String search(RepoType type) { return base + "/" + type.plural(); }

    public String repo(RepoType type, String id) { return base + "/" + type.urlPrefix() + path(id); }

    public String repo(Repo r) { return repo(r.type(), r.displayId()); }

    public String tree(Repo r, String rev, String folder) {
        return repo(r) + "/tree/" + seg(rev) + (folder.isEmpty() ? "" : "/" + path(folder));
    }

    public String blob(Repo r, String rev, String file) { return repo(r) + "/blob/" + seg(rev) + "/" + path(file); }

    public String resolve(Repo r, String rev, String file) { return repo(r) + "/resolve/" + seg(rev) + "/" + path(file); }

    /** The download link: {@code resolve} with {@code ?download=true}, as the Hub writes it. */
    public String download(Repo r, String rev, String file) { return resolve(r, rev, file) + "?download=true"; }

    public String raw(Repo r, String rev, String file) { return repo(r) + "/raw/" + seg(rev) + "/" + path(file); }

    public String commits(Repo r, String rev) { return repo(r) + "/commits/" + seg(rev); }

    public String commit(Repo r, String sha) { return repo(r) + "/commit/" + seg(sha); }

    public String refs(Repo r) { return repo(r) + "/refs"; }

    public String settings(Repo r) { return repo(r) + "/settings"; }

    public String settingsAction(Repo r, String action) { return repo(r) + "/settings/" + seg(action); }

    public String upload(Repo r, String branch) { return repo(r) + "/upload/" + seg(branch); }

    public String like(Repo r) { return repo(r) + "/like"; }

    public String discussions(Repo r) { return repo(r) + "/discussions"; }

    public String discussion(Repo r, int num) { return discussions(r) + "/" + num; }

    public String newDiscussion(Repo r, boolean pullRequest) { return discussions(r) + "/new" + (pullRequest ? "?pr=1" : ""); }

    public String discussionAction(Repo r, int num, String action) { return discussion(r, num) + "/" + seg(action); }

    public String commentAction(Repo r, int num, String comment, String action) {
        return discussion(r, num) + "/comment/" + seg(comment) + "/" + seg(action);
    }

    public String requestAccess(Repo r) { return repo(r) + "/request-access"; }

    public String user(String name) { return base + "/" + seg(name); }

    public String login() { return base + "/login"; }

    public String logout() { return base + "/logout"; }

    public String newRepo() { return base + "/new"; }

    public String profile() { return base + "/settings/profile"; }

    public String password() { return base + "/settings/password"; }

    public String tokens() { return base + "/settings/tokens"; }

    public String revokeToken(String id) { return base + "/settings/tokens/" + seg(id) + "/revoke"; }

    public String members(String org) { return base + "/organizations/" + seg(org) + "/settings/members"; }

    public String removeMember(String org, String user) { return members(org) + "/" + seg(user) + "/remove"; }

    public String membersVisibility(String org) { return base + "/organizations/" + seg(org) + "/settings/visibility"; }

    public String asset(String name) { return base + "/static/" + name + "?v=" + Assets.VERSION; }

    /** One path segment, percent-encoded (a {@code /} inside it too). */
    public static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path, each segment encoded, the slashes kept. */
    public static String path(String p) {
        StringBuilder b = new StringBuilder();
        for (String s : p.split("/", -1)) {
            if (!b.isEmpty()) b.append('/');
            b.append(seg(s));
        }
        return b.toString();
    }
}
