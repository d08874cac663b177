package dev.forge.http.web;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.RepoId;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.account.AuthService;
import dev.forge.service.account.Sessions;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Accounts: signing in and out (a browser session), the profile and password, access tokens (create with a role or
 * fine-grained scopes, shown once, revoke), and an organisation's members and roles. Every change goes through the
 * account service, which decides who may do it, exactly as for the API.
 */
public final class AccountPages {
    private final Pages pages;
    private final Sessions sessions;
    private final AuthService auth;
    private final RepoService repos;

    public AccountPages(Pages pages, Sessions sessions, AuthService auth, RepoService repos) {
        this.pages = pages;
        this.sessions = sessions;
        this.auth = auth;
        this.repos = repos;
    }

    // ------------------------------------------------------------------------------------------- sign in and out

    public record LoginView(String username, String next, Optional<String> error) {}

    public void loginForm(Exchange ex) {
        String next = pages.returnTo(ex.param("next"));
        pages.render(ex, 200, "login.jte", pages.frame(ex, "Sign in"), new LoginView("", next, Optional.empty()));
    }

    public void login(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        String name = f.optional("username").map(String::strip).orElse("");
        String next = pages.returnTo(f.optional("next"));
        Sessions.SignedIn s;
        try {
            s = sessions.signIn(name, f.optional("password").orElse(""), ex.clientAddress());
        } catch (ForgeException e) {
            if (e.kind() != ErrorKind.UNAUTHORIZED) throw e;
            pages.render(ex, 401, "login.jte", pages.frame(ex, "Sign in"), new LoginView(name, next, Optional.of(e.getMessage())));
            return;
        }
        pages.startSession(ex, s);
        ex.redirect(303, next);
    }

    public void logout(Exchange ex) throws IOException {
        pages.form(ex);
        ex.cookie(Exchange.SESSION_COOKIE).ifPresent(secret -> sessions.signOut(secret, ex.actor()));
        pages.endSession(ex);
        ex.redirect(303, pages.links().home());
    }

    // ------------------------------------------------------------------------------------------- profile and password

    public record ProfileView(User user, Optional<String> notice, int sessions) {}

    public void profile(Exchange ex) {
        User u = ex.actor().requireUser();
        render(ex, u, ex.param("saved").map(s -> s.equals("password") ? "Your password was changed; other browsers were signed out."
                : "Your profile was saved."));
    }

    private void render(Exchange ex, User u, Optional<String> notice) {
        pages.render(ex, 200, "profile.jte", pages.frame(ex, "Profile"), new ProfileView(u, notice, sessions.count(u)));
    }

    public void saveProfile(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        auth.updateProfile(ex.actor(), f.optional("fullname").orElse(""), f.optional("email").orElse(""));
        ex.redirect(303, pages.links().profile() + "?saved=profile");
    }

    public void changePassword(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        String replacement = f.optional("new_password").orElse("");
        if (!replacement.equals(f.optional("confirm_password").orElse(""))) throw ForgeException.badRequest("The two new passwords differ");
        try {
            auth.changePassword(ex.actor(), f.optional("current_password").orElse(""), replacement);
        } catch (ForgeException e) {
            if (e.kind() == ErrorKind.UNAUTHORIZED) throw new ForgeException(ErrorKind.FORBIDDEN, "The current password is not right");
            throw e;
        }
        sessions.signOutOthers(ex.actor(), ex.sessionKey());
        ex.redirect(303, pages.links().profile() + "?saved=password");
    }

    // ------------------------------------------------------------------------------------------- tokens

    /** A token and what its scopes reach, readably ({@code acme/llm (write)}, {@code acme/* (read)}). */
    public record TokenRow(Token token, List<String> scopes) {}

    /** @param created the token just made, with its secret: shown on this one page and never again */
    public record TokensView(List<TokenRow> tokens, Optional<AuthService.IssuedToken> created) {}

    public void tokens(Exchange ex) {
        pages.render(ex, 200, "tokens.jte", pages.frame(ex, "Access tokens"), new TokensView(rows(auth.ownTokens(ex.actor())), Optional.empty()));
    }

