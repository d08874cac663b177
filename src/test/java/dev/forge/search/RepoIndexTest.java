package dev.forge.search;

import dev.forge.core.Counters;
import dev.forge.core.RepoType;
import dev.forge.core.SortKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The index on its own: substring search against brute force, paging, counters in place, visibility, large summaries. */
class RepoIndexTest {
    @TempDir
    Path dir;
    RepoIndex index;
    final List<String> ids = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        index = RepoIndex.open(dir.resolve("repos"), java.time.InstantSource.system());
        Random r = new Random(3);
        String alphabet = "abcxyz-._0123";
        for (int i = 0; i < 400; i++) {
            StringBuilder name = new StringBuilder();
            for (int k = 0; k < 3 + r.nextInt(10); k++) name.append(alphabet.charAt(r.nextInt(alphabet.length())));
            String id = "ns" + (i % 7) + "/" + name + i;
            ids.add(id);
            index.putUnpublished(doc(i, id, i % 5 == 0, List.of("t" + (i % 3)), new Counters(i % 17, i, i % 11, 0), "s".getBytes()));
        }
        index.publish(true);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
    }

    static RepoDocument doc(int i, String id, boolean isPrivate, List<String> tags, Counters c, byte[] summary) {
        return new RepoDocument(String.format(Locale.ROOT, "%024x", i), RepoType.MODEL, id, isPrivate, tags,
                Instant.ofEpochMilli(1000L * i), Instant.ofEpochMilli(2000L * i), i, c, summary);
    }

    RepoQuery query(List<String> search, Optional<Set<String>> ns, SortKey sort, boolean asc, int limit, Optional<String> cursor) {
        return new RepoQuery(RepoType.MODEL, search, Optional.empty(), List.of(), ns, Optional.empty(), Optional.empty(), sort, asc, limit, cursor);
    }

    List<String> all(RepoQuery q) {
        List<String> out = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            Page p = index.search(new RepoQuery(q.type(), q.search(), q.author(), q.tags(), q.readableNamespaces(), q.minParameters(),
                    q.maxParameters(), q.sort(), q.ascending(), q.limit(), cursor));
            for (Page.Hit h : p.hits()) out.add(h.key());
            cursor = p.nextCursor();
        } while (cursor.isPresent());
        return out;
    }

    @Test
    void substringSearchAgreesWithBruteForce() {
        Random r = new Random(9);
        for (int round = 0; round < 300; round++) {
            String id = ids.get(r.nextInt(ids.size())).toLowerCase(Locale.ROOT);
            int from = r.nextInt(id.length());
            String needle = id.substring(from, Math.min(id.length(), from + 1 + r.nextInt(6)));
            if (r.nextBoolean()) needle = needle.toUpperCase(Locale.ROOT);
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < ids.size(); i++) {
                if (ids.get(i).toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT))) expected.add(String.format(Locale.ROOT, "%024x", i));
            }
            assertThat(new TreeSet<>(all(query(List.of(needle), Optional.empty(), SortKey.ID, true, 50, Optional.empty())))).as(needle)
                    .isEqualTo(expected);
        }
    }

    @Test
    void pagesVisitEveryHitOnceInOrderForEverySort() {
        for (SortKey sort : SortKey.values()) {
            for (boolean asc : new boolean[] {true, false}) {
                List<String> paged = all(query(List.of(), Optional.empty(), sort, asc, 7, Optional.empty()));
                List<String> whole = all(query(List.of(), Optional.empty(), sort, asc, 1000, Optional.empty()));
                assertThat(paged).as("%s %s", sort, asc).hasSize(400).doesNotHaveDuplicates().isEqualTo(whole);
            }
        }
    }

    @Test
    void countersUpdateInPlaceAndReorder() {
        String key = String.format(Locale.ROOT, "%024x", 1);
        index.updateCounters(key, new Counters(1_000_000, 1_000_000, 5, 9));
        index.publish(false);
        Page top = index.search(query(List.of(), Optional.empty(), SortKey.DOWNLOADS, false, 1, Optional.empty()));
        assertThat(top.hits().getFirst().key()).isEqualTo(key);
        assertThat(top.hits().getFirst().counters()).isEqualTo(new Counters(1_000_000, 1_000_000, 5, 9));
        assertThat(index.counters(key)).contains(new Counters(1_000_000, 1_000_000, 5, 9));
    }

    @Test
    void privateDocumentsOnlyForTheirNamespaces() {
        int visibleToNobody = all(query(List.of(), Optional.of(Set.of()), SortKey.ID, true, 100, Optional.empty())).size();
        assertThat(visibleToNobody).isEqualTo(320);
        int ns0 = all(query(List.of(), Optional.of(Set.of("ns0")), SortKey.ID, true, 100, Optional.empty())).size();
        long privateInNs0 = java.util.stream.IntStream.range(0, 400).filter(i -> i % 5 == 0 && i % 7 == 0).count();
        assertThat(ns0).isEqualTo(320 + (int) privateInNs0);
        assertThat(all(query(List.of(), Optional.empty(), SortKey.ID, true, 100, Optional.empty()))).hasSize(400);
    }

    @Test
    void largeSummariesRoundTrip() {
        byte[] big = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);
        index.put(doc(9999, "big/one", false, List.of(), Counters.ZERO, big));
        Page p = index.search(query(List.of("big/one"), Optional.empty(), SortKey.ID, true, 10, Optional.empty()));
        assertThat(p.hits()).hasSize(1);
        assertThat(p.hits().getFirst().summary()).isEqualTo(big);
    }

    @Test
    void deleteAndReplaceByKey() {
        String key = String.format(Locale.ROOT, "%024x", 2);
        index.put(doc(2, "moved/elsewhere", false, List.of(), Counters.ZERO, new byte[0]));
        assertThat(index.size()).isEqualTo(400);
        assertThat(all(query(List.of("moved/elsewhere"), Optional.empty(), SortKey.ID, true, 10, Optional.empty()))).containsExactly(key);
        index.delete(key);
        assertThat(index.size()).isEqualTo(399);
        assertThat(index.keys()).hasSize(399).doesNotContain(key);
    }

    @Test
    void foreignCursorsAreRefused() {
        assertThatThrownBy(() -> index.search(query(List.of(), Optional.empty(), SortKey.LIKES, false, 5, Optional.of("%%%"))))
                .isInstanceOf(RepoIndex.InvalidCursorException.class);
        String byId = index.search(query(List.of(), Optional.empty(), SortKey.ID, true, 5, Optional.empty())).nextCursor().orElseThrow();
        assertThatThrownBy(() -> index.search(query(List.of(), Optional.empty(), SortKey.LIKES, false, 5, Optional.of(byId))))
                .isInstanceOf(RepoIndex.InvalidCursorException.class);
    }
}
