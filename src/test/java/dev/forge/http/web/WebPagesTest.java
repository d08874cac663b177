package dev.forge.http.web;

import dev.forge.core.CommitOperation;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import dev.forge.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browsing pages over a real server: each renders at the Hub's path with the security headers, shows what it
 * should (card, metadata, weights, files at a tag, a commit's diff), stays under the page budget, and git, the API and
 * file downloads at the same paths still answer as before.
 */
class WebPagesTest {
    @TempDir
    static Path dir;
    static TestForge tf;
    static Repo model;
    static String firstCommit, secondCommit;

    @BeforeAll
    static void setUp() throws Exception {
        tf = TestForge.start(dir);
        model = tf.forge.repos.create(tf.adminActor(), RepoType.MODEL, new RepoId("admin", "web-model"), false);
        byte[] weights = safetensors();
        LfsOid oid = tf.forge.lfs.store(model, new ByteArrayInputStream(weights));
        firstCommit = tf.forge.commits.commit(tf.admin, model, "main", Optional.empty(), List.of(
                file("README.md", """
                        ---
                        license: apache-2.0
                        language: [en, fr]
                        pipeline_tag: text-generation
                        library_name: transformers
                        tags: [tiny]
                        ---
                        # Web model

                        | col | val |
                        |-----|-----|
                        | a   | 1   |

                        ![chart](img/chart.png)
                        """),
                file("config.json", "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\"}\n"),
                file("src/train.py", "def train():\n    return 1  # done\n"),
                new CommitOperation.AddLfsFile("model.safetensors", oid, weights.length)), "First version");
        tf.forge.refs.createTag(tf.adminActor(), RepoType.MODEL, model.id(), "main", "v1");
        secondCommit = tf.forge.commits.commit(tf.admin, model, "main", Optional.empty(), List.of(
                file("src/train.py", "def train():\n    return 2  # better\n"), file("NOTES.md", "new\n")), "Second version");
        Repo derived = tf.forge.repos.create(tf.adminActor(), RepoType.MODEL, new RepoId("admin", "web-model-ft"), false);
        tf.forge.commits.commit(tf.admin, derived, "main", Optional.empty(), List.of(file("README.md", "---\nbase_model: admin/web-model\n---\nft\n")),
                "card");
    }

    @AfterAll
    static void tearDown() throws Exception {
        tf.close();
    }

    static CommitOperation file(String path, String content) {
        return new CommitOperation.AddFile(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A valid safetensors file of two BF16 tensors and one F32. */
    static byte[] safetensors() {
        String header = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,4],\"data_offsets\":[0,32]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 40).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        return buf.array();
    }

    static void assertPage(HttpResponse<String> r) {
        assertThat(r.statusCode()).as("%s: %s", r.uri(), r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("script-src 'self'").contains("style-src 'self'").contains("frame-ancestors 'none'").contains("default-src 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval"));
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.body()).startsWith("<!doctype html>").contains("<main id=\"main\">").doesNotContain("<script>").doesNotContain(" style=");
        assertThat(r.body().getBytes(StandardCharsets.UTF_8).length).as("page budget of %s", r.uri()).isLessThan(100 * 1024 - Assets.size("forge.css")
                - Assets.size("forge.js"));
    }

    @Test
    void theRepositoryPageShowsTheCardMetadataWeightsLineageAndSnippets() throws Exception {
        HttpResponse<String> r = new WebClient(tf.baseUrl).get("/admin/web-model");
        assertPage(r);
        assertThat(r.body()).contains("<h1>Web model</h1>").contains("<table>").contains("apache-2.0").contains("en, fr")
                .contains("text-generation").contains("transformers").contains("GPT2LMHeadModel")
                .contains("<dt>BF16</dt><dd>16</dd>").contains("<dt>F32</dt><dd>2</dd>").contains("Parameters</dt><dd>18 (18)")
                .contains("src=\"/admin/web-model/resolve/" + secondCommit + "/img/chart.png\"")
                .contains("href=\"/admin/web-model-ft\"").contains("1 model derives")
                .contains("export HF_ENDPOINT=" + tf.baseUrl + "\nhf download admin/web-model")
                .contains("from_pretrained(\"admin/web-model\")").contains("git clone " + tf.baseUrl + "/admin/web-model")
                .contains("Saved by dedup");
        assertThat(new WebClient(tf.baseUrl).get("/admin/web-model-ft").body()).contains("finetune of").contains("href=\"/admin/web-model\"");
    }

    @Test
    void aGgufRepositoryGetsLlamaCppAndOllamaSnippetsThatFindItByTag() throws Exception {
        new dev.forge.app.DemoSeeder(tf.forge).seed(tf.admin);
        HttpResponse<String> r = new WebClient(tf.baseUrl).get("/demo/tiny-llama-GGUF");
        assertPage(r);
        String host = tf.baseUrl.substring("http://".length());
        assertThat(r.body()).contains("llama-cli -hf demo/tiny-llama-GGUF").contains("ollama pull --insecure " + host + "/demo/tiny-llama-GGUF")
                .contains("<dt>GGUF</dt>");
        assertThat(new WebClient(tf.baseUrl).get("/demo/tiny-gpt").body()).doesNotContain("llama-cli").contains("transformers");
    }

    @Test
    void filesAtATagAndAtMainAndOneFileOfEachKind() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        HttpResponse<String> atTag = b.get("/admin/web-model/tree/v1");
        assertPage(atTag);
        assertThat(atTag.body()).contains("href=\"/admin/web-model/blob/v1/README.md\"").contains("First version")
                .doesNotContain("NOTES.md").contains("href=\"/admin/web-model/tree/v1/src\"").contains("LFS");
        assertThat(b.get("/admin/web-model/tree/main").body()).contains("NOTES.md").contains("Second version");
        assertThat(b.get("/admin/web-model/tree/v1/src").body()).contains("train.py");

        HttpResponse<String> code = b.get("/admin/web-model/blob/v1/src/train.py");
        assertPage(code);
        assertThat(code.body()).contains("<span class=\"k\">def</span>").contains("<span class=\"c\"># done</span>")
                .contains("href=\"/admin/web-model/raw/v1/src/train.py\"").contains("href=\"/admin/web-model/resolve/v1/src/train.py?download=true\"");

        HttpResponse<String> weights = b.get("/admin/web-model/blob/main/model.safetensors");
        assertPage(weights);
        assertThat(weights.body()).contains("Git LFS").contains(dev.forge.testing.Hashes.sha256(safetensors()))
                .contains("<dt>Format</dt><dd>safetensors</dd>").contains("<dt>BF16</dt><dd>16</dd>");

        assertThat(b.get("/admin/web-model/blob/main/nope.txt").statusCode()).isEqualTo(404);
        assertThat(b.get("/admin/web-model/tree/no-such-branch").statusCode()).isEqualTo(404);
        assertThat(b.get("/admin/web-model/blob/main/..%2F..%2Fetc%2Fpasswd").statusCode()).isEqualTo(400);
    }

    @Test
    void historyCommitDiffAndRefs() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        HttpResponse<String> commits = b.get("/admin/web-model/commits/main");
        assertPage(commits);
        assertThat(commits.body()).contains("Second version").contains("First version").contains("initial commit").contains("3 commits");
        HttpResponse<String> diff = b.get("/admin/web-model/commit/" + secondCommit);
        assertPage(diff);
        assertThat(diff.body()).contains("src/train.py").contains("modified").contains("-    return 1  # done").contains("+    return 2  # better")
                .contains("NOTES.md").contains("added").contains("2 files changed");
        HttpResponse<String> first = b.get("/admin/web-model/commit/" + firstCommit.substring(0, 10));
        assertThat(first.body()).contains("model.safetensors").contains("LFS object").contains(dev.forge.testing.Hashes.sha256(safetensors()));
        HttpResponse<String> refs = b.get("/admin/web-model/refs");
        assertPage(refs);
        assertThat(refs.body()).contains("<td>main</td>").contains("<td>v1</td>").contains(firstCommit.substring(0, 7));
        assertThat(b.get("/admin/web-model/commit/0000000000000000000000000000000000000000").statusCode()).isEqualTo(404);
    }

    @Test
    void homeSearchAndOwnerPagesComeFromTheSameIndexAsTheApi() throws Exception {
        WebClient b = new WebClient(tf.baseUrl);
        assertPage(b.get("/"));
        assertThat(b.get("/").body()).contains("admin/web-model");
        HttpResponse<String> search = b.get("/models?search=web-model&license=apache-2.0&task=text-generation&language=en&sort=downloads");
        assertPage(search);
        assertThat(search.body()).contains("href=\"/admin/web-model\"").doesNotContain("href=\"/admin/web-model-ft\"");
        assertThat(b.get("/models?search=web-model&library=gguf").body()).doesNotContain("href=\"/admin/web-model\"").contains("Nothing matches");
        assertThat(b.get("/models?search=web&size=lt1b").body()).contains("href=\"/admin/web-model\"");
        assertThat(b.get("/models?search=web&size=gt100b").body()).doesNotContain("href=\"/admin/web-model\"");
        assertThat(b.get("/models?author=admin").body()).contains("admin/web-model-ft");
        assertPage(b.get("/datasets"));
        assertPage(b.get("/admin"));
        assertThat(b.get("/models?cursor=not-a-cursor").statusCode()).isEqualTo(400);
        assertThat(b.get("/models?search=" + "x".repeat(300)).statusCode()).isEqualTo(400);
        assertThat(b.get("/no-such-user").statusCode()).isEqualTo(404);
        assertThat(b.get("/spaces/admin/x").statusCode()).isEqualTo(404);
    }

    @Test
    void gitTheApiAndDownloadsAtTheSamePathsAnswerAsBefore() throws Exception {
        Path clone = dir.resolve("clone");
        new GitCli(dir.resolve("git-home")).run(dir, "clone", tf.baseUrl + "/admin/web-model", clone.toString());
        assertThat(clone.resolve("src/train.py")).hasContent("def train():\n    return 2  # better");
        HttpResponse<byte[]> api = tf.get("/api/models/admin/web-model");
        assertThat(api.statusCode()).isEqualTo(200);
        assertThat(api.headers().firstValue("Content-Type")).hasValue("application/json");
        HttpResponse<byte[]> raw = tf.get("/admin/web-model/resolve/main/config.json");
        assertThat(new String(raw.body(), StandardCharsets.UTF_8)).contains("GPT2LMHeadModel");
        assertThat(raw.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(c -> assertThat(c).contains("sandbox"));
        HttpResponse<byte[]> missing = tf.get("/api/models/admin/nope");
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/json");
        HttpResponse<byte[]> browser404 = tf.get("/admin/web-model/nothing-here", "Accept", "text/html");
        assertThat(browser404.statusCode()).isEqualTo(404);
        assertThat(browser404.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        HttpResponse<byte[]> client404 = tf.get("/admin/web-model/nothing-here");
        assertThat(client404.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void assetsAreServedWithLongCachingAndAnEtag() throws Exception {
        HttpResponse<byte[]> css = tf.get("/static/forge.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        String etag = css.headers().firstValue("ETag").orElseThrow();
        assertThat(tf.get("/static/forge.css", "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(tf.get("/static/forge.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(tf.get("/static/../pom.xml").statusCode()).isIn(400, 404);
        assertThat(tf.get("/static/nope.css").statusCode()).isEqualTo(404);
    }

    @Test
    void moreCommitsAndFilesThanAPageHoldArePaged() throws Exception {
        Repo big = tf.forge.repos.create(tf.adminActor(), RepoType.MODEL, new RepoId("admin", "many-files"), false);
        List<CommitOperation> ops = new java.util.ArrayList<>();
        for (int i = 0; i < FilePages.TREE_PAGE + 5; i++) ops.add(file("f/" + String.format("%04d", i) + ".txt", "x" + i));
        tf.forge.commits.commit(tf.admin, big, "main", Optional.empty(), ops, "many");
        for (int i = 0; i < HistoryPages.PAGE + 2; i++) {
            tf.forge.commits.commit(tf.admin, big, "main", Optional.empty(), List.of(file("counter.txt", "n" + i)), "commit " + i);
        }
        WebClient b = new WebClient(tf.baseUrl);
        HttpResponse<String> tree = b.get("/admin/many-files/tree/main/f");
        assertPage(tree);
        assertThat(tree.body()).contains("0000.txt").doesNotContain("0104.txt").contains("rel=\"next\"");
        String next = tree.body().replaceAll("(?s).*href=\"([^\"]+)\" rel=\"next\".*", "$1").replace("&amp;", "&");
        assertThat(b.get(next).body()).contains("0104.txt").doesNotContain("0000.txt");
        HttpResponse<String> commits = b.get("/admin/many-files/commits/main");
        assertThat(commits.body()).contains("commit " + (HistoryPages.PAGE + 1)).contains("?p=1");
        assertThat(b.get("/admin/many-files/commits/main?p=1").body()).contains("initial commit");
        assertThat(b.get("/admin/many-files/commits/main?p=-1").statusCode()).isEqualTo(400);
        tf.forge.repos.delete(Actor.internal(tf.admin), RepoType.MODEL, big.id());
    }
}