    /**
     * Creates a token. Fine-grained ones name repositories ({@code [type:]ns/name}, one a line) and namespaces, read or
     * write; the secret is shown in the answer to this POST only (not after a redirect, so it never sits in a URL).
     */
    public void createToken(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        Token.Role role = Token.Role.parse(f.optional("role").orElse("read"));
        List<TokenScope> scopes = new ArrayList<>();
        if (role == Token.Role.FINE_GRAINED) {
            boolean write = f.optional("scope_permission").orElse("read").equals("write");
            for (String line : lines(f.optional("scope_repos").orElse(""))) {
                scopes.add(new TokenScope(TokenScope.Kind.REPO, repos.scopeTarget(ex.actor(), line), write));
            }
            for (String ns : lines(f.optional("scope_namespaces").orElse(""))) {
                if (!RepoId.isValidPart(ns)) throw ForgeException.badRequest("Invalid namespace '" + dev.forge.core.Strings.clip(ns, 100) + "'");
                scopes.add(new TokenScope(TokenScope.Kind.NAMESPACE, ns.toLowerCase(Locale.ROOT), write));
            }
        }
        AuthService.IssuedToken issued = auth.createOwnToken(ex.actor(), f.required("name", "A token name"), role, scopes);
        ex.setHeader("Cache-Control", "no-store");
        pages.render(ex, 200, "tokens.jte", pages.frame(ex, "Access tokens"), new TokensView(rows(auth.ownTokens(ex.actor())), Optional.of(issued)));
    }

    public void revokeToken(Exchange ex) throws IOException {
        pages.form(ex);
        auth.revokeToken(ex.actor(), ex.var("id"));
        ex.redirect(303, pages.links().tokens());
    }

    private List<TokenRow> rows(List<Token> tokens) {
        List<TokenRow> out = new ArrayList<>();
        for (Token t : tokens) {
            List<String> scopes = new ArrayList<>();
            for (TokenScope s : t.scopes()) {
                String target = s.kind() == TokenScope.Kind.REPO
                        ? repos.findByKey(s.target()).map(r -> r.type().urlPrefix() + r.displayId()).orElse("(deleted repository)")
                        : s.target() + "/*";
                scopes.add(target + (s.write() ? " (write)" : " (read)"));
            }
            out.add(new TokenRow(t, scopes));
        }
        return out;
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("[\\r\\n,]+")) if (!l.isBlank()) out.add(l.strip());
        if (out.size() > 100) throw ForgeException.badRequest("At most 100 scopes per token");
        return out;
    }

    // ------------------------------------------------------------------------------------------- organisation members

    public record MembersView(Org org, List<DiscoverPages.Member> members, boolean canManage, List<OrgRole> roles,
                              String visibility) {}

    public void members(Exchange ex) {
        Org org = org(ex);
        var actor = ex.actor();
        actor.requireUser();
        boolean admin = actor.userOpt().map(u -> u.admin() || auth.memberships(u).stream()
                .anyMatch(m -> m.org().key().equals(org.key()) && m.role() == OrgRole.ADMIN)).orElse(false);
        List<DiscoverPages.Member> members = DiscoverPages.members(auth, actor, org);
        pages.render(ex, 200, "members.jte", pages.frame(ex, "Members · " + org.name()), new MembersView(org, members, admin,
                List.of(OrgRole.values()), admin ? auth.membersVisibleTo(dev.forge.service.account.Actor.anonymous(ex.clientAddress()), org).wire() : ""));
    }

    public void setMember(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        Org org = org(ex);
        String name = f.required("user", "A user name");
        User user = auth.user(name).orElseThrow(() -> ForgeException.notFound("No user named '" + dev.forge.core.Strings.clip(name, 100) + "'"));
        auth.setMember(ex.actor(), org, user, OrgRole.parse(f.optional("role").orElse("read")));
        ex.redirect(303, pages.links().members(org.name()));
    }

    /** Who outside the organisation sees its member list: none, names, or names and roles (organisation admins only). */
    public void membersVisibility(Exchange ex) throws IOException {
        Form f = pages.form(ex);
        Org org = org(ex);
        auth.setMembersVisibility(ex.actor(), org, dev.forge.core.MembersVisibility.parse(f.optional("visibility").orElse("")));
        ex.redirect(303, pages.links().members(org.name()));
    }

    public void removeMember(Exchange ex) throws IOException {
        pages.form(ex);
        Org org = org(ex);
        User user = auth.user(ex.var("user")).orElseThrow(() -> ForgeException.notFound("No user named '" + ex.var("user") + "'"));
        auth.removeMember(ex.actor(), org, user);
        ex.redirect(303, pages.links().members(org.name()));
    }

    private Org org(Exchange ex) {
        return auth.org(ex.var("org")).orElseThrow(() -> ForgeException.notFound("No organisation named '" + ex.var("org") + "'"));
    }
}
