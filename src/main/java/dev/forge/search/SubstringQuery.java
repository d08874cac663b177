package dev.forge.search;

import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Documents whose sorted doc value {@code field} contains {@code needle} as a substring. The candidates
 * come from {@code approximation} (the conjunction of the needle's trigrams), or from every document when
 * the needle is too short to have trigrams; each candidate is then checked against its value, so trigrams
 * that occur apart never make a false match. As a two-phase query it checks only the candidates the other
 * clauses of a conjunction agree on.
 */
final class SubstringQuery extends Query {
    private final String field;
    private final byte[] needle;
    private final Query approximation;

    SubstringQuery(String field, String needle, Query approximation) {
        this.field = field;
        this.needle = needle.getBytes(StandardCharsets.UTF_8);
        this.approximation = approximation;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        if (approximation == null) return this;
        Query rewritten = approximation.rewrite(searcher);
        return rewritten == approximation ? this : new SubstringQuery(field, new String(needle, StandardCharsets.UTF_8), rewritten);
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        Weight inner = approximation == null ? null : approximation.createWeight(searcher, ScoreMode.COMPLETE_NO_SCORES, 1f);
        return new ConstantScoreWeight(this, boost) {
            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
                DocIdSetIterator candidates;
                if (inner == null) {
                    candidates = DocIdSetIterator.all(context.reader().maxDoc());
                } else {
                    ScorerSupplier s = inner.scorerSupplier(context);
                    if (s == null) return null;
                    candidates = s.get(Long.MAX_VALUE).iterator();
                }
                SortedDocValues values = DocValues.getSorted(context.reader(), field);
                TwoPhaseIterator check = new TwoPhaseIterator(candidates) {
                    @Override
                    public boolean matches() throws IOException {
                        return values.advanceExact(candidates.docID()) && contains(values.lookupOrd(values.ordValue()), needle);
                    }

                    @Override
                    public float matchCost() { return 20 + needle.length; }
                };
                Scorer scorer = new ConstantScoreScorer(score(), scoreMode, check);
                return new ScorerSupplier() {
                    @Override
                    public Scorer get(long leadCost) { return scorer; }

                    @Override
                    public long cost() { return candidates.cost(); }
                };
            }

            @Override
            public boolean isCacheable(LeafReaderContext ctx) {
                return DocValues.isCacheable(ctx, field);
            }
        };
    }

    static boolean contains(BytesRef hay, byte[] needle) {
        int last = hay.offset + hay.length - needle.length;
        outer:
        for (int i = hay.offset; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) if (hay.bytes[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) visitor.visitLeaf(this);
    }

    @Override
    public String toString(String f) {
        return field + ":*" + new String(needle, StandardCharsets.UTF_8) + "*";
    }

    @Override
    public boolean equals(Object o) {
        return sameClassAs(o) && field.equals(((SubstringQuery) o).field) && Arrays.equals(needle, ((SubstringQuery) o).needle)
                && Objects.equals(approximation, ((SubstringQuery) o).approximation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, Arrays.hashCode(needle), approximation);
    }
}
