package dev.forge.http.exchange;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.forge.service.account.RateLimiter;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Whole answers to {@code GET}/{@code HEAD} requests that every caller allowed to send them gets alike (a public
 * repository's file at a revision, a page of its tree, its info), kept so the server can answer them again from memory on the
 * connection's own thread: no hand-off to another thread, no database, no git (see {@code FastLane}). This is the
 * many-small-requests path of a fleet: a HEAD per file and a GET of each small config file, from every node.
 *
 * <p>An answer is made by the ordinary handler (which checked access and resolved the revision) when it declares it
 * memoizable ({@link Exchange#memoizable}), and recorded as it is written: status, the response headers pre-encoded
 * (the bytes Jetty writes, computed once), and the body when it is held whole in memory (without one, only HEAD is
 * answered from the memo). Keyed by the raw path and query: the only request headers that change these answers
 * ({@code Range}, the conditionals, {@code Origin}, a Xet {@code Accept}) keep a request out of the memo both ways
 * ({@link #eligible}), except that a {@code GET} whose only such header is {@code Range} may be answered from a file's
 * answer when the handler declared how to read the file's bytes ({@link Bytes}; {@link Use#RANGE}).
 *
 * <p>Validity: an answer names its repository and that repository's ref generation when it was made; it is used only
 * while the generation is unchanged (a moved branch changes what {@code main} names), dropped when the repository's
 * record changes ({@link #dropRepository}: visibility, gating, deletion, rename), an answer that shows the repository's
 * popularity counters (its info) also when they change ({@link #dropCounters}: a second's downloads flushed, a like), and
 * at most {@link #FRESH_FOR} after
 * it was made, which bounds how long a change made through another node goes unseen (after the repository record
 * cache, which has the same bound, has seen it). Thread-safe.
 */
public final class AnswerMemo {
    /** How long an answer is used at most: the staleness bound across several nodes. */
    public static final Duration FRESH_FOR = Duration.ofSeconds(5);
    /** The most bytes the memo holds (bodies, headers and keys). */
    static final long MAX_BYTES = 32L << 20;

    /**
     * One answer.
     *
     * @param repoKey the repository it came from
     * @param refGeneration that repository's ref generation when it was made
     * @param anyActor whether any authenticated caller gets it too (file bytes), or only anonymous callers (answers
     *     whose JSON may depend on who asks)
     * @param rateLimit the rate-limit bucket the request is charged to, or null
     * @param fields the response headers, pre-encoded (no request id, no date)
     * @param body the whole body (read-only), or null when only HEAD may be answered
     * @param onGet what a served GET must still do (count a download), or null
     * @param bytes how to read any range of the answer's body from a local store, or null
     * @param showsCounters whether the body shows the repository's popularity counters (see {@link #dropCounters})
     */
    public record Answer(String repoKey, long refGeneration, boolean anyActor, RateLimiter.Kind rateLimit, int status,
                         HttpField[] fields, ByteBuffer body, Runnable onGet, Bytes bytes, boolean showsCounters) {
        /** The whole body's length (the answer's {@code Content-Length}), or -1 when it has none. */
        public long contentLength() {
            for (HttpField f : fields) if (f.getHeader() == HttpHeader.CONTENT_LENGTH) return f.getLongValue();
            return -1;
        }

        long weight(String key) {
            long w = 2L * key.length() + 256 + (body == null ? 0 : body.remaining());
            for (HttpField f : fields) w += f.getName().length() + f.getValue().length() + 32;
            return w;
        }
    }

    /** What a handler declared when it called {@link Exchange#memoizable}. */
    record Pending(String repoKey, long refGeneration, boolean anyActor, Runnable onGet, Bytes bytes, boolean showsCounters) {}

    /**
     * A file's bytes as a response body, read from a local store: opening them is at most a file opened and a small
     * record read, never a network call or a wait for bytes still arriving (the fast lane opens them on the selector;
     * its first chunk is written there and the rest copied on the pool, see {@code FastLane}). The bytes a name stands for
     * never change, so this stays right as long as the answer does.
     */
    @FunctionalInterface
    public interface Bytes {
        /** The body source of {@code length} bytes from {@code offset}; the caller streams it (which closes it). */
        org.eclipse.jetty.io.Content.Source open(long offset, long length) throws java.io.IOException;
    }

    private final Cache<String, Answer> answers;
    /**
     * Bumped by every {@link #dropRepository} and {@link #dropCounters}: an exchange notes it before its handler reads anything, and its answer
     * is not recorded if a repository changed meanwhile (it may have been decided on the record before the change).
     */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private final ToLongFunction<String> refGeneration;
    private final java.util.concurrent.atomic.LongAdder served = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param refGeneration a repository's current ref generation, by key (memory only: it is asked on the selector)
     */
    public AnswerMemo(ToLongFunction<String> refGeneration) {
        this(refGeneration, Ticker.systemTicker());
    }

    AnswerMemo(ToLongFunction<String> refGeneration, Ticker ticker) {
        this.refGeneration = refGeneration;
        this.answers = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(FRESH_FOR).maximumWeight(MAX_BYTES)
                .weigher((String k, Answer a) -> (int) Math.min(Integer.MAX_VALUE, a.weight(k))).build();
    }

    /**
     * Whether a request may be answered from, or recorded into, the memo: {@code GET} or {@code HEAD} with none of the
     * headers that make an answer differ for the same URL.
     */
    public static boolean eligible(Request request) {
        return use(request) == Use.WHOLE;
    }

    /** What the memo can do for a request (see {@link #use}). */
    public enum Use {
        /** Nothing: the ordinary path answers it. */
        NONE,
        /** Answer it whole, or record its answer ({@link #eligible}). */
        WHOLE,
        /**
         * A {@code GET} that would be {@link #eligible} but for its one {@code Range} header: answered with the part of a
         * file's answer that it asks for, when the answer can read its bytes ({@link Answer#bytes}, or its held body).
         */
        RANGE
    }

    /** What the memo can do for {@code request}, from one pass over its headers. */
    public static Use use(Request request) {
        String method = request.getMethod();
        boolean get = method.equals("GET");
        if (!get && !method.equals("HEAD")) return Use.NONE;
        boolean range = false;
        for (HttpField f : request.getHeaders()) { // one pass: this is asked of every GET and HEAD
            HttpHeader h = f.getHeader();
            if (h == null) continue;
            switch (h) {
                case RANGE -> {
                    if (range || !get) return Use.NONE; // two Range fields, or a HEAD with one: the ordinary path decides
                    range = true;
                }
                case IF_NONE_MATCH, IF_MATCH, IF_RANGE, IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE, ORIGIN -> { return Use.NONE; }
                case ACCEPT -> { if (f.getValue().contains("xet")) return Use.NONE; }
                default -> { }
            }
        }
        return range ? Use.RANGE : Use.WHOLE;
    }

    static String key(Request request) {
        return request.getHttpURI().getPathQuery();
    }

    /**
     * The answer for an eligible request, if one is held and still valid. {@code head}: a HEAD (an answer without a
     * body will do).
     */
    public Answer lookup(Request request, boolean head) {
        return lookup(key(request), head);
    }

    /** The same, by the request's raw path and query (what a request that Jetty has not parsed asks for). */
    public Answer lookup(String pathQuery, boolean head) {
        Answer a = answers.getIfPresent(pathQuery);
        if (a == null || !head && a.body() == null) return null;
        return valid(a);
    }

    /**
     * The answer whose part a {@link Use#RANGE} request asks for, if one is held, still valid and able to give any
     * part of its body (held whole, or readable through {@link Answer#bytes}).
     */
    public Answer lookupWhole(Request request) {
        Answer a = answers.getIfPresent(key(request));
        if (a == null || a.status() != 200 || a.body() == null && a.bytes() == null) return null;
        return valid(a);
    }

    private Answer valid(Answer a) {
        if (refGeneration.applyAsLong(a.repoKey()) != a.refGeneration()) return null;
        return a;
    }

    /** Counts an answer given from the memo (see {@link #served}). */
    public void countServed() {
        served.increment();
    }

    /** How many requests were answered from the memo so far (for tests and operators). */
    public long served() {
        return served.sum();
    }

    /** The count of repository changes so far (see {@link #record}). */
    long changes() {
        return changes.get();
    }

    /**
     * Records what an exchange answered (called once its status, headers and body are set), unless a repository
     * changed since {@code changesBefore} was read.
     */
    void record(Request request, long changesBefore, Pending pending, RateLimiter.Kind rateLimit, int status, HttpFields headers,
                ByteBuffer body) {
        if (changes.get() != changesBefore) return;
        List<HttpField> fields = new ArrayList<>(headers.size());
        for (HttpField f : headers) {
            if (f.is("X-Request-Id") || f.getHeader() == HttpHeader.DATE) continue;
            // fields are immutable, so the length (which Jetty reads back as a number) is kept as it is; the others are
            // encoded once here instead of on every answer
            if (f instanceof PreEncodedHttpField || f.getHeader() == HttpHeader.CONTENT_LENGTH) fields.add(f);
            else if (f.getHeader() != null) fields.add(new PreEncodedHttpField(f.getHeader(), f.getValue()));
            else fields.add(new PreEncodedHttpField(f.getName(), f.getValue()));
        }
        String key = key(request);
        Answer previous = answers.getIfPresent(key);
        // a HEAD's answer never replaces a GET's (same headers, and the GET's has the body)
        if (body == null && previous != null && previous.body() != null && previous.refGeneration() == pending.refGeneration()) return;
        answers.put(key, new Answer(pending.repoKey(), pending.refGeneration(), pending.anyActor(), rateLimit, status,
                fields.toArray(HttpField[]::new), body == null ? null : body.asReadOnlyBuffer(), pending.onGet(), pending.bytes(),
                pending.showsCounters()));
        if (changes.get() != changesBefore) answers.invalidate(key); // a change raced with the put
    }

    /** Forgets every answer of a repository whose record changed (visibility, gating, deletion, rename). */
    public void dropRepository(String repoKey) {
        changes.incrementAndGet();
        answers.asMap().values().removeIf(a -> a.repoKey().equals(repoKey));
    }

    /**
     * Forgets the answers that show the popularity counters of these repositories, whose counters just changed (a
     * flush of downloads, a like or an unlike); their files' answers stay.
     */
    public void dropCounters(java.util.Collection<String> repoKeys) {
        if (repoKeys.isEmpty()) return;
        changes.incrementAndGet();
        answers.asMap().values().removeIf(a -> a.showsCounters() && repoKeys.contains(a.repoKey()));
    }

    /** How many answers are held (for tests). */
    public long size() {
        answers.cleanUp();
        return answers.estimatedSize();
    }

}
