package dev.forge.http.api;

import dev.forge.service.account.AuthService;
import dev.forge.service.repo.RepoService;
import dev.forge.http.exchange.Errors;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.http.exchange.Html;
import dev.forge.http.exchange.JsonFields;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitMeta;
import dev.forge.core.Dates;
import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Membership;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.InfoService;
import dev.forge.service.admin.StorageService;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Handlers of the Hub JSON API: parse, call one service, render. */
public final class ApiHandlers {
    /** Page sizes as on the Hub: 1000 entries, 50 when each entry carries its last commit. */
    public static final int TREE_PAGE = 1000;
    public static final int TREE_PAGE_EXPANDED = 50;

    private final AuthService auth;
    private final InfoService info;
    private final RepoService repos;
    private final StorageService storage;

    public ApiHandlers(AuthService auth, InfoService info, RepoService repos, StorageService storage) {
        this.auth = auth;
        this.info = info;
        this.repos = repos;
        this.storage = storage;
    }

    public void info(Exchange ex) throws IOException {
        String rev = ex.var("rev") == null ? "HEAD" : ex.var("rev");
        List<String> expand = ex.params("expand");
        boolean needFiles = expand.isEmpty() || expand.contains("siblings");
        InfoService.Snapshot s = info.snapshot(ex.actor(), ex.repoType(), ex.repoId(), rev, needFiles);
        ex.json(200, HubJson.info(s, ex.flag("blobs"), expand));
    }

    /**
     * The repository's storage over its whole history: {@code usedStorage} (bytes on disk for its LFS objects,
     * chunks shared among them counted once), the logical bytes clients download, and what deduplication saves.
     */
    public void storage(Exchange ex) throws IOException {
        StorageService.Usage u = storage.repoUsage(ex.actor(), ex.repoType(), ex.repoId());
        ex.json(200, java.util.Map.of("usedStorage", u.storedBytes(), "logicalBytes", u.logicalBytes(), "storedBytes", u.storedBytes(),
                "savedBytes", u.savedBytes(), "lfsObjects", u.lfsObjects()));
    }

    public void tree(Exchange ex) throws IOException {
        boolean expand = ex.flag("expand");
        int pageSize = ex.intParam("limit", expand ? TREE_PAGE_EXPANDED : TREE_PAGE, 1, TREE_PAGE);
        String cursor = ex.param("cursor").map(ApiHandlers::decodeCursor).orElse(null);
        InfoService.TreePage page = info.tree(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(),
                ex.flag("recursive"), expand, cursor, pageSize);
        List<Object> out = new ArrayList<>();
        for (FileEntry e : page.entries()) out.add(HubJson.treeEntry(e, page.lastCommits()));
        if (page.nextCursor() != null) {
            ex.setHeader("Link", "<" + ex.urlWith("cursor", encodeCursor(page.nextCursor())) + ">; rel=\"next\"");
        }
        ex.setHeader("X-Repo-Commit", page.commit());
        ex.json(200, out);
    }

    /** A paths-info body: the paths asked for and whether to expand them. */
    public record PathsRequest(List<String> paths, boolean expand) {}

    /** Parses a paths-info body, JSON or a form as the Python client sends it; anything malformed is a 4xx. */
    public static PathsRequest parsePathsInfo(byte[] body, String contentType) {
        List<String> paths = new ArrayList<>();
        boolean expand;
        if (contentType != null && contentType.startsWith("application/json")) {
            JsonNode n = readJson(body);
            JsonNode p = n.get("paths");
            if (p == null || !p.isArray()) throw ForgeException.badRequest("'paths' must be a list of strings");
            for (JsonNode x : p) {
                if (!x.isTextual()) throw ForgeException.badRequest("'paths' must be a list of strings");
                paths.add(x.asText());
            }
            expand = n.path("expand").asBoolean(false);
        } else {
            Map<String, List<String>> form = FormBody.parse(new String(body, StandardCharsets.UTF_8));
            paths.addAll(form.getOrDefault("paths", List.of()));
            String e = form.getOrDefault("expand", List.of("false")).getFirst();
            expand = e.equalsIgnoreCase("true") || e.equals("1");
        }
        if (paths.size() > 10_000) throw ForgeException.badRequest("At most 10000 paths per request");
        return new PathsRequest(paths, expand);
    }

