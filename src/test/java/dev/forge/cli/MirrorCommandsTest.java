package dev.forge.cli;

import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.TokenScope;
import dev.forge.mirror.HubClient;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code forge mirror …}, {@code forge cache …} and {@code forge token create --mirror} run in-process against a data folder. */
class MirrorCommandsTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    private Run forge(Path data, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] withData = new String[args.length + 2];
            System.arraycopy(args, 0, withData, 0, args.length);
            withData[args.length] = "--data";
            withData[args.length + 1] = data.toString();
            int code = new CommandLine(new ForgeCli()).execute(withData);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void mirrorsFromTheCommandLine() throws Exception {
        Path data = dir.resolve("local");
        try (Forge f = Forge.open(ForgeConfig.defaults(data))) {
            f.auth.createUser("admin", "Administrator", null, true);
        }
        try (TestForge upstream = TestForge.start(dir.resolve("upstream"))) {
            HubClient up = new HubClient(upstream.baseUrl, upstream.adminToken);
            up.createRepo("admin/cli", false);
            String first = up.commit("admin/cli", "main", "one", Map.of("a.txt", "a".getBytes()), Map.of("w.bin", HubClient.random(51, 20_000)));

            Run add = forge(data, "mirror", "add", upstream.baseUrl, "admin/cli", "--as", "mirrors/cli");
            assertThat(add.code()).as(add.out() + add.err()).isZero();
            assertThat(add.out()).contains("status: ok").contains("progress: 1 of 1 objects, 20000 of 20000 bytes");
            Matcher id = Pattern.compile("mirror ([0-9a-f]{24}) added").matcher(add.out());
            assertThat(id.find()).isTrue();
            String key = id.group(1);

            Run list = forge(data, "mirror", "list");
            assertThat(list.out()).contains(key).contains("model:mirrors/cli").contains("1 mirrors (1 pull, 0 push)").contains("cache:");

            assertThat(forge(data, "mirror", "pause", key).out()).contains("(paused)");
            assertThat(forge(data, "mirror", "list").out()).contains("ok,paused");
            assertThat(forge(data, "mirror", "resume", key).out()).doesNotContain("(paused)");

            String second = up.commit("admin/cli", "main", "two", Map.of("b.txt", "b".getBytes()), Map.of());
            Run sync = forge(data, "mirror", "sync", key);
            assertThat(sync.code()).isZero();
            assertThat(sync.out()).contains("1 ref(s) updated");
            try (Forge f = Forge.open(ForgeConfig.defaults(data))) {
                var repo = f.repos.find(RepoType.MODEL, RepoId.parse("mirrors/cli")).orElseThrow();
                assertThat(f.repos.resolve(repo, "main")).isEqualTo(second).isNotEqualTo(first);
            }

            up.ok(up.postJson("/api/models/admin/cli/super-squash/main", Map.of()));
            Run diverged = forge(data, "mirror", "show", key);
            assertThat(diverged.out()).doesNotContain("not applied");
            diverged = forge(data, "mirror", "sync", key);
            assertThat(diverged.out()).contains("status: diverged").contains("not applied: refs/heads/main: the upstream rewrote this branch");

            assertThat(forge(data, "cache", "list").out()).contains("cache: 0 revisions");
            assertThat(forge(data, "mirror", "remove", key).out()).contains("removed");
            assertThat(forge(data, "mirror", "list").out()).doesNotContain(key);
        }
    }

    @Test
    void aMirroringTokenFromTheCommandLine() throws Exception {
        Path data = dir.resolve("tokens");
        try (Forge f = Forge.open(ForgeConfig.defaults(data))) {
            f.auth.createOrg("alpha", "Alpha", f.auth.createUser("admin", "Administrator", null, true));
        }
        Run token = forge(data, "token", "create", "--user", "admin", "--name", "peer", "--mirror", "Alpha=write");
        assertThat(token.code()).as(token.err()).isZero();
        try (Forge f = Forge.open(ForgeConfig.defaults(data))) {
            var t = f.auth.ownTokens(Actor.internal(f.auth.user("admin").orElseThrow())).stream()
                    .filter(x -> x.displayName().equals("peer")).findFirst().orElseThrow();
            assertThat(t.scopes()).containsExactly(new TokenScope(TokenScope.Kind.MIRROR, "alpha", true));
        }
    }
}
