package dev.forge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.cards.WeightFiles;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.service.account.Actor;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.forge.http.HttpSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.forge.testing.Hashes.*;

/**
 * Listing and search ({@code /api/models}, {@code /api/datasets}; protocol reference §3.2), the discovery fields
 * of info (§3.1: tags, cardData, safetensors, gguf, lineage, downloads, likes), likes and download counting,
 * against a forge holding a handful of repositories with realistic cards and weight headers.
 */
class DiscoveryApiTest {
    @TempDir
    static Path dir;
    static TestForge tf;
    static String aliceToken, bobToken;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        User alice = tf.forge.auth.createUser("alice", "Alice", null, false);
        User bob = tf.forge.auth.createUser("bob", "Bob", null, false);
        tf.forge.auth.createOrg("acme", "ACME", alice);
        aliceToken = tf.forge.auth.createToken(alice, "t", Token.Role.WRITE).secret();
        bobToken = tf.forge.auth.createToken(bob, "t", Token.Role.WRITE).secret();

        Repo base = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("acme/Base-7B"), false);
        commit(tf, base, "main", "card and weights",
                file("README.md", card("license: apache-2.0\nlanguage: [en, fr]\nlibrary_name: transformers\npipeline_tag: text-generation\ntags: [llama]\ndatasets: [acme/web-text]"
                        + "\nmodel-index:\n- name: Base-7B\n  results: []")),
                file("config.json", "{\"model_type\": \"llama\", \"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64}"),
                file("tokenizer_config.json", "{\"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"</s>\"}, \"model_max_length\": 4096}"),
                lfs(tf, base, "model-00001-of-00002.safetensors", WeightFiles.safetensors(List.of(
                        new WeightFiles.St("embed", "BF16", new long[] {1000, 64}), new WeightFiles.St("norm", "F32", new long[] {64})))),
                lfs(tf, base, "model-00002-of-00002.safetensors", WeightFiles.safetensors(List.of(
                        new WeightFiles.St("head", "BF16", new long[] {64, 1000})))),
                lfs(tf, base, "stray.safetensors", WeightFiles.safetensors(List.of(new WeightFiles.St("x", "F32", new long[] {5})))),
                file("model.safetensors.index.json", "{\"metadata\":{},\"weight_map\":{\"embed\":\"model-00001-of-00002.safetensors\","
                        + "\"norm\":\"model-00001-of-00002.safetensors\",\"head\":\"model-00002-of-00002.safetensors\"}}"));

        Repo tuned = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("alice/base-7b-chat"), false);
        commit(tf, tuned, "main", "fine-tune", file("README.md", card("base_model: acme/Base-7B\nlicense: mit\npipeline_tag: text-generation")),
                file("config.json", "{}"),
                lfs(tf, tuned, "model.safetensors", WeightFiles.safetensors(List.of(new WeightFiles.St("w", "F16", new long[] {10, 10})))));

        Repo adapter = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("alice/base-7b-lora"), false);
        commit(tf, adapter, "main", "adapter", file("README.md", card("base_model: acme/Base-7B\nlibrary_name: peft")),
                file("adapter_config.json", "{}"));

        tf.forge.auth.createOrg("bob-org-free", "Bob's quants", tf.admin); // repositories live only in user and organisation namespaces
        Repo quant = tf.forge.repos.create(tf.adminActor(), RepoType.MODEL, RepoId.parse("bob-org-free/Base-7B-GGUF"), false);
        commit(tf, quant, "main", "quants", file("README.md", card("base_model: acme/Base-7B")),
                lfs(tf, quant, "base-7b.Q4_K_M.gguf", WeightFiles.llamaGguf(8192, 15)),
                lfs(tf, quant, "base-7b.Q6_K.gguf", WeightFiles.llamaGguf(8192, 18)));

        Repo secret = tf.forge.repos.create(Actor.internal(alice), RepoType.MODEL, RepoId.parse("acme/secret-model"), true);
        commit(tf, secret, "main", "card", file("README.md", card("license: apache-2.0\nbase_model: acme/Base-7B")));

        Repo data = tf.forge.repos.create(Actor.internal(alice), RepoType.DATASET, RepoId.parse("acme/web-text"), false);
        commit(tf, data, "main", "card", file("README.md", card("license: cc-by-4.0\ntask_categories: [text-generation]\nlanguage: en")));
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    static String card(String yaml) {
        return "---\n" + yaml + "\n---\n# A model\n";
    }

    static JsonNode getJson(String path, String token) throws Exception {
        HttpResponse<byte[]> r = token == null ? tf.get(path) : tf.get(path, "Authorization", "Bearer " + token);
        assertThat(r.statusCode()).as("%s: %s", path, text(r)).isEqualTo(200);
        assertThat(header(r, "Content-Type")).hasValue("application/json");
        return json(r);
    }

    /** The ids listed, leaving out the repositories under {@code admin/} that some tests create and change. */
    static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) if (!n.path("id").asText().startsWith("admin/")) out.add(n.path("id").asText());
        return out;
    }

    static List<String> allIds(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.path("id").asText());
        return out;
    }

    @Test
    void listsPublicModelsWithTheHubsDefaultFields() throws Exception {
        JsonNode all = getJson("/api/models?sort=createdAt&direction=1", null);
        assertThat(ids(all)).containsExactly("acme/Base-7B", "alice/base-7b-chat", "alice/base-7b-lora", "bob-org-free/Base-7B-GGUF");
        JsonNode first = all.get(0);
        assertThat(first.fieldNames()).toIterable().containsExactly("_id", "id", "likes", "trendingScore", "private", "downloads",
                "tags", "pipeline_tag", "library_name", "createdAt", "modelId");
        assertThat(first.path("tags").toString()).contains("\"transformers\"", "\"text-generation\"", "\"llama\"", "\"en\"", "\"fr\"",
                "\"license:apache-2.0\"", "\"dataset:acme/web-text\"", "\"safetensors\"", "\"model-index\"");
        assertThat(first.path("private").asBoolean()).isFalse();
        assertThat(first.path("createdAt").asText()).matches(ISO_MILLIS_Z);
        assertThat(ids(getJson("/api/datasets", null))).containsExactly("acme/web-text");
    }

    @Test
    void filtersByTagsLicenseLanguageLibraryPipelineAndDataset() throws Exception {
        assertThat(ids(getJson("/api/models?filter=license:apache-2.0", null))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?filter=text-generation&filter=license:mit", null))).containsExactly("alice/base-7b-chat");
        assertThat(ids(getJson("/api/models?language=fr", null))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?library=peft", null))).containsExactly("alice/base-7b-lora");
        assertThat(ids(getJson("/api/models?library=gguf", null))).containsExactly("bob-org-free/Base-7B-GGUF");
        assertThat(ids(getJson("/api/models?pipeline_tag=text-generation&sort=id&direction=1", null))).containsExactly("acme/Base-7B", "alice/base-7b-chat");
        assertThat(ids(getJson("/api/models?trained_dataset=acme/web-text", null))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?filter=LLAMA", null))).as("tags match case-insensitively").containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/datasets?filter=task_categories:text-generation", null))).containsExactly("acme/web-text");
        assertThat(getJson("/api/models?filter=no-such-tag", null)).isEmpty();
        assertThat(getJson("/api/models?gated=true", null)).as("nothing is gated").isEmpty();
        assertThat(ids(getJson("/api/models?gated=false&author=acme", null))).containsExactly("acme/Base-7B");
        assertThat(getJson("/api/models?inference_provider=together,fireworks", null)).as("no inference providers").isEmpty();
    }

    @Test
    void searchesIdsBySubstringAndFiltersByAuthor() throws Exception {
        assertThat(ids(getJson("/api/models?search=ALICE/base&sort=id&direction=1", null))).containsExactly("alice/base-7b-chat", "alice/base-7b-lora");
        assertThat(ids(getJson("/api/models?search=GGUF", null))).containsExactly("bob-org-free/Base-7B-GGUF");
        assertThat(ids(getJson("/api/models?search=e/b&sort=id&direction=1", null))).as("across the slash, short needle")
                .containsExactly("acme/Base-7B", "alice/base-7b-chat", "alice/base-7b-lora", "bob-org-free/Base-7B-GGUF");
        assertThat(ids(getJson("/api/models?search=ce/&sort=id&direction=1", null))).containsExactly("alice/base-7b-chat", "alice/base-7b-lora");
        assertThat(ids(getJson("/api/models?search=7b&search=lora", null))).containsExactly("alice/base-7b-lora");
        assertThat(getJson("/api/models?search=b-7x", null)).as("trigrams present but not together").isEmpty();
        assertThat(ids(getJson("/api/models?author=ACME", null))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?author=alice&search=chat", null))).containsExactly("alice/base-7b-chat");
    }

    @Test
    void privateRepositoriesAreListedOnlyToThoseWhoCanReadThem() throws Exception {
        assertThat(ids(getJson("/api/models?author=acme", null))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?author=acme", bobToken))).containsExactly("acme/Base-7B");
        assertThat(ids(getJson("/api/models?author=acme&sort=id", aliceToken))).containsExactly("acme/secret-model", "acme/Base-7B");
        assertThat(ids(getJson("/api/models?author=acme&sort=id", tf.adminToken))).containsExactly("acme/secret-model", "acme/Base-7B");
        JsonNode secret = getJson("/api/models?search=secret&expand=private", aliceToken);
        assertThat(secret.get(0).path("private").asBoolean()).isTrue();
        // its lineage does not leak either: anonymous callers count only the public derivatives
        assertThat(getJson("/api/models/acme/Base-7B?expand=childrenModelCount", null).path("childrenModelCount").asInt()).isEqualTo(3);
        assertThat(getJson("/api/models/acme/Base-7B?expand=childrenModelCount", aliceToken).path("childrenModelCount").asInt()).isEqualTo(4);
    }

    @Test
    void paginatesWithACursorInAnAbsoluteLinkHeader() throws Exception {
        List<String> seen = new ArrayList<>();
        String path = "/api/models?sort=id&direction=1&limit=1&expand=downloads&search=-7b";
        int pages = 0;
        while (path != null) {
            HttpResponse<byte[]> r = tf.get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode page = json(r);
            assertThat(page.size()).isLessThanOrEqualTo(1);
            seen.addAll(ids(page));
            pages++;
            path = nextLink(r).map(u -> {
                assertThat(u).startsWith(tf.baseUrl + "/api/models?").contains("cursor=").contains("expand=downloads");
                return pathAndQuery(u);
            }).orElse(null);
        }
        assertThat(seen).containsExactly("acme/Base-7B", "alice/base-7b-chat", "alice/base-7b-lora", "bob-org-free/Base-7B-GGUF");
        assertThat(pages).isEqualTo(4);
        assertHubError(tf.get("/api/models?cursor=bm90LWEtY3Vyc29y"), 400, null);
        assertHubError(tf.get("/api/models?sort=popularity"), 400, null);
    }

    @Test
    void expandFullAndCardDataShapeTheItems() throws Exception {
        JsonNode e = getJson("/api/models?search=Base-7B-GGUF&expand=gguf&expand[]=author&expand=nonsense", null).get(0);
        assertThat(e.fieldNames()).toIterable().containsExactly("_id", "id", "gguf", "author");
        JsonNode full = getJson("/api/models?search=chat&full=true&cardData=true", null).get(0);
        assertThat(full.path("sha").asText()).matches(SHA1);
        assertThat(full.path("author").asText()).isEqualTo("alice");
        assertThat(full.path("lastModified").asText()).matches(ISO_MILLIS_Z);
        assertThat(full.path("siblings").toString()).contains("{\"rfilename\":\"README.md\"}", "{\"rfilename\":\"model.safetensors\"}");
        assertThat(full.path("cardData").path("base_model").asText()).isEqualTo("acme/Base-7B");
    }

    @Test
    void infoCarriesSafetensorsGgufAndLineage() throws Exception {
        JsonNode base = getJson("/api/models/acme/Base-7B", null);
        // the shards the index names, not the stray file
        assertThat(base.path("safetensors").toString()).isEqualTo("{\"parameters\":{\"BF16\":128000,\"F32\":64},\"total\":128064}");
        assertThat(base.path("library_name").asText()).isEqualTo("transformers");
        assertThat(base.path("cardData").path("license").asText()).isEqualTo("apache-2.0");
        assertThat(base.has("baseModels")).as("only when expanded").isFalse();
        assertThat(base.has("config")).as("only when expanded").isFalse();
        assertThat(getJson("/api/models/acme/Base-7B?expand=config", null).path("config").toString()).isEqualTo(
                "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"tokenizer_config\":{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}}");
        assertThat(getJson("/api/models?author=acme&config=true", null).get(0).path("config").path("model_type").asText()).isEqualTo("llama");

        JsonNode quant = getJson("/api/models/bob-org-free/Base-7B-GGUF?expand=gguf&expand=baseModels&expand=tags&expand=library_name", null);
        assertThat(quant.path("gguf").path("architecture").asText()).isEqualTo("llama");
        assertThat(quant.path("gguf").path("context_length").asLong()).isEqualTo(8192);
        assertThat(quant.path("gguf").path("total").asLong()).isEqualTo(256 + 2 * 256 * 300 + 256 * 256);
        assertThat(quant.path("gguf").path("bos_token").asText()).isEqualTo("<s>");
        assertThat(quant.path("gguf").path("chat_template").asText()).contains("messages");
        assertThat(quant.path("library_name").asText()).isEqualTo("gguf");
        assertThat(quant.path("baseModels").toString()).isEqualTo("{\"relation\":\"quantized\",\"models\":[{\"id\":\"acme/Base-7B\"}]}");
        assertThat(quant.path("tags").toString()).contains("\"base_model:acme/Base-7B\"", "\"base_model:quantized:acme/Base-7B\"", "\"gguf\"");

        assertThat(getJson("/api/models/alice/base-7b-lora?expand=baseModels", null).path("baseModels").path("relation").asText()).isEqualTo("adapter");
        assertThat(getJson("/api/models/alice/base-7b-chat?expand=baseModels", null).path("baseModels").path("relation").asText()).isEqualTo("finetune");
    }

    @Test
    void aBaseModelListsItsDerivativesByRelation() throws Exception {
        assertThat(ids(getJson("/api/models?filter=base_model:acme/Base-7B&sort=id&direction=1", null)))
                .containsExactly("alice/base-7b-chat", "alice/base-7b-lora", "bob-org-free/Base-7B-GGUF");
        assertThat(ids(getJson("/api/models?filter=base_model:adapter:acme/base-7b", null))).containsExactly("alice/base-7b-lora");
        assertThat(ids(getJson("/api/models?filter=base_model:quantized:acme/Base-7B", null))).containsExactly("bob-org-free/Base-7B-GGUF");
    }

    @Test
    void filtersAndSortsByParameterCount() throws Exception {
        assertThat(ids(getJson("/api/models?num_parameters=min:1K", null))).containsExactlyInAnyOrder("acme/Base-7B", "bob-org-free/Base-7B-GGUF");
        assertThat(ids(getJson("/api/models?num_parameters=min:0,max:1k", null))).containsExactly("alice/base-7b-chat");
        assertThat(ids(getJson("/api/models?sort=num_parameters&limit=2", null))).containsExactly("bob-org-free/Base-7B-GGUF", "acme/Base-7B");
    }

    @Test
    void aCommitChangesTheListingAtOnce() throws Exception {
        Repo r = tf.createRepo(RepoType.MODEL, "admin/changing");
        assertThat(allIds(getJson("/api/models?author=admin&search=changing", null))).containsExactly("admin/changing");
        commit(tf, r, "main", "tag it", file("README.md", card("tags: [freshly-tagged]")));
        assertThat(allIds(getJson("/api/models?filter=freshly-tagged", null))).containsExactly("admin/changing");
        tf.forge.repos.setPrivate(tf.adminActor(), RepoType.MODEL, RepoId.parse("admin/changing"), true);
        assertThat(getJson("/api/models?filter=freshly-tagged", null)).isEmpty();
        tf.forge.repos.setPrivate(tf.adminActor(), RepoType.MODEL, RepoId.parse("admin/changing"), false);
        tf.forge.repos.move(tf.adminActor(), RepoType.MODEL, RepoId.parse("admin/changing"), RepoId.parse("admin/changed"));
        assertThat(allIds(getJson("/api/models?filter=freshly-tagged", null))).containsExactly("admin/changed");
        tf.forge.repos.delete(tf.adminActor(), RepoType.MODEL, RepoId.parse("admin/changed"));
        assertThat(getJson("/api/models?filter=freshly-tagged", null)).isEmpty();
    }

    @Test
    void likesCountListAndSort() throws Exception {
        String like = "/api/models/alice/base-7b-lora/like";
        assertHubError(tf.send(tf.request(like).POST(HttpRequest.BodyPublishers.noBody())), 401, null);
        for (String t : List.of(aliceToken, bobToken)) {
            HttpResponse<byte[]> r = tf.send(tf.request(like).header("Authorization", "Bearer " + t).POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(r.statusCode()).isEqualTo(200);
        }
        // liking twice counts once
        tf.send(tf.request(like).header("Authorization", "Bearer " + bobToken).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(getJson("/api/models/alice/base-7b-lora?expand=likes", null).path("likes").asInt()).isEqualTo(2);
        JsonNode likers = getJson("/api/models/alice/base-7b-lora/likers", null);
        assertThat(likers.toString()).contains("\"user\":\"alice\"", "\"user\":\"bob\"", "\"fullname\":\"Bob\"", "\"avatarUrl\"");
        assertThat(getJson("/api/models?sort=likes&limit=1", null).get(0).path("id").asText()).isEqualTo("alice/base-7b-lora");
        JsonNode bobs = getJson("/api/users/bob/likes", null);
        assertThat(bobs.get(0).path("repo").toString()).isEqualTo("{\"name\":\"alice/base-7b-lora\",\"type\":\"model\"}");
        assertThat(bobs.get(0).path("createdAt").asText()).matches(ISO_MILLIS_Z);

        // a like of a private repository shows only to those who can read it
        tf.send(tf.request("/api/models/acme/secret-model/like").header("Authorization", "Bearer " + aliceToken).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(getJson("/api/users/alice/likes", null).toString()).doesNotContain("secret");
        assertThat(getJson("/api/users/alice/likes", aliceToken).toString()).contains("acme/secret-model");
        assertHubError(tf.send(tf.request("/api/models/acme/secret-model/like").header("Authorization", "Bearer " + bobToken)
                .POST(HttpRequest.BodyPublishers.noBody())), 404, "RepoNotFound");

        HttpResponse<byte[]> unlike = tf.send(tf.request(like).header("Authorization", "Bearer " + bobToken).DELETE());
        assertThat(unlike.statusCode()).isEqualTo(200);
        assertThat(getJson("/api/models/alice/base-7b-lora?expand=likes", null).path("likes").asInt()).isEqualTo(1);
        assertHubError(tf.get("/api/users/nobody/likes"), 404, null);
    }

    @Test
    void concurrentLikesByOneUserCountOnce() throws Exception {
        Repo r = tf.createRepo(RepoType.MODEL, "admin/liked-concurrently");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    tf.send(tf.request("/api/models/admin/liked-concurrently/like").header("Authorization", "Bearer " + bobToken)
                            .POST(HttpRequest.BodyPublishers.noBody()));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(getJson("/api/models/" + r.displayId() + "?expand=likes", null).path("likes").asInt()).isEqualTo(1);
        assertThat(getJson("/api/models/" + r.displayId() + "/likers", null).size()).isEqualTo(1);
    }

    @Test
    void downloadsCountGetsOfTheMarkerFilesOnly() throws Exception {
        Repo r = tf.createRepo(RepoType.MODEL, "admin/downloaded");
        commit(tf, r, "main", "files", file("config.json", "{}"), file("README.md", "hello"));
        String config = "/admin/downloaded/resolve/main/config.json";
        tf.get(config);                                  // counts
        tf.get(config, "Range", "bytes=0-");             // counts: reads from the start
        tf.head(config);                                 // HEAD: never
        tf.get(config, "Range", "bytes=0-0");            // the JS size probe: no
        tf.get(config, "Range", "bytes=1-");             // a resumed download: no
        tf.get("/admin/downloaded/resolve/main/README.md"); // not a marker file
        tf.get("/admin/downloaded/raw/main/config.json");   // raw is not a download
        tf.forge.popularity.flush();
        JsonNode info = getJson("/api/models/admin/downloaded?expand=downloads&expand=downloadsAllTime&expand=trendingScore", null);
        assertThat(info.path("downloads").asInt()).isEqualTo(2);
        assertThat(info.path("downloadsAllTime").asInt()).isEqualTo(2);
        assertThat(info.path("trendingScore").asInt()).isEqualTo(2);
        JsonNode listed = getJson("/api/models?author=admin&search=downloaded", null).get(0);
        assertThat(listed.path("downloads").asInt()).isEqualTo(2);

        // a GGUF repository counts its .gguf files instead
        for (int i = 0; i < 3; i++) tf.get("/bob-org-free/Base-7B-GGUF/resolve/main/base-7b.Q4_K_M.gguf");
        tf.forge.popularity.flush();
        assertThat(getJson("/api/models?sort=downloads&limit=1", null).get(0).path("id").asText()).isEqualTo("bob-org-free/Base-7B-GGUF");
    }

    @Test
    void hostileWeightHeadersAreRefusedWithoutBreakingTheRepository() throws Exception {
        Repo r = tf.createRepo(RepoType.MODEL, "admin/hostile-weights");
        byte[] huge = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).array();
        byte[] overlapping = WeightFiles.safetensorsRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16);
        byte[] badGguf = new WeightFiles.Gguf().tensorAt("a", 0, 0, 64).tensorAt("b", 0, 64, 64).build();
        commit(tf, r, "main", "hostile", file("README.md", card("license: mit")),
                lfs(tf, r, "a.safetensors", huge), lfs(tf, r, "b.safetensors", overlapping), lfs(tf, r, "c.gguf", badGguf));
        JsonNode info = getJson("/api/models/admin/hostile-weights", null);
        assertThat(info.has("safetensors")).isFalse();
        assertThat(info.has("gguf")).isFalse();
        assertThat(info.path("tags").toString()).contains("license:mit");
        assertThat(allIds(getJson("/api/models?search=hostile-weights", null))).containsExactly("admin/hostile-weights");
        // one good shard next to the bad ones still counts
        commit(tf, r, "main", "good one", lfs(tf, r, "d.safetensors", WeightFiles.safetensors(List.of(new WeightFiles.St("w", "F32", new long[] {3})))));
        assertThat(getJson("/api/models/admin/hostile-weights?expand=safetensors", null).path("safetensors").path("total").asLong()).isEqualTo(3);
    }

    @Test
    void hostileCardsLeaveTheRepositoryListedWithoutCardData() throws Exception {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            bomb.append(c).append(": &").append(c).append(" [*").append((char) (c - 1));
            for (int i = 0; i < 8; i++) bomb.append(", *").append((char) (c - 1));
            bomb.append("]\n");
        }
        List<String> cards = List.of(card(bomb.toString()), card("tags: [unclosed"), card("- just\n- a list"),
                card("license: [1, 2]\ntags: 7\nbase_model: {a: b}\nlanguage: 3"), "---\n" + "x: y\n".repeat(100_000) + "---\n");
        for (int i = 0; i < cards.size(); i++) {
            Repo r = tf.createRepo(RepoType.MODEL, "admin/hostile-card-" + i);
            commit(tf, r, "main", "card", file("README.md", cards.get(i)));
            JsonNode info = getJson("/api/models/admin/hostile-card-" + i, null);
            assertThat(info.path("id").asText()).isEqualTo("admin/hostile-card-" + i);
            if (i < 3 || i == 4) assertThat(info.has("cardData")).as("card %d", i).isFalse();
            assertThat(info.path("tags").toString()).as("wrong types are ignored, not shown").doesNotContain("\"7\"", "license:1");
            assertThat(allIds(getJson("/api/models?search=hostile-card-" + i, null))).containsExactly("admin/hostile-card-" + i);
        }
    }

    @Test
    void badListingParametersAreRefusedClearly() throws Exception {
        for (String q : List.of("limit=0", "limit=-1", "limit=abc", "num_parameters=6B", "num_parameters=min:lots", "sort=popularity",
                "cursor=%25%25", "cursor=" + "A".repeat(5000))) {
            assertHubError(tf.get("/api/models?" + q), 400, null);
        }
        // a cursor made for another sort is refused rather than misread
        HttpResponse<byte[]> byId = tf.get("/api/models?sort=id&limit=1");
        String next = pathAndQuery(nextLink(byId).orElseThrow());
        assertHubError(tf.get(next.replace("sort=id", "sort=likes")), 400, null);
        // limits above the Hub's page size are capped, not refused; spaces are listed empty, not 404
        assertThat(tf.get("/api/models?limit=100000").statusCode()).isEqualTo(200);
        assertThat(json(tf.get("/api/spaces")).size()).isZero();
        // hostile search strings are just strings
        for (String q : List.of("%2A", "%5C", "a%22b", "%E2%9C%93", "x".repeat(2000), "%00")) {
            HttpResponse<byte[]> r = tf.get("/api/models?search=" + q);
            assertThat(r.statusCode()).as(q).isEqualTo(200);
            assertThat(json(r)).as(q).isEmpty();
        }
    }

    @Test
    void concurrentCommitsLeaveEachDocumentAtItsHead() throws Exception {
        List<Repo> repos = new ArrayList<>();
        for (int i = 0; i < 4; i++) repos.add(tf.createRepo(RepoType.MODEL, "admin/racing-" + i));
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int n = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 5; k++) {
                    Repo r = repos.get((n + k) % repos.size());
                    commit(tf, r, "main", "t" + n + "k" + k, file("README.md", card("tags: [racer-" + n + "-" + k + "]")));
                }
            }));
        }
        for (Thread t : threads) t.join();
        for (Repo r : repos) {
            String head = tf.forge.stores().git().resolve(r.key(), "refs/heads/main").orElseThrow().name();
            JsonNode listed = getJson("/api/models?search=" + r.id().name() + "&expand=sha&expand=tags", null);
            assertThat(listed.size()).isEqualTo(1);
            assertThat(listed.get(0).path("sha").asText()).isEqualTo(head);
            JsonNode info = getJson("/api/models/" + r.displayId() + "?expand=tags", null);
            assertThat(listed.get(0).path("tags")).isEqualTo(info.path("tags"));
        }
    }

    @Test
    void validateYamlReportsTypeErrors() throws Exception {
        HttpResponse<byte[]> r = tf.send(tf.request("/api/validate-yaml").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": \"---\\nlicense: [1, 2]\\ntags: 5\\nbase_model_relation: copy\\n---\\n\", \"repoType\": \"model\"}")));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(text(r)).contains("\\\"license\\\" must be a string", "\\\"tags\\\" must be a string or a list of strings",
                "base_model_relation");
        HttpResponse<byte[]> ok = tf.send(tf.request("/api/validate-yaml").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": \"---\\nlicense: mit\\ntags: [a]\\n---\\n\"}")));
        assertThat(ok.statusCode()).isEqualTo(200);
    }
}
