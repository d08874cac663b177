package dev.forge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.app.DemoSeeder;
import dev.forge.core.CommitOperation;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web pages in a real browser: starts Forge with the demo repositories, two users with passwords and repositories
 * full of the XSS corpus, then runs {@code src/test/browser/journeys.mjs}, which drives Debian's Chromium through
 * {@code playwright-core}: the journeys of issue 13 (search, card, files at a tag, a commit diff, sign in, create a
 * repository, upload, tokens, gating and an accepted request, private and gone for a stranger), axe-core on every page
 * (no serious or critical violation), the 100 KiB page budget, the XSS corpus inert (a {@code window.__xss} canary,
 * dialogs and CSP violations watched in the browser, after a control page shows the corpus does fire unprotected),
 * phone width without sideways scrolling, and the keyboard's skip link.
 *
 * <p>Needs {@code node}, {@code npm} and Chromium ({@code apt-get install -y chromium}; {@code CHROMIUM} names another
 * binary); it fails, never skips, without them. {@code -Dforge.screenshots=docs/screenshots} also writes the README's
 * screenshots.
 */
@Tag("slow")
class BrowserE2ETest {
    static final Path DIR = NodeClient.projectRoot().resolve("src/test/browser");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void journeysAccessibilityBudgetAndTheXssCorpusInChromium() throws Exception {
        String chromium = Optional.ofNullable(System.getenv("CHROMIUM")).orElse("/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(chromium))) {
            throw new AssertionError("The browser tests need Chromium at " + chromium + " (apt-get install -y chromium; .ci/run installs it),"
                    + " or leave the slow classes out with ./run-tests --quick.");
        }
        installPackages();
        try (TestForge tf = TestForge.start(dir.resolve("forge"))) {
            new DemoSeeder(tf.forge).seed(tf.admin);
            tf.forge.refs.createTag(tf.adminActor(), RepoType.MODEL, new RepoId("demo", "tiny-gpt"), "main", "v1.0");
            tf.forge.commits.commit(tf.admin, tf.forge.repos.find(RepoType.MODEL, new RepoId("demo", "tiny-gpt")).orElseThrow(), "main",
                    Optional.empty(), List.of(text("generation_config.json", "{\n  \"max_new_tokens\": 32,\n  \"do_sample\": true\n}\n")),
                    "Longer generations by default");
            User olive = tf.forge.auth.createUser(Actor.OPERATOR, "olive", "Olive", null, false, "olive's password 1");
            tf.forge.auth.createUser(Actor.OPERATOR, "sam", "Sam", null, false, "sam's password 1");
            List<String> corpus = corpus();
            List<String> xssPages = seedCorpus(tf, olive, corpus);

            Map<String, Object> config = new LinkedHashMap<>();
            config.put("owner", Map.of("user", "olive", "password", "olive's password 1"));
            config.put("stranger", Map.of("user", "sam", "password", "sam's password 1"));
            config.put("model", "demo/tiny-gpt");
            config.put("tag", "v1.0");
            config.put("corpus", corpus);
            config.put("xssPages", xssPages);
            String shots = System.getProperty("forge.screenshots", "");
            config.put("screenshots", shots.isBlank() ? "" : NodeClient.projectRoot().resolve(shots).toString());
            Path configFile = dir.resolve("config.json");
            JSON.writeValue(configFile.toFile(), config);

            ProcessBuilder pb = new ProcessBuilder("node", "journeys.mjs", tf.baseUrl, configFile.toString()).directory(DIR.toFile());
            pb.environment().put("CHROMIUM", chromium);
            NodeClient.Output out = NodeClient.exec(pb, 900);
            assertThat(out.exitCode()).as("journeys.mjs failed:\n%s\n%s", out.stderr(), out.stdout()).isZero();
            JsonNode summary = JSON.readTree(out.stdout());
            assertThat(summary.path("failures")).isEmpty();
            List<String> journeys = new ArrayList<>();
            for (JsonNode j : summary.path("journeys")) {
                assertThat(j.path("ok").asBoolean()).as(j.path("name").asText()).isTrue();
                journeys.add(j.path("name").asText());
            }
            assertThat(journeys).contains("find a model by search and read its card", "browse its files at a tag and open a file",
                    "open a commit diff", "sign in", "create a repository", "upload a file through the page", "create and revoke a token",
                    "gate a repository and accept an access request", "make it private and see it vanish for a stranger",
                    "the XSS corpus renders inert", "phone width");
            assertThat(summary.path("pages").size()).as("pages checked by axe and the budget").isGreaterThan(25);
            summary.path("pages").properties().forEach(e -> {
                assertThat(e.getValue().path("bytes").asLong()).as(e.getKey()).isBetween(1L, 100L * 1024);
                // what axe found below "serious", for the record (serious and critical ones failed the script)
                System.out.printf("page %-70s %6d bytes  axe: %s%n", e.getKey(), e.getValue().path("bytes").asLong(), e.getValue().path("violations"));
            });
        }
    }

