package dev.forge.meta;

import dev.forge.core.CommitMeta;
import dev.forge.core.FileEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link IndexDao} against a real SQLite database, migrated as in production. */
class IndexDaoTest {
    private static final String REPO = "0123456789abcdef01234567";
    private static final String OTHER_REPO = "fedcba9876543210fedcba98";
    private static final String C1 = "1111111111111111111111111111111111111111";
    private static final String C2 = "2222222222222222222222222222222222222222";
    private static final String TREE = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String LFS_OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    private static final String OTHER_LFS_OID = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @TempDir
    Path dir;
    private Database db;
    private IndexDao index;

    @BeforeEach
    void open() {
        db = Database.sqlite(dir.resolve("forge.db"));
        index = new IndexDao(db.jdbi());
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static CommitMeta commit(String id, List<String> parents) {
        return new CommitMeta(id, TREE, parents, "Add files ✓", "Longer\nmessage", "Ada", "ada@example.com",
                Instant.parse("2025-01-02T03:04:05.678Z"), Instant.parse("2025-01-02T03:04:06.789Z"), parents.size() + 1L,
                "{\"license\":\"mit\"}");
    }

    private static String oid(int n) {
        return String.format("%040x", n);
    }

    private static FileEntry file(String path, long size) {
        return new FileEntry(path, false, size, oid(path.hashCode() & 0x7fffffff), null, C1);
    }

    private static FileEntry dir(String path) {
        return new FileEntry(path, true, 0, oid(path.hashCode() & 0x7fffffff), null, C1);
    }

    /** A tree with folders whose names are prefixes of, or sort right next to, one another. */
    private static List<FileEntry> tree() {
        return List.of(
                file(".gitattributes", 10),
                file("README.md", 100),
                new FileEntry("big.bin", false, 5_000_000_000L, oid(7), new FileEntry.LfsInfo(LFS_OID, 5_000_000_000L, 134), C1),
                dir("a"),
                dir("a/b"),
                file("a/b/#hash", 1),
                dir("a/b/c"),
                file("a/b/c/d.txt", 2),
                file("a/b/x", 3),
                file("a/b/é", 4),
                dir("a/b-c"),             // '-' sorts before '/'
                file("a/b-c/z", 5),
                file("a/b.txt", 6),       // '.' sorts before '/'
                dir("a/b0"),              // '0' sorts right after '/'
                file("a/b0/q", 7),
                file("a/bz", 8),
                file("a/c", 9),
                dir("ab"),
                file("ab/x", 10));
    }

    private static List<String> paths(List<FileEntry> entries) {
        return entries.stream().map(FileEntry::path).toList();
    }

    private List<String> list(String folder, boolean recursive) {
        return paths(index.list(REPO, C1, folder, recursive, null, 10_000));
    }

    @Test
    void writesACommitAndItsEntries() {
        CommitMeta meta = commit(C1, List.of());
        assertThat(index.isIndexed(REPO, C1)).isFalse();
        index.write(REPO, meta, tree());
        assertThat(index.isIndexed(REPO, C1)).isTrue();
        assertThat(index.isIndexed(OTHER_REPO, C1)).isFalse();
        assertThat(index.commit(REPO, C1)).contains(meta);
        assertThat(index.commit(REPO, C2)).isEmpty();
        assertThat(index.isIndexed(REPO, C2)).isFalse();
        assertThat(index.all(REPO, C1)).containsExactlyInAnyOrderElementsOf(tree());
        assertThat(index.totalSize(REPO, C1)).isEqualTo(5_000_000_000L + 10 + 100 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10);
    }

    @Test
    void commitMetadataRoundTrips() {
        CommitMeta merge = new CommitMeta(C2, TREE, List.of(C1, oid(3)), "", "", "", "", Instant.ofEpochMilli(0),
                Instant.ofEpochMilli(1), 42, null);
        index.write(REPO, commit(C1, List.of()), List.of());
        index.write(REPO, merge, List.of());
        assertThat(index.commit(REPO, C2)).contains(merge);
        assertThat(index.commit(REPO, C1).orElseThrow().parents()).isEmpty();
        assertThat(index.commits(REPO, List.of(C1, C2, oid(99)))).containsOnlyKeys(C1, C2);
        assertThat(index.commits(REPO, List.of())).isEmpty();
        assertThat(index.commits(OTHER_REPO, List.of(C1))).isEmpty();
    }

    @Test
    void entryAndEntries() {
        index.write(REPO, commit(C1, List.of()), tree());
        FileEntry big = index.entry(REPO, C1, "big.bin").orElseThrow();
        assertThat(big.isLfs()).isTrue();
        assertThat(big.lfsInfo()).contains(new FileEntry.LfsInfo(LFS_OID, 5_000_000_000L, 134));
        assertThat(big.etag()).isEqualTo(LFS_OID);
        assertThat(index.entry(REPO, C1, "a/b").orElseThrow().directory()).isTrue();
        assertThat(index.entry(REPO, C1, "a/b/é")).contains(file("a/b/é", 4));
        assertThat(index.entry(REPO, C1, "missing")).isEmpty();
        assertThat(index.entry(REPO, C2, "README.md")).isEmpty();
        assertThat(index.entry(OTHER_REPO, C1, "README.md")).isEmpty();
        assertThat(paths(index.entries(REPO, C1, List.of("a/c", "README.md", "nope", "a/b"))))
                .containsExactly("README.md", "a/b", "a/c");
        assertThat(index.entries(REPO, C1, List.of())).isEmpty();
    }

    @Test
    void listRootNonRecursive() {
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(list("", false)).containsExactly(".gitattributes", "README.md", "a", "ab", "big.bin");
    }

    @Test
    void listRootRecursiveIsEverything() {
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(list("", true)).containsExactlyElementsOf(paths(tree()).stream().sorted().toList());
    }

    @Test
    void listFolderNonRecursive() {
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(list("a", false)).containsExactly("a/b", "a/b-c", "a/b.txt", "a/b0", "a/bz", "a/c");
        assertThat(list("a/b", false)).containsExactly("a/b/#hash", "a/b/c", "a/b/x", "a/b/é");
        assertThat(list("a/b/c", false)).containsExactly("a/b/c/d.txt");
        assertThat(list("README.md", false)).isEmpty();
        assertThat(list("nope", false)).isEmpty();
    }

    @Test
    void listSubfolderRecursiveExcludesSiblingsWithTheSamePrefix() {
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(list("a/b", true)).containsExactly("a/b/#hash", "a/b/c", "a/b/c/d.txt", "a/b/x", "a/b/é")
                .doesNotContain("a/b", "a/b-c", "a/b-c/z", "a/b.txt", "a/b0", "a/b0/q", "a/bz");
        // byte order: '-' and '.' sort before '/', so "a/b-c" comes between "a/b" and "a/b/#hash"
        assertThat(list("a", true)).containsExactly("a/b", "a/b-c", "a/b-c/z", "a/b.txt", "a/b/#hash", "a/b/c", "a/b/c/d.txt",
                "a/b/x", "a/b/é", "a/b0", "a/b0/q", "a/bz", "a/c").doesNotContain("a", "ab", "ab/x");
        assertThat(list("a/b0", true)).containsExactly("a/b0/q");
        assertThat(list("a/b-c", true)).containsExactly("a/b-c/z");
        assertThat(list("a/b/c", true)).containsExactly("a/b/c/d.txt");
        assertThat(list("a/b/x", true)).isEmpty();
        assertThat(list("nope", true)).isEmpty();
    }

    @Test
    void listOfAnotherCommitOrRepoIsEmpty() {
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(index.list(REPO, C2, "", true, null, 100)).isEmpty();
        assertThat(index.list(OTHER_REPO, C1, "", true, null, 100)).isEmpty();
        assertThat(index.list(OTHER_REPO, C1, "a", false, null, 100)).isEmpty();
        assertThat(index.list(OTHER_REPO, C1, "a", true, null, 100)).isEmpty();
    }

    @Test
    void paginationReturnsEveryEntryExactlyOnce() {
        index.write(REPO, commit(C1, List.of()), tree());
        record Listing(String folder, boolean recursive) {}
        List<Listing> listings = List.of(new Listing("", false), new Listing("", true), new Listing("a", false),
                new Listing("a", true), new Listing("a/b", false), new Listing("a/b", true), new Listing("a/b0", true));
        for (Listing l : listings) {
            List<String> all = list(l.folder(), l.recursive());
            for (int limit = 1; limit <= 4; limit++) {
                List<String> paged = new ArrayList<>();
                String after = null;
                for (int guard = 0; guard < 100; guard++) {
                    List<FileEntry> page = index.list(REPO, C1, l.folder(), l.recursive(), after, limit);
                    assertThat(page.size()).isLessThanOrEqualTo(limit);
                    if (page.isEmpty()) break;
                    paged.addAll(paths(page));
                    after = page.getLast().path();
                }
                assertThat(paged).as("%s limit %d", l, limit).containsExactlyElementsOf(all).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void aCursorOutsideTheFolderDoesNotLeak() {
        index.write(REPO, commit(C1, List.of()), tree());
        // a cursor before the folder starts at its beginning; one after it ends the listing
        assertThat(paths(index.list(REPO, C1, "a/b", true, "a/b-c/z", 100))).containsExactly("a/b/#hash", "a/b/c", "a/b/c/d.txt", "a/b/x", "a/b/é");
        assertThat(paths(index.list(REPO, C1, "a/b", true, "", 100))).hasSize(5);
        assertThat(paths(index.list(REPO, C1, "a/b", true, "a/b0", 100))).isEmpty();
        assertThat(paths(index.list(REPO, C1, "a/b", true, "zzz", 100))).isEmpty();
        assertThat(paths(index.list(REPO, C1, "a/b", false, "a/b/c", 100))).containsExactly("a/b/x", "a/b/é");
    }

    @Test
    void manyEntriesAcrossInsertBatches() {
        List<FileEntry> entries = new ArrayList<>();
        entries.add(dir("data"));
        for (int i = 0; i < 1203; i++) entries.add(file(String.format("data/part-%05d.parquet", i), i));
        index.write(REPO, commit(C1, List.of()), entries);
        assertThat(index.all(REPO, C1)).hasSize(1204);
        Set<String> seen = new HashSet<>();
        String after = null;
        while (true) {
            List<FileEntry> page = index.list(REPO, C1, "data", false, after, 100);
            if (page.isEmpty()) break;
            for (FileEntry e : page) assertThat(seen.add(e.path())).as(e.path()).isTrue();
            after = page.getLast().path();
        }
        assertThat(seen).hasSize(1203);
        assertThat(index.entries(REPO, C1, paths(entries))).hasSize(1204);
    }

    @Test
    void writeIsIdempotent() {
        index.write(REPO, commit(C1, List.of()), tree());
        index.write(REPO, commit(C1, List.of()), tree());
        // a second write of an indexed commit is a no-op, even with other content
        index.write(REPO, commit(C1, List.of()), List.of(file("other", 1)));
        assertThat(index.all(REPO, C1)).containsExactlyInAnyOrderElementsOf(tree());
        assertThat(index.commit(REPO, C1)).isPresent();
    }

    @Test
    void concurrentWritesOfTheSameCommit() throws Exception {
        int threads = 6;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    index.write(REPO, commit(C1, List.of()), tree());
                    return null;
                }));
            }
            for (Future<?> f : results) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(index.all(REPO, C1)).containsExactlyInAnyOrderElementsOf(tree());
    }

