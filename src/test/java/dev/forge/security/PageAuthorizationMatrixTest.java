package dev.forge.security;

import dev.forge.core.Repo;
import dev.forge.core.User;
import dev.forge.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Walks {@code authorization-matrix.txt} through the web pages, in the API matrix's own world (its set-up runs here): for every operation a page can do, each of the nine
 * callers (the same tokens, presented by a browser with its own cookies and CSRF token) must get from the page exactly
 * the status and {@code X-Error-Code} the API gives — a private repository is "not found" (401 anonymously, 404
 * otherwise), a gated one's files answer {@code GatedRepo}. A form's success is a 303 redirect, which counts as the
 * API's 200. Operations with no page (git, LFS transfers, branches and tags, …) are listed in {@link #NO_PAGE}; a new
 * row of the matrix must be put in one place or the other, so no endpoint escapes the check.
 */
class PageAuthorizationMatrixTest {
    /** Operations of the matrix that no page performs. */
    static final Set<String> NO_PAGE = Set.of("paths-info", "auth-check", "git-fetch", "git-push", "lfs-download", "lfs-upload",
            "preupload", "commit-pr", "branch", "tag", "delete-branch", "delete-tag", "super-squash*", "whoami", "validate-yaml",
            "audit-log", "requests", "pr-commit", "lfs-lock", "lfs-locks", "lfs-unlock*", "lfs-verify", "manifest", "gguf-blob", "parquet",
            "parquet-status", "duplicate", "settings-repos", "org-repos",
            "xet-read-token", "xet-write-token", "xet-write-pr", "mirrors", "mirror-add", "mirror-sync", "mirror-remove", "cache-list",
            "cache-evict");

    @TempDir
    static Path dir;
    static final Map<String, WebClient> browsers = new HashMap<>();
    static final AtomicInteger seq = new AtomicInteger();

