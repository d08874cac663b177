package dev.forge.http;

import dev.forge.http.api.AccountHandlers;
import dev.forge.http.api.ApiHandlers;
import dev.forge.http.api.DiscoveryHandlers;
import dev.forge.http.api.DiscussionHandlers;
import dev.forge.http.api.GgufRegistryHandlers;
import dev.forge.http.api.OwnerHandlers;
import dev.forge.http.api.ParquetHandlers;
import dev.forge.http.api.UploadHandlers;
import dev.forge.http.cache.CacheHandlers;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.FileHandlers;
import dev.forge.http.git.GitGate;
import dev.forge.http.lfs.LfsHandlers;
import dev.forge.http.lfs.LfsUrls;
import dev.forge.http.lfs.LockHandlers;
import dev.forge.http.mirror.MirrorHandlers;
import dev.forge.http.web.Web;
import dev.forge.http.xet.XetHandlers;

import dev.forge.core.RepoType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The route table, read top to bottom; the first match wins. Patterns are path segments: literals,
 * {@code {var}} for one decoded segment, {@code {type}} for {@code models|datasets|spaces}, and a final
 * {@code {rest*}} for the remaining segments. Non-API routes take an optional {@code datasets/} or
 * {@code spaces/} prefix, stripped before matching. Git smart HTTP is not listed here: what no route
 * matches and looks like git goes to {@link GitGate}.
 */
public final class Routes {

    @FunctionalInterface
    interface Handler {
        void handle(Exchange ex) throws Exception;
    }

    /** How a route answers errors and whom it trusts: JSON, git-lfs JSON, or a page (HTML, session cookie, CSRF). */
    enum Kind { API, LFS, PAGE }

    record Route(String method, String[] pattern, Handler handler, Kind kind) {
        boolean lfsStyle() { return kind == Kind.LFS; }
    }

    private final List<Route> api = new ArrayList<>();
    private final List<Route> site = new ArrayList<>();
    private final Web web;

