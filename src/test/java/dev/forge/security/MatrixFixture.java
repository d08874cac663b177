package dev.forge.security;

import dev.forge.core.CommitOperation;
import dev.forge.core.Gating;
import dev.forge.core.LfsOid;
import dev.forge.core.OrgRole;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.TokenScope;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.service.community.DiscussionService;
import dev.forge.service.repo.CommitService;
import dev.forge.testing.TestForge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The world of {@code src/test/resources/security/authorization-matrix.txt}: a forge with the organisation acme and its
 * members, the four repositories and the nine callers' tokens, and the matrix's rows. Shared by the test that runs the
 * matrix against the API ({@link AuthorizationMatrixTest}) and the one that runs it through the web pages
 * ({@link PageAuthorizationMatrixTest}), so both judge the same cells.
 */
final class MatrixFixture implements AutoCloseable {
    static final String MATRIX = "/security/authorization-matrix.txt";
    static final List<String> COLUMNS = List.of("anon", "revoked", "other", "rtoken", "admin", "write", "contrib", "reader", "fine");
    static final byte[] LFS_CONTENT = "weights, pretend they are large".getBytes(StandardCharsets.UTF_8);

    final TestForge tf;
    final Map<String, String> tokens = new LinkedHashMap<>();
    final Map<String, Repo> repos = new LinkedHashMap<>();
    final User alice, wendy, carl, rita, mallory;
    String lfsOid;
    private final AtomicInteger seq = new AtomicInteger();

    private MatrixFixture(Path dir) throws Exception {
        tf = TestForge.start(dir);
        var auth = tf.forge.auth;
        alice = auth.createUser("alice", "Alice", "alice@example.com", false);
        wendy = auth.createUser("wendy", "Wendy", null, false);
        carl = auth.createUser("carl", "Carl", null, false);
        rita = auth.createUser("rita", "Rita", null, false);
        mallory = auth.createUser("mallory", "Mallory", null, false);
        auth.createUser("victor", "Victor", null, false);
        var acme = auth.createOrg("acme", "ACME", alice);
        auth.setMember(Actor.OPERATOR, acme, wendy, OrgRole.WRITE);
        auth.setMember(Actor.OPERATOR, acme, carl, OrgRole.CONTRIBUTOR);
        auth.setMember(Actor.OPERATOR, acme, rita, OrgRole.READ);

        repos.put("pub", seeded("pub", alice, false, Gating.NONE));
        repos.put("priv", seeded("priv", alice, true, Gating.NONE));
        repos.put("gated", seeded("gated", alice, false, Gating.MANUAL));
        repos.put("carls", seeded("carls", carl, true, Gating.NONE));

        String revoked = auth.createToken(alice, "to-revoke", Token.Role.WRITE).secret();
        auth.revokeToken(Actor.OPERATOR, auth.tokens(alice).getFirst().key());
        tokens.put("revoked", revoked);
        tokens.put("other", auth.createToken(mallory, "m", Token.Role.WRITE).secret());
        tokens.put("rtoken", auth.createToken(alice, "r", Token.Role.READ).secret());
        tokens.put("admin", auth.createToken(alice, "w", Token.Role.WRITE).secret());
        tokens.put("write", auth.createToken(wendy, "w", Token.Role.WRITE).secret());
        tokens.put("contrib", auth.createToken(carl, "w", Token.Role.WRITE).secret());
        tokens.put("reader", auth.createToken(rita, "w", Token.Role.WRITE).secret());
        tokens.put("fine", fineToken(repos.get("priv")));
    }

    static MatrixFixture start(Path dir) throws Exception {
        return new MatrixFixture(dir);
    }

    /** The user behind a column's token (null for the anonymous column). */
    User userOf(String column) {
        return switch (column) {
            case "anon" -> null;
            case "revoked", "rtoken", "admin" -> alice;
            case "other" -> mallory;
            case "write", "fine" -> wendy;
            case "contrib" -> carl;
            case "reader" -> rita;
            default -> throw new IllegalArgumentException(column);
        };
    }

    /**
     * A repository in acme created by {@code creator}, holding a README and an LFS file, with discussion #1 and pull
     * request #2 (adding {@code pr.txt}) opened by the creator.
     */
    Repo seeded(String name, User creator, boolean isPrivate, Gating gating) throws Exception {
        Actor as = Actor.internal(creator);
        Repo repo = tf.forge.repos.create(as, RepoType.MODEL, new RepoId("acme", name), isPrivate);
        if (gating != Gating.NONE) tf.forge.repos.updateSettings(as, RepoType.MODEL, repo.id(), null, gating);
        LfsOid oid = tf.forge.lfs.store(repo, new ByteArrayInputStream(LFS_CONTENT));
        lfsOid = oid.hex();
        tf.forge.commits.commit(creator, repo, "main", Optional.empty(), List.of(
                new CommitOperation.AddFile("README.md", ("# " + name + "\n").getBytes(StandardCharsets.UTF_8)),
                new CommitOperation.AddLfsFile("weights.bin", oid, LFS_CONTENT.length)), "seed");
        tf.forge.discussions.open(as, RepoType.MODEL, repo.id(), new DiscussionService.Opening("Seeded question", "What about it?", false));
        tf.forge.commits.commit(as, repo, new CommitService.Request("main", Optional.empty(),
                List.of(new CommitOperation.AddFile("pr.txt", "proposed\n".getBytes(StandardCharsets.UTF_8))), "Seeded PR", "", true));
        return tf.forge.repos.find(RepoType.MODEL, repo.id()).orElseThrow();
    }

    /** A fresh copy of one of the four repositories (same visibility, gating and creator), for rows that destroy it. */
    Repo copyOf(Repo original) throws Exception {
        User creator = original.createdBy().equals(carl.key()) ? carl : alice;
        return seeded(original.id().name() + "-copy-" + seq.incrementAndGet(), creator, original.isPrivate(), original.gating());
    }

    /** wendy's fine-grained token with write access to exactly one repository. */
    String fineToken(Repo repo) {
        return tf.forge.auth.createToken(Actor.OPERATOR, wendy, "fine-" + seq.incrementAndGet(), Token.Role.FINE_GRAINED,
                List.of(new TokenScope(TokenScope.Kind.REPO, repo.key(), true))).secret();
    }

    record Row(int line, String op, String repo, List<String> expected) {}

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = MatrixFixture.class.getResourceAsStream(MATRIX)) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i].strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] f = l.split("\\s+");
                assertThat(f).as("line %d has an operation, a repository and %d cells", i + 1, COLUMNS.size()).hasSize(2 + COLUMNS.size());
                rows.add(new Row(i + 1, f[0], f[1], List.of(f).subList(2, f.length)));
            }
        }
        return rows;
    }

    @Override
    public void close() throws Exception {
        tf.close();
    }
}
