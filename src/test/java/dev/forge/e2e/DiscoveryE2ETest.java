package dev.forge.e2e;

import org.junit.jupiter.api.Tag;
import dev.forge.service.account.Actor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.testing.DiscoveryCorpus;
import dev.forge.testing.DiscoveryCorpus.Spec;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code listModels}, {@code listDatasets} and {@code modelInfo} of the real {@code @huggingface/hub} client
 * against a forge holding several hundred generated repositories with realistic cards and weight headers: every
 * listing is compared with the set the generator says it must be, across the client's own pagination.
 */
@Tag("slow")
class DiscoveryE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestForge tf;
    static DiscoveryCorpus corpus;
    static NodeClient anonymous;

    @BeforeAll
    static void start() throws Exception {
        tf = TestForge.start(dir);
        corpus = new DiscoveryCorpus(tf, 42).generate(640, 40);
        anonymous = new NodeClient(tf.baseUrl, null);
        // popularity: downloads as clients make them (GETs of config.json) and likes from a few users
        int n = 0;
        for (Spec s : corpus.specs) {
            if (s.type() != RepoType.MODEL || s.isPrivate() || s.library() == null || s.library().equals("diffusers")
                    || s.id().contains("-lora-")) continue;
            for (int i = 0; i < n % 7; i++) tf.get("/" + s.id() + "/resolve/main/config.json");
            n++;
        }
        tf.forge.popularity.flush();
        for (int u = 0; u < 3; u++) {
            var user = tf.forge.auth.createUser("fan" + u, "Fan " + u, null, false);
            for (Spec s : corpus.specs.subList(u, 30)) {
                if (s.isPrivate() || s.type() != RepoType.MODEL) continue;
                tf.forge.likes.like(dev.forge.service.account.Actor.internal(user), s.type(), RepoId.parse(s.id()));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        tf.close();
    }

    record Listed(List<JsonNode> items, List<String> requests) {
        List<String> names() {
            List<String> out = new ArrayList<>();
            for (JsonNode i : items) out.add(i.path("name").asText());
            return out;
        }
    }

    static Listed list(NodeClient client, String type, Map<String, Object> query) throws Exception {
        JsonNode out = client.run("list-models", "--type", type, "--repo", "x/y", "--query", JSON.writeValueAsString(query));
        List<JsonNode> items = new ArrayList<>();
        out.path("items").forEach(items::add);
        List<String> requests = new ArrayList<>();
        out.path("requests").forEach(r -> requests.add(r.asText()));
        return new Listed(items, requests);
    }

    static Set<String> expected(RepoType type, Predicate<Spec> p) {
        Set<String> out = new TreeSet<>();
        for (Spec s : corpus.specs) if (s.type() == type && !s.isPrivate() && p.test(s)) out.add(s.id());
        return out;
    }

    @Test
    void listsEveryPublicModelAcrossSeveralPages() throws Exception {
        Listed all = list(anonymous, "model", Map.of());
        Set<String> want = expected(RepoType.MODEL, s -> true);
        assertThat(want.size()).isGreaterThan(500);
        assertThat(new TreeSet<>(all.names())).isEqualTo(want);
        assertThat(all.names()).doesNotHaveDuplicates();
        assertThat(all.requests()).hasSizeGreaterThan(1);
        assertThat(all.requests().get(1)).contains("cursor=");
        // what the client maps: _id -> id, id -> name, and the fields it always asks for
        JsonNode first = all.items().getFirst();
        assertThat(first.path("id").asText()).matches("[0-9a-f]{24}");
        assertThat(first.has("downloads")).isTrue();
        assertThat(first.has("likes")).isTrue();
        assertThat(first.path("private").asBoolean()).isFalse();
        assertThat(first.path("updatedAt").asText()).endsWith("Z");
    }

    @Test
    void searchAuthorAndFiltersMatchTheGeneratedSets() throws Exception {
        Listed byOwner = list(anonymous, "model", Map.of("search", Map.of("owner", "globex")));
        assertThat(new TreeSet<>(byOwner.names())).isEqualTo(expected(RepoType.MODEL, s -> s.id().startsWith("globex/")));

        Listed byQuery = list(anonymous, "model", Map.of("search", Map.of("query", "Llama-7b")));
        assertThat(new TreeSet<>(byQuery.names())).isNotEmpty()
                .isEqualTo(expected(RepoType.MODEL, s -> s.id().toLowerCase(Locale.ROOT).contains("llama-7b")));

        Listed byTags = list(anonymous, "model", Map.of("search", Map.of("tags", List.of("license:mit", "en"), "task", "text-generation")));
        assertThat(new TreeSet<>(byTags.names())).isNotEmpty().isEqualTo(expected(RepoType.MODEL,
                s -> s.license().equals("mit") && s.languages().contains("en") && s.pipeline().equals("text-generation")));

        Listed combined = list(anonymous, "model", Map.of("search", Map.of("owner", "acme", "query", "gguf", "tags", List.of("gguf"))));
        assertThat(new TreeSet<>(combined.names())).isEqualTo(expected(RepoType.MODEL,
                s -> s.id().startsWith("acme/") && s.weights().equals("gguf")));

        Spec base = corpus.specs.stream().filter(s -> s.baseModel().isPresent()).map(s -> s.baseModel().get()).distinct()
                .map(b -> corpus.specs.stream().filter(s -> s.id().equals(b)).findFirst().orElseThrow()).findFirst().orElseThrow();
        Listed children = list(anonymous, "model", Map.of("search", Map.of("tags", List.of("base_model:" + base.id()))));
        assertThat(new TreeSet<>(children.names())).isNotEmpty()
                .isEqualTo(expected(RepoType.MODEL, s -> s.baseModel().equals(java.util.Optional.of(base.id()))));

        Listed datasets = list(anonymous, "dataset", Map.of("search", Map.of("tags", List.of("en"))));
        assertThat(new TreeSet<>(datasets.names())).isEqualTo(expected(RepoType.DATASET, s -> s.languages().contains("en")));
    }

    @Test
    void sortsByDownloadsAndLikesAcrossPages() throws Exception {
        Listed byDownloads = list(anonymous, "model", Map.of("sort", "downloads", "limit", 550));
        assertThat(byDownloads.items()).hasSize(550);
        assertThat(byDownloads.requests()).hasSize(2);
        assertThat(byDownloads.requests().getFirst()).contains("limit=500", "sort=downloads");
        List<Long> downloads = byDownloads.items().stream().map(i -> i.path("downloads").asLong()).toList();
        assertThat(downloads).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(downloads.getFirst()).isEqualTo(6);

        Listed byLikes = list(anonymous, "model", Map.of("sort", "likes", "limit", 40));
        List<Long> likes = byLikes.items().stream().map(i -> i.path("likes").asLong()).toList();
        assertThat(likes).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(likes.getFirst()).isEqualTo(3);
    }

    @Test
    void privateModelsAreListedOnlyWithAToken() throws Exception {
        Set<String> privates = new TreeSet<>();
        for (Spec s : corpus.specs) if (s.isPrivate() && s.type() == RepoType.MODEL) privates.add(s.id());
        assertThat(privates).isNotEmpty();
        Listed admin = list(new NodeClient(tf.baseUrl, tf.adminToken), "model", Map.of("search", Map.of("owner", "hooli")));
        Set<String> hooli = new TreeSet<>();
        for (Spec s : corpus.specs) if (s.type() == RepoType.MODEL && s.id().startsWith("hooli/")) hooli.add(s.id());
        assertThat(new TreeSet<>(admin.names())).isEqualTo(hooli);
        assertThat(list(anonymous, "model", Map.of("search", Map.of("owner", "hooli"))).names()).doesNotContainAnyElementsOf(privates);
    }

    @Test
    void modelInfoWithAdditionalFields() throws Exception {
        Spec st = corpus.specs.stream().filter(s -> s.weights().equals("safetensors") && !s.isPrivate()).findFirst().orElseThrow();
        JsonNode info = anonymous.run("model-info", "--repo", st.id(), "--fields", "safetensors,cardData,tags,library_name,createdAt,author,sha");
        assertThat(info.path("name").asText()).isEqualTo(st.id());
        assertThat(info.path("safetensors").path("total").asLong()).isEqualTo(st.parameters());
        assertThat(info.path("cardData").path("license").asText()).isEqualTo(st.license());
        assertThat(info.path("library_name").asText()).isEqualTo(st.library());
        assertThat(info.path("author").asText()).isEqualTo(st.id().substring(0, st.id().indexOf('/')));
        assertThat(info.path("sha").asText()).matches("[0-9a-f]{40}");
        List<String> tags = new ArrayList<>();
        info.path("tags").forEach(t -> tags.add(t.asText()));
        assertThat(tags).containsExactlyInAnyOrderElementsOf(st.hubTags());

        Spec gguf = corpus.specs.stream().filter(s -> s.weights().equals("gguf") && s.baseModel().isPresent() && !s.isPrivate())
                .findFirst().orElseThrow();
        JsonNode g = anonymous.run("model-info", "--repo", gguf.id(), "--fields", "gguf,tags");
        assertThat(g.path("gguf").path("architecture").asText()).isEqualTo("llama");
        assertThat(g.path("gguf").path("total").asLong()).isEqualTo(gguf.parameters());
        List<String> gtags = new ArrayList<>();
        g.path("tags").forEach(t -> gtags.add(t.asText()));
        assertThat(gtags).contains("base_model:" + gguf.baseModel().get(), "base_model:" + gguf.relation().get() + ":" + gguf.baseModel().get());
    }
}
