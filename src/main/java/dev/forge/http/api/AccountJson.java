package dev.forge.http.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.AccessRequest;
import dev.forge.core.AuditEntry;
import dev.forge.core.Dates;
import dev.forge.core.Membership;
import dev.forge.core.OrgRole;
import dev.forge.core.Token;
import dev.forge.core.User;

import java.util.List;

/**
 * The wire shapes of accounts and access: {@code whoami-v2}, tokens, organisation members, access requests, the
 * audit log, likers. Fields the Hub writes as {@code null} (a user without an e-mail, a token never used) are
 * written as {@code null}; fields it leaves out are left out.
 */
final class AccountJson {
    private AccountJson() {}

    static String avatar(String name) { return "/avatars/" + name; }

    /** {@code whoami-v2} of a user calling with a token. */
    record WhoAmI(String type, String id, String name, String fullname, String email, boolean emailVerified, String avatarUrl,
                  boolean isPro, boolean canPay, String periodEnd, String billingMode, List<OrgJson> orgs, Auth auth) {
        static WhoAmI of(User u, List<Membership> memberships, AccessToken token) {
            List<OrgJson> orgs = memberships.stream().map(m -> new OrgJson("org", m.org().key(), m.org().name(), m.org().fullname(),
                    avatar(m.org().name()), m.role().wire())).toList();
            return new WhoAmI("user", u.key(), u.name(), u.fullname(), u.email(), u.email() != null, avatar(u.name()), false, false,
                    null, "postpaid", orgs, new Auth("access_token", token));
        }
    }

    record OrgJson(String type, String id, String name, String fullname, String avatarUrl, String roleInOrg) {}

    record Auth(String type, AccessToken accessToken) {}

    /** The token a {@code whoami-v2} call was made with; {@code fineGrained} only for fine-grained tokens. */
    record AccessToken(String displayName, String role, String createdAt,
                       @JsonInclude(JsonInclude.Include.NON_NULL) FineGrained fineGrained) {
        static AccessToken of(Token t, FineGrained fineGrained) {
            return new AccessToken(t.displayName(), t.role().wire(), Dates.iso(t.createdAt()), fineGrained);
        }
    }

    /** The Hub's description of a fine-grained token's scopes: which entities, with which permissions. */
    record FineGrained(boolean canReadGatedRepos, List<String> global, List<Scoped> scoped) {}

    record Scoped(Entity entity, List<String> permissions) {}

    /** A repository (with its {@code _id}, type and name) or a user or organisation (type and name). */
    record Entity(@JsonProperty("_id") @JsonInclude(JsonInclude.Include.NON_NULL) String key, String type, String name) {}

    /** A token as {@code /api/tokens} lists it; {@code scopes} for fine-grained tokens; {@code token} (the secret) only when issued. */
    record TokenJson(String id, String name, String role, String createdAt, String lastUsedAt, boolean revoked,
                     @JsonInclude(JsonInclude.Include.NON_NULL) List<ScopeJson> scopes,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String token) {
        static TokenJson of(Token t, List<ScopeJson> scopes, String secret) {
            return new TokenJson(t.key(), t.displayName(), t.role().wire(), Dates.iso(t.createdAt()),
                    t.lastUsedAt() == null ? null : Dates.iso(t.lastUsedAt()), t.isRevoked(),
                    t.role() == Token.Role.FINE_GRAINED ? scopes : null, secret);
        }
    }

    /** A scope as {@code [type:]namespace/name} or a namespace, and {@code read} or {@code write}. */
    record ScopeJson(String type, String target, String permission) {}

    /** A member of an organisation; the role only when the organisation shows roles to the caller. */
    record Member(String type, String user, String fullname, String avatarUrl, @JsonInclude(JsonInclude.Include.NON_NULL) String role) {
        /** @param role null when not shown */
        static Member of(User u, OrgRole role) {
            return new Member("user", u.name(), u.fullname(), avatar(u.name()), role == null ? null : role.wire());
        }
    }

    /** {@code POST /api/signup}. */
    record SignedUp(String name, String id) {}

    /** {@code ask-access}: the request's status. */
    record AccessStatus(String status) {}

    /** An access request to a gated repository; the requester's fields and the rejection reason when there are any. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AccessRequestJson(Requester user, String status, String timestamp, JsonNode fields, String rejectionReason) {
        static AccessRequestJson of(AccessRequest r, JsonNode fields) {
            User u = r.user();
            return new AccessRequestJson(new Requester(u.name(), u.fullname(), u.email(), avatar(u.name())), r.status(),
                    Dates.iso(r.requestedAt()), fields, r.rejectionReason());
        }
    }

    /** The user behind an access request; the e-mail only when they have one. */
    record Requester(String user, String fullname, @JsonInclude(JsonInclude.Include.NON_NULL) String email, String avatarUrl) {}

    /** One audit log entry; every field present, {@code null} where the entry has none. */
    record AuditJson(String id, String at, String actor, String token, String address, String action, String target, JsonNode detail,
                     String outcome) {
        static AuditJson of(AuditEntry e, JsonNode detail) {
            return new AuditJson(e.key(), Dates.iso(e.at()), e.actor(), e.tokenKey(), e.address(), e.action(), e.target(), detail,
                    e.outcome());
        }
    }
}
