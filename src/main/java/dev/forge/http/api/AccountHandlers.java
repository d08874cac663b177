package dev.forge.http.api;

import dev.forge.service.account.AuditLog;
import dev.forge.service.account.AuthService;
import dev.forge.service.repo.RepoService;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.FormBody;
import dev.forge.http.exchange.JsonBody;
import dev.forge.service.repo.AccessRequestService;

import dev.forge.core.AuditEntry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.core.ForgeException;
import dev.forge.core.MembersVisibility;
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
import java.util.List;

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
        SignUpRequest r = JsonBody.read(ex, SignUpRequest.class);
        User u = auth.signUp(Actor.anonymous(ex.clientAddress()), r.username(), r.fullname(), r.email(), r.password());
        ex.json(200, new AccountJson.SignedUp(u.name(), u.key()));
    }

    record SignUpRequest(String username, String fullname, String email, String password) {
        SignUpRequest {
            required("username", username);
            required("password", password);
        }
    }

    /** A 400 naming the field when a required string is missing. */
    static void required(String field, String value) {
        if (value == null) throw ForgeException.badRequest("'" + field + "' must be a string");
    }

    /**
     * {@code POST /api/tokens}: issues a token to the caller, who proves who they are with a token (Authorization)
     * or with {@code "username"} and {@code "password"} in the body. The secret is in this answer only.
     */
    public void createToken(Exchange ex) throws IOException {
        TokenRequest r = JsonBody.read(ex, TokenRequest.class);
        Actor by = r.password() == null ? ex.actor() : auth.loginForRequest(r.username(), r.password(), ex.clientAddress());
        Token.Role role = r.role();
        List<TokenScope> scopes = new ArrayList<>();
        for (ScopeRequest s : r.scopes()) scopes.add(s.scope(this, by));
        var issued = auth.createOwnToken(by, r.name(), role, scopes);
        ex.json(200, describe(by.requireUser(), issued.token(), issued.secret()));
    }

    /**
     * {@code {"name", "role"?, "scopes"?, "username"?, "password"?}}; scopes as {@code [{"type": "repo", "repo":
     * "model:acme/llm", "permission": "write"}, {"type": "namespace", "name": "acme", "permission": "read"}]}.
     */
    record TokenRequest(String name, @JsonProperty("role") String roleName, List<ScopeRequest> scopes,
                        String username, String password) {
        TokenRequest {
            if (password != null) required("username", username);
            required("name", name);
            if (scopes != null && (scopes.size() > 100 || scopes.contains(null))) {
                throw ForgeException.badRequest("'scopes' must be a list of at most 100 entries");
            }
            scopes = scopes == null ? List.of() : scopes;
        }

        Token.Role role() { return Token.Role.parse(roleName == null ? "read" : roleName); }
    }

    /** One scope asked for; a repository must be readable by the token's user. */
    record ScopeRequest(String type, String repo, String name, String permission) {
        ScopeRequest {
            if (permission != null && !permission.equals("read") && !permission.equals("write")) {
                throw ForgeException.badRequest("'permission' must be read or write");
            }
            required("type", type);
            if (type.equals("repo")) required("repo", repo);
            else if (type.equals("namespace") || type.equals("mirror")) required("name", name);
            else throw ForgeException.badRequest("A scope's type must be repo, namespace or mirror");
        }

        TokenScope scope(AccountHandlers handlers, Actor by) {
            boolean write = "write".equals(permission);
            if (type.equals("repo")) return new TokenScope(TokenScope.Kind.REPO, handlers.repoScopeTarget(by, repo), write);
            if (!RepoId.isValidPart(name)) throw ForgeException.badRequest("Invalid namespace '" + dev.forge.core.Strings.clip(name, 100) + "'");
            TokenScope.Kind kind = type.equals("mirror") ? TokenScope.Kind.MIRROR : TokenScope.Kind.NAMESPACE;
            return new TokenScope(kind, name.toLowerCase(java.util.Locale.ROOT), write);
        }
    }

    /** {@code GET /api/tokens}: the caller's tokens, without secrets. */
    public void listTokens(Exchange ex) throws IOException {
        List<AccountJson.TokenJson> out = new ArrayList<>();
        for (Token t : auth.ownTokens(ex.actor())) out.add(describe(ex.actor().requireUser(), t, null));
        ex.json(200, out);
    }

    /** {@code DELETE /api/tokens/{id}}: revokes one of the caller's tokens (any token, for a site admin). */
    public void revokeToken(Exchange ex) throws IOException {
        auth.revokeToken(ex.actor(), ex.var("id"));
        ex.ok();
    }

    /** A token as its owner sees it; a repository scope the owner can no longer read is not named (see ApiHandlers.fineGrained). */
    private AccountJson.TokenJson describe(User owner, Token t, String secret) {
        List<AccountJson.ScopeJson> scopes = new ArrayList<>();
        for (TokenScope s : t.scopes()) {
            String target = s.kind() == TokenScope.Kind.REPO
                    ? repos.readableByKey(owner, s.target()).map(r -> r.type().singular() + ":" + r.displayId()).orElse("(deleted or not readable)")
                    : s.target();
            scopes.add(new AccountJson.ScopeJson(s.kind().wire(), target, s.write() ? "write" : "read"));
        }
        return AccountJson.TokenJson.of(t, scopes, secret);
    }

    /** {@code [type:]namespace/name} → the repository's key; the user must be able to read it. */
    public String repoScopeTarget(Actor by, String spec) {
        RepoType type = RepoType.MODEL;
        int colon = spec.indexOf(':');
        if (colon > 0) {
            type = RepoType.fromName(spec.substring(0, colon)).orElseThrow(() -> ForgeException.badRequest("Unknown repository type in '" + spec + "'"));
        }
        Repo repo = repos.readable(Actor.internal(by.requireUser()).at(by.address()), type, RepoId.parse(spec.substring(colon + 1)));
        return repo.key();
    }

    // ------------------------------------------------------------------------------ organisation members

    /** {@code GET /api/organizations/{org}/members}, as on the Hub: as much of it as the organisation shows the caller. */
    public void members(Exchange ex) throws IOException {
        Org org = org(ex);
        MembersVisibility shown = auth.membersVisibleTo(ex.actor(), org);
        List<AccountJson.Member> out = shown == MembersVisibility.NONE ? List.of()
                : auth.members(org).stream().map(m -> AccountJson.Member.of(m.getKey(), shown == MembersVisibility.ROLES ? m.getValue() : null)).toList();
        ex.json(200, out);
    }

    /** {@code PUT /api/organizations/{org}/settings} {@code {"membersVisibility": "none|names|roles"}}: organisation admins only. */
    public void orgSettings(Exchange ex) throws IOException {
        Org org = org(ex);
        MembersVisibility v = MembersVisibility.parse(JsonBody.read(ex, OrgSettings.class).membersVisibility());
        auth.setMembersVisibility(ex.actor(), org, v);
        ex.json(200, new OrgSettings(v.wire()));
    }

    /** An organisation's settings, asked for and answered. */
    record OrgSettings(String membersVisibility) {
        OrgSettings {
            required("membersVisibility", membersVisibility);
        }
    }

    /** {@code PUT /api/organizations/{org}/members/{user}} {@code {"role": "write"}}: adds a member or changes the role. */
    public void setMember(Exchange ex) throws IOException {
        Org org = org(ex);
        String role = JsonBody.read(ex, RoleRequest.class).role();
        auth.setMember(ex.actor(), org, user(ex.var("user")), OrgRole.parse(role));
        ex.ok();
    }

    record RoleRequest(String role) {
        RoleRequest {
            required("role", role);
        }
    }

    public void removeMember(Exchange ex) throws IOException {
        Org org = org(ex);
        auth.removeMember(ex.actor(), org, user(ex.var("user")));
        ex.ok();
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
                    : JsonBody.object(body);
            fields = n.toString();
        }
        String status = accessRequests.ask(ex.actor(), ex.repoType(), ex.repoId(), fields);
        ex.json(200, new AccountJson.AccessStatus(status));
    }

    /** {@code GET /api/{type}/{id}/user-access-request/{status}}: a page of requests, oldest first, with a Link to the next. */
    public void listAccessRequests(Exchange ex) throws IOException {
        int page = ex.intParam("p", 0, 0, 1_000_000);
        var requests = accessRequests.list(ex.actor(), ex.repoType(), ex.repoId(), ex.var("status"), page * ACCESS_REQUEST_PAGE,
                ACCESS_REQUEST_PAGE + 1);
        List<AccountJson.AccessRequestJson> out = new ArrayList<>();
        for (var r : requests.subList(0, Math.min(requests.size(), ACCESS_REQUEST_PAGE))) {
            out.add(AccountJson.AccessRequestJson.of(r, r.fields() == null ? null : Exchange.JSON.readTree(r.fields())));
        }
        if (requests.size() > ACCESS_REQUEST_PAGE) {
            ex.setHeader("Link", "<" + ex.urlWith("p", Integer.toString(page + 1)) + ">; rel=\"next\"");
        }
        ex.json(200, out);
    }

    /** {@code POST …/user-access-request/handle} {@code {"user", "status", "rejectionReason"?}}. */
    public void handleAccessRequest(Exchange ex) throws IOException {
        HandleRequest r = JsonBody.read(ex, HandleRequest.class);
        accessRequests.handle(ex.actor(), ex.repoType(), ex.repoId(), r.user(), r.status(), r.rejectionReason());
        ex.ok();
    }

    record HandleRequest(String user, String status, String rejectionReason) {
        HandleRequest {
            required("user", user);
            required("status", status);
        }
    }

    /** {@code POST …/user-access-request/grant} {@code {"user"}}. */
    public void grantAccess(Exchange ex) throws IOException {
        accessRequests.grant(ex.actor(), ex.repoType(), ex.repoId(), JsonBody.read(ex, GrantRequest.class).user());
        ex.ok();
    }

    record GrantRequest(String user) {
        GrantRequest {
            required("user", user);
        }
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
        List<AccountJson.AuditJson> out = new ArrayList<>();
        for (AuditEntry e : entries) out.add(AccountJson.AuditJson.of(e, e.detail() == null ? null : Exchange.JSON.readTree(e.detail())));
        if (entries.size() == limit) ex.setHeader("Link", "<" + ex.urlWith("before", entries.getLast().key()) + ">; rel=\"next\"");
        ex.json(200, out);
    }
}