    @Test
    void commitsAreIndependent() {
        index.write(REPO, commit(C1, List.of()), tree());
        index.write(REPO, commit(C2, List.of(C1)), List.of(file("README.md", 1)));
        index.write(OTHER_REPO, commit(C1, List.of()), List.of(file("only-here", 1)));
        assertThat(list("", true)).hasSize(tree().size());
        assertThat(paths(index.list(REPO, C2, "", true, null, 100))).containsExactly("README.md");
        assertThat(paths(index.list(OTHER_REPO, C1, "", true, null, 100))).containsExactly("only-here");
        assertThat(index.isIndexed(REPO, C2)).isTrue();
        assertThat(index.isIndexed(OTHER_REPO, C2)).isFalse();
    }

    @Test
    void referencesLfs() {
        assertThat(index.referencesLfs(REPO, LFS_OID)).isFalse();
        index.write(REPO, commit(C1, List.of()), tree());
        assertThat(index.referencesLfs(REPO, LFS_OID)).isTrue();
        assertThat(index.referencesLfs(REPO, OTHER_LFS_OID)).isFalse();
        assertThat(index.referencesLfs(OTHER_REPO, LFS_OID)).isFalse();
        // a regular file whose git oid happens to look like anything does not count
        assertThat(index.referencesLfs(REPO, oid(7))).isFalse();
    }

    @Test
    void reopeningTheDatabaseKeepsTheIndex() {
        index.write(REPO, commit(C1, List.of()), tree());
        db.close();
        db = Database.sqlite(dir.resolve("forge.db"));
        index = new IndexDao(db.jdbi());
        assertThat(index.all(REPO, C1)).containsExactlyInAnyOrderElementsOf(tree());
    }
}
