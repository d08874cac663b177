package dev.forge.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoType;
import dev.forge.service.repo.RepoService;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static dev.forge.upload.UploadFixtures.commitOk;
import static dev.forge.upload.UploadFixtures.deletedFile;
import static dev.forge.upload.UploadFixtures.file;
import static dev.forge.upload.UploadFixtures.files;
import static dev.forge.testing.Hashes.gitBlobSha1;
import static dev.forge.upload.UploadFixtures.header;
import static dev.forge.upload.UploadFixtures.lfsFile;
import static dev.forge.upload.UploadFixtures.mainSha;
import static dev.forge.upload.UploadFixtures.ndjson;
import static dev.forge.upload.UploadFixtures.randomBytes;
import static dev.forge.upload.UploadFixtures.resolve;
import static dev.forge.testing.Hashes.sha256;
import static dev.forge.upload.UploadFixtures.storeLfs;
import static dev.forge.upload.UploadFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API and git see one history: a commit made through the NDJSON API is what {@code git clone}
 * checks out (same commit id, same bytes, LFS smudged), and what {@code git push} (with git lfs) sends
 * is what the API lists (same head, same blob ids and sizes, LFS content hashes).
 */
class GitApiIdentityTest {
    @TempDir
    static Path dir;

    static TestForge tf;
    static GitCli git;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir.resolve("data"));
        git = new GitCli(dir.resolve("home"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    /** Every file of a checkout outside {@code .git}, by relative {@code /} path, to its bytes. */
    private static TreeMap<String, byte[]> checkout(Path root) throws IOException {
        TreeMap<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = root.relativize(p);
                if (rel.getNameCount() > 0 && rel.getName(0).toString().equals(".git")) continue;
                if (Files.isRegularFile(p)) out.put(rel.toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static void write(Path root, String path, byte[] content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
    }

    /** {@code git ls-tree -r -l -z}: path to {blob id, size}. */
    private static TreeMap<String, String[]> lsTree(Path work, String rev) throws Exception {
        TreeMap<String, String[]> out = new TreeMap<>();
        for (String entry : git.run(work, "ls-tree", "-r", "-l", "-z", rev).split("\0")) {
            if (entry.isEmpty()) continue;
            int tab = entry.indexOf('\t');
            String[] meta = entry.substring(0, tab).trim().split("\\s+"); // mode type oid size
            assertThat(meta[1]).isEqualTo("blob");
            out.put(entry.substring(tab + 1), new String[] {meta[2], meta[3]});
        }
        return out;
    }

    @Test
    void aCommitMadeThroughTheApiIsWhatGitCloneChecksOut() throws Exception {
        String id = "admin/api-to-git";
        tf.createRepo(RepoType.MODEL, id);
        byte[] config = utf8("{\"hidden_size\": 8}\n");
        byte[] readme = utf8("# Ünïcödé model\n");
        byte[] weights = randomBytes(21, 300_000);
        LfsOid oid = storeLfs(tf, id, weights);
        String commit = commitOk(tf, id, "main", ndjson(header("Add through the API"),
                file("config.json", config), file("docs/é/README.md", readme), file("gone.txt", "soon gone\n")));
        String second = commitOk(tf, id, "main", ndjson(header("Weights and a deletion"),
                lfsFile("weights/model.safetensors", oid.hex(), (long) weights.length), deletedFile("gone.txt")));
        assertThat(second).isNotEqualTo(commit);
        assertThat(mainSha(tf, id)).isEqualTo(second);

        Path clone = dir.resolve("api-clone");
        git.run(dir, "clone", "--quiet", tf.baseUrl + "/" + id, clone.toString());
        assertThat(git.run(clone, "rev-parse", "HEAD").strip()).isEqualTo(second);
        assertThat(git.run(clone, "rev-parse", "HEAD~1").strip()).isEqualTo(commit);
        assertThat(git.run(clone, "log", "-1", "--format=%s").strip()).isEqualTo("Weights and a deletion");
        assertThat(git.run(clone, "log", "-1", "--format=%an").strip()).isEqualTo("admin");

        Map<String, byte[]> expected = new LinkedHashMap<>();
        expected.put(".gitattributes", utf8(RepoService.DEFAULT_GITATTRIBUTES));
        expected.put("config.json", config);
        expected.put("docs/é/README.md", readme);
        expected.put("weights/model.safetensors", weights);
        TreeMap<String, byte[]> got = checkout(clone);
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((path, bytes) -> assertThat(got.get(path)).as("bytes of %s", path).isEqualTo(bytes));
        assertThat(git.run(clone, "-c", "core.quotepath=false", "lfs", "ls-files", "--name-only").strip())
                .isEqualTo("weights/model.safetensors");
        assertThat(git.run(clone, "cat-file", "-p", "HEAD:weights/model.safetensors"))
                .isEqualTo("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid.hex() + "\nsize " + weights.length + "\n");
        assertThat(git.run(clone, "fsck", "--strict", "--no-progress").strip()).isEmpty();

        // and the API's listing agrees with git's tree
        TreeMap<String, String[]> ls = lsTree(clone, "HEAD");
        Map<String, JsonNode> api = files(tf, id, "main");
        assertThat(api.keySet()).isEqualTo(ls.keySet());
        assertThat(api.get("config.json").path("oid").asText()).isEqualTo(gitBlobSha1(config)).isEqualTo(ls.get("config.json")[0]);
    }

    @Test
    void whatGitPushSendsIsWhatTheApiLists() throws Exception {
        String id = "admin/git-to-api";
        tf.createRepo(RepoType.MODEL, id);
        Path work = dir.resolve("push-work");
        git.run(dir, "clone", "--quiet", tf.baseUrl + "/" + id, work.toString());
        write(work, "README.md", utf8("---\nlicense: mit\n---\n# pushed\n"));
        write(work, "src/deep/nested/code.py", utf8("print('hi')\n"));
        write(work, "données/résumé.txt", utf8("résumé\n"));
        write(work, "empty.txt", new byte[0]);
        write(work, "weights/model.safetensors", randomBytes(31, 250_000));
        write(work, "weights/adapter.bin", randomBytes(32, 5000));
        write(work, "data/table.parquet", randomBytes(33, 40_000));
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "Pushed with git");
        // a second commit that changes and removes things
        write(work, "README.md", utf8("---\nlicense: apache-2.0\n---\n# pushed twice\n"));
        git.run(work, "rm", "--quiet", "weights/adapter.bin");
        git.run(work, "commit", "--quiet", "-am", "Second push commit");
        git.run(work, "push", "--quiet", tf.authedUrl("/" + id), "main");
        String head = git.run(work, "rev-parse", "HEAD").strip();

        JsonNode info = UploadFixtures.json(UploadFixtures.getAuthed(tf, "/api/models/" + id));
        assertThat(info.path("sha").asText()).isEqualTo(head);
        assertThat(mainSha(tf, id)).isEqualTo(head);
        assertThat(UploadFixtures.commitIds(tf, id, "main")).startsWith(head, git.run(work, "rev-parse", "HEAD~1").strip());

        TreeMap<String, String[]> ls = lsTree(work, "HEAD");
        Map<String, JsonNode> api = files(tf, id, "main");
        assertThat(new TreeSet<>(api.keySet())).isEqualTo(new TreeSet<>(ls.keySet()));
        TreeSet<String> lfsPaths = new TreeSet<>();
        for (String line : git.run(work, "-c", "core.quotepath=false", "lfs", "ls-files", "--name-only").split("\n")) {
            if (!line.isBlank()) lfsPaths.add(line.strip());
        }
        assertThat(lfsPaths).containsExactlyInAnyOrder("weights/model.safetensors", "data/table.parquet");
        for (Map.Entry<String, String[]> e : ls.entrySet()) {
            String path = e.getKey();
            JsonNode entry = api.get(path);
            byte[] content = Files.readAllBytes(work.resolve(path));
            assertThat(entry.path("oid").asText()).as("blob id of %s", path).isEqualTo(e.getValue()[0]);
            if (lfsPaths.contains(path)) {
                assertThat(entry.path("lfs").path("oid").asText()).as("lfs.oid of %s", path).isEqualTo(sha256(content));
                assertThat(entry.path("lfs").path("size").asLong()).isEqualTo(content.length);
                assertThat(entry.path("size").asLong()).as("size of %s", path).isEqualTo(content.length);
                assertThat(entry.path("lfs").path("pointerSize").asLong()).as("pointer size of %s", path)
                        .isEqualTo(Long.parseLong(e.getValue()[1]));
            } else {
                assertThat(entry.has("lfs")).as("%s is not LFS", path).isFalse();
                assertThat(entry.path("size").asLong()).as("size of %s", path).isEqualTo(Long.parseLong(e.getValue()[1]));
                assertThat(entry.path("oid").asText()).isEqualTo(gitBlobSha1(content));
            }
            assertThat(resolve(tf, id, "main", UploadFixtures.encodePath(path))).as("resolved bytes of %s", path).isEqualTo(content);
        }

        // the API can then build on the pushed head, and git sees that commit as a fast-forward
        String apiCommit = commitOk(tf, id, "main", ndjson(header("After the push", head), file("added-by-api.txt", "api\n")));
        git.run(work, "pull", "--quiet", "--ff-only", tf.baseUrl + "/" + id, "main");
        assertThat(git.run(work, "rev-parse", "HEAD").strip()).isEqualTo(apiCommit);
        assertThat(Files.readString(work.resolve("added-by-api.txt"))).isEqualTo("api\n");
    }
}