    public void pathsInfo(Exchange ex) throws IOException {
        PathsRequest req = parsePathsInfo(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()), ex.header("Content-Type"));
        List<String> paths = req.paths();
        boolean expand = req.expand();
        InfoService.TreePage page = info.pathsInfo(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), paths, expand);
        List<Object> out = new ArrayList<>();
        for (FileEntry e : page.entries()) out.add(HubJson.treeEntry(e, page.lastCommits()));
        ex.json(200, out);
    }

    public void refs(Exchange ex) throws IOException {
        InfoService.Refs refs = info.refs(ex.actor(), ex.repoType(), ex.repoId());
        List<Object> branches = new ArrayList<>(), tags = new ArrayList<>(), converts = new ArrayList<>(), prs = new ArrayList<>();
        for (InfoService.Ref r : refs.refs()) {
            String n = r.name();
            if (n.startsWith("refs/heads/")) branches.add(ref(n.substring(11), n, r.commit()));
            else if (n.startsWith("refs/tags/")) tags.add(ref(n.substring(10), n, r.commit()));
            else if (n.startsWith("refs/convert/")) converts.add(ref(n.substring(13), n, r.commit()));
            else if (n.startsWith("refs/pr/")) prs.add(ref(n.substring(5), n, r.commit()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("branches", branches);
        out.put("converts", converts);
        out.put("tags", tags);
        if (ex.flag("include_prs")) out.put("pullRequests", prs);
        ex.json(200, out);
    }

    private static Map<String, Object> ref(String name, String ref, String commit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("ref", ref);
        m.put("targetCommit", commit);
        return m;
    }

    public void commits(Exchange ex) throws IOException {
        int limit = ex.intParam("limit", 50, 1, 1000);
        int page = ex.intParam("p", 0, 0, 1_000_000);
        InfoService.CommitPage cp = info.commits(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(), page, limit);
        List<Object> out = new ArrayList<>();
        boolean formatted = ex.params("expand").contains("formatted");
        for (CommitMeta c : cp.commits()) {
            Map<String, Object> m = HubJson.commit(c);
            if (formatted) m.put("formatted", Map.of("title", Html.escape(c.title()), "message", Html.escape(c.message())));
            out.add(m);
        }
        ex.setHeader("X-Total-Count", Long.toString(cp.total()));
        if (cp.hasMore()) ex.setHeader("Link", "<" + ex.urlWith("p", Integer.toString(page + 1)) + ">; rel=\"next\"");
        ex.json(200, out);
    }

    /** {@code huggingface_hub.auth_check}: 200 when the caller may read the files, else the error it would get. */
    public void authCheck(Exchange ex) throws IOException {
        repos.filesReadable(ex.actor(), ex.repoType(), ex.repoId());
        ex.json(200, Map.of());
    }

    /**
     * The Hub's description of a fine-grained token's scopes: which entities, with which permissions. A repository
     * the user can no longer read (deleted, or private after they left its organisation) is not named: its current
     * name would tell a former member where it went.
     */
    private Map<String, Object> fineGrained(User user, Token t) {
        List<Object> scoped = new ArrayList<>();
        for (TokenScope s : t.scopes()) {
            Map<String, Object> entity = new LinkedHashMap<>();
            if (s.kind() == TokenScope.Kind.REPO) {
                Optional<Repo> repo = repos.readableByKey(user, s.target());
                if (repo.isEmpty()) continue; // deleted, or no longer readable by the token's owner
                entity.put("_id", s.target());
                entity.put("type", repo.get().type().singular());
                entity.put("name", repo.get().displayId());
            } else {
                boolean org = auth.org(s.target()).isPresent();
                entity.put("type", org ? "org" : "user");
                entity.put("name", s.target());
            }
            List<String> permissions = s.write()
                    ? List.of("repo.content.read", "repo.write") : List.of("repo.content.read");
            scoped.add(Map.of("entity", entity, "permissions", permissions));
        }
        return Map.of("canReadGatedRepos", false, "global", List.of(), "scoped", scoped);
    }

    public void whoami(Exchange ex) throws IOException {
        if (!(ex.actor() instanceof Actor.Signed actor)) throw ForgeException.unauthorized("Invalid user token");
        User u = actor.user();
        List<Object> orgs = new ArrayList<>();
        for (Membership m : auth.memberships(u)) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("type", "org");
            o.put("id", m.org().key());
            o.put("name", m.org().name());
            o.put("fullname", m.org().fullname());
            o.put("avatarUrl", "/avatars/" + m.org().name());
            o.put("roleInOrg", m.role().wire());
            orgs.add(o);
        }
        Token t = actor.token();
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("displayName", t.displayName());
        token.put("role", t.role().wire());
        token.put("createdAt", Dates.iso(t.createdAt()));
        if (t.role() == Token.Role.FINE_GRAINED) token.put("fineGrained", fineGrained(u, t));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", "user");
        out.put("id", u.key());
        out.put("name", u.name());
        out.put("fullname", u.fullname());
        out.put("email", u.email());
        out.put("emailVerified", u.email() != null);
        out.put("avatarUrl", "/avatars/" + u.name());
        out.put("isPro", false);
        out.put("canPay", false);
        out.put("periodEnd", null);
        out.put("billingMode", "postpaid");
        out.put("orgs", orgs);
        out.put("auth", Map.of("type", "access_token", "accessToken", token));
        ex.json(200, out);
    }

    public void validateYaml(Exchange ex) throws IOException {
        List<Object> errors = new ArrayList<>();
        for (String problem : info.cardProblems(yamlContent(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes())))) {
            errors.add(Map.of("message", problem));
        }
        ex.json(errors.isEmpty() ? 200 : 400, Map.of("errors", errors, "warnings", List.of()));
    }

    /** The card of a {@code validate-yaml} body {@code {"content": "<card>"}}; a malformed body is a 4xx. */
    public static String yamlContent(byte[] body) {
        JsonNode n = readJson(body);
        JsonNode content = n.get("content");
        if (content == null || !content.isTextual()) throw ForgeException.badRequest("'content' must be a string");
        return content.asText();
    }

    public void createRepo(Exchange ex) throws IOException {
        RepoRequest r = RepoRequest.parse(ex, readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes())));
        boolean isPrivate = r.isPrivate();
        try {
            Repo repo = repos.create(ex.actor(), r.type(), r.id(), isPrivate);
            ex.json(200, repoUrl(ex, repo.type(), repo.id()));
        } catch (ForgeException e) {
            if (e.kind() != dev.forge.core.ErrorKind.CONFLICT) throw e;
            Map<String, Object> body = new LinkedHashMap<>(repoUrl(ex, r.type(), r.id()));
            body.put("error", e.getMessage());
            ex.setHeader("X-Error-Message", Errors.headerSafe(e.getMessage()));
            ex.json(409, body);
        }
    }

    public void deleteRepo(Exchange ex) throws IOException {
        RepoRequest r = RepoRequest.parse(ex, readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes())));
        repos.delete(ex.actor(), r.type(), r.id());
        ex.json(200, Map.of());
    }

    public void moveRepo(Exchange ex) throws IOException {
        JsonNode n = readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        if (!n.path("fromRepo").isTextual() || !n.path("toRepo").isTextual()) throw ForgeException.badRequest("'fromRepo' and 'toRepo' are required");
        RepoType type = RepoType.fromName(n.path("type").isTextual() ? n.get("type").asText() : null)
                .orElseThrow(() -> ForgeException.badRequest("'type' must be model, dataset or space"));
        Repo moved = repos.move(ex.actor(), type, RepoId.parse(n.get("fromRepo").asText()), RepoId.parse(n.get("toRepo").asText()));
        ex.json(200, repoUrl(ex, moved.type(), moved.id()));
    }

    public void settings(Exchange ex) throws IOException {
        JsonNode n = readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        Gating gating = null;
        JsonNode gated = n.get("gated");
        if (gated != null && !gated.isNull()) {
            if (gated.isBoolean() && !gated.asBoolean()) gating = Gating.NONE;
            else if (gated.isTextual() && gated.asText().equals("auto")) gating = Gating.AUTO;
            else if (gated.isTextual() && gated.asText().equals("manual")) gating = Gating.MANUAL;
            else throw ForgeException.badRequest("'gated' must be \"auto\", \"manual\" or false");
        }
        Boolean isPrivate = null;
        if (n.has("private") && !n.get("private").isNull()) {
            if (!n.get("private").isBoolean()) throw ForgeException.badRequest("'private' must be a boolean");
            isPrivate = n.get("private").asBoolean();
        }
        if (n.path("visibility").isTextual()) {
            String v = n.get("visibility").asText();
            if (!v.equals("private") && !v.equals("public")) throw ForgeException.badRequest("'visibility' must be public or private");
            isPrivate = v.equals("private");
        }
        repos.updateSettings(ex.actor(), ex.repoType(), ex.repoId(), isPrivate, gating);
        ex.json(200, Map.of());
    }

    private static Map<String, Object> repoUrl(Exchange ex, RepoType type, RepoId id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", ex.config().url("/" + type.urlPrefix() + id));
        m.put("id", id.toString());
        m.put("name", id.toString());
        return m;
    }

    public static JsonNode readJson(byte[] body) {
        try {
            JsonNode n = Exchange.JSON.readTree(body);
            if (n == null || !n.isObject()) throw ForgeException.badRequest("The request body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ForgeException.badRequest("The request body is not valid JSON");
        }
    }

    /** The JSON object body, or an empty object when the request has no body. */
    static JsonNode optionalJson(Exchange ex) throws IOException {
        byte[] body = ex.bodyBytes(ex.config().limits().maxJsonBodyBytes());
        if (body.length == 0) return Exchange.JSON.createObjectNode();
        return readJson(body);
    }

    public static String encodeCursor(String path) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(path.getBytes(StandardCharsets.UTF_8));
    }

    public static String decodeCursor(String cursor) {
        try {
            return new String(java.util.Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ForgeException.badRequest("Invalid cursor");
        }
    }

    /** The body of create and delete: {@code name}, {@code organization} (null: the caller), {@code type}, visibility. */
    public record RepoRequest(RepoType type, RepoId id, boolean isPrivate) {
        static RepoRequest parse(Exchange ex, JsonNode n) {
            String name = JsonFields.optionalText(n, "name");
            if (name == null) throw ForgeException.badRequest("'name' is required");
            String org = JsonFields.optionalText(n, "organization");
            String ns;
            if (name.contains("/")) {
                RepoId given = RepoId.parse(name);
                ns = given.namespace();
                name = given.name();
            } else if (org != null) {
                ns = org;
            } else {
                ns = ex.actor().requireUser().name();
            }
            RepoType type = RepoType.fromName(JsonFields.optionalText(n, "type"))
                    .orElseThrow(() -> ForgeException.badRequest("'type' must be model, dataset or space"));
            boolean isPrivate = n.path("private").asBoolean(false) || "private".equals(JsonFields.optionalText(n, "visibility"));
            return new RepoRequest(type, new RepoId(ns, name), isPrivate);
        }
    }
}
