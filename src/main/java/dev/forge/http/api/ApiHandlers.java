package dev.forge.http.api;

import dev.forge.service.account.AuthService;
import dev.forge.service.repo.RepoService;
import dev.forge.http.exchange.Errors;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.http.exchange.JsonBody;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.CommitMeta;
import dev.forge.core.ForgeException;
import dev.forge.core.Gating;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.InfoService;
import dev.forge.service.admin.StorageService;
import dev.forge.service.xet.XetService;

import dev.forge.service.mirror.MirrorService;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    private final XetService xet;

    private final MirrorService mirrors;

    /** A mirrored repository's origin in its info: where it comes from, when it was last synced, what was not applied. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record MirrorJson(String upstream, String upstreamRepo, String lastSync, String status, List<String> notApplied) {
        static MirrorJson of(MirrorService.Origin o) {
            return new MirrorJson(o.upstream(), o.upstreamRepo(), o.lastSync() == null ? null : dev.forge.core.Dates.iso(o.lastSync()),
                    o.status(), o.problems().isEmpty() ? null : o.problems());
        }
    }

    public ApiHandlers(AuthService auth, InfoService info, RepoService repos, StorageService storage, XetService xet,
                       MirrorService mirrors) {
        this.xet = xet;
        this.mirrors = mirrors;
        this.auth = auth;
        this.info = info;
        this.repos = repos;
        this.storage = storage;
    }

    public void info(Exchange ex) throws IOException {
        String rev = ex.var("rev") == null ? "HEAD" : ex.var("rev");
        List<String> expand = ex.params("expand");
        boolean needFiles = expand.isEmpty() || expand.contains("siblings");
        boolean blobs = ex.flag("blobs");
        InfoService.Snapshot s = info.snapshot(ex.actor(), ex.repoType(), ex.repoId(), rev, needFiles);
        if (expand.isEmpty() || expand.contains("mirror")) {
            Optional<MirrorService.Origin> origin = mirrors.origin(s.repo());
            if (origin.isPresent()) {  // a mirror's sync state changes without a commit: rendered each time
                com.fasterxml.jackson.databind.node.ObjectNode out = RepoJson.info(s, blobs, expand);
                out.set("mirror", Exchange.JSON.valueToTree(MirrorJson.of(origin.get())));
                ex.json(200, out);
                return;
            }
        }
        // the default fields of a public repository's info are everyone's alike while its refs and its counters stay as
        // they are (expand's may depend on the caller, childrenModelCount, or on other repositories); a mirror's returned above
        if (expand.isEmpty() && !s.repo().isPrivate() && !s.repo().isGated()) ex.memoizableWithCounters(s.repo().key(), s.refGeneration());
        InfoService.Details d = s.details();
        InfoKey key = new InfoKey(s.repo(), s.commit().id(), needFiles, blobs, List.copyOf(expand), d.counters(), d.childrenModelCount());
        byte[] body = rendered.get(key, k -> {
            try {
                return Exchange.JSON.writeValueAsBytes(RepoJson.info(s, blobs, expand));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ex.bytes(200, "application/json", body);
    }

    /**
     * Everything a repository info answer is made of: the repository record (visibility, gating, name), the commit
     * (its card, files and sizes never change), the options asked for, and the figures that do change (counters,
     * derivative count), so an answer is reused only while all of them are what they were. Clients ask for it before
     * every download.
     */
    private record InfoKey(Repo repo, String commit, boolean files, boolean blobs, List<String> expand,
                           dev.forge.core.Counters counters, Optional<Integer> children) {}

    private final com.github.benmanes.caffeine.cache.Cache<InfoKey, byte[]> rendered =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumWeight(32L << 20)
                    .weigher((InfoKey k, byte[] v) -> v.length + 256).build();

    /**
     * The repository's storage over its whole history: {@code usedStorage} (bytes on disk for its LFS objects,
     * chunks shared among them counted once), the logical bytes clients download, and what deduplication saves.
     */
    public void storage(Exchange ex) throws IOException {
        StorageService.Usage u = storage.repoUsage(ex.actor(), ex.repoType(), ex.repoId());
        ex.json(200, new StorageJson(u.storedBytes(), u.logicalBytes(), u.storedBytes(), u.savedBytes(), u.lfsObjects()));
    }

    record StorageJson(long usedStorage, long logicalBytes, long storedBytes, long savedBytes, long lfsObjects) {}

    public void tree(Exchange ex) throws IOException {
        boolean expand = ex.flag("expand");
        int pageSize = ex.intParam("limit", expand ? TREE_PAGE_EXPANDED : TREE_PAGE, 1, TREE_PAGE);
        String cursor = ex.param("cursor").map(ApiHandlers::decodeCursor).orElse(null);
        InfoService.TreePage page = info.tree(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(),
                ex.flag("recursive"), expand, cursor, pageSize);
        if (page.nextCursor() != null) {
            ex.setHeader("Link", "<" + ex.urlWith("cursor", encodeCursor(page.nextCursor())) + ">; rel=\"next\"");
        }
        ex.setHeader("X-Repo-Commit", page.commit());
        // a public listing is everyone's alike while the refs stay where they are
        if (!page.repo().isPrivate() && !page.repo().isGated()) ex.memoizable(page.repo().key(), page.refGeneration(), true, null);
        boolean recursive = ex.flag("recursive");
        ex.bytes(200, "application/json", rendered(new PageKey(page.repo().key(), page.commit(), "tree", page.folder(), recursive, expand,
                cursor, pageSize), page));
    }

    /**
     * What a tree page or a paths-info answer is made of: a commit's listing never changes, so its JSON is kept by
     * (repository key, commit, question) and written as it was. Rendering it took about as long as finding it.
     */
    private record PageKey(String repo, String commit, String kind, String what, boolean recursive, boolean expand, String cursor,
                           int pageSize) {}

    private final com.github.benmanes.caffeine.cache.Cache<PageKey, byte[]> pages =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumWeight(32L << 20)
                    .weigher((PageKey k, byte[] v) -> v.length + k.what().length() * 2 + 128).build();

    private byte[] rendered(PageKey key, InfoService.TreePage page) {
        return pages.get(key, k -> {
            try {
                return Exchange.JSON.writeValueAsBytes(TreeJson.Entry.page(page, this::xetHash));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Optional<String> xetHash(String lfsOid) {
        return xet.fileHash(new dev.forge.core.LfsOid(lfsOid)).map(dev.forge.service.xet.XetHashHex::hex);
    }

    /** A paths-info body: the paths asked for and whether to expand them. */
    public record PathsRequest(List<String> paths, boolean expand) {}

    /** Parses a paths-info body, JSON or a form as the Python client sends it; anything malformed is a 4xx. */
    public static PathsRequest parsePathsInfo(byte[] body, String contentType) {
        List<String> paths = new ArrayList<>();
        boolean expand;
        if (contentType != null && contentType.startsWith("application/json")) {
            PathsInfoRequest r = JsonBody.parse(body, PathsInfoRequest.class);
            paths.addAll(r.paths());
            expand = r.expand();
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
        InfoService.TreePage page = info.pathsInfo(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), req.paths(), req.expand());
        if (req.paths().size() > 64) {
            ex.json(200, TreeJson.Entry.page(page, this::xetHash));
            return;
        }
        ex.bytes(200, "application/json", rendered(new PageKey(page.repo().key(), page.commit(), "paths",
                String.join("\0", req.paths()), false, req.expand(), null, 0), page));
    }

    /** The JSON form of paths-info (the JS client's); the Python client posts a form. */
    record PathsInfoRequest(List<String> paths, boolean expand) {
        PathsInfoRequest {
            if (paths == null || paths.contains(null)) throw ForgeException.badRequest("'paths' must be a list of strings");
        }
    }

    public void refs(Exchange ex) throws IOException {
        InfoService.Refs refs = info.refs(ex.actor(), ex.repoType(), ex.repoId());
        ex.json(200, TreeJson.Refs.of(refs, ex.flag("include_prs")));
    }

    public void commits(Exchange ex) throws IOException {
        int limit = ex.intParam("limit", 50, 1, 1000);
        int page = ex.intParam("p", 0, 0, 1_000_000);
        InfoService.CommitPage cp = info.commits(ex.actor(), ex.repoType(), ex.repoId(), ex.tailSegments(), page, limit);
        boolean formatted = ex.params("expand").contains("formatted");
        List<TreeJson.Commit> out = new ArrayList<>();
        for (CommitMeta c : cp.commits()) out.add(TreeJson.Commit.of(c, formatted));
        ex.setHeader("X-Total-Count", Long.toString(cp.total()));
        if (cp.hasMore()) ex.setHeader("Link", "<" + ex.urlWith("p", Integer.toString(page + 1)) + ">; rel=\"next\"");
        ex.json(200, out);
    }

    /** {@code huggingface_hub.auth_check}: 200 when the caller may read the files, else the error it would get. */
    public void authCheck(Exchange ex) throws IOException {
        repos.filesReadable(ex.actor(), ex.repoType(), ex.repoId());
        ex.ok();
    }

    /**
     * What a fine-grained token reaches: repositories and namespaces, with their permissions. A repository the user can
     * no longer read (deleted, or private after they left its organisation) is not named: its current name would tell a
     * former member where it went.
     */
    private AccountJson.FineGrained fineGrained(User user, Token t) {
        List<AccountJson.Scoped> scoped = new ArrayList<>();
        for (TokenScope s : t.scopes()) {
            AccountJson.Entity entity;
            if (s.kind() == TokenScope.Kind.REPO) {
                Optional<Repo> repo = repos.readableByKey(user, s.target());
                if (repo.isEmpty()) continue; // deleted, or no longer readable by the token's owner
                entity = new AccountJson.Entity(s.target(), repo.get().type().singular(), repo.get().displayId());
            } else {
                entity = new AccountJson.Entity(null, auth.org(s.target()).isPresent() ? "org" : "user", s.target());
            }
            scoped.add(new AccountJson.Scoped(entity, s.write() ? List.of("repo.content.read", "repo.write") : List.of("repo.content.read")));
        }
        return new AccountJson.FineGrained(false, List.of(), scoped);
    }

    public void whoami(Exchange ex) throws IOException {
        if (!(ex.actor() instanceof Actor.Signed actor)) throw ForgeException.unauthorized("Invalid user token");
        Token t = actor.token();
        AccountJson.AccessToken token = AccountJson.AccessToken.of(t, t.role() == Token.Role.FINE_GRAINED ? fineGrained(actor.user(), t) : null);
        ex.json(200, AccountJson.WhoAmI.of(actor.user(), auth.memberships(actor.user()), token));
    }

    public void validateYaml(Exchange ex) throws IOException {
        String content = yamlContent(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        List<CardProblem> errors = info.cardProblems(content).stream().map(CardProblem::new).toList();
        ex.json(errors.isEmpty() ? 200 : 400, new CardProblems(errors, List.of()));
    }

    /** The card of a {@code validate-yaml} body {@code {"content": "<card>"}}; a malformed body is a 4xx. */
    public static String yamlContent(byte[] body) {
        return JsonBody.parse(body, ValidateYamlRequest.class).content();
    }

    record ValidateYamlRequest(String content) {
        ValidateYamlRequest {
            if (content == null) throw ForgeException.badRequest("'content' must be a string");
        }
    }

    record CardProblems(List<CardProblem> errors, List<CardProblem> warnings) {}

    record CardProblem(String message) {}

    public void createRepo(Exchange ex) throws IOException {
        RepoRequest r = RepoRequest.of(ex, JsonBody.read(ex, RepoBody.class));
        try {
            Repo repo = repos.create(ex.actor(), r.type(), r.id(), r.isPrivate());
            ex.json(200, RepoUrl.of(ex, repo.type(), repo.id(), null));
        } catch (ForgeException e) {
            if (e.kind() != dev.forge.core.ErrorKind.CONFLICT) throw e;
            ex.setHeader("X-Error-Message", Errors.headerSafe(e.getMessage()));
            ex.json(409, RepoUrl.of(ex, r.type(), r.id(), e.getMessage()));
        }
    }

    public void deleteRepo(Exchange ex) throws IOException {
        RepoRequest r = RepoRequest.of(ex, JsonBody.read(ex, RepoBody.class));
        repos.delete(ex.actor(), r.type(), r.id());
        ex.ok();
    }

    public void moveRepo(Exchange ex) throws IOException {
        MoveRequest r = JsonBody.read(ex, MoveRequest.class);
        Repo moved = repos.move(ex.actor(), r.repoType(), RepoId.parse(r.fromRepo()), RepoId.parse(r.toRepo()));
        ex.json(200, RepoUrl.of(ex, moved.type(), moved.id(), null));
    }

    /** {@code {"fromRepo", "toRepo", "type"}}. */
    record MoveRequest(String fromRepo, String toRepo, String type) {
        MoveRequest {
            if (fromRepo == null || toRepo == null) throw ForgeException.badRequest("'fromRepo' and 'toRepo' are required");
        }

        RepoType repoType() {
            return RepoType.fromName(type).orElseThrow(() -> ForgeException.badRequest("'type' must be model, dataset or space"));
        }
    }

    public void settings(Exchange ex) throws IOException {
        SettingsRequest r = JsonBody.read(ex, SettingsRequest.class);
        repos.updateSettings(ex.actor(), ex.repoType(), ex.repoId(), r.isPrivate(), r.gating());
        ex.ok();
    }

    /**
     * {@code {"gated": "auto"|"manual"|false, "private": bool, "visibility": "public"|"private"}}, each optional (null:
     * unchanged); {@code visibility} wins over {@code private}.
     */
    record SettingsRequest(JsonNode gated, @JsonProperty("private") Boolean privateFlag, String visibility) {
        SettingsRequest {
            gating(gated);
            isPrivate(privateFlag, visibility);
        }

        /** The new gating, or null to keep it. */
        Gating gating() { return gating(gated); }

        /** The new visibility, or null to keep it. */
        Boolean isPrivate() { return isPrivate(privateFlag, visibility); }

        private static Gating gating(JsonNode gated) {
            if (gated == null || gated.isNull()) return null;
            if (gated.isBoolean() && !gated.asBoolean()) return Gating.NONE;
            if (gated.isTextual() && gated.asText().equals("auto")) return Gating.AUTO;
            if (gated.isTextual() && gated.asText().equals("manual")) return Gating.MANUAL;
            throw ForgeException.badRequest("'gated' must be \"auto\", \"manual\" or false");
        }

        private static Boolean isPrivate(Boolean privateFlag, String visibility) {
            if (visibility == null) return privateFlag;
            if (!visibility.equals("private") && !visibility.equals("public")) throw ForgeException.badRequest("'visibility' must be public or private");
            return visibility.equals("private");
        }
    }

    /** A repository's URL and name: the answer of create and move (and of a create that found it existing, with the error). */
    record RepoUrl(String url, String id, String name, @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
        static RepoUrl of(Exchange ex, RepoType type, RepoId id, String error) {
            return new RepoUrl(ex.config().url("/" + type.urlPrefix() + id), id.toString(), id.toString(), error);
        }
    }

    /**
     * A free-form JSON object body (fields kept as sent). Endpoints with a fixed shape bind a request record with
     * {@link JsonBody} instead.
     */
    public static JsonNode readJson(byte[] body) {
        return JsonBody.object(body);
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

    /** The body of create and delete: {@code name}, {@code organization} (absent: the caller), {@code type}, visibility. */
    record RepoBody(String name, String organization, String type,
                    @JsonProperty("private") Boolean isPrivate, String visibility) {
        RepoBody {
            if (name == null) throw ForgeException.badRequest("'name' is required");
        }
    }

    /** What create and delete act on: the type, the full id (the caller's namespace when none is named), visibility. */
    record RepoRequest(RepoType type, RepoId id, boolean isPrivate) {
        static RepoRequest of(Exchange ex, RepoBody b) {
            String name = b.name();
            String ns;
            if (name.contains("/")) {
                RepoId given = RepoId.parse(name);
                ns = given.namespace();
                name = given.name();
            } else if (b.organization() != null) {
                ns = b.organization();
            } else {
                ns = ex.actor().requireUser().name();
            }
            RepoType type = RepoType.fromName(b.type()).orElseThrow(() -> ForgeException.badRequest("'type' must be model, dataset or space"));
            boolean isPrivate = Boolean.TRUE.equals(b.isPrivate()) || "private".equals(b.visibility());
            return new RepoRequest(type, new RepoId(ns, name), isPrivate);
        }
    }
}
