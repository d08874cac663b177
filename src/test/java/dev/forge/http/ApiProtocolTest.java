package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitOperation;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.testing.TestForge;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.forge.http.HttpSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.*;

/**
 * The Hub JSON API as the clients parse it (protocol reference §3, §4.1, §1.3–1.4): info with expand and
 * blobs, tree (encodings, pagination by {@code Link}), paths-info, refs, commits, whoami-v2,
 * validate-yaml, repository create and delete.
 */
class ApiProtocolTest {
    @TempDir static Path dir;
    static TestForge tf;
    static Repo api;

    static final String README = """
            ---
            license: mit
            pipeline_tag: text-generation
            library_name: transformers
            tags:
              - forge
              - test
            ---
            # A model
            """;
    static final byte[] CONFIG_V1 = utf8("{\"v\":1}\n");
    static final byte[] CONFIG_V2 = utf8("{\"v\":2}\n");
    static final byte[] WEIGHTS = pattern(3000, 5);
    static final int BIG_FILES = 1100;

    /** Commit ids by label: init (system), c1, c2 (main), feature (feature/x), pr (refs/pr/1). */
    static final Map<String, String> COMMITS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        tf.forge.auth.createOrg("acme", "ACME Corp", tf.admin);
        api = tf.createRepo(RepoType.MODEL, "admin/api");
        COMMITS.put("init", tf.forge.stores().git().resolve(api.key(), "main").orElseThrow().name());
        String c1 = commit(tf, api, "main", "add files\n\nwith a body",
                file("README.md", README), file("config.json", CONFIG_V1), lfs(tf, api, "model.safetensors", WEIGHTS),
                file("sub/dir/nested.txt", "nested"), file("sub/top.txt", "top"));
        ref(tf, api, "refs/tags/v1", c1);
        String c2 = commit(tf, api, "main", "update config", file("config.json", CONFIG_V2));
        ref(tf, api, "refs/heads/feature/x", c2);
        String feature = commit(tf, api, "feature/x", "feature work", file("sub/dir/feature.txt", "feature"));
        ref(tf, api, "refs/heads/pr-source", c2);
        String pr = commit(tf, api, "pr-source", "a pull request", file("pr.txt", "pr"));
        ref(tf, api, "refs/pr/1", pr);
        COMMITS.putAll(Map.of("c1", c1, "c2", c2, "feature", feature, "pr", pr));

        Repo big = tf.createRepo(RepoType.MODEL, "admin/big");
        List<CommitOperation> ops = new ArrayList<>();
        for (int i = 0; i < BIG_FILES; i++) ops.add(file(String.format("files/f%04d.txt", i), "file " + i));
        ops.add(file("top-a.txt", "a"));
        tf.forge.commits.commit(tf.admin, big, "main", Optional.empty(), ops, "many files");

        Repo history = tf.createRepo(RepoType.MODEL, "admin/history");
        for (int i = 1; i <= 6; i++) commit(tf, history, "main", "change " + i, file("n.txt", "n" + i));

        Repo ds = tf.createRepo(RepoType.DATASET, "admin/ds");
        commit(tf, ds, "main", "data", file("README.md", "---\nlicense: cc-by-4.0\n---\n"), file("data/train.csv", "a,b\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static String rev(String token) {
        if (token.startsWith("<sha:")) return COMMITS.get(token.substring(5, token.length() - 1));
        if (token.startsWith("<short:")) return COMMITS.get(token.substring(7, token.length() - 1)).substring(0, 7);
        return token;
    }

    static HttpResponse<byte[]> getJson(String path, String... headers) throws Exception {
        HttpResponse<byte[]> r = tf.get(path, headers);
        assertThat(r.statusCode()).as("GET %s: %s", path, text(r)).isEqualTo(200);
        assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return r;
    }

    static HttpResponse<byte[]> post(String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = tf.request(path).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return tf.send(b);
    }

    static HttpResponse<byte[]> delete(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = tf.request(path).method("DELETE", HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return tf.send(b);
    }

    static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.path(field).asText());
        return out;
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new LinkedHashSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static void assertIsoMillisZ(JsonNode date) {
        assertThat(date.isTextual()).as("date %s is a string", date).isTrue();
        assertThat(date.asText()).matches(ISO_MILLIS_Z);
        assertThat(Instant.parse(date.asText())).isBefore(Instant.now().plusSeconds(60));
    }

    // ============================================================================================ info

    @Nested
    class Info {
        @Test
        void infoHasTheFieldsClientsRead() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api"));

            assertThat(info.path("_id").asText()).matches("[0-9a-f]{24}");
            assertThat(info.path("id").asText()).isEqualTo("admin/api");
            assertThat(info.path("modelId").asText()).isEqualTo("admin/api");
            assertThat(info.path("author").asText()).isEqualTo("admin");
            assertThat(info.path("sha").asText()).isEqualTo(COMMITS.get("c2"));
            assertThat(info.path("private").isBoolean()).isTrue();
            assertThat(info.path("private").asBoolean()).isFalse();
            assertThat(info.path("gated").isBoolean()).as("gated is false, not null").isTrue();
            assertThat(info.path("gated").asBoolean()).isFalse();
            assertThat(info.path("downloads").isInt()).isTrue();
            assertThat(info.path("likes").isInt()).isTrue();
            assertIsoMillisZ(info.path("lastModified"));
            assertIsoMillisZ(info.path("createdAt"));
            assertThat(texts(info.path("siblings"), "rfilename")).containsExactlyInAnyOrder(
                    ".gitattributes", "README.md", "config.json", "model.safetensors", "sub/dir/nested.txt", "sub/top.txt");
            for (JsonNode s : info.path("siblings")) assertThat(fieldNames(s)).containsExactly("rfilename");
            assertThat(info.has("xetHash")).isFalse();
        }

        @Test
        void lastModifiedIsTheDateOfTheRevisionsCommit() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api"));
            JsonNode commits = json(getJson("/api/models/admin/api/commits/main"));

            assertThat(info.path("lastModified").asText()).isEqualTo(commits.get(0).path("date").asText());
        }

