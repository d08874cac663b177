package dev.forge.cli;

import dev.forge.core.AuditEntry;
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
import dev.forge.app.Forge;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code forge user|org|token|audit}: the operator's account commands. They act as the operator at the machine
 * (audited as {@code cli}), so they work before any token exists. Errors print one line and exit 1.
 */
final class AccountCommands {
    private AccountCommands() {}

    private static final Actor OPERATOR = Actor.OPERATOR;

    /** Runs {@code body} against the data folder, turning a refusal into one line on stderr and exit code 1. */
    abstract static class AccountCommand extends ForgeCli.Common implements Callable<Integer> {
        @Override
        public final Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                run(forge);
                return 0;
            } catch (ForgeException e) {
                System.err.println("forge: " + e.getMessage());
                return 1;
            }
        }

        abstract void run(Forge forge) throws Exception;
    }

    static User user(Forge forge, String name) {
        return forge.auth.user(name).orElseThrow(() -> ForgeException.notFound("No user named '" + name + "'"));
    }

    static Org org(Forge forge, String name) {
        return forge.auth.org(name).orElseThrow(() -> ForgeException.notFound("No organisation named '" + name + "'"));
    }

    /**
     * The new password: one line from standard input with {@code --password-stdin}, else asked twice at the
     * terminal; null when there is neither (a token-only account).
     */
    static String readPassword(boolean fromStdin) throws Exception {
        if (fromStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) throw ForgeException.badRequest("No password on standard input");
            return line;
        }
        Console console = System.console();
        if (console == null) return null;
        char[] a = console.readPassword("Password: ");
        char[] b = console.readPassword("Again: ");
        try {
            if (a == null || b == null || !Arrays.equals(a, b)) throw ForgeException.badRequest("The passwords differ");
            return new String(a);
        } finally {
            if (a != null) Arrays.fill(a, '\0');
            if (b != null) Arrays.fill(b, '\0');
        }
    }

    // ---------------------------------------------------------------------------------------------- user

    @Command(name = "user", description = "Manage user accounts.", subcommands = {UserAdd.class, UserList.class, UserPasswd.class})
    static final class UserCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "add", description = "Create a user. The password comes from the terminal or --password-stdin; without either the account uses tokens only.")
    static final class UserAdd extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--fullname") String fullname;
        @Option(names = "--email") String email;
        @Option(names = "--admin", description = "A site administrator: reads and writes everything, reads the audit log") boolean admin;
        @Option(names = "--password-stdin", description = "Read the password from standard input") boolean passwordStdin;

        @Override
        void run(Forge forge) throws Exception {
            User u = forge.auth.createUser(OPERATOR, name, fullname, email, admin, readPassword(passwordStdin));
            System.out.println("Created user " + u.name() + (admin ? " (admin)" : ""));
        }
    }

    @Command(name = "list", description = "List users.")
    static final class UserList extends AccountCommand {
        @Override
        void run(Forge forge) {
            for (User u : forge.auth.users()) {
                List<String> orgs = forge.auth.memberships(u).stream().map(m -> m.org().name() + ":" + m.role().wire()).toList();
                System.out.printf("%-24s %-6s %-30s %s%n", u.name(), u.admin() ? "admin" : "", u.email() == null ? "" : u.email(),
                        String.join(" ", orgs));
            }
        }
    }

    @Command(name = "passwd", description = "Set a user's password (from the terminal or --password-stdin).")
    static final class UserPasswd extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--password-stdin", description = "Read the password from standard input") boolean passwordStdin;

        @Override
        void run(Forge forge) throws Exception {
            User u = user(forge, name);
            String password = readPassword(passwordStdin);
            if (password == null) throw ForgeException.badRequest("No terminal to ask for the password; use --password-stdin");
            forge.auth.setPassword(OPERATOR, u, password);
            System.out.println("Password changed for " + u.name());
        }
    }

    // ----------------------------------------------------------------------------------------------- org

    @Command(name = "org", description = "Manage organisations.", subcommands = {OrgCreate.class, OrgAddMember.class})
    static final class OrgCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "create", description = "Create an organisation with its first admin.")
    static final class OrgCreate extends AccountCommand {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--admin", required = true, description = "The user who becomes its first admin") String admin;
        @Option(names = "--fullname") String fullname;

        @Override
        void run(Forge forge) {
            Org o = forge.auth.createOrg(OPERATOR, name, fullname, user(forge, admin));
            System.out.println("Created organisation " + o.name() + " with admin " + admin);
        }
    }

    @Command(name = "add-member", description = "Add a member to an organisation, or change their role.")
    static final class OrgAddMember extends AccountCommand {
        @Parameters(index = "0", paramLabel = "ORG") String org;
        @Parameters(index = "1", paramLabel = "USER") String user;
        @Option(names = "--role", defaultValue = "read", description = "admin, write, contributor or read (default read)") String role;

        @Override
        void run(Forge forge) {
            OrgRole r = OrgRole.parse(role);
            forge.auth.setMember(OPERATOR, org(forge, org), user(forge, user), r);
            System.out.println(user + " is now " + r.wire() + " in " + org);
        }
    }

    // --------------------------------------------------------------------------------------------- token

    @Command(name = "token", description = "Manage access tokens.", subcommands = {TokenCreate.class, TokenList.class, TokenRevoke.class})
    static final class TokenCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "create", description = "Create a token and print its secret, once.")
    static final class TokenCreate extends AccountCommand {
        @Option(names = "--user", defaultValue = "admin", description = "Owner of the token (default admin)") String user;
        @Option(names = "--name", defaultValue = "cli", description = "A name to recognise the token by") String name;
        @Option(names = "--role", description = "read, write or fineGrained (default write; fineGrained when --repo or --namespace is given)")
        String role;
        @Option(names = "--repo", description = "Fine-grained: a repository it may reach, [model:|dataset:]NS/NAME[=read|write]")
        List<String> repos = new ArrayList<>();
        @Option(names = "--namespace", description = "Fine-grained: a user or organisation it may reach, NAME[=read|write]")
        List<String> namespaces = new ArrayList<>();
        @Option(names = "--mirror", description = "Fine-grained, for a federation peer: a namespace it may mirror, NAME[=read|write] "
                + "(read: list and fetch everything there; write: also create repositories and push; never administer)")
        List<String> mirrors = new ArrayList<>();

        @Override
        void run(Forge forge) {
            User u = user(forge, user);
            List<TokenScope> scopes = new ArrayList<>();
            for (String spec : repos) {
                String[] sp = splitPermission(spec);
                String id = sp[0];
                RepoType type = RepoType.MODEL;
                int colon = id.indexOf(':');
                if (colon > 0) {
                    String t = id.substring(0, colon);
                    type = RepoType.fromName(t).orElseThrow(() -> ForgeException.badRequest("Unknown repository type '" + t + "'"));
                    id = id.substring(colon + 1);
                }
                RepoId rid = RepoId.parse(id);
                Repo repo = forge.repos.find(type, rid).orElseThrow(() -> ForgeException.notFound("No repository " + rid));
                scopes.add(new TokenScope(TokenScope.Kind.REPO, repo.key(), sp[1].equals("write")));
            }
            for (String spec : namespaces) {
                String[] sp = splitPermission(spec);
                if (!forge.auth.user(sp[0]).isPresent() && !forge.auth.org(sp[0]).isPresent()) {
                    throw ForgeException.notFound("No user or organisation named '" + sp[0] + "'");
                }
                scopes.add(new TokenScope(TokenScope.Kind.NAMESPACE, sp[0].toLowerCase(Locale.ROOT), sp[1].equals("write")));
            }
            for (String spec : mirrors) {
                String[] sp = splitPermission(spec);
                if (!forge.auth.user(sp[0]).isPresent() && !forge.auth.org(sp[0]).isPresent()) {
                    throw ForgeException.notFound("No user or organisation named '" + sp[0] + "'");
                }
                scopes.add(new TokenScope(TokenScope.Kind.MIRROR, sp[0].toLowerCase(Locale.ROOT), sp[1].equals("write")));
            }
            Token.Role r = role != null ? Token.Role.parse(role) : scopes.isEmpty() ? Token.Role.WRITE : Token.Role.FINE_GRAINED;
            System.out.println(forge.auth.createToken(OPERATOR, u, name, r, scopes).secret());
        }

        private static String[] splitPermission(String spec) {
            int eq = spec.lastIndexOf('=');
            String target = eq < 0 ? spec : spec.substring(0, eq);
            String permission = eq < 0 ? "read" : spec.substring(eq + 1);
            if (!permission.equals("read") && !permission.equals("write")) {
                throw ForgeException.badRequest("Permission must be read or write in '" + spec + "'");
            }
            return new String[] {target, permission};
        }
    }

    @Command(name = "list", description = "List a user's tokens (never their secrets).")
    static final class TokenList extends AccountCommand {
        @Option(names = "--user", defaultValue = "admin", description = "Whose tokens (default admin)") String user;

        @Override
        void run(Forge forge) {
            for (Token t : forge.auth.tokens(user(forge, user))) {
                System.out.printf("%s  %-20s %-12s created %s  last used %s%s%s%n", t.key(), t.displayName(), t.role().wire(),
                        t.createdAt(), t.lastUsedAt() == null ? "never" : t.lastUsedAt(), t.isRevoked() ? "  REVOKED " + t.revokedAt() : "",
                        t.scopes().isEmpty() ? "" : "  scopes " + t.scopes().stream()
                                .map(s -> s.kind().wire() + ":" + describeTarget(forge, s) + "=" + (s.write() ? "write" : "read")).toList());
            }
        }

        private static String describeTarget(Forge forge, TokenScope s) {
            return s.kind() == TokenScope.Kind.REPO
                    ? forge.repos.findByKey(s.target()).map(r -> r.type().singular() + ":" + r.displayId()).orElse("(deleted)")
                    : s.target();
        }
    }

    @Command(name = "revoke", description = "Revoke a token by its id (from 'forge token list'); it stops working at once.")
    static final class TokenRevoke extends AccountCommand {
        @Parameters(paramLabel = "ID") String id;

        @Override
        void run(Forge forge) {
            forge.auth.revokeToken(OPERATOR, id);
            System.out.println("Revoked " + id);
        }
    }

    // --------------------------------------------------------------------------------------------- audit

    @Command(name = "audit", description = "Show the audit log, newest first.")
    static final class Audit extends AccountCommand {
        @Option(names = "--limit", defaultValue = "50") int limit;
        @Option(names = "--actor") String actor;
        @Option(names = "--action", description = "An action, or a family ending in a dot (repo.)") String action;
        @Option(names = "--target") String target;

        @Override
        void run(Forge forge) {
            for (AuditEntry e : forge.audit.query(Actor.OPERATOR, new AuditEntry.Query(actor, action, target, null, null, Math.max(1, Math.min(limit, 10_000))))) {
                System.out.printf("%s  %-7s %-16s %-22s %-40s %s%s%n", e.at(), e.outcome(), e.actor(), e.action(),
                        e.target() == null ? "" : e.target(), e.address() == null ? "" : "from " + e.address(),
                        e.detail() == null ? "" : "  " + e.detail());
            }
        }
    }
}
