package dev.forge.mirror;

import dev.forge.core.Mirror;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Forges federated both ways with tokens scoped to mirroring: B pull-mirrors A's namespace {@code alpha} (a public
 * and a private repository, and one added later), A receives B's namespace {@code beta} through a push mirror on B.
 * Each token reaches only its namespace, and only to mirror it.
 */
class FederationTest {
    @TempDir
    static Path tmp;
    static TestForge a;
    static TestForge b;
    static HubClient aAdmin;
    static HubClient bAdmin;
    static String pullToken;
    static String pushToken;

    @BeforeAll
    static void start() throws Exception {
        a = TestForge.start(tmp.resolve("a"));
        b = TestForge.start(tmp.resolve("b"));
        aAdmin = new HubClient(a.baseUrl, a.adminToken);
        bAdmin = new HubClient(b.baseUrl, b.adminToken);
        User peer = a.forge.auth.createUser("peer-b", "Forge B", null, false);
        for (String org : List.of("alpha", "beta", "other")) a.forge.auth.createOrg(org, org, a.admin);
        Org alpha = a.forge.auth.org("alpha").orElseThrow();
        Org beta = a.forge.auth.org("beta").orElseThrow();
        Org other = a.forge.auth.org("other").orElseThrow();
        a.forge.auth.setMember(Actor.OPERATOR, alpha, peer, OrgRole.READ);
        a.forge.auth.setMember(Actor.OPERATOR, beta, peer, OrgRole.WRITE);
        a.forge.auth.setMember(Actor.OPERATOR, other, peer, OrgRole.WRITE);
        pullToken = a.forge.auth.createToken(Actor.OPERATOR, peer, "b pulls alpha", Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.MIRROR, "alpha", false))).secret();
        pushToken = a.forge.auth.createToken(Actor.OPERATOR, peer, "b pushes beta", Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.MIRROR, "beta", true))).secret();
        b.forge.auth.createOrg("beta", "beta", b.admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void bPullMirrorsANamespaceIncludingItsPrivateRepositoriesWithAMirroringToken() {
        aAdmin.createRepo("alpha/open", false);
        aAdmin.commit("alpha/open", "main", "w", Map.of("README.md", "# open\n".getBytes()), Map.of("w.bin", HubClient.random(21, 40_000)));
        aAdmin.createRepo("alpha/closed", true);
        aAdmin.commit("alpha/closed", "main", "w", Map.of("a.txt", "x".getBytes()), Map.of("w.bin", HubClient.random(22, 30_000)));
        aAdmin.createRepo("other/hidden", true);

        Mirror m = b.forge.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PULL, a.baseUrl, RepoType.MODEL, "alpha/*",
                null, pullToken, null));
        m = b.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).as("%s %s", m.message(), m.problems()).isEqualTo(Mirror.Status.OK);
        assertThat(b.forge.mirrors.children(Actor.OPERATOR, m.key())).extracting(Mirror::localId)
                .containsExactlyInAnyOrder("alpha/open", "alpha/closed");
        for (String id : List.of("alpha/open", "alpha/closed")) {
            assertThat(bAdmin.refs(id)).isEqualTo(aAdmin.refs(id));
            assertThat(bAdmin.history(id, "main")).isEqualTo(aAdmin.history(id, "main"));
            assertThat(bAdmin.snapshot(id, "main")).isEqualTo(aAdmin.snapshot(id, "main"));
        }
        assertThat(b.forge.repos.find(RepoType.MODEL, RepoId.parse("alpha/closed")).orElseThrow().isPrivate()).isTrue();

        // a repository added to the namespace later arrives with the next sync
        aAdmin.createRepo("alpha/later", false);
        String later = aAdmin.commit("alpha/later", "main", "w", Map.of("b.txt", "b".getBytes()), Map.of());
        m = b.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(bAdmin.refs("alpha/later")).containsEntry("refs/heads/main", later);

        // the token reaches alpha only, and only to fetch
        HubClient peer = new HubClient(a.baseUrl, pullToken);
        assertThat(peer.get("/api/models/other/hidden").statusCode()).isEqualTo(404);
        assertThat(peer.get("/api/models/alpha/closed").statusCode()).isEqualTo(200);
        assertThat(peer.postJson("/api/models/alpha/open/branch/x", Map.of()).statusCode()).isEqualTo(403);
        assertThat(peer.send(peer.req("/api/repos/delete").header("Content-Type", "application/json").method("DELETE",
                java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"open\",\"organization\":\"alpha\",\"type\":\"model\"}")))
                .statusCode()).isEqualTo(403);
    }

    @Test
    void bPushMirrorsANamespaceToAWithAMirroringWriteToken() {
        b.forge.repos.find(RepoType.MODEL, RepoId.parse("beta/tool")).ifPresent(r -> { throw new IllegalStateException("fresh forge expected"); });
        bAdmin.createRepo("beta/tool", false);
        bAdmin.commit("beta/tool", "main", "w", Map.of("README.md", "# tool\n".getBytes()), Map.of("tool.bin", HubClient.random(31, 60_000)));
        Mirror m = b.forge.mirrors.add(Actor.OPERATOR, new MirrorService.Spec(Mirror.Direction.PUSH, a.baseUrl, RepoType.MODEL, "beta/*",
                "beta/*", pushToken, null));
        m = b.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).as("%s %s", m.message(), m.problems()).isEqualTo(Mirror.Status.OK);
        assertThat(aAdmin.refs("beta/tool")).isEqualTo(bAdmin.refs("beta/tool"));
        assertThat(aAdmin.history("beta/tool", "main")).isEqualTo(bAdmin.history("beta/tool", "main"));
        assertThat(aAdmin.snapshot("beta/tool", "main")).isEqualTo(bAdmin.snapshot("beta/tool", "main")).containsKey("tool.bin");

        String next = bAdmin.commit("beta/tool", "main", "more", Map.of(), Map.of("tool.bin", HubClient.random(32, 70_000)));
        m = b.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).isEqualTo(Mirror.Status.OK);
        assertThat(aAdmin.refs("beta/tool")).containsEntry("refs/heads/main", next);
        assertThat(aAdmin.snapshot("beta/tool", "main")).isEqualTo(bAdmin.snapshot("beta/tool", "main"));

        // a change made on A meanwhile is not overwritten: the push is refused and reported
        aAdmin.commit("beta/tool", "main", "made on A", Map.of("a.txt", "a".getBytes()), Map.of());
        bAdmin.commit("beta/tool", "main", "made on B", Map.of("b.txt", "b".getBytes()), Map.of());
        m = b.forge.mirrors.sync(Actor.OPERATOR, m.key());
        assertThat(m.status()).isEqualTo(Mirror.Status.DIVERGED);
        assertThat(m.problems()).anySatisfy(p -> assertThat(p).contains("refs/heads/main").contains("not forced"));
        assertThat(aAdmin.history("beta/tool", "main").getFirst()).isNotEqualTo(bAdmin.history("beta/tool", "main").getFirst());

        // the write token reaches beta only, and may not administer it
        HubClient peer = new HubClient(a.baseUrl, pushToken);
        assertThat(peer.postJson("/api/repos/create", Map.of("name", "x", "organization", "other", "type", "model")).statusCode()).isEqualTo(403);
        assertThat(peer.send(peer.req("/api/repos/delete").header("Content-Type", "application/json").method("DELETE",
                java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"tool\",\"organization\":\"beta\",\"type\":\"model\"}")))
                .statusCode()).isEqualTo(403);
        assertThat(peer.send(peer.req("/api/models/beta/tool/settings").header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"private\":true}"))).statusCode()).isEqualTo(403);
    }
}