    static CommitOperation text(String path, String content) {
        return new CommitOperation.AddFile(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** The payloads of {@code src/test/resources/security/xss-corpus.txt}. */
    static List<String> corpus() throws IOException {
        try (InputStream in = BrowserE2ETest.class.getResourceAsStream("/security/xss-corpus.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        }
    }

    /**
     * A model whose card, file names, commit message, discussion (title, description, comments) and pull request are the
     * corpus, and a dataset whose card metadata (pretty name, license, tags, languages) is; returns the pages that show them.
     */
    static List<String> seedCorpus(TestForge tf, User owner, List<String> corpus) throws Exception {
        Actor as = Actor.internal(owner);
        Repo model = tf.forge.repos.create(as, RepoType.MODEL, new RepoId("olive", "xss-corpus"), false);
        StringBuilder yamlList = new StringBuilder("[");
        for (String line : corpus) yamlList.append(yamlList.length() > 1 ? ", " : "").append(JSON.writeValueAsString(line));
        yamlList.append(']');
        String card = "---\nlicense: " + JSON.writeValueAsString(corpus.getFirst()) + "\ntags: " + yamlList + "\nlanguage: " + yamlList
                + "\nbase_model: " + JSON.writeValueAsString(corpus.get(1)) + "\n---\n# Hostile card\n\n" + String.join("\n\n", corpus) + "\n";
        List<CommitOperation> ops = new ArrayList<>();
        ops.add(text("README.md", card));
        List<String> names = new ArrayList<>();
        for (String line : corpus) {
            String name = line.replace('/', '_').replace('\\', '_');
            if (name.length() > 200) name = name.substring(0, 200);
            if (name.equals(".") || name.equals("..") || names.contains(name)) continue;
            names.add(name);
            ops.add(text("files/" + name, line + "\n"));
        }
        String commit = tf.forge.commits.commit(owner, model, "main", Optional.empty(), ops, String.join("\n", corpus));
        var talk = tf.forge.discussions.open(as, RepoType.MODEL, model.id(), new dev.forge.service.community.DiscussionService.Opening(
                corpus.getFirst(), String.join("\n\n", corpus), false));
        for (String line : corpus) tf.forge.discussions.comment(as, RepoType.MODEL, model.id(), talk.discussion().num(), line);
        tf.forge.discussions.open(as, RepoType.MODEL, model.id(), new dev.forge.service.community.DiscussionService.Opening(
                corpus.get(1), corpus.get(2), true));
        Repo dataset = tf.forge.repos.create(as, RepoType.DATASET, new RepoId("olive", "xss-data"), false);
        tf.forge.commits.commit(owner, dataset, "main", Optional.empty(), List.of(text("README.md", "---\npretty_name: "
                + JSON.writeValueAsString(corpus.get(2)) + "\ntask_categories: " + yamlList + "\nlicense: " + yamlList + "\n---\n"
                + String.join("\n", corpus) + "\n")), corpus.get(3));
        List<String> pages = new ArrayList<>(List.of("/olive/xss-corpus", "/olive/xss-corpus/tree/main", "/olive/xss-corpus/tree/main/files",
                "/olive/xss-corpus/commits/main", "/olive/xss-corpus/commit/" + commit, "/olive/xss-corpus/blob/main/README.md",
                "/datasets/olive/xss-data", "/datasets/olive/xss-data/commits/main", "/models?search=xss", "/datasets?search=xss", "/olive",
                "/olive/xss-corpus/discussions", "/olive/xss-corpus/discussions/" + talk.discussion().num(),
                "/olive/xss-corpus/discussions/" + (talk.discussion().num() + 1)));
        for (String n : names.subList(0, Math.min(6, names.size()))) pages.add("/olive/xss-corpus/blob/main/files/" + dev.forge.http.web.Links.path(n));
        return pages;
    }

    /** Installs playwright-core and axe-core from the lock file when they are missing; fails clearly without npm. */
    static synchronized void installPackages() throws IOException, InterruptedException {
        if (Files.exists(DIR.resolve("node_modules/playwright-core/package.json")) && Files.exists(DIR.resolve("node_modules/axe-core/axe.min.js"))) {
            return;
        }
        NodeClient.Output ci = NodeClient.tryExec(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(DIR.toFile()), 300);
        if (ci == null) throw new AssertionError("The browser tests need npm on the PATH to install playwright-core and axe-core in " + DIR);
        if (ci.exitCode() != 0) throw new AssertionError("'npm ci' failed in " + DIR + ":\n" + ci.stdout() + ci.stderr());
    }
}
