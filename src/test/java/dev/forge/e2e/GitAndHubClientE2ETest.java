package dev.forge.e2e;

import org.junit.jupiter.api.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.LfsOid;
import dev.forge.core.RepoType;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole round trip with real clients: a repository made with the JS {@code createRepo}, cloned,
 * filled and pushed with {@code git} and {@code git lfs}, then read back file by file with the JS
 * {@code @huggingface/hub} client and cloned a second time; every byte must survive both ways.
 */
@Tag("slow")
class GitAndHubClientE2ETest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private TestForge forge;
    private GitCli git;
    private NodeClient hub;

    @BeforeEach
    void start() throws Exception {
        forge = TestForge.start(tmp.resolve("data"));
        git = new GitCli(tmp.resolve("home"));
        hub = new NodeClient(forge.baseUrl, forge.adminToken);
    }

    @AfterEach
    void stop() throws Exception {
        if (forge != null) forge.close();
    }

    @Test
    void modelPushedWithGitComesBackIdenticalThroughTheJsClientAndASecondClone() throws Exception {
        JsonNode created = hub.createRepo("model", "admin/e2e-model");
        assertThat(created.path("id").asText()).isEqualTo("admin/e2e-model");
        assertThat(created.path("repoUrl").asText()).isEqualTo(forge.baseUrl + "/admin/e2e-model");

        Path work = tmp.resolve("work");
        git.run(tmp, "clone", forge.baseUrl + "/admin/e2e-model", work.toString()); // no ".git", anonymous
        assertThat(Files.readString(work.resolve(".gitattributes"))).contains("*.safetensors filter=lfs diff=lfs merge=lfs -text");

        write(work, "weights/model.safetensors", randomBytes(1, (int) (10 * MIB) + 4321));
        write(work, "weights/extra/adapter.bin", randomBytes(2, 3000));
        write(work, "README.md", "---\nlicense: mit\ntags:\n- e2e\n---\n# e2e model\n");
        write(work, "configs/deep/nested/config.json", "{\"hidden_size\": 16}\n");
        write(work, "empty.txt", "");
        write(work, "données/é résumé.txt", "Un résumé en français.\n");
        write(work, "docs/notes #1 draft.md", "# notes\nspace and hash in the name\n");
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "Add weights, configs and odd names");
        Set<String> lfsFiles = lfsFiles(work);
        assertThat(lfsFiles).containsExactlyInAnyOrder("weights/model.safetensors", "weights/extra/adapter.bin");
        assertThat(git.run(work, "cat-file", "-p", "HEAD:weights/model.safetensors")).startsWith("version https://git-lfs.github.com/spec/v1");

        git.run(work, "remote", "set-url", "origin", forge.authedUrl("/admin/e2e-model"));
        git.run(work, "push", "origin", "main");
        String head = git.run(work, "rev-parse", "HEAD").strip();

        JsonNode download = hub.downloadAll("model", "admin/e2e-model");
        assertThat(download.path("sha").asText()).as("modelInfo sha").isEqualTo(head);
        assertDownloadMatches(download, work, lfsFiles);

        Path second = tmp.resolve("second");
        git.run(tmp, "clone", forge.baseUrl + "/admin/e2e-model.git", second.toString());
        assertThat(git.run(second, "rev-parse", "HEAD").strip()).isEqualTo(head);
        assertThat(NodeClient.sha256Tree(second)).isEqualTo(NodeClient.sha256Tree(work));
        assertThat(Files.size(second.resolve("weights/model.safetensors"))).isEqualTo(10 * MIB + 4321);
    }

    @Test
    void datasetPushedWithGitComesBackIdenticalThroughTheJsClientAndASecondClone() throws Exception {
        JsonNode created = hub.createRepo("dataset", "admin/e2e-data");
        assertThat(created.path("repoUrl").asText()).isEqualTo(forge.baseUrl + "/datasets/admin/e2e-data");

        Path work = tmp.resolve("work");
        git.run(tmp, "clone", forge.baseUrl + "/datasets/admin/e2e-data", work.toString());
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 500; i++) train.append("{\"id\": ").append(i).append(", \"text\": \"line ").append(i).append("\"}\n");
        write(work, "README.md", "---\nlicense: cc0-1.0\ntask_categories:\n- text-generation\n---\n# e2e data\n");
        write(work, "data/train.jsonl", train.toString());
        write(work, "data/train-00000-of-00001.parquet", randomBytes(3, 200_000));
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "Add data");
        Set<String> lfsFiles = lfsFiles(work);
        assertThat(lfsFiles).containsExactly("data/train-00000-of-00001.parquet");

        git.run(work, "push", forge.authedUrl("/datasets/admin/e2e-data"), "main");
        String head = git.run(work, "rev-parse", "HEAD").strip();

        JsonNode download = hub.downloadAll("dataset", "admin/e2e-data");
        assertThat(download.path("sha").asText()).as("datasetInfo sha").isEqualTo(head);
        assertDownloadMatches(download, work, lfsFiles);

        Path second = tmp.resolve("second");
        git.run(tmp, "clone", forge.baseUrl + "/datasets/admin/e2e-data.git", second.toString());
        assertThat(git.run(second, "rev-parse", "HEAD").strip()).isEqualTo(head);
        assertThat(NodeClient.sha256Tree(second)).isEqualTo(NodeClient.sha256Tree(work));
    }

    @Test
    void anonymousPushIsRefusedAndChangesNothing() throws Exception {
        forge.createRepo(RepoType.MODEL, "admin/guarded");
        Path work = tmp.resolve("work");
        String url = forge.baseUrl + "/admin/guarded";
        git.run(tmp, "clone", url, work.toString());
        String before = git.run(work, "rev-parse", "HEAD").strip();

        // A git push: refused by the git gate (401 on receive-pack; git has no credentials to offer).
        write(work, "notes.txt", "not welcome\n");
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "Anonymous change");
        GitCli.Result plain = git.tryRun(work, "push", url, "main");
        assertThat(plain.exitCode()).as("anonymous push output:\n%s", plain.output()).isNotZero();
        assertThat(plain.output()).containsAnyOf("401", "Authentication", "could not read Username");

        // The LFS upload alone (git lfs push talks to the batch API, not to git): refused too, nothing stored.
        write(work, "model.safetensors", randomBytes(4, 5000));
        git.run(work, "add", "--all");
        git.run(work, "commit", "--quiet", "-m", "Anonymous weights");
        assertThat(lfsFiles(work)).contains("model.safetensors");
        git.run(work, "remote", "add", "anonymous", url);
        GitCli.Result lfs = git.tryRun(work, "lfs", "push", "anonymous", "main");
        assertThat(lfs.exitCode()).as("anonymous git lfs push output:\n%s", lfs.output()).isNotZero();
        assertThat(forge.forge.stores().blobs().size(new LfsOid(NodeClient.sha256(work.resolve("model.safetensors"))))).isEmpty();

        assertThat(git.run(work, "ls-remote", url, "refs/heads/main")).startsWith(before);
        JsonNode after = hub.anonymous().downloadAll("model", "admin/guarded");
        assertThat(after.path("sha").asText()).isEqualTo(before);
        assertThat(fieldNames(after.path("files"))).containsExactly(".gitattributes");
    }

    /** Every tracked file came back with the same bytes, size and the ETag the Hub would send. */
    private void assertDownloadMatches(JsonNode download, Path work, Set<String> lfsFiles) throws Exception {
        Map<String, String> blobIds = blobIds(work);
        JsonNode files = download.path("files");
        assertThat(fieldNames(files)).as("downloaded paths").isEqualTo(blobIds.keySet());
        for (String path : blobIds.keySet()) {
            Path local = work.resolve(path);
            JsonNode got = files.path(path);
            String sha256 = NodeClient.sha256(local);
            assertThat(got.path("sha256").asText()).as("sha256 of %s", path).isEqualTo(sha256);
            assertThat(got.path("size").asLong()).as("size of %s", path).isEqualTo(Files.size(local));
            String etag = lfsFiles.contains(path) ? sha256 : blobIds.get(path);
            assertThat(got.path("etag").asText()).as("etag of %s", path).isEqualTo("\"" + etag + "\"");
        }
    }

    /** Tracked path to git blob id at HEAD ({@code -z}: names verbatim, unicode and all). */
    private SortedMap<String, String> blobIds(Path work) throws Exception {
        SortedMap<String, String> out = new TreeMap<>();
        for (String line : git.run(work, "ls-tree", "-r", "-z", "HEAD").split("\0")) {
            if (line.isEmpty()) continue;
            int tab = line.indexOf('\t');
            String[] meta = line.substring(0, tab).split(" ");
            out.put(line.substring(tab + 1), meta[2]);
        }
        return out;
    }

    private Set<String> lfsFiles(Path work) throws Exception {
        Set<String> out = new HashSet<>();
        for (String line : git.run(work, "-c", "core.quotepath=false", "lfs", "ls-files", "--name-only").split("\n")) {
            if (!line.isBlank()) out.add(line.strip());
        }
        return out;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static void write(Path root, String path, String text) throws IOException {
        write(root, path, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Path root, String path, byte[] bytes) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static byte[] randomBytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
