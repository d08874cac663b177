package dev.forge.git;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.testing.GitCli;
import dev.forge.testing.TestForge;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Small helpers shared by the git push and LFS tests: JSON, hashing, pointers, clones and API lookups. */
final class GitFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private GitFixtures() {}


    static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String pointer(String oid, long size) {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize " + size + "\n";
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** The commit the API reports for {@code rev} of a model ({@code null}: the default branch). */
    static String apiSha(TestForge tf, String repoId, String rev) throws IOException, InterruptedException {
        String path = "/api/models/" + repoId + (rev == null ? "" : "/revision/" + rev);
        HttpResponse<byte[]> r = tf.get(path, "Authorization", "Bearer " + tf.adminToken);
        assertThat(r.statusCode()).as("GET %s: %s", path, body(r)).isEqualTo(200);
        return json(r).path("sha").asText();
    }

    /** The API's refs listing of a model. */
    static JsonNode apiRefs(TestForge tf, String repoId) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = tf.get("/api/models/" + repoId + "/refs", "Authorization", "Bearer " + tf.adminToken);
        assertThat(r.statusCode()).as("refs: %s", body(r)).isEqualTo(200);
        return json(r);
    }

    /** The commit a ref has on the server according to {@code git ls-remote}, if it exists. */
    static Optional<String> lsRemote(GitCli git, Path dir, String remoteUrl, String ref) throws IOException, InterruptedException {
        String out = git.run(dir, "ls-remote", remoteUrl);
        for (String line : out.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2 && parts[1].equals(ref)) return Optional.of(parts[0]);
        }
        return Optional.empty();
    }

    static String revParse(GitCli git, Path dir, String rev) throws IOException, InterruptedException {
        return git.run(dir, "rev-parse", rev).trim();
    }

    /** Clones {@code url} into a new folder under {@code parent}. */
    static Path cloneInto(GitCli git, Path parent, String url, String name) throws IOException, InterruptedException {
        Files.createDirectories(parent);
        git.run(parent, "clone", "-q", url, name);
        return parent.resolve(name);
    }

    /** Writes a file, stages it and commits; returns the new commit id. */
    static String commitFile(GitCli git, Path dir, String path, byte[] content, String message) throws IOException, InterruptedException {
        Path f = dir.resolve(path);
        Files.createDirectories(f.getParent());
        Files.write(f, content);
        git.run(dir, "add", "--", path);
        git.run(dir, "commit", "-q", "-m", message);
        return revParse(git, dir, "HEAD");
    }

    /**
     * Commits a hand-written LFS pointer as {@code path} (the repository's {@code .gitattributes} routes
     * {@code *.bin} through the lfs filter, which passes pointer text through unchanged).
     */
    static String commitPointer(GitCli git, Path dir, String path, String oid, long size, String message)
            throws IOException, InterruptedException {
        String id = commitFile(git, dir, path, pointer(oid, size).getBytes(StandardCharsets.UTF_8), message);
        String stored = git.run(dir, "cat-file", "-p", "HEAD:" + path);
        assertThat(stored).as("the committed blob must be the pointer itself").isEqualTo(pointer(oid, size));
        return id;
    }

    /** Removes git-lfs' pre-push hook so pointers to objects the client does not have can be pushed. */
    static void dropLfsPrePush(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(".git/hooks/pre-push"));
    }
}
