package dev.forge.search;

import dev.forge.core.Counters;
import dev.forge.core.SortKey;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded Lucene index of repositories behind {@code /api/models} and {@code /api/datasets}: one
 * document per repository, keyed by its immutable key. Filters are exact terms (type, namespace, lower-cased
 * tags, visibility), substring search runs on trigrams of the lower-cased id checked against the id itself
 * ({@link SubstringQuery}), and sorting uses doc values, which counters update in place. Pages continue
 * after the last hit's sort values (a cursor), so deep pages cost the same as the first.
 *
 * <p>Visibility and durability: every change is visible to searches when its call returns (near-real-time
 * readers), and durable at the next {@link #commit} (the owner commits every few seconds; an fsync per change
 * would cost more than the change). The index is derived data: a missing or corrupt one is set aside and started
 * afresh ({@link #wasReset()}), and a crash leaves the clean-close marker missing ({@link #closedCleanly()}) so the
 * owner re-derives it from its sources. Thread-safe.
 */
public final class RepoIndex implements AutoCloseable {
    static final String KEY = "key", TYPE = "type", ID = "id", GRAMS = "gram", NAMESPACE = "ns", PUBLIC = "public", TAG = "tag",
            PARAMS_POINT = "params_range", SUMMARY = "summary";
    private static final String YES = "1";
    /** At most this many of a long needle's trigrams are intersected; the substring check does the rest. */
    private static final int MAX_GRAMS = 6;

    private final Path dir;
    private final Path cleanMarker;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final boolean reset;
    private final boolean closedCleanly;

    private RepoIndex(Path dir, Directory directory, IndexWriter writer, boolean reset, boolean closedCleanly) throws IOException {
        this.dir = dir;
        this.cleanMarker = dir.resolveSibling(dir.getFileName() + ".clean");
        this.directory = directory;
        this.writer = writer;
        this.searchers = new SearcherManager(writer, null);
        this.reset = reset;
        this.closedCleanly = closedCleanly;
        Files.deleteIfExists(cleanMarker);
    }

    /**
     * Opens the index at {@code dir}, creating it when missing. An index that cannot be opened (corrupt, from an
     * incompatible version) is moved aside to {@code <dir>.broken-<time>} and replaced by an empty one.
     */
    /** Opens the index; an unreadable one is set aside under a name carrying {@code clock}'s time. */
    public static RepoIndex open(Path dir, java.time.InstantSource clock) throws IOException {
        Files.createDirectories(dir.getParent());
        Path marker = dir.resolveSibling(dir.getFileName() + ".clean");
        boolean existed;
        try (Directory probe = FSDirectory.open(dir)) {
            existed = Files.isDirectory(dir) && DirectoryReader.indexExists(probe);
        }
        boolean clean = Files.exists(marker);
        if (existed) {
            Directory d = FSDirectory.open(dir);
            try {
                IndexWriter w = new IndexWriter(d, config(IndexWriterConfig.OpenMode.APPEND));
                try (DirectoryReader check = DirectoryReader.open(w)) {
                    check.numDocs(); // opening the reader reads every segment's metadata
                }
                return new RepoIndex(dir, d, w, false, clean);
            } catch (org.apache.lucene.store.LockObtainFailedException e) {
                d.close();
                throw e; // another process (the server) holds the index: not a broken one
            } catch (IOException | RuntimeException e) {
                d.close();
                org.slf4j.LoggerFactory.getLogger(RepoIndex.class).warn("The search index at {} cannot be opened ({}); starting a new one", dir, e.toString());
                Files.move(dir, dir.resolveSibling(dir.getFileName() + ".broken-" + clock.millis()));
            }
        }
        Directory d = FSDirectory.open(dir);
        IndexWriter w = new IndexWriter(d, config(IndexWriterConfig.OpenMode.CREATE));
        w.commit();
        return new RepoIndex(dir, d, w, true, false);
    }

    private static IndexWriterConfig config(IndexWriterConfig.OpenMode mode) {
        IndexWriterConfig c = new IndexWriterConfig();
        c.setOpenMode(mode);
        c.setRAMBufferSizeMB(64);
        c.setCommitOnClose(true);
        return c;
    }

    /** True when this index was just created because none existed or the old one was unreadable: it must be rebuilt. */
    public boolean wasReset() { return reset; }

    /** False after a crash: changes made just before it may be missing, so the owner should reconcile the index. */
    public boolean closedCleanly() { return closedCleanly; }

    public int size() {
        return withSearcher(s -> s.getIndexReader().numDocs());
    }

    // ------------------------------------------------------------------------------------------- writing

    /** Adds or replaces a repository's document, visible to searches when this returns. */
    public void put(RepoDocument doc) {
        putUnpublished(doc);
        publish(false);
    }

    /** Adds or replaces a document without publishing it; a bulk load calls {@link #publish} once at the end. */
    public void putUnpublished(RepoDocument doc) {
        try {
            writer.updateDocument(new Term(KEY, doc.key()), document(doc));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(String key) {
        try {
            writer.deleteDocuments(new Term(KEY, key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        publish(false);
    }

    /** Updates a repository's counters in place (no-op when it is not indexed); call {@link #publish} to show them. */
    public void updateCounters(String key, Counters c) {
        try {
            writer.updateDocValues(new Term(KEY, key), counterFields(c).toArray(new Field[0]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every change so far visible to searches and, when {@code durable}, commits it. */
    public void publish(boolean durable) {
        try {
            if (durable) commit();
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every change so far durable (a no-op when there is none). */
    public void commit() {
        try {
            if (writer.hasUncommittedChanges()) writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The keys of every indexed repository (for reconciling against the registry). */
    public Set<String> keys() {
        return withSearcher(s -> {
            Set<String> out = new HashSet<>();
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                var live = leaf.reader().getLiveDocs();
                BinaryDocValues keys = DocValues.getBinary(leaf.reader(), KEY);
                for (int d = keys.nextDoc(); d != BinaryDocValues.NO_MORE_DOCS; d = keys.nextDoc()) {
                    if (live == null || live.get(d)) out.add(keys.binaryValue().utf8ToString());
                }
            }
            return out;
        });
    }

    private static Document document(RepoDocument r) {
        Document d = new Document();
        String id = r.id().toLowerCase(Locale.ROOT);
        d.add(new StringField(KEY, r.key(), Field.Store.NO));
        d.add(new BinaryDocValuesField(KEY, new BytesRef(r.key())));
        d.add(new StringField(TYPE, r.type().singular(), Field.Store.NO));
        d.add(new StringField(NAMESPACE, r.namespace().toLowerCase(Locale.ROOT), Field.Store.NO));
        if (!r.isPrivate()) d.add(new StringField(PUBLIC, YES, Field.Store.NO));
        d.add(new SortedDocValuesField(ID, new BytesRef(id)));
        for (String g : grams(id)) d.add(new StringField(GRAMS, g, Field.Store.NO));
        Set<String> tags = new LinkedHashSet<>();
        for (String t : r.tags()) tags.add(t.toLowerCase(Locale.ROOT));
        for (String t : tags) d.add(new StringField(TAG, t, Field.Store.NO));
        d.add(new NumericDocValuesField(SortKey.CREATED_AT.wire(), r.createdAt().toEpochMilli()));
        d.add(new NumericDocValuesField(SortKey.LAST_MODIFIED.wire(), r.lastModified().toEpochMilli()));
        d.add(new NumericDocValuesField(SortKey.PARAMETERS.wire(), r.parameters()));
        if (r.parameters() >= 0) d.add(new LongPoint(PARAMS_POINT, r.parameters()));
        for (Field f : counterFields(r.counters())) d.add(f);
        // doc values rather than a stored field: read column-wise for a page of hits, without decompressing whole blocks
        d.add(new BinaryDocValuesField(SUMMARY, new BytesRef(r.summary())));
        return d;
    }

    private static List<Field> counterFields(Counters c) {
        return List.of(new NumericDocValuesField(SortKey.DOWNLOADS.wire(), c.downloads()),
                new NumericDocValuesField(SortKey.DOWNLOADS_ALL_TIME.wire(), c.downloadsAllTime()),
                new NumericDocValuesField(SortKey.LIKES.wire(), c.likes()),
                new NumericDocValuesField(SortKey.TRENDING.wire(), c.trendingScore()));
    }

    /** Every distinct 3-character substring. */
    static Set<String> grams(String s) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i + 3 <= s.length(); i++) out.add(s.substring(i, i + 3));
        return out;
    }

    // ------------------------------------------------------------------------------------------- reading

    public Page search(RepoQuery q) {
        Query query = query(q);
        Sort sort = sort(q);
        return withSearcher(s -> {
            int maxDoc = s.getIndexReader().maxDoc();
            FieldDoc after = q.cursor().map(c -> Cursor.decode(c, q.sort(), maxDoc)).orElse(null);
            if (after != null && maxDoc == 0) return new Page(List.of(), Optional.empty());
            TopFieldDocs top = after == null ? s.search(query, q.limit() + 1, sort, false)
                    : (TopFieldDocs) s.searchAfter(after, query, q.limit() + 1, sort, false);
            ScoreDoc[] docs = top.scoreDocs;
            int n = Math.min(docs.length, q.limit());
            Optional<String> next = docs.length > q.limit() ? Optional.of(Cursor.encode((FieldDoc) docs[n - 1], q.sort())) : Optional.empty();
            return new Page(hits(s, docs, n), next);
        });
    }

    /**
     * The key, summary and counters of the first {@code n} hits, read from doc values in document order (each leaf's
     * iterators are opened once and only move forward), then put back in rank order.
     */
    private static List<Page.Hit> hits(IndexSearcher s, ScoreDoc[] docs, int n) throws IOException {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> docs[i].doc));
        Page.Hit[] out = new Page.Hit[n];
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafValues values = null;
        for (int i : order) {
            int doc = docs[i].doc;
            if (values == null || doc >= values.leaf.docBase + values.leaf.reader().maxDoc()) {
                values = new LeafValues(leaves.get(ReaderUtil.subIndex(doc, leaves)));
            }
            out[i] = values.hit(doc - values.leaf.docBase);
        }
        return List.of(out);
    }

    /** One segment's doc values for reading hits in increasing document order. */
    private static final class LeafValues {
        final LeafReaderContext leaf;
        private final BinaryDocValues keys, summaries;
        private final NumericDocValues downloads, allTime, likes, trending;

        LeafValues(LeafReaderContext leaf) throws IOException {
            this.leaf = leaf;
            var r = leaf.reader();
            keys = DocValues.getBinary(r, KEY);
            summaries = DocValues.getBinary(r, SUMMARY);
            downloads = DocValues.getNumeric(r, SortKey.DOWNLOADS.wire());
            allTime = DocValues.getNumeric(r, SortKey.DOWNLOADS_ALL_TIME.wire());
            likes = DocValues.getNumeric(r, SortKey.LIKES.wire());
            trending = DocValues.getNumeric(r, SortKey.TRENDING.wire());
        }

        Page.Hit hit(int doc) throws IOException {
            String key = keys.advanceExact(doc) ? keys.binaryValue().utf8ToString() : "";
            byte[] summary = summaries.advanceExact(doc) ? BytesRef.deepCopyOf(summaries.binaryValue()).bytes : new byte[0];
            return new Page.Hit(key, summary, new Counters(at(downloads, doc), at(allTime, doc), at(likes, doc), at(trending, doc)));
        }

        private static long at(NumericDocValues v, int doc) throws IOException {
            return v.advanceExact(doc) ? v.longValue() : 0;
        }
    }

    /** How many repositories match (for counts such as a base model's derivatives). */
    public int count(RepoQuery q) {
        return withSearcher(s -> {
            Counts c = counts;
            if (c.reader() != s.getIndexReader()) {
                c = new Counts(s.getIndexReader(), new java.util.concurrent.ConcurrentHashMap<>());
                counts = c;
            }
            Integer n = c.counts().get(q);
            if (n == null) {
                n = s.count(query(q));
                if (c.counts().size() < MAX_COUNTS) c.counts().put(q, n);
            }
            return n;
        });
    }

    /**
     * Counts already made, for the reader they were made with: repository info asks for a base model's derivatives
     * before every download, and the answer changes only when a refresh publishes changes, which makes a new reader.
     */
    private record Counts(org.apache.lucene.index.IndexReader reader, java.util.concurrent.ConcurrentHashMap<RepoQuery, Integer> counts) {}

    private static final int MAX_COUNTS = 10_000;
    private volatile Counts counts = new Counts(null, new java.util.concurrent.ConcurrentHashMap<>());

    /** The counters of one repository as indexed, if it is. */
    public Optional<Counters> counters(String key) {
        return withSearcher(s -> {
            var top = s.search(new TermQuery(new Term(KEY, key)), 1);
            return top.scoreDocs.length == 0 ? Optional.empty() : Optional.of(counters(s, top.scoreDocs[0].doc));
        });
    }

    private static Counters counters(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        int local = doc - leaf.docBase;
        return new Counters(value(leaf, SortKey.DOWNLOADS, local), value(leaf, SortKey.DOWNLOADS_ALL_TIME, local),
                value(leaf, SortKey.LIKES, local), value(leaf, SortKey.TRENDING, local));
    }

    private static long value(LeafReaderContext leaf, SortKey k, int doc) throws IOException {
        NumericDocValues v = leaf.reader().getNumericDocValues(k.wire());
        return v != null && v.advanceExact(doc) ? v.longValue() : 0;
    }

    private static Query query(RepoQuery q) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new TermQuery(new Term(TYPE, q.type().singular())), BooleanClause.Occur.FILTER);
        q.author().ifPresent(a -> b.add(new TermQuery(new Term(NAMESPACE, a.toLowerCase(Locale.ROOT))), BooleanClause.Occur.FILTER));
        for (String t : q.tags()) b.add(new TermQuery(new Term(TAG, t.toLowerCase(Locale.ROOT))), BooleanClause.Occur.FILTER);
        for (String s : q.search()) {
            String needle = s.toLowerCase(Locale.ROOT);
            if (needle.isEmpty()) continue;
            b.add(new SubstringQuery(ID, needle, gramQuery(needle)), BooleanClause.Occur.FILTER);
        }
        if (q.minParameters().isPresent() || q.maxParameters().isPresent()) {
            b.add(LongPoint.newRangeQuery(PARAMS_POINT, q.minParameters().orElse(0L), q.maxParameters().orElse(Long.MAX_VALUE)),
                    BooleanClause.Occur.FILTER);
        }
        q.readableNamespaces().ifPresent(ns -> {
            BooleanQuery.Builder visible = new BooleanQuery.Builder();
            visible.add(new TermQuery(new Term(PUBLIC, YES)), BooleanClause.Occur.SHOULD);
            if (!ns.isEmpty()) {
                visible.add(new TermInSetQuery(NAMESPACE, ns.stream().map(n -> new BytesRef(n.toLowerCase(Locale.ROOT))).toList()),
                        BooleanClause.Occur.SHOULD);
            }
            b.add(visible.build(), BooleanClause.Occur.FILTER);
        });
        return b.build();
    }

    /** The conjunction of up to {@link #MAX_GRAMS} of the needle's trigrams, spread over it; null when it has none. */
    private static Query gramQuery(String needle) {
        List<String> grams = new ArrayList<>(grams(needle));
        if (grams.isEmpty()) return null;
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int step = Math.max(1, (grams.size() + MAX_GRAMS - 1) / MAX_GRAMS);
        for (int i = 0; i < grams.size(); i += step) b.add(new TermQuery(new Term(GRAMS, grams.get(i))), BooleanClause.Occur.FILTER);
        b.add(new TermQuery(new Term(GRAMS, grams.getLast())), BooleanClause.Occur.FILTER);
        return b.build();
    }

    private static Sort sort(RepoQuery q) {
        boolean reverse = !q.ascending();
        SortField id = new SortField(ID, SortField.Type.STRING, false);
        if (q.sort() == SortKey.ID) return new Sort(new SortField(ID, SortField.Type.STRING, reverse));
        return new Sort(new SortField(q.sort().wire(), SortField.Type.LONG, reverse), id);
    }

    @FunctionalInterface
    private interface SearcherFunction<T> {
        T apply(IndexSearcher s) throws IOException;
    }

    private <T> T withSearcher(SearcherFunction<T> f) {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return f.apply(s);
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pages continue after the last hit's sort values; the cursor carries them (and the sort, to refuse a mismatch). */
    static final class Cursor {
        private Cursor() {}

        static String encode(FieldDoc last, SortKey sort) {
            StringBuilder s = new StringBuilder(sort.wire());
            for (Object f : last.fields) {
                s.append('\n').append(f instanceof BytesRef b ? "s" + b.utf8ToString() : "n" + f);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(s.toString().getBytes(StandardCharsets.UTF_8));
        }

        /**
         * The cursor as the last hit of the previous page. Its sort values identify it (ids are unique), so its
         * document number only has to exclude that same repository, whichever document it is now: the highest one does.
         */
        static FieldDoc decode(String cursor, SortKey sort, int maxDoc) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", -1);
                int expected = sort == SortKey.ID ? 1 : 2;
                if (!parts[0].equals(sort.wire()) || parts.length != expected + 1) throw new IllegalArgumentException("cursor of another sort");
                Object[] fields = new Object[expected];
                for (int i = 0; i < expected; i++) {
                    String p = parts[i + 1];
                    if (p.startsWith("s")) fields[i] = new BytesRef(p.substring(1));
                    else if (p.startsWith("n")) fields[i] = Long.parseLong(p.substring(1));
                    else throw new IllegalArgumentException("bad cursor field");
                }
                if (sort == SortKey.ID ? !(fields[0] instanceof BytesRef) : !(fields[0] instanceof Long && fields[1] instanceof BytesRef)) {
                    throw new IllegalArgumentException("bad cursor fields");
                }
                return new FieldDoc(Math.max(0, maxDoc - 1), Float.NaN, fields);
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                throw new InvalidCursorException();
            }
        }
    }

    /** A cursor that this index did not make (or made for another sort). */
    public static final class InvalidCursorException extends RuntimeException {
        InvalidCursorException() { super("Invalid cursor"); }
    }

    @Override
    public void close() throws IOException {
        close(true);
    }

    /** Closes the index; {@code clean} false leaves the clean-close marker out, so the next opener reconciles it. */
    public void close(boolean clean) throws IOException {
        searchers.close();
        writer.close();
        directory.close();
        if (clean) Files.createFile(cleanMarker);
    }

    /** Where the index lives (for messages). */
    public Path path() { return dir; }
}