        @Test
        void blobsTrueAddsSizesBlobIdsAndLfs() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api?blobs=true"));
            Map<String, JsonNode> byName = new HashMap<>();
            for (JsonNode s : info.path("siblings")) byName.put(s.path("rfilename").asText(), s);

            JsonNode config = byName.get("config.json");
            assertThat(config.path("size").asLong()).isEqualTo(CONFIG_V2.length);
            assertThat(config.path("blobId").asText()).isEqualTo(gitBlobSha1(CONFIG_V2));
            assertThat(config.has("lfs")).isFalse();

            JsonNode weights = byName.get("model.safetensors");
            byte[] pointer = lfsPointer(WEIGHTS);
            assertThat(weights.path("size").asLong()).as("the real size").isEqualTo(WEIGHTS.length);
            assertThat(weights.path("blobId").asText()).as("the pointer's blob").isEqualTo(gitBlobSha1(pointer));
            assertThat(fieldNames(weights.path("lfs"))).containsExactlyInAnyOrder("sha256", "size", "pointerSize");
            assertThat(weights.path("lfs").path("sha256").asText()).isEqualTo(sha256(WEIGHTS));
            assertThat(weights.path("lfs").path("size").asLong()).isEqualTo(WEIGHTS.length);
            assertThat(weights.path("lfs").path("pointerSize").asInt()).isEqualTo(pointer.length);
        }

        @ParameterizedTest(name = "blobs={0}")
        @ValueSource(strings = {"True", "1", "true"})
        void booleansArriveInEveryClientsSpelling(String value) throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api?blobs=" + value));

            assertThat(info.path("siblings").get(0).has("blobId")).isTrue();
        }

        @ParameterizedTest(name = "revision/{0} -> {1}")
        @CsvSource({
                "HEAD,                 c2",
                "main,                 c2",
                "v1,                   c1",
                "refs%2Ftags%2Fv1,     c1",
                "<sha:c1>,             c1",
                "<short:c1>,           c1",
                "refs%2Fpr%2F1,        pr",
                "feature%2Fx,          feature",
                "refs%2Fheads%2Fmain,  c2",
        })
        void revisionEndpointResolvesEveryKindOfRevision(String token, String label) throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api/revision/" + rev(token)));

            assertThat(info.path("sha").asText()).isEqualTo(COMMITS.get(label));
            List<String> files = texts(info.path("siblings"), "rfilename");
            assertThat(files.contains("pr.txt")).isEqualTo(label.equals("pr"));
            assertThat(files.contains("sub/dir/feature.txt")).isEqualTo(label.equals("feature"));
        }

        @Test
        void theRevisionOfAnInfoChangesTheFilesNotTheRepository() throws Exception {
            JsonNode v1 = json(getJson("/api/models/admin/api/revision/v1?blobs=true"));

            assertThat(v1.path("id").asText()).isEqualTo("admin/api");
            for (JsonNode s : v1.path("siblings")) {
                if (s.path("rfilename").asText().equals("config.json")) assertThat(s.path("blobId").asText()).isEqualTo(gitBlobSha1(CONFIG_V1));
            }
        }

        @ParameterizedTest(name = "?{0} -> {1}")
        @CsvSource(delimiter = '|', value = {
                "expand=sha&expand=siblings         | _id,id,sha,siblings",
                "expand[]=likes                     | _id,id,likes",
                "expand[]=sha&expand=private        | _id,id,sha,private",
                "expand=cardData                    | _id,id,cardData",
                "expand=lastModified&expand=gated   | _id,id,lastModified,gated",
                "expand=noSuchProperty              | _id,id",
        })
        void expandReturnsOnlyThoseFieldsPlusIds(String query, String fields) throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api?" + query));

            assertThat(fieldNames(info)).containsExactlyInAnyOrder(fields.split(","));
            assertThat(info.path("id").asText()).isEqualTo("admin/api");
            if (info.has("sha")) assertThat(info.path("sha").asText()).isEqualTo(COMMITS.get("c2"));
        }

        @Test
        void expandSiblingsOnARevisionListsThatRevisionsFiles() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api/revision/refs%2Fpr%2F1?expand=siblings&expand=sha"));

            assertThat(info.path("sha").asText()).isEqualTo(COMMITS.get("pr"));
            assertThat(texts(info.path("siblings"), "rfilename")).contains("pr.txt");
        }

        @Test
        void cardDataComesFromTheReadmeFrontMatter() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/api"));

            JsonNode card = info.path("cardData");
            assertThat(card.path("license").asText()).isEqualTo("mit");
            assertThat(card.path("pipeline_tag").asText()).isEqualTo("text-generation");
            assertThat(texts(card.path("tags"), "")).hasSize(2);
            assertThat(card.path("tags").get(0).asText()).isEqualTo("forge");
            assertThat(info.path("pipeline_tag").asText()).isEqualTo("text-generation");
            assertThat(info.path("library_name").asText()).isEqualTo("transformers");
            List<String> tags = new ArrayList<>();
            info.path("tags").forEach(t -> tags.add(t.asText()));
            assertThat(tags).contains("forge", "test", "license:mit", "transformers", "text-generation");
        }

        @Test
        void aRepositoryWithoutACardHasNoCardData() throws Exception {
            JsonNode info = json(getJson("/api/models/admin/big?expand=cardData&expand=sha"));

            assertThat(info.has("cardData")).isFalse();
        }

        @Test
        void datasetsHaveTheirOwnInfo() throws Exception {
            JsonNode info = json(getJson("/api/datasets/admin/ds"));

            assertThat(info.path("id").asText()).isEqualTo("admin/ds");
            assertThat(info.has("modelId")).isFalse();
            assertThat(info.path("cardData").path("license").asText()).isEqualTo("cc-by-4.0");
            assertThat(texts(info.path("siblings"), "rfilename")).contains("data/train.csv");
        }

        @ParameterizedTest(name = "{0} -> {1} {2}")
        @CsvSource({
                "/api/models/admin/api/revision/nope,            404, RevisionNotFound",
                "/api/models/admin/api/revision/refs%2Fpr%2F42,  404, RevisionNotFound",
                "/api/models/admin/api/revision/refs%252Fpr%252F1, 404, RevisionNotFound",
                "/api/models/admin/nope,                         404, RepoNotFound",
                "/api/datasets/admin/api,                        404, RepoNotFound",
                "/api/models/admin/ds,                           404, RepoNotFound",
        })
        void infoErrors(String url, int status, String code) throws Exception {
            assertHubError(tf.get(url, "Authorization", auth(tf)), status, code);
        }
    }

    // ============================================================================================ tree

    @Nested
    class Tree {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "tree/main                          | c2      | .gitattributes,README.md,config.json,model.safetensors,sub",
                "tree/main?recursive=true           | c2      | .gitattributes,README.md,config.json,model.safetensors,sub,sub/dir,sub/dir/nested.txt,sub/top.txt",
                "tree/main?recursive=True           | c2      | .gitattributes,README.md,config.json,model.safetensors,sub,sub/dir,sub/dir/nested.txt,sub/top.txt",
                "tree/main/sub                      | c2      | sub/dir,sub/top.txt",
                "tree/main/sub?recursive=1          | c2      | sub/dir,sub/dir/nested.txt,sub/top.txt",
                "tree/main/sub/dir                  | c2      | sub/dir/nested.txt",
                "tree/main/sub%2Fdir                | c2      | sub/dir/nested.txt",
                "tree/main/sub/                     | c2      | sub/dir,sub/top.txt",
                "tree/HEAD/sub                      | c2      | sub/dir,sub/top.txt",
                "tree/feature/x/sub/dir             | feature | sub/dir/feature.txt,sub/dir/nested.txt",
                "tree/feature%2Fx/sub%2Fdir         | feature | sub/dir/feature.txt,sub/dir/nested.txt",
                "tree/feature/x                     | feature | .gitattributes,README.md,config.json,model.safetensors,sub",
                "tree/refs%2Fpr%2F1                 | pr      | .gitattributes,README.md,config.json,model.safetensors,pr.txt,sub",
                "tree/refs/pr/1                     | pr      | .gitattributes,README.md,config.json,model.safetensors,pr.txt,sub",
                "tree/refs/heads/feature/x/sub/dir  | feature | sub/dir/feature.txt,sub/dir/nested.txt",
                "tree/v1/sub/dir                    | c1      | sub/dir/nested.txt",
                "tree/<short:c1>                    | c1      | .gitattributes,README.md,config.json,model.safetensors,sub",
        })
        void listsFoldersAtAnyRevisionInEveryEncoding(String path, String label, String expected) throws Exception {
            String url = "/api/models/admin/api/" + path.replace("<short:c1>", rev("<short:c1>"));

            HttpResponse<byte[]> r = getJson(url);

            assertThat(texts(json(r), "path")).as(url).containsExactly(expected.split(","));
            assertThat(header(r, "X-Repo-Commit")).hasValue(COMMITS.get(label));
            assertThat(header(r, "Link")).isEmpty();
        }

        @Test
        void entriesHaveTheHubShapes() throws Exception {
            JsonNode tree = json(getJson("/api/models/admin/api/tree/main?recursive=true"));
            Map<String, JsonNode> byPath = new HashMap<>();
            for (JsonNode e : tree) byPath.put(e.path("path").asText(), e);

            JsonNode config = byPath.get("config.json");
            assertThat(fieldNames(config)).containsExactlyInAnyOrder("type", "oid", "size", "path");
            assertThat(config.path("type").asText()).isEqualTo("file");
            assertThat(config.path("oid").asText()).isEqualTo(gitBlobSha1(CONFIG_V2));
            assertThat(config.path("size").asLong()).isEqualTo(CONFIG_V2.length);

            JsonNode weights = byPath.get("model.safetensors");
            // an LFS file held in Xet form (the chunk store) carries its Xet file hash, as on the Hub
            boolean xet = tf.forge.xet.fileHash(new dev.forge.core.LfsOid(sha256(WEIGHTS))).isPresent();
            if (xet) {
                assertThat(fieldNames(weights)).containsExactlyInAnyOrder("type", "oid", "size", "lfs", "xetHash", "path");
                assertThat(weights.path("xetHash").asText()).matches("[0-9a-f]{64}")
                        .isEqualTo(header(tf.head("/admin/api/resolve/main/model.safetensors"), "X-Xet-Hash").orElseThrow());
            } else {
                assertThat(fieldNames(weights)).containsExactlyInAnyOrder("type", "oid", "size", "lfs", "path");
            }
            assertThat(weights.path("size").asLong()).as("LFS size is the real size").isEqualTo(WEIGHTS.length);
            assertThat(weights.path("oid").asText()).as("LFS oid is the pointer's blob").isEqualTo(gitBlobSha1(lfsPointer(WEIGHTS)));
            assertThat(fieldNames(weights.path("lfs"))).containsExactlyInAnyOrder("oid", "size", "pointerSize");
            assertThat(weights.path("lfs").path("oid").asText()).isEqualTo(sha256(WEIGHTS));
            assertThat(weights.path("lfs").path("size").asLong()).isEqualTo(WEIGHTS.length);
            assertThat(weights.path("lfs").path("pointerSize").asInt()).isEqualTo(lfsPointer(WEIGHTS).length);

            for (String folder : List.of("sub", "sub/dir")) {
                JsonNode d = byPath.get(folder);
                assertThat(d.path("type").asText()).isEqualTo("directory");
                assertThat(d.path("oid").asText()).as("a folder's oid is its git tree id").isEqualTo(treeId(COMMITS.get("c2"), folder));
                assertThat(d.has("lfs")).isFalse();
            }
            for (JsonNode e : tree) {
                assertThat(e.has("lastCommit")).isFalse();
                assertThat(e.has("xetHash")).isEqualTo(xet && e.has("lfs"));
                assertThat(e.has("securityFileStatus")).isFalse();
            }
        }

        private static String treeId(String commit, String folder) throws Exception {
            Repository repo = tf.forge.stores().git().repository(api.key());
            try (RevWalk walk = new RevWalk(repo); TreeWalk tw = TreeWalk.forPath(repo, folder, walk.parseCommit(ObjectId.fromString(commit)).getTree())) {
                return tw.getObjectId(0).name();
            }
        }

        @Test
        void expandAddsTheLastCommitOfEachEntry() throws Exception {
            JsonNode tree = json(getJson("/api/models/admin/api/tree/main?recursive=true&expand=true"));
            Map<String, JsonNode> byPath = new HashMap<>();
            for (JsonNode e : tree) byPath.put(e.path("path").asText(), e);

            for (JsonNode e : tree) {
                if (!e.path("type").asText().equals("file") && !e.has("lastCommit")) continue;
                JsonNode lc = e.path("lastCommit");
                assertThat(fieldNames(lc)).as(e.path("path").asText()).containsExactlyInAnyOrder("id", "title", "date");
                assertThat(lc.path("id").asText()).matches(SHA1);
                assertIsoMillisZ(lc.path("date"));
            }
            assertThat(byPath.get("config.json").path("lastCommit").path("id").asText()).isEqualTo(COMMITS.get("c2"));
            assertThat(byPath.get("config.json").path("lastCommit").path("title").asText()).isEqualTo("update config");
            assertThat(byPath.get("sub/top.txt").path("lastCommit").path("id").asText()).isEqualTo(COMMITS.get("c1"));
            assertThat(byPath.get("sub/top.txt").path("lastCommit").path("title").asText()).isEqualTo("add files");
            assertThat(byPath.get(".gitattributes").path("lastCommit").path("id").asText()).isEqualTo(COMMITS.get("init"));
        }

        @ParameterizedTest(name = "{0} -> {1} {2}")
        @CsvSource({
                "tree/main/nope,                 404, EntryNotFound,    c2",
                "tree/main/nope?recursive=true,  404, EntryNotFound,    c2",
                "tree/main/config.json,          404, EntryNotFound,    c2",
                "tree/main/sub%2Fnope,           404, EntryNotFound,    c2",
                "tree/feature/x/nope/deeper,     404, EntryNotFound,    feature",
                "tree/v1/pr.txt,                 404, EntryNotFound,    c1",
                "tree/nope,                      404, RevisionNotFound, ",
                "tree/nope/sub,                  404, RevisionNotFound, ",
                "tree/refs%2Fpr%2F9,             404, RevisionNotFound, ",
        })
        void missingFoldersAndRevisions(String path, int status, String code, String label) throws Exception {
            HttpResponse<byte[]> r = tf.get("/api/models/admin/api/" + path);

            assertHubError(r, status, code);
            if (label != null) assertThat(header(r, "X-Repo-Commit")).hasValue(COMMITS.get(label));
        }

        @Test
        void largeTreesArePaginatedByLinkHeaders() throws Exception {
            List<String> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String next = "/api/models/admin/big/tree/main?recursive=true";
            while (next != null) {
                HttpResponse<byte[]> page = getJson(next);
                JsonNode entries = json(page);
                pageSizes.add(entries.size());
                seen.addAll(texts(entries, "path"));
                Optional<String> link = nextLink(page);
                link.ifPresent(l -> {
                    assertThat(l).startsWith(tf.baseUrl + "/api/models/admin/big/tree/main?");
                    assertThat(l).contains("recursive=true").contains("cursor=");
                });
                next = link.map(HttpSupport::pathAndQuery).orElse(null);
            }

            assertThat(pageSizes).containsExactly(1000, BIG_FILES + 3 - 1000);
            assertThat(seen).doesNotHaveDuplicates().hasSize(BIG_FILES + 3);
            Set<String> expected = new HashSet<>(List.of(".gitattributes", "files", "top-a.txt"));
            for (int i = 0; i < BIG_FILES; i++) expected.add(String.format("files/f%04d.txt", i));
            assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(seen).isSorted();
        }

        @Test
        void expandedTreesArePaginatedInSmallerPages() throws Exception {
            List<String> seen = new ArrayList<>();
            int pages = 0;
            String next = "/api/models/admin/big/tree/main/files?expand=true";
            while (next != null) {
                HttpResponse<byte[]> page = getJson(next);
                JsonNode entries = json(page);
                assertThat(entries.size()).isLessThanOrEqualTo(50);
                for (JsonNode e : entries) assertThat(e.path("lastCommit").path("title").asText()).isEqualTo("many files");
                seen.addAll(texts(entries, "path"));
                pages++;
                next = nextLink(page).map(HttpSupport::pathAndQuery).orElse(null);
            }

            assertThat(pages).isEqualTo((BIG_FILES + 49) / 50);
            assertThat(seen).doesNotHaveDuplicates().hasSize(BIG_FILES).allMatch(p -> p.startsWith("files/f"));
        }

        @Test
        void aNonRecursiveListingOfABigFolderIsPaginatedToo() throws Exception {
            Set<String> seen = new HashSet<>();
            int count = 0;
            String next = "/api/models/admin/big/tree/" + enc("main") + "/" + enc("files");
            while (next != null) {
                HttpResponse<byte[]> page = getJson(next);
                for (String p : texts(json(page), "path")) {
                    assertThat(seen.add(p)).as("seen once: %s", p).isTrue();
                    count++;
                }
                next = nextLink(page).map(HttpSupport::pathAndQuery).orElse(null);
            }

            assertThat(count).isEqualTo(BIG_FILES);
        }
    }

    // ============================================================================================ paths-info

    @Nested
    class PathsInfo {
        @Test
        void jsonBodyAsTheJsClientSendsIt() throws Exception {
            HttpResponse<byte[]> r = post("/api/models/admin/api/paths-info/main", "application/json",
                    "{\"paths\":[\"config.json\",\"sub\",\"missing.txt\",\"model.safetensors\",\"sub/dir/nested.txt\"],\"expand\":true}");

            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode entries = json(r);
            assertThat(texts(entries, "path")).containsExactlyInAnyOrder("config.json", "sub", "model.safetensors", "sub/dir/nested.txt");
            for (JsonNode e : entries) {
                assertThat(e.path("lastCommit").path("id").asText()).matches(SHA1);
                if (e.path("path").asText().equals("model.safetensors")) {
                    assertThat(e.path("lfs").path("oid").asText()).isEqualTo(sha256(WEIGHTS));
                    assertThat(e.path("size").asLong()).isEqualTo(WEIGHTS.length);
                }
                if (e.path("path").asText().equals("sub")) assertThat(e.path("type").asText()).isEqualTo("directory");
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"expand=false", "expand=False", ""})
        void formBodyAsThePythonClientSendsIt(String expand) throws Exception {
            String body = "paths=config.json&paths=missing.txt&paths=sub%2Fdir" + (expand.isEmpty() ? "" : "&" + expand);

            HttpResponse<byte[]> r = post("/api/models/admin/api/paths-info/" + enc("main"), "application/x-www-form-urlencoded", body);

            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode entries = json(r);
            assertThat(texts(entries, "path")).containsExactlyInAnyOrder("config.json", "sub/dir");
            for (JsonNode e : entries) assertThat(e.has("lastCommit")).isFalse();
        }

        @Test
        void jsonWithACharsetIsStillJson() throws Exception {
            HttpResponse<byte[]> r = post("/api/models/admin/api/paths-info/main", "application/json; charset=utf-8",
                    "{\"paths\":[\"sub/top.txt\"]}");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(texts(json(r), "path")).containsExactly("sub/top.txt");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({"refs%2Fpr%2F1, 1", "main, 0", "feature%2Fx, 0", "<sha:pr>, 1"})
        void pathsAreLookedUpAtTheRevision(String token, int found) throws Exception {
            HttpResponse<byte[]> r = post("/api/models/admin/api/paths-info/" + rev(token), "application/x-www-form-urlencoded", "paths=pr.txt");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).size()).isEqualTo(found);
        }

        @Test
        void anUnknownRevisionIs404() throws Exception {
            HttpResponse<byte[]> r = post("/api/models/admin/api/paths-info/nope", "application/json", "{\"paths\":[\"config.json\"]}");

            assertHubError(r, 404, "RevisionNotFound");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{\"paths\":\"config.json\"}", "{\"paths\":[1,2]}", "not json", "[]"})
        void aMalformedJsonBodyIs400(String body) throws Exception {
            assertHubError(post("/api/models/admin/api/paths-info/main", "application/json", body), 400, null);
        }
    }

    // ============================================================================================ refs and commits

    @Nested
    class RefsAndCommits {
        @Test
        void refsListBranchesTagsAndConverts() throws Exception {
            JsonNode refs = json(getJson("/api/models/admin/api/refs"));

            assertThat(fieldNames(refs)).containsExactlyInAnyOrder("branches", "converts", "tags");
            Map<String, String> branches = new HashMap<>();
            for (JsonNode b : refs.path("branches")) {
                assertThat(b.path("ref").asText()).isEqualTo("refs/heads/" + b.path("name").asText());
                branches.put(b.path("name").asText(), b.path("targetCommit").asText());
            }
            assertThat(branches).containsEntry("main", COMMITS.get("c2")).containsEntry("feature/x", COMMITS.get("feature"));
            assertThat(refs.path("tags")).hasSize(1);
            assertThat(refs.path("tags").get(0).path("name").asText()).isEqualTo("v1");
            assertThat(refs.path("tags").get(0).path("ref").asText()).isEqualTo("refs/tags/v1");
            assertThat(refs.path("tags").get(0).path("targetCommit").asText()).isEqualTo(COMMITS.get("c1"));
            assertThat(refs.path("converts").isArray()).isTrue();
            assertThat(refs.path("converts")).isEmpty();
        }

        @ParameterizedTest(name = "include_prs={0}")
        @ValueSource(strings = {"1", "true", "True"})
        void pullRequestsOnlyWhenAsked(String value) throws Exception {
            JsonNode refs = json(getJson("/api/models/admin/api/refs?include_prs=" + value));

            assertThat(refs.path("pullRequests")).hasSize(1);
            assertThat(refs.path("pullRequests").get(0).path("ref").asText()).isEqualTo("refs/pr/1");
            assertThat(refs.path("pullRequests").get(0).path("targetCommit").asText()).isEqualTo(COMMITS.get("pr"));
        }

        @Test
        void commitsAreNewestFirstWithATotal() throws Exception {
            HttpResponse<byte[]> r = getJson("/api/models/admin/api/commits/main");
            JsonNode commits = json(r);

            assertThat(texts(commits, "id")).containsExactly(COMMITS.get("c2"), COMMITS.get("c1"), COMMITS.get("init"));
            assertThat(header(r, "X-Total-Count")).hasValue("3");
            assertThat(header(r, "Link")).isEmpty();
            JsonNode first = commits.get(0);
            assertThat(first.path("title").asText()).isEqualTo("update config");
            assertThat(first.path("authors").get(0).path("user").asText()).isEqualTo("admin");
            assertIsoMillisZ(first.path("date"));
            assertThat(commits.get(1).path("title").asText()).isEqualTo("add files");
            assertThat(commits.get(1).path("message").asText()).contains("with a body");
            JsonNode initial = commits.get(2);
            assertThat(initial.path("title").asText()).isEqualTo("initial commit");
            assertThat(initial.path("authors").get(0).path("user").asText()).isEqualTo("system");
        }

        @ParameterizedTest(name = "commits/{0}")
        @CsvSource(delimiter = '|', value = {
                "feature/x            | feature,c2,c1,init",
                "feature%2Fx          | feature,c2,c1,init",
                "refs%2Fpr%2F1        | pr,c2,c1,init",
                "refs/pr/1            | pr,c2,c1,init",
                "v1                   | c1,init",
                "HEAD                 | c2,c1,init",
                "<sha:c1>             | c1,init",
        })
        void commitsOfAnyRevision(String token, String labels) throws Exception {
            HttpResponse<byte[]> r = getJson("/api/models/admin/api/commits/" + rev(token));

            List<String> expected = new ArrayList<>();
            for (String l : labels.split(",")) expected.add(COMMITS.get(l));
            assertThat(texts(json(r), "id")).containsExactlyElementsOf(expected);
            assertThat(header(r, "X-Total-Count")).hasValue(Integer.toString(expected.size()));
        }

        @ParameterizedTest(name = "limit={0}")
        @CsvSource({"1, 7", "3, 3", "6, 2", "7, 1", "50, 1"})
        void commitsArePaginatedWithLimitAndLink(int limit, int pages) throws Exception {
            List<String> all = texts(json(getJson("/api/models/admin/history/commits/main")), "id");
            List<String> seen = new ArrayList<>();
            int count = 0;
            String next = "/api/models/admin/history/commits/main?limit=" + limit;
            while (next != null) {
                HttpResponse<byte[]> page = getJson(next);
                assertThat(header(page, "X-Total-Count")).hasValue("7");
                JsonNode items = json(page);
                assertThat(items.size()).isBetween(1, limit);
                seen.addAll(texts(items, "id"));
                count++;
                next = nextLink(page).map(HttpSupport::pathAndQuery).orElse(null);
                if (next != null) assertThat(next).contains("limit=" + limit);
            }

            assertThat(all).hasSize(7);
            assertThat(seen).containsExactlyElementsOf(all);
            assertThat(count).isEqualTo(pages);
        }

        @Test
        void jsCountsCommitsWithLimitOne() throws Exception {
            HttpResponse<byte[]> r = getJson("/api/models/admin/history/commits/main?limit=1");

            assertThat(json(r)).hasSize(1);
            assertThat(header(r, "X-Total-Count")).hasValue("7");
            assertThat(nextLink(r)).isPresent();
        }

        @Test
        void formattedCommitsCarryHtml() throws Exception {
            JsonNode commits = json(getJson("/api/models/admin/api/commits/main?expand[]=formatted"));

            assertThat(commits.get(0).path("formatted").path("title").asText()).isEqualTo("update config");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"commits/nope", "commits/refs%2Fpr%2F9"})
        void commitsOfAnUnknownRevisionAre404(String path) throws Exception {
            assertHubError(tf.get("/api/models/admin/api/" + path), 404, "RevisionNotFound");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"limit=0", "limit=abc", "limit=100000", "p=-1"})
        void badPagingParametersAre400(String query) throws Exception {
            assertHubError(tf.get("/api/models/admin/api/commits/main?" + query), 400, null);
        }
    }

    // ============================================================================================ whoami

    @Nested
    class Whoami {
        @Test
        void whoamiDescribesTheUserAndTheirToken() throws Exception {
            JsonNode me = json(getJson("/api/whoami-v2", "authorization", auth(tf)));

            assertThat(me.path("type").asText()).isEqualTo("user");
            assertThat(me.path("name").asText()).isEqualTo("admin");
            assertThat(me.path("id").asText()).isNotBlank();
            assertThat(me.path("orgs").isArray()).isTrue();
            assertThat(texts(me.path("orgs"), "name")).containsExactly("acme");
            assertThat(me.path("orgs").get(0).path("type").asText()).isEqualTo("org");
            assertThat(me.path("auth").path("type").asText()).isEqualTo("access_token");
            JsonNode token = me.path("auth").path("accessToken");
            assertThat(token.path("role").asText()).isEqualTo("write");
            assertThat(token.path("displayName").asText()).isEqualTo("tests");
            assertIsoMillisZ(token.path("createdAt"));
        }

        @Test
        void aReadTokenHasTheReadRole() throws Exception {
            String read = tf.forge.auth.createToken(tf.admin, "reader", Token.Role.READ).secret();

            JsonNode me = json(getJson("/api/whoami-v2", "Authorization", "Bearer " + read));

            assertThat(me.path("auth").path("accessToken").path("role").asText()).isEqualTo("read");
            assertThat(me.path("auth").path("accessToken").path("displayName").asText()).isEqualTo("reader");
        }

        @Test
        void basicAuthWithTheTokenAsPasswordWorksToo() throws Exception {
            String basic = Base64.getEncoder().encodeToString(("hf_user:" + tf.adminToken).getBytes());

            JsonNode me = json(getJson("/api/whoami-v2", "Authorization", "Basic " + basic));

            assertThat(me.path("name").asText()).isEqualTo("admin");
        }

        @Test
        void anonymousWhoamiIs401() throws Exception {
            assertHubError(tf.get("/api/whoami-v2"), 401, null);
        }

        @Test
        void anUnknownTokenIs401WithTheBadCredentialsMessage() throws Exception {
            HttpResponse<byte[]> r = tf.get("/api/whoami-v2", "Authorization", "Bearer hf_" + "x".repeat(40));

            assertHubError(r, 401, null);
            assertThat(header(r, "X-Error-Message")).hasValue("Invalid credentials in Authorization header");
        }
    }

    // ============================================================================================ validate-yaml

    @Nested
    class ValidateYaml {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "---\\nlicense: mit\\ntags:\\n- a\\n---\\n# Card\\n",
                "# A card without metadata\\n",
                "---\\n---\\n",
                "",
        })
        void validCardsAre200WithNoErrors(String content) throws Exception {
            HttpResponse<byte[]> r = post("/api/validate-yaml", "application/json",
                    "{\"content\":\"" + content + "\",\"repoType\":\"model\"}", "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            JsonNode body = json(r);
            assertThat(body.path("errors").isArray()).isTrue();
            assertThat(body.path("errors")).isEmpty();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "---\\nlicense: [unclosed\\n---\\n",
                "---\\n- a\\n- b\\n---\\n",
                "---\\nkey: 1\\nkey: 2\\n---\\n",
                "---\\n\\tbad: tab\\n---\\n",
        })
        void invalidYamlIs400WithErrors(String content) throws Exception {
            HttpResponse<byte[]> r = post("/api/validate-yaml", "application/json", "{\"content\":\"" + content + "\"}");

            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            JsonNode body = json(r);
            assertThat(body.path("errors")).isNotEmpty();
            assertThat(body.path("errors").get(0).path("message").asText()).isNotBlank();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"this is not json", "{\"content\": 42}", "{}", "[\"content\"]", "{\"content\":\"x\""})
        void aBodyThatIsNotTheExpectedJsonIs400(String body) throws Exception {
            assertHubError(post("/api/validate-yaml", "application/json", body), 400, null);
        }
    }

    // ============================================================================================ repos

    @Nested
    class Repos {
        static String createBody(String name, String type) {
            return "{\"name\":\"" + name + "\",\"organization\":null" + (type == null ? "" : ",\"type\":\"" + type + "\"") + "}";
        }

        @Test
        void createAnswersTheUrlAndTheRepositoryExistsAtOnce() throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", createBody("created", "model"), "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = json(r);
            assertThat(body.path("url").asText()).isEqualTo(tf.baseUrl + "/admin/created");
            assertThat(body.path("id").asText()).isEqualTo("admin/created");
            JsonNode info = json(getJson("/api/models/admin/created"));
            assertThat(info.path("sha").asText()).matches(SHA1);
            assertThat(texts(info.path("siblings"), "rfilename")).containsExactly(".gitattributes");
        }

        @Test
        void createADatasetUnderAnOrganisation() throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json",
                    "{\"name\":\"org-data\",\"organization\":\"acme\",\"type\":\"dataset\",\"private\":null}", "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).path("url").asText()).isEqualTo(tf.baseUrl + "/datasets/acme/org-data");
            assertThat(tf.get("/api/datasets/acme/org-data").statusCode()).isEqualTo(200);
        }

        @Test
        void aFullIdInTheNameIsAccepted() throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", createBody("admin/full-id", null), "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).path("id").asText()).isEqualTo("admin/full-id");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{\"name\":\"priv\",\"private\":true}", "{\"name\":\"vis\",\"visibility\":\"private\"}"})
        void privateRepositoriesAreHiddenFromAnonymousCallers(String body) throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", body, "Authorization", auth(tf));
            String id = json(r).path("id").asText();

            assertThat(r.statusCode()).isEqualTo(200);
            assertHubError(tf.get("/api/models/" + id), 401, "RepoNotFound");
            assertThat(json(getJson("/api/models/" + id, "Authorization", auth(tf))).path("private").asBoolean()).isTrue();
        }

        @ParameterizedTest(name = "{0} after creating dup")
        @ValueSource(strings = {"dup", "DUP", "Dup", "admin/dup", "ADMIN/dup"})
        void aDuplicateIs409WithTheUrl(String name) throws Exception {
            post("/api/repos/create", "application/json", createBody("dup", "model"), "Authorization", auth(tf));

            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", createBody(name, "model"), "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            JsonNode body = json(r);
            assertThat(body.path("url").asText()).startsWith(tf.baseUrl + "/").endsWithIgnoringCase("/admin/dup");
            assertThat(body.path("error").asText()).isNotBlank();
            assertThat(header(r, "X-Error-Message")).isPresent();
        }

        @Test
        void theSameNameMayBeUsedForAnotherRepositoryType() throws Exception {
            post("/api/repos/create", "application/json", createBody("shared-name", "model"), "Authorization", auth(tf));

            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", createBody("shared-name", "dataset"), "Authorization", auth(tf));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).path("url").asText()).isEqualTo(tf.baseUrl + "/datasets/admin/shared-name");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "{\"name\":\"anon\"}", "{\"name\":\"admin/anon\"}", "{\"name\":\"anon\",\"organization\":\"acme\"}"})
        void anonymousCreateIs401(String body) throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", body);

            assertHubError(r, 401, null);
            assertThat(tf.get("/api/models/admin/anon", "Authorization", auth(tf)).statusCode()).isEqualTo(404);
        }

        @ParameterizedTest(name = "name={0}")
        @ValueSource(strings = {
                "a--b", "-x", "x-", ".x", "x.", "x..y", "x.git", "has space", "a/b/c", "/x", "x/", "", "ünïcode", "x#y",
                "api/x", "datasets/x", "models/x",
                "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefg"})
        void invalidNamesAre400(String name) throws Exception {
            HttpResponse<byte[]> r = post("/api/repos/create", "application/json",
                    "{\"name\":" + JSON.writeValueAsString(name) + "}", "Authorization", auth(tf));

            assertHubError(r, 400, null);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                "{\"name\":\"ok\",\"organization\":\"api\"}", "{\"name\":\"ok\",\"type\":\"bogus\"}", "{\"name\":42}",
                "{\"organization\":\"admin\"}", "not json", "[]"})
        void invalidBodiesAre400(String body) throws Exception {
            assertHubError(post("/api/repos/create", "application/json", body, "Authorization", auth(tf)), 400, null);
        }

        @Test
        void creatingInSomeoneElsesNamespaceIs403() throws Exception {
            var carol = tf.forge.auth.createUser("carol", "Carol", null, false);
            String token = tf.forge.auth.createToken(carol, "carol", Token.Role.WRITE).secret();

            HttpResponse<byte[]> r = post("/api/repos/create", "application/json", "{\"name\":\"admin/by-carol\"}", "Authorization", "Bearer " + token);
            HttpResponse<byte[]> own = post("/api/repos/create", "application/json", "{\"name\":\"mine\"}", "Authorization", "Bearer " + token);

            assertHubError(r, 403, null);
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(json(own).path("id").asText()).isEqualTo("carol/mine");
        }

        @Test
        void deleteThenGetIs404AndDeletingAgainIs404() throws Exception {
            post("/api/repos/create", "application/json", createBody("doomed", "model"), "Authorization", auth(tf));
            assertThat(tf.get("/api/models/admin/doomed").statusCode()).isEqualTo(200);

            HttpResponse<byte[]> deleted = delete("/api/repos/delete", "{\"name\":\"doomed\",\"organization\":\"admin\",\"type\":\"model\"}",
                    "Authorization", auth(tf));

            assertThat(deleted.statusCode()).isEqualTo(200);
            assertHubError(tf.get("/api/models/admin/doomed", "Authorization", auth(tf)), 404, "RepoNotFound");
            assertHubError(tf.get("/admin/doomed/resolve/main/.gitattributes", "Authorization", auth(tf)), 404, "RepoNotFound");
            assertHubError(delete("/api/repos/delete", "{\"name\":\"admin/doomed\"}", "Authorization", auth(tf)), 404, "RepoNotFound");
            // the name is free again
            HttpResponse<byte[]> again = post("/api/repos/create", "application/json", createBody("doomed", "model"), "Authorization", auth(tf));
            assertThat(again.statusCode()).isEqualTo(200);
        }

        @Test
        void anonymousDeleteIsRefused() throws Exception {
            HttpResponse<byte[]> r = delete("/api/repos/delete", "{\"name\":\"admin/api\"}");

            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(tf.get("/api/models/admin/api").statusCode()).isEqualTo(200);
        }
    }
}