    /** @param cache the pull-through cache, which answers the read routes of repositories not held here (null: no cache) */
    public Routes(ApiHandlers a, UploadHandlers u, FileHandlers f, LfsHandlers l, AccountHandlers c, DiscoveryHandlers d,
                  DiscussionHandlers k, OwnerHandlers o, ParquetHandlers p, GgufRegistryHandlers g, LockHandlers locks, XetHandlers x,
                  MirrorHandlers m, Web w, CacheHandlers cache) {
        this.web = w;
        // ------------------------------------------------------------------- global API
        api("GET", "/api/whoami-v2", a::whoami);
        api("POST", "/api/validate-yaml", a::validateYaml);
        api("POST", "/api/repos/create", a::createRepo);
        api("DELETE", "/api/repos/delete", a::deleteRepo);
        api("POST", "/api/repos/move", a::moveRepo);
        api("HEAD", "/api/telemetry/{rest*}", ex -> ex.empty(200));
        api("GET", "/api/settings/repositories", o::repositories);
        // ------------------------------------------------------------------- accounts, tokens, organisations, audit
        api("POST", "/api/signup", c::signUp);
        api("POST", "/api/tokens", c::createToken);
        api("GET", "/api/tokens", c::listTokens);
        api("DELETE", "/api/tokens/{id}", c::revokeToken);
        api("GET", "/api/organizations/{org}/members", c::members);
        api("PUT", "/api/organizations/{org}/settings", c::orgSettings);
        api("PUT", "/api/organizations/{org}/members/{user}", c::setMember);
        api("DELETE", "/api/organizations/{org}/members/{user}", c::removeMember);
        api("GET", "/api/organizations/{org}/settings/repositories", o::repositories);
        api("GET", "/api/admin/audit", c::audit);
        // ------------------------------------------------------------------- mirrors and federation (site admins)
        api("GET", "/api/admin/mirrors", m::list);
        api("POST", "/api/admin/mirrors", m::add);
        api("GET", "/api/admin/mirrors/{id}", m::show);
        api("POST", "/api/admin/mirrors/{id}/sync", m::sync);
        api("POST", "/api/admin/mirrors/{id}/pause", m::pause);
        api("POST", "/api/admin/mirrors/{id}/resume", m::resume);
        api("DELETE", "/api/admin/mirrors/{id}", m::remove);
        api("GET", "/api/admin/cache", m::cached);
        api("DELETE", "/api/admin/cache/{type}/{ns}/{name}", m::evict);
        // ------------------------------------------------------------------- listing, search and likes
        api("GET", "/api/{type}", d::list);
        api("GET", "/api/users/{user}/likes", d::userLikes);
        api("POST", "/api/{type}/{ns}/{name}/like", d::like);
        api("DELETE", "/api/{type}/{ns}/{name}/like", d::unlike);
        api("GET", "/api/{type}/{ns}/{name}/likers", d::likers);
        // ------------------------------------------------------------------- one repository (read)
        api("GET", "/api/{type}/{ns}/{name}", cached(cache, a::info, cache == null ? null : cache::info));
        api("GET", "/api/{type}/{ns}/{name}/revision/{rev}", cached(cache, a::info, cache == null ? null : cache::info));
        api("GET", "/api/{type}/{ns}/{name}/tree/{rest*}", cached(cache, a::tree, cache == null ? null : cache::tree));
        api("POST", "/api/{type}/{ns}/{name}/paths-info/{rev}", cached(cache, a::pathsInfo, cache == null ? null : cache::pathsInfo));
        api("GET", "/api/{type}/{ns}/{name}/refs", cached(cache, a::refs, cache == null ? null : cache::refs));
        api("GET", "/api/{type}/{ns}/{name}/commits/{rest*}", cached(cache, a::commits, cache == null ? null : cache::commits));
        api("GET", "/api/{type}/{ns}/{name}/auth-check", a::authCheck);
        api("GET", "/api/{type}/{ns}/{name}/storage", a::storage);
        api("GET", "/api/datasets/{ns}/{name}/parquet", p::all);
        api("GET", "/api/datasets/{ns}/{name}/parquet/{config}", p::config);
        api("GET", "/api/datasets/{ns}/{name}/parquet/{config}/{split}", p::split);
        api("GET", "/api/datasets/{ns}/{name}/parquet/{config}/{split}/{file}", p::shard);
        api("GET", "/api/datasets/{ns}/{name}/parquet-conversion", p::status);
        // ------------------------------------------------------------------- one repository (write)
        api("PUT", "/api/{type}/{ns}/{name}/settings", a::settings);
        api("POST", "/api/{type}/{ns}/{name}/duplicate", o::duplicate);
        api("POST", "/api/{type}/{ns}/{name}/ask-access", c::askAccess);
        api("GET", "/api/{type}/{ns}/{name}/user-access-request/{status}", c::listAccessRequests);
        api("POST", "/api/{type}/{ns}/{name}/user-access-request/handle", c::handleAccessRequest);
        api("POST", "/api/{type}/{ns}/{name}/user-access-request/grant", c::grantAccess);
        api("POST", "/api/{type}/{ns}/{name}/preupload/{rev}", u::preupload);
        api("POST", "/api/{type}/{ns}/{name}/commit/{rev}", u::commit);
        api("POST", "/api/{type}/{ns}/{name}/branch/{branch}", u::createBranch);
        api("DELETE", "/api/{type}/{ns}/{name}/branch/{branch}", u::deleteBranch);
        api("POST", "/api/{type}/{ns}/{name}/tag/{rev}", u::createTag);
        api("DELETE", "/api/{type}/{ns}/{name}/tag/{tag}", u::deleteTag);
        api("POST", "/api/{type}/{ns}/{name}/super-squash/{branch}", u::superSquash);
        // ------------------------------------------------------------------- discussions and pull requests (read: files
        // readable; take part: may open pull requests; rename, close, edit, hide: the author or a writer; merge: writers)
        api("GET", "/api/{type}/{ns}/{name}/discussions", k::list);
        api("POST", "/api/{type}/{ns}/{name}/discussions", k::create);
        api("GET", "/api/{type}/{ns}/{name}/discussions/{num}", k::details);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/comment", k::comment);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/comment/{comment}/edit", k::editComment);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/comment/{comment}/hide", k::hideComment);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/title", k::rename);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/status", k::status);
        api("POST", "/api/{type}/{ns}/{name}/discussions/{num}/merge", k::merge);
        // ------------------------------------------------------------------- LFS transfers (self-authorising URLs)
        api("GET", LfsUrls.OBJECT, l::download, true);
        api("PUT", LfsUrls.OBJECT, l::upload, true);
        api("POST", LfsUrls.OBJECT, l::complete, true);
        api("PUT", LfsUrls.PART, l::uploadPart, true);
        api("POST", LfsUrls.VERIFY, l::verify, true);
        // ------------------------------------------------------------------- Xet: tokens (refused as the repository would
        // refuse), then the CAS API under /xet, authorised by those tokens (and xorb ranges by their signed URLs)
        api("GET", "/api/{type}/{ns}/{name}/xet-read-token/{rev}", x::readToken);
        api("GET", "/api/{type}/{ns}/{name}/xet-write-token/{rev}", x::writeToken);
        api("POST", "/xet/v1/xorbs/{prefix}/{hash}", x::putXorb);
        api("POST", "/xet/v1/shards", x::putShard);
        api("GET", "/xet/v1/chunks/{prefix}/{hash}", x::dedup);
        api("GET", "/xet/v1/reconstructions/{hash}", x::reconstructionV1);
        api("GET", "/xet/v2/reconstructions/{hash}", x::reconstructionV2);
        api("GET", XetHandlers.FETCH, x::fetch);
        // ------------------------------------------------------------------- GGUF by tag (llama.cpp, Ollama): a registry API
        site("GET", "/v2", g::ping);
        site("GET", "/v2/{ns}/{name}/manifests/{tag}", g::manifest);
        site("GET", "/v2/{ns}/{name}/blobs/{digest}", g::blob);
        // ------------------------------------------------------------------- files and LFS batch ({P}{ns}/{name}/…)
        site("GET", "/{ns}/{name}/resolve/{rev}/{rest*}", cached(cache, ex -> f.file(ex, true), cache == null ? null : ex -> cache.file(ex, true)));
        site("GET", "/{ns}/{name}/raw/{rev}/{rest*}", cached(cache, ex -> f.file(ex, false), cache == null ? null : ex -> cache.file(ex, false)));
        site("POST", "/{ns}/{name}/info/lfs/objects/batch", l::batch, true);
        site("POST", "/{ns}/{name}/info/lfs/locks", locks::create, true);
        site("GET", "/{ns}/{name}/info/lfs/locks", locks::list, true);
        site("POST", "/{ns}/{name}/info/lfs/locks/verify", locks::verify, true);
        site("POST", "/{ns}/{name}/info/lfs/locks/{id}/unlock", locks::unlock, true);
        site("POST", "/{ns}/{name}/ask-access", c::askAccess);
        // ------------------------------------------------------------------- web pages, at the Hub's paths (after files and git-lfs;
        // git's own paths, /{ns}/{name}/info/refs and /git-upload-pack, match none of these and go to GitGate)
        page("GET", "/", w.discover()::home);
        page("GET", "/models", w.discover()::search);
        page("GET", "/datasets", w.discover()::search);
        page("GET", "/static/{rest*}", w::asset);
        page("GET", "/login", w.accounts()::loginForm);
        page("POST", "/login", w.accounts()::login);
        page("POST", "/logout", w.accounts()::logout);
        page("GET", "/new", w.manage()::newForm);
        page("POST", "/new", w.manage()::create);
        page("GET", "/settings/profile", w.accounts()::profile);
        page("POST", "/settings/profile", w.accounts()::saveProfile);
        page("POST", "/settings/password", w.accounts()::changePassword);
        page("GET", "/settings/tokens", w.accounts()::tokens);
        page("POST", "/settings/tokens", w.accounts()::createToken);
        page("POST", "/settings/tokens/{id}/revoke", w.accounts()::revokeToken);
        page("GET", "/organizations/{org}/settings/members", w.accounts()::members);
        page("POST", "/organizations/{org}/settings/members", w.accounts()::setMember);
        page("POST", "/organizations/{org}/settings/members/{user}/remove", w.accounts()::removeMember);
        page("POST", "/organizations/{org}/settings/visibility", w.accounts()::membersVisibility);
        page("GET", "/{ns}", w.discover()::owner);
        page("GET", "/{ns}/{name}", w.repo()::repo);
        page("GET", "/{ns}/{name}/tree/{rest*}", w.files()::tree);
        page("GET", "/{ns}/{name}/blob/{rest*}", w.files()::blob);
        page("GET", "/{ns}/{name}/commits/{rest*}", w.history()::commits);
        page("GET", "/{ns}/{name}/commit/{sha}", w.history()::commit);
        page("GET", "/{ns}/{name}/refs", w.repo()::refs);
        page("POST", "/{ns}/{name}/like", w.repo()::like);
        page("POST", "/{ns}/{name}/request-access", w.repo()::requestAccess);
        page("GET", "/{ns}/{name}/upload/{rest*}", w.manage()::uploadForm);
        page("POST", "/{ns}/{name}/upload/{rest*}", w.manage()::upload);
        page("GET", "/{ns}/{name}/settings", w.manage()::settings);
        page("POST", "/{ns}/{name}/settings/{action}", w.manage()::settingsAction);
        page("GET", "/{ns}/{name}/discussions", w.discussions()::list);
        page("GET", "/{ns}/{name}/discussions/new", w.discussions()::newForm);
        page("POST", "/{ns}/{name}/discussions", w.discussions()::open);
        page("GET", "/{ns}/{name}/discussions/{num}", w.discussions()::details);
        page("POST", "/{ns}/{name}/discussions/{num}/{action}", w.discussions()::act);
        page("POST", "/{ns}/{name}/discussions/{num}/comment/{comment}/{action}", w.discussions()::actOnComment);
    }

    /**
     * A read route of the Hub API or a download: answered by the pull-through cache when it answers for the repository
     * (none here by that name, upstreams configured), else by the local handler.
     */
    private static Handler cached(CacheHandlers x, Handler local, Handler cache) {
        if (x == null) return local;
        return ex -> (x.answers(ex) ? cache : local).handle(ex);
    }

    /** The pages' shared frame: what the root handler does before and after a page's handler. */
    Web web() { return web; }

    private void page(String method, String pattern, Handler h) {
        site.add(new Route(method, pattern(pattern), h, Kind.PAGE));
    }

    private static String[] pattern(String p) {
        return p.equals("/") ? new String[0] : p.substring(1).split("/");
    }

    private void api(String method, String pattern, Handler h) { api(method, pattern, h, false); }

    private void api(String method, String pattern, Handler h, boolean lfs) {
        api.add(new Route(method, pattern(pattern), h, lfs ? Kind.LFS : Kind.API));
    }

    private void site(String method, String pattern, Handler h) { site(method, pattern, h, false); }

    private void site(String method, String pattern, Handler h, boolean lfs) {
        site.add(new Route(method, pattern(pattern), h, lfs ? Kind.LFS : Kind.API));
    }

    /** Finds the route for the exchange and binds its variables to it; null when none matches. */
    Route match(Exchange ex) {
        List<String> segs = ex.segments();
        Binding b = new Binding();
        if (segs.isEmpty()) return first(site, ex, segs, b); // the home page
        String first = segs.getFirst();
        if (first.equals("api") || first.equals("lfs") || first.equals("xet")) return first(api, ex, segs, b);
        List<String> rest = segs;
        if ((first.equals("datasets") || first.equals("spaces")) && segs.size() > 1) {
            b.type = first.equals("datasets") ? RepoType.DATASET : RepoType.SPACE;
            rest = segs.subList(1, segs.size());
        }
        return first(site, ex, rest, b);
    }

    /** What a route's pattern bound while matching: the repository type, the variables and the trailing segments. */
    private static final class Binding {
        RepoType type = RepoType.MODEL;
        final Map<String, String> vars = new LinkedHashMap<>();
        List<String> tail = List.of();

        Binding fresh() {
            Binding c = new Binding();
            c.type = type;
            return c;
        }
    }

    private static Route first(List<Route> routes, Exchange ex, List<String> segs, Binding start) {
        String method = ex.isHead() ? "GET" : ex.method();
        for (Route r : routes) {
            if (!r.method.equals(method) && !(ex.isHead() && r.method.equals("HEAD"))) continue;
            Binding b = start.fresh();
            if (matches(r.pattern, segs, b)) {
                ex.bindRoute(b.type, b.vars, b.tail);
                return r;
            }
        }
        return null;
    }

    /** The methods some route accepts for this path (to answer 405 with {@code Allow}, not 404); empty when none. */
    Set<String> allowedMethods(Exchange ex) {
        List<String> segs = ex.segments();
        List<Route> table = segs.isEmpty() || segs.getFirst().equals("api") || segs.getFirst().equals("lfs")
                || segs.getFirst().equals("xet") ? api : site;
        List<String> s = table == site && segs.size() > 1 && (segs.getFirst().equals("datasets") || segs.getFirst().equals("spaces"))
                ? segs.subList(1, segs.size()) : segs;
        Set<String> methods = new TreeSet<>();
        for (Route r : table) {
            if (matches(r.pattern, s, new Binding())) {
                methods.add(r.method);
                if (r.method.equals("GET")) methods.add("HEAD");
            }
        }
        return methods;
    }

    private static boolean matches(String[] pattern, List<String> segs, Binding b) {
        int i = 0;
        for (; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.equals("{rest*}")) {
                b.tail = List.copyOf(segs.subList(Math.min(i, segs.size()), segs.size()));
                return segs.size() > i;
            }
            if (i >= segs.size()) return false;
            String s = segs.get(i);
            if (p.equals("{type}")) {
                var t = RepoType.fromPlural(s);
                if (t.isEmpty()) return false;
                b.type = t.get();
            } else if (p.startsWith("{")) {
                if (s.isEmpty()) return false;
                b.vars.put(p.substring(1, p.length() - 1), s);
            } else if (!p.equals(s)) {
                return false;
            }
        }
        return i == segs.size();
    }
}
