package dev.forge.http.api;

import dev.forge.service.account.AuditLog;
import dev.forge.service.account.AuthService;
import dev.forge.service.repo.RepoService;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.http.exchange.JsonFields;
import dev.forge.service.repo.AccessRequestService;

import dev.forge.core.AuditEntry;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Dates;
import dev.forge.core.ForgeException;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accounts and access: sign-up, tokens (create with a password or a token, list, revoke), organisation members,
 * access requests to gated repositories (the Hub's {@code user-access-request} endpoints), and the audit log.
 */
public final class AccountHandlers {
    private static final int ACCESS_REQUEST_PAGE = 100;

    private final AccessRequestService accessRequests;
    private final AuditLog audit;
    private final AuthService auth;
    private final RepoService repos;

    public AccountHandlers(AccessRequestService accessRequests, AuditLog audit, AuthService auth, RepoService repos) {
        this.accessRequests = accessRequests;
        this.audit = audit;
        this.auth = auth;
        this.repos = repos;
    }

    // ----------------------------------------------------------------------------------- sign-up, tokens

    /** {@code POST /api/signup} {@code {"username", "password", "email"?, "fullname"?}}, when sign-up is open. */
    public void signUp(Exchange ex) throws IOException {
        JsonNode n = json(ex);
        User u = auth.signUp(Actor.anonymous(ex.clientAddress()), JsonFields.requiredText(n, "username"),
                JsonFields.optionalText(n, "fullname"), JsonFields.optionalText(n, "email"), JsonFields.requiredText(n, "password"));
        ex.json(200, Map.of("name", u.name(), "id", u.key()));
    }

    /**
     * {@code POST /api/tokens}: issues a token to the caller, who proves who they are with a token (Authorization)
     * or with {@code "username"} and {@code "password"} in the body. The secret is in this answer only.
     */
    public void createToken(Exchange ex) throws IOException {
        JsonNode n = json(ex);
        String password = JsonFields.optionalText(n, "password");
        Actor by = password == null ? ex.actor() : auth.loginForRequest(JsonFields.requiredText(n, "username"), password, ex.clientAddress());
        Token.Role role = Token.Role.parse(n.path("role").asText("read"));
        List<TokenScope> scopes = scopes(by, n.path("scopes"));
        var issued = auth.createOwnToken(by, JsonFields.requiredText(n, "name"), role, scopes);
        Map<String, Object> out = describe(by.requireUser(), issued.token());
        out.put("token", issued.secret());
        ex.json(200, out);
    }

    /** {@code GET /api/tokens}: the caller's tokens, without secrets. */
    public void listTokens(Exchange ex) throws IOException {
        List<Object> out = new ArrayList<>();
        List<Token> tokens = auth.ownTokens(ex.actor());
        for (Token t : tokens) out.add(describe(ex.actor().requireUser(), t));
        ex.json(200, out);
    }

    /** {@code DELETE /api/tokens/{id}}: revokes one of the caller's tokens (any token, for a site admin). */
    public void revokeToken(Exchange ex) throws IOException {
        auth.revokeToken(ex.actor(), ex.var("id"));
        ex.json(200, Map.of());
    }

    /** A token as its owner sees it; a repository scope the owner can no longer read is not named (see ApiHandlers.fineGrained). */
    private Map<String, Object> describe(User owner, Token t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.key());
        m.put("name", t.displayName());
        m.put("role", t.role().wire());
        m.put("createdAt", Dates.iso(t.createdAt()));
        m.put("lastUsedAt", t.lastUsedAt() == null ? null : Dates.iso(t.lastUsedAt()));
        m.put("revoked", t.isRevoked());
        List<Object> scopes = new ArrayList<>();
        for (TokenScope s : t.scopes()) {
            String target = s.kind() == TokenScope.Kind.REPO
                    ? repos.readableByKey(owner, s.target()).map(r -> r.type().singular() + ":" + r.displayId()).orElse("(deleted or not readable)")
                    : s.target();
            scopes.add(Map.of("type", s.kind().wire(), "target", target, "permission", s.write() ? "write" : "read"));
        }
        if (t.role() == Token.Role.FINE_GRAINED) m.put("scopes", scopes);
        return m;
    }

    /**
     * Scopes as {@code [{"type": "repo", "repo": "model:acme/llm", "permission": "write"},
     * {"type": "namespace", "name": "acme", "permission": "read"}]}. A repository must be readable by the user.
     */
    private List<TokenScope> scopes(Actor by, JsonNode list) {
        if (list.isMissingNode() || list.isNull()) return List.of();
        if (!list.isArray() || list.size() > 100) throw ForgeException.badRequest("'scopes' must be a list of at most 100 entries");
        List<TokenScope> out = new ArrayList<>();
        for (JsonNode s : list) {
            if (!s.isObject()) throw ForgeException.badRequest("Each scope must be an object");
            String permission = s.path("permission").asText("read");
            if (!permission.equals("read") && !permission.equals("write")) throw ForgeException.badRequest("'permission' must be read or write");
            boolean write = permission.equals("write");
            String type = JsonFields.requiredText(s, "type");
            if (type.equals("repo")) {
                out.add(new TokenScope(TokenScope.Kind.REPO, repos.scopeTarget(by, JsonFields.requiredText(s, "repo")), write));
            } else if (type.equals("namespace")) {
                String name = JsonFields.requiredText(s, "name");
                if (!RepoId.isValidPart(name)) throw ForgeException.badRequest("Invalid namespace '" + dev.forge.core.Strings.clip(name, 100) + "'");
                out.add(new TokenScope(TokenScope.Kind.NAMESPACE, name.toLowerCase(java.util.Locale.ROOT), write));
            } else {
                throw ForgeException.badRequest("A scope's type must be repo or namespace");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------ organisation members

    /** {@code GET /api/organizations/{org}/members}, as on the Hub. */
    /** The member list, as much of it as the organisation shows the caller ({@link dev.forge.core.MembersVisibility}). */
    public void members(Exchange ex) throws IOException {
        Org org = org(ex);
        dev.forge.core.MembersVisibility shown = auth.membersVisibleTo(ex.actor(), org);
        List<Object> out = new ArrayList<>();
        if (shown != dev.forge.core.MembersVisibility.NONE) {
            for (Map.Entry<User, OrgRole> m : auth.members(org)) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("type", "user");
                o.put("user", m.getKey().name());
                o.put("fullname", m.getKey().fullname());
                o.put("avatarUrl", "/avatars/" + m.getKey().name());
                if (shown == dev.forge.core.MembersVisibility.ROLES) o.put("role", m.getValue().wire());
                out.add(o);
            }
        }
        ex.json(200, out);
    }

    /** {@code PUT /api/organizations/{org}/settings} {@code {"membersVisibility": "none|names|roles"}}: organisation admins only. */
    public void orgSettings(Exchange ex) throws IOException {
        Org org = org(ex);
        dev.forge.core.MembersVisibility v = dev.forge.core.MembersVisibility.parse(JsonFields.requiredText(json(ex), "membersVisibility"));
        auth.setMembersVisibility(ex.actor(), org, v);
        ex.json(200, Map.of("membersVisibility", v.wire()));
    }

    /** {@code PUT /api/organizations/{org}/members/{user}} {@code {"role": "write"}}: adds a member or changes the role. */
    public void setMember(Exchange ex) throws IOException {
        Org org = org(ex);
        OrgRole role = OrgRole.parse(JsonFields.requiredText(json(ex), "role"));
        auth.setMember(ex.actor(), org, user(ex.var("user")), role);
        ex.json(200, Map.of());
    }

    public void removeMember(Exchange ex) throws IOException {
        Org org = org(ex);
        auth.removeMember(ex.actor(), org, user(ex.var("user")));
        ex.json(200, Map.of());
    }

    private Org org(Exchange ex) {
        return auth.org(ex.var("org")).orElseThrow(() -> ForgeException.notFound("No organisation named '" + ex.var("org") + "'"));
    }

    private User user(String name) {
        return auth.user(name).orElseThrow(() -> ForgeException.notFound("No user named '" + name + "'"));
    }

    // ------------------------------------------------------------------------------------ access requests

    /** {@code POST /{repo}/ask-access} (and under {@code /api}): asks for access; the body's fields are kept. */
    public void askAccess(Exchange ex) throws IOException {
        byte[] body = ex.bodyBytes(dev.forge.service.repo.AccessRequestService.MAX_FIELDS_BYTES + 1L);
        String fields = null;
        if (body.length > 0) {
            String type = ex.header("Content-Type");
            JsonNode n = type != null && type.startsWith("application/x-www-form-urlencoded")
                    ? Exchange.JSON.valueToTree(FormBody.parse(new String(body, java.nio.charset.StandardCharsets.UTF_8)))
                    : ApiHandlers.readJson(body);
            fields = n.toString();
        }
        String status = accessRequests.ask(ex.actor(), ex.repoType(), ex.repoId(), fields);
        ex.json(200, Map.of("status", status));
    }

    /** {@code GET /api/{type}/{id}/user-access-request/{status}}: a page of requests, oldest first, with a Link to the next. */
    public void listAccessRequests(Exchange ex) throws IOException {
        int page = ex.intParam("p", 0, 0, 1_000_000);
        var requests = accessRequests.list(ex.actor(), ex.repoType(), ex.repoId(), ex.var("status"), page * ACCESS_REQUEST_PAGE,
                ACCESS_REQUEST_PAGE + 1);
        List<Object> out = new ArrayList<>();
        for (var r : requests.subList(0, Math.min(requests.size(), ACCESS_REQUEST_PAGE))) {
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("user", r.user().name());
            user.put("fullname", r.user().fullname());
            if (r.user().email() != null) user.put("email", r.user().email());
            user.put("avatarUrl", "/avatars/" + r.user().name());
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("user", user);
            item.put("status", r.status());
            item.put("timestamp", Dates.iso(r.requestedAt()));
            if (r.fields() != null) item.put("fields", Exchange.JSON.readTree(r.fields()));
            if (r.rejectionReason() != null) item.put("rejectionReason", r.rejectionReason());
            out.add(item);
        }
        if (requests.size() > ACCESS_REQUEST_PAGE) {
            ex.setHeader("Link", "<" + ex.urlWith("p", Integer.toString(page + 1)) + ">; rel=\"next\"");
        }
        ex.json(200, out);
    }

    /** {@code POST …/user-access-request/handle} {@code {"user", "status", "rejectionReason"?}}. */
    public void handleAccessRequest(Exchange ex) throws IOException {
        JsonNode n = json(ex);
        accessRequests.handle(ex.actor(), ex.repoType(), ex.repoId(), JsonFields.requiredText(n, "user"),
                JsonFields.requiredText(n, "status"), JsonFields.optionalText(n, "rejectionReason"));
        ex.json(200, Map.of());
    }

    /** {@code POST …/user-access-request/grant} {@code {"user"}}. */
    public void grantAccess(Exchange ex) throws IOException {
        accessRequests.grant(ex.actor(), ex.repoType(), ex.repoId(), JsonFields.requiredText(json(ex), "user"));
        ex.json(200, Map.of());
    }

    // ------------------------------------------------------------------------------------------- audit

    /**
     * {@code GET /api/admin/audit?actor=&action=&target=&since=&limit=&before=}: newest first, for site admins.
     * {@code action} ending in a dot matches a family ({@code repo.}); {@code before} is the last entry's id of a page.
     */
    public void audit(Exchange ex) throws IOException {
        Instant since = ex.param("since").map(s -> {
            try {
                return Instant.parse(s);
            } catch (java.time.format.DateTimeParseException e) {
                throw ForgeException.badRequest("'since' must be an ISO-8601 instant such as 2026-01-01T00:00:00Z");
            }
        }).orElse(null);
        int limit = ex.intParam("limit", 100, 1, 1000);
        List<AuditEntry> entries = audit.query(ex.actor(), new AuditEntry.Query(ex.param("actor").orElse(null),
                ex.param("action").orElse(null), ex.param("target").orElse(null), since, ex.param("before").orElse(null), limit));
        List<Object> out = new ArrayList<>();
        for (AuditEntry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.key());
            m.put("at", Dates.iso(e.at()));
            m.put("actor", e.actor());
            m.put("token", e.tokenKey());
            m.put("address", e.address());
            m.put("action", e.action());
            m.put("target", e.target());
            m.put("detail", e.detail() == null ? null : Exchange.JSON.readTree(e.detail()));
            m.put("outcome", e.outcome());
            out.add(m);
        }
        if (entries.size() == limit) ex.setHeader("Link", "<" + ex.urlWith("before", entries.getLast().key()) + ">; rel=\"next\"");
        ex.json(200, out);
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static JsonNode json(Exchange ex) throws IOException {
        return ApiHandlers.readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
    }
}
