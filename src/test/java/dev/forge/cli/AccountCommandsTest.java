package dev.forge.cli;

import dev.forge.core.ForgeConfig;
import dev.forge.core.OrgRole;
import dev.forge.core.Token;
import dev.forge.service.account.Actor;
import dev.forge.app.Forge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code forge user|org|token|audit} run in-process against a data folder, then checked through the services. */
class AccountCommandsTest {
    @TempDir
    Path data;

    record Run(int code, String out, String err) {}

    private Run forge(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            String[] withData = new String[args.length + 2];
            System.arraycopy(args, 0, withData, 0, args.length);
            withData[args.length] = "--data";
            withData[args.length + 1] = data.toString();
            int code = new CommandLine(new ForgeCli()).execute(withData);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    private Forge open() throws Exception {
        return Forge.open(ForgeConfig.defaults(data));
    }

    @Test
    void usersOrganisationsAndTokensFromTheCommandLine() throws Exception {
        assertThat(forge("", "user", "add", "admin", "--admin").code()).isZero();
        Run add = forge("a long password\n", "user", "add", "alice", "--email", "alice@example.com", "--password-stdin");
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(forge("", "user", "add", "bob").code()).isZero();
        assertThat(forge("", "user", "add", "alice").code()).as("taken").isEqualTo(1);
        assertThat(forge("", "user", "add", "new").code()).as("reserved").isEqualTo(1);
        assertThat(forge("short\n", "user", "add", "carol", "--password-stdin").err()).contains("8 to 1024 characters");

        assertThat(forge("", "org", "create", "acme", "--admin", "alice").code()).isZero();
        assertThat(forge("", "org", "add-member", "acme", "bob", "--role", "contributor").code()).isZero();
        assertThat(forge("", "org", "add-member", "acme", "bob", "--role", "owner").code()).isEqualTo(1);
        assertThat(forge("", "org", "add-member", "acme", "nobody").err()).contains("No user named 'nobody'");

        Run list = forge("", "user", "list");
        assertThat(list.out()).contains("alice").contains("acme:admin").contains("bob").contains("acme:contributor").contains("admin  ");

        Run token = forge("", "token", "create", "--user", "bob", "--name", "laptop", "--role", "read");
        assertThat(token.code()).as(token.err()).isZero();
        String secret = token.out().strip();
        assertThat(secret).startsWith("hf_");
        Run fine = forge("", "token", "create", "--user", "bob", "--name", "ci", "--namespace", "acme=write");
        assertThat(fine.code()).as(fine.err()).isZero();
        assertThat(forge("", "token", "create", "--user", "bob", "--repo", "acme/missing").err()).contains("No repository");

        try (Forge f = open()) {
            var bob = f.auth.user("bob").orElseThrow();
            assertThat(f.auth.memberships(bob)).singleElement().satisfies(m -> assertThat(m.role()).isEqualTo(OrgRole.CONTRIBUTOR));
            Actor a = f.auth.authenticate(secret).orElseThrow();
            assertThat(a.tokenOpt().orElseThrow().role()).isEqualTo(Token.Role.READ);
            Actor fg = f.auth.authenticate(fine.out().strip()).orElseThrow();
            assertThat(fg.tokenOpt().orElseThrow().role()).isEqualTo(Token.Role.FINE_GRAINED);
            assertThat(fg.tokenOpt().orElseThrow().scopes()).singleElement().satisfies(s -> assertThat(s.target()).isEqualTo("acme"));
            assertThat(f.auth.login("alice", "a long password", "local").name()).isEqualTo("alice");
        }

        Run tokens = forge("", "token", "list", "--user", "bob");
        assertThat(tokens.out()).contains("laptop").contains("fineGrained").contains("namespace:acme=write").doesNotContain(secret);
        String id = tokens.out().lines().filter(l -> l.contains("laptop")).findFirst().orElseThrow().split("\\s+")[0];
        assertThat(forge("", "token", "revoke", id).code()).isZero();
        assertThat(forge("", "token", "revoke", id).code()).as("already revoked").isEqualTo(1);
        assertThat(forge("", "token", "list", "--user", "bob").out()).contains("REVOKED");

        assertThat(forge("another password\n", "user", "passwd", "alice", "--password-stdin").code()).isZero();
        try (Forge f = open()) {
            assertThat(f.auth.authenticate(secret)).as("revoked at once").isEmpty();
            assertThat(f.auth.login("alice", "another password", "local").name()).isEqualTo("alice");
        }

        Run audit = forge("", "audit", "--limit", "100");
        assertThat(audit.out()).contains("cli").contains("user.create").contains("org.create").contains("org.member.set")
                .contains("token.create").contains("token.revoke").contains("user.passwd").doesNotContain(secret);
        assertThat(forge("", "audit", "--action", "token.").out().lines().count()).as("two creations, one revocation").isEqualTo(3);
    }
}