    /** The API matrix's own world (organisation, members, repositories, tokens), built by its set-up into our folder. */
    @BeforeAll
    static void setUp() throws Exception {
        AuthorizationMatrixTest.dir = dir;
        AuthorizationMatrixTest.setUp();
        for (String column : AuthorizationMatrixTest.COLUMNS) {
            browsers.put(column, new WebClient(AuthorizationMatrixTest.tf.baseUrl, AuthorizationMatrixTest.tokens.get(column)));
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        AuthorizationMatrixTest.tearDown();
    }

    @Test
    void everyPageCellOfTheMatrixHolds() throws Exception {
        List<AuthorizationMatrixTest.Row> rows = AuthorizationMatrixTest.matrix();
        List<String> mismatches = new ArrayList<>();
        Set<String> unmapped = new HashSet<>();
        int cells = 0;
        for (AuthorizationMatrixTest.Row row : rows) {
            // no pages: the listed operations, Xet's CAS (clients only) and the rows of other callers (the site's administration)
            if (NO_PAGE.contains(row.op()) || row.op().startsWith("cas-") || row.columns() != AuthorizationMatrixTest.COLUMNS) continue;
            for (int c = 0; c < AuthorizationMatrixTest.COLUMNS.size(); c++) {
                String column = AuthorizationMatrixTest.COLUMNS.get(c);
                List<HttpResponse<String>> answers = run(row, column);
                if (answers == null) {
                    unmapped.add(row.op());
                    continue;
                }
                for (HttpResponse<String> r : answers) {
                    int status = r.statusCode() == 303 && r.request().method().equals("POST") ? 200 : r.statusCode();
                    String code = r.headers().firstValue("X-Error-Code").orElse(null);
                    String actual = status + (code == null ? "" : ":" + code);
                    cells++;
                    String expected = row.expected().get(c);
                    if (!actual.equals(expected)) {
                        mismatches.add("line %d  %-14s %-6s %-8s %-5s %-40s expected %-18s got %-18s %s".formatted(row.line(), row.op(), row.repo(),
                                column, r.request().method(), r.uri().getPath(), expected, actual,
                                r.headers().firstValue("X-Error-Message").orElse("")));
                    }
                    if (status >= 400) {
                        assertThat(r.headers().firstValue("Content-Type")).as(r.uri().toString()).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
                        assertThat(r.headers().firstValue("WWW-Authenticate")).as("a page never asks the browser for a password").isEmpty();
                    }
                }
            }
        }
        assertThat(unmapped).as("matrix operations neither mapped to a page nor listed in NO_PAGE").isEmpty();
        assertThat(cells).isGreaterThan(300);
        assertThat(mismatches).as("cells that do not hold through the pages, out of %d", cells).isEmpty();
    }

    /** The key of discussion #1's description (its first comment). */
    private static String description(Repo repo) {
        return AuthorizationMatrixTest.tf.forge.discussions.details(dev.forge.service.account.Actor.internal(AuthorizationMatrixTest.alice),
                dev.forge.core.RepoType.MODEL, repo.id(), 1, false).events().getFirst().key();
    }

    /** The user behind a column's token (null for the anonymous column). */
    private static User userOf(String column) {
        return switch (column) {
            case "anon" -> null;
            case "revoked", "rtoken", "admin" -> AuthorizationMatrixTest.alice;
            case "other" -> AuthorizationMatrixTest.mallory;
            case "write", "fine" -> AuthorizationMatrixTest.wendy;
            case "contrib" -> AuthorizationMatrixTest.carl;
            case "reader" -> AuthorizationMatrixTest.rita;
            default -> throw new IllegalArgumentException(column);
        };
    }

    /** The page requests for one cell; null when the operation has no mapping here. */
    private List<HttpResponse<String>> run(AuthorizationMatrixTest.Row row, String column) throws Exception {
        WebClient b = browsers.get(column);
        Repo repo = row.repo().equals("-") ? null : AuthorizationMatrixTest.repos.get(row.repo());
        if (row.op().endsWith("*")) {
            // destructive: a fresh copy of the repository, with the same visibility, gating and creator
            User creator = repo.createdBy().equals(AuthorizationMatrixTest.carl.key()) ? AuthorizationMatrixTest.carl : AuthorizationMatrixTest.alice;
            repo = AuthorizationMatrixTest.seeded(repo.id().name() + "-page-" + seq.incrementAndGet(), creator, repo.isPrivate(), repo.gating());
            if (column.equals("fine") && row.repo().equals("priv")) {
                b = new WebClient(AuthorizationMatrixTest.tf.baseUrl, AuthorizationMatrixTest.fineToken(repo));
            }
        }
        String id = repo == null ? null : repo.displayId();
        int n = seq.incrementAndGet();
        User user = userOf(column);
        return switch (row.op()) {
            case "info", "storage" -> List.of(b.get("/" + id));
            case "tree" -> List.of(b.get("/" + id + "/tree/main"));
            case "refs" -> List.of(b.get("/" + id + "/refs"));
            case "commits" -> List.of(b.get("/" + id + "/commits/main"));
            case "resolve", "raw" -> List.of(b.get("/" + id + "/blob/main/README.md"));
            case "resolve-head" -> List.of(b.head("/" + id + "/blob/main/README.md"));
            case "lfs-file" -> List.of(b.get("/" + id + "/blob/main/weights.bin"));
            case "commit" -> List.of(b.upload("/" + id + "/upload/main", Map.of("summary", "page matrix " + n),
                    List.of(new WebClient.FilePart("files", "page-" + n + ".txt", ("hi " + n).getBytes(StandardCharsets.UTF_8)))));
            case "settings" -> List.of(b.get("/" + id + "/settings"),
                    b.post("/" + id + "/settings/visibility", "visibility", repo.isPrivate() ? "private" : "public"));
            case "delete*" -> List.of(b.post("/" + id + "/settings/delete", "confirm", id));
            case "move*" -> List.of(b.post("/" + id + "/settings/rename", "namespace", "acme", "name", repo.id().name() + "-moved"));
            case "ask-access" -> List.of(b.post("/" + id + "/request-access", "reason", "research"));
            case "handle" -> List.of(b.post("/" + id + "/settings/access", "user", "mallory", "status", "pending"));
            case "grant" -> List.of(b.post("/" + id + "/settings/grant", "user", "victor"));
            case "create-in-org" -> List.of(b.post("/new", "owner", "acme", "name", "page-new-" + n));
            case "create-own" -> List.of(b.post("/new", "owner", user == null ? "nobody" : user.name(), "name", "page-own-" + n));
            case "create-foreign" -> List.of(b.post("/new", "owner", "victor", "name", "page-x-" + n));
            case "members" -> List.of(b.get("/acme"));
            case "set-member" -> List.of(b.post("/organizations/acme/settings/members", "user", "victor", "role", "read"));
            case "tokens" -> List.of(b.get("/settings/tokens"));
            case "org-settings" -> List.of(b.post("/organizations/acme/settings/visibility", "visibility", "names"));
            case "discussions" -> List.of(b.get("/" + id + "/discussions"));
            case "discussion" -> List.of(b.get("/" + id + "/discussions/1"));
            case "pr-diff" -> List.of(b.get("/" + id + "/discussions/2"));
            case "open-discussion" -> List.of(b.post("/" + id + "/discussions", "title", "Page question " + n, "description", "why?"));
            case "open-pr" -> List.of(b.post("/" + id + "/discussions", "title", "Page proposal " + n, "pull_request", "on"));
            case "comment" -> List.of(b.post("/" + id + "/discussions/1/comment", "comment", "page comment " + n));
            case "comment-edit" -> List.of(b.post("/" + id + "/discussions/1/comment/" + description(repo) + "/edit", "comment", "edited " + n));
            case "comment-hide*" -> List.of(b.post("/" + id + "/discussions/1/comment/" + description(repo) + "/hide"));
            case "rename" -> List.of(b.post("/" + id + "/discussions/1/title", "title", "Renamed on a page " + n));
            case "close*" -> List.of(b.post("/" + id + "/discussions/1/status", "status", "closed"));
            case "merge*" -> List.of(b.post("/" + id + "/discussions/2/merge"));
            default -> null;
        };
    }
}
