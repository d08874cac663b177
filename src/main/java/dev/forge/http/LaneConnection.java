package dev.forge.http;

import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.Exchange;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Every connection starts here: the requests the {@link AnswerMemo} answers are parsed and answered on the selector
 * with no more than that (a HEAD per file and GETs of small files, again and again, from every node of a fleet); the
 * first request it does not answer, and everything after it, goes to Jetty's HTTP/1.1 connection, which is handed the
 * bytes read so far (Jetty's connection upgrade, as its protocol detectors do).
 *
 * <p>Why: with the memo answering on the selector ({@link FastLane}), most of a HEAD's remaining time went to Jetty's
 * general machinery (a request, a response, header tries, compliance checks, callbacks), not to the answer. Here a hit
 * costs a scan of the request's head, a memo look-up and one write of pre-encoded bytes.
 *
 * <p>What is answered here, and only that: {@code GET} or {@code HEAD} of an origin-form target of visible ASCII, in
 * {@code HTTP/1.1} with exactly one {@code Host} (and no {@code Connection} but {@code keep-alive}) or in
 * {@code HTTP/1.0} with {@code Connection: keep-alive}; header lines of visible ASCII; none of the headers that change
 * an answer or the exchange ({@code Range}, the conditionals, {@code Origin}, a Xet {@code Accept}, a body, {@code Expect},
 * {@code Upgrade}, {@code TE}), none of the headers it reads given twice; a 200 answer held whole with its length, to a
 * caller the fast lane admits ({@link FastLane#admit}: anonymous or a recently live token, rate limits charged). The
 * answer's bytes are the ordinary path's: status line, {@code Date}, {@code X-Request-Id}, the answer's fields with the
 * length last, {@code Connection: keep-alive} for HTTP/1.0 (as Jetty writes them; {@code LaneConnectionTest} compares
 * them byte for byte). Anything else, including a head that does not fit {@link #HEAD_MAX}, is Jetty's to judge.
 *
 * <p>One request is handled at a time: the next is parsed only once the last answer's write completed, so pipelined
 * requests are answered in order, and the connection is handed over only between answers. Not thread-safe; the
 * selector and the write's completion take turns.
 */
final class LaneConnection extends AbstractConnection.NonBlocking implements Connection.UpgradeFrom, Connection.UpgradeTo, Callback,
        java.util.function.Supplier<String> {
    /** The largest request head answered here; a longer one goes to Jetty (which allows 16 KiB). */
    static final int HEAD_MAX = 4096;
    private static final byte[] STATUS_200 = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST_ID = "X-Request-Id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What connections of this kind need: the lane, where Jetty's connection comes from, the date and the buffers. */
    static final class Factory extends AbstractConnectionFactory {
        private final FastLane lane;
        private final ConnectionFactory next;
        private final Server server;
        private final java.util.concurrent.atomic.LongAdder answered = new java.util.concurrent.atomic.LongAdder();
        private final Targets targets = new Targets();

        /** How many requests lane connections have answered (for tests and operators). */
        long answered() { return answered.sum(); }

        Factory(FastLane lane, ConnectionFactory next, Server server) {
            super("forge-lane");
            this.lane = lane;
            this.next = next;
            this.server = server;
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            return configure(new LaneConnection(this, connector, endPoint), connector, endPoint);
        }
    }

    private final Factory factory;
    private final Connector connector;
    private final ByteBufferPool pool;
    private RetainableByteBuffer in;
    private RetainableByteBuffer out;
    /** A write is under way: nothing more is parsed until it completes. */
    private boolean writing;
    /** A write is being started ({@code write()} has not returned): a completion now is inline. */
    private boolean insideWrite;
    /** The write completed inside {@code write()} itself: the loop that started it goes on. */
    private boolean completedInline;
    private boolean handedOver;
    /** The request's {@code X-Forwarded-For}, for {@link #get()}. */
    private String forwardedFor;
    private final ByteBuffer[] headOnly = new ByteBuffer[1];
    private final ByteBuffer[] headAndBody = new ByteBuffer[2];

    private LaneConnection(Factory factory, Connector connector, EndPoint endPoint) {
        super(endPoint, connector.getExecutor());
        this.factory = factory;
        this.connector = connector;
        this.pool = connector.getByteBufferPool();
    }

    /** The write's completion runs where it happens (the selector); so do the reads ({@code NonBlocking}). */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        // bytes handed back with the connection (requests pipelined after Jetty's) are served from the pool: serving
        // them here, inside Jetty's completion, could nest hand-overs as deep as a client pipelines
        if (in != null && in.hasRemaining()) getExecutor().execute(this::serve);
        else fillInterested();
    }

    /** Jetty hands the connection back between requests ({@link #returnAfter}), with what it had read beyond them. */
    @Override
    public void onUpgradeTo(ByteBuffer unread) {
        if (unread == null || !unread.hasRemaining()) return;
        if (unread.remaining() > HEAD_MAX) { // more than a head of ours: Jetty takes the connection again at once
            in = pool.acquire(unread.remaining(), true);
        } else {
            in = pool.acquire(HEAD_MAX, true);
        }
        BufferUtil.append(in.getByteBuffer(), unread);
    }

    /**
     * Asks Jetty to give the connection of {@code request} back to a lane connection once its answer is complete (Jetty's
     * {@link HttpStream#UPGRADE_CONNECTION_ATTRIBUTE}), so that a keep-alive connection whose one request the memo did
     * not answer (the first HEAD of a file, or one just after its answer expired) is served here again afterwards. Only a
     * persistent connection, after a request without a body: nothing of the request can be left unread.
     */
    static void returnAfter(Request request, Factory lanes) {
        ConnectionMetaData c = request.getConnectionMetaData();
        if (!c.isPersistent() || !(c.getConnection() instanceof HttpConnection http)) return;
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) return;
        HttpFields h = request.getHeaders();
        if (h.contains(HttpHeader.TRANSFER_ENCODING) || h.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || h.contains(HttpHeader.UPGRADE)
                || h.contains(HttpHeader.EXPECT)) {
            return;
        }
        request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, lanes.newConnection(c.getConnector(), http.getEndPoint()));
    }

    @Override
    public void onFillable() {
        serve();
    }

    /** Answers what is buffered, reads more, or hands the connection over, until it must wait. */
    private void serve() {
        try {
            boolean answered = false;
            while (!handedOver && !writing) {
                if (in != null && in.hasRemaining()) {
                    Step step = step(in.getByteBuffer());
                    if (step == Step.ANSWERED) {
                        answered = true;
                        continue; // requests already read (pipelined) are answered in turn
                    }
                    if (step == Step.JETTY) {
                        handOver();
                        return;
                    }
                    if (in.getByteBuffer().remaining() >= HEAD_MAX) { // MORE, but no complete head fits here
                        handOver();
                        return;
                    }
                }
                if (answered && (in == null || !in.hasRemaining())) {
                    // all that was read is answered: the selector serves the other connections before this one reads
                    // again. Reading at once would answer a fast client's next request, and the next, while the others
                    // wait (measured: p99 of 4-9 ms against nginx's 0.4-0.7 ms at the same load, p50 lower than nginx's)
                    releaseIn();
                    fillInterested();
                    return;
                }
                if (in == null) in = pool.acquire(HEAD_MAX, true);
                ByteBuffer b = in.getByteBuffer();
                // fewer than HEAD_MAX bytes are held, so moving them to the front always makes room
                if (b.position() > 0 && BufferUtil.space(b) < HEAD_MAX / 2) BufferUtil.compact(b);
                int n = getEndPoint().fill(b);
                if (n < 0) { // the client is done; nothing of ours is unanswered
                    releaseIn();
                    getEndPoint().close();
                    return;
                }
                if (n == 0) {
                    if (!in.hasRemaining()) releaseIn(); // an idle keep-alive connection holds no buffer
                    fillInterested();
                    return;
                }
            }
        } catch (Throwable t) {
            releaseIn();
            getEndPoint().close(t);
        }
    }

    private enum Step { ANSWERED, MORE, JETTY }

    /**
     * Parses the request at the buffer's position and answers it if it is the lane's (consuming its bytes), or says
     * that more bytes are needed, or that Jetty must have it (consuming nothing).
     */
    private Step step(ByteBuffer b) {
        long began = System.nanoTime();
        int start = b.position();
        int limit = b.limit();
        // the method, decided from the first bytes so that anything else goes to Jetty at once
        boolean head;
        int p;
        if (startsWith(b, start, limit, "GET ")) {
            head = false;
            p = start + 4;
        } else if (startsWith(b, start, limit, "HEAD ")) {
            head = true;
            p = start + 5;
        } else {
            return limit - start < 5 && couldStart(b, start, limit) ? Step.MORE : Step.JETTY;
        }
        int end = headEnd(b, p, limit);
        if (end < 0) return Step.MORE;
        // request line: target SP version CRLF
        int targetStart = p;
        if (b.get(p) != '/') return Step.JETTY;
        while (p < end && b.get(p) != ' ') {
            byte c = b.get(p);
            if (c <= 0x20 || c >= 0x7f || c == '#') return Step.JETTY;
            p++;
        }
        int targetEnd = p;
        if (p >= end || !startsWith(b, p, end, " HTTP/1.")) return Step.JETTY;
        p += 8;
        byte minor = b.get(p);
        if (minor != '0' && minor != '1' || b.get(p + 1) != '\r' || b.get(p + 2) != '\n') return Step.JETTY;
        boolean http10 = minor == '0';
        p += 3;
        // header lines, up to the empty line at end
        int hosts = 0;
        String authorization = null, requestId = null, forwardedFor = null;
        boolean keepAlive = false, connection = false, accept = false;
        while (p < end) {
            int nameStart = p;
            while (p < end && isTokenChar(b.get(p))) p++;
            if (p == nameStart || p >= end || b.get(p) != ':') return Step.JETTY;
            int nameEnd = p++;
            while (p < end && (b.get(p) == ' ' || b.get(p) == '\t')) p++;
            int valueStart = p;
            while (b.get(p) != '\r') {
                byte c = b.get(p);
                if ((c < 0x20 && c != '\t') || c >= 0x7f) return Step.JETTY;
                p++;
            }
            if (b.get(p + 1) != '\n') return Step.JETTY;
            int valueEnd = p;
            while (valueEnd > valueStart && (b.get(valueEnd - 1) == ' ' || b.get(valueEnd - 1) == '\t')) valueEnd--;
            p += 2;
            switch (Named.of(b, nameStart, nameEnd)) {
                case HOST -> {
                    if (!isHost(b, valueStart, valueEnd)) return Step.JETTY; // Jetty judges a blank or odd Host (400)
                    hosts++;
                }
                case CONNECTION -> {
                    if (connection || !equalsIgnoreCase(b, valueStart, valueEnd, "keep-alive")) return Step.JETTY;
                    connection = true;
                    keepAlive = true;
                }
                case AUTHORIZATION -> {
                    if (authorization != null) return Step.JETTY;
                    authorization = ascii(b, valueStart, valueEnd);
                }
                case REQUEST_ID -> {
                    if (requestId != null) return Step.JETTY;
                    requestId = ascii(b, valueStart, valueEnd);
                }
                case FORWARDED_FOR -> {
                    if (forwardedFor != null) return Step.JETTY;
                    forwardedFor = ascii(b, valueStart, valueEnd);
                }
                case ACCEPT -> {
                    if (accept || contains(b, valueStart, valueEnd, "xet")) return Step.JETTY;
                    accept = true;
                }
                case DECLINED -> { return Step.JETTY; }
                case OTHER -> { }
            }
        }
        if (http10 ? !keepAlive : hosts != 1) return Step.JETTY;
        if (http10 && hosts > 1) return Step.JETTY;
        String target = factory.targets.of(b, targetStart, targetEnd);
        AnswerMemo.Answer a = factory.lane.memo().lookup(target, head);
        if (a == null || a.status() != 200 || !head && a.body() == null) return Step.JETTY;
        long length = a.contentLength();
        if (length < 0 || !head && a.body().remaining() != length) return Step.JETTY;
        this.forwardedFor = forwardedFor;
        if (!factory.lane.admit(a, authorization, this)) return Step.JETTY;
        b.position(end + 2); // the request is ours: consumed
        factory.lane.memo().countServed();
        factory.answered.increment();
        if (!head && a.onGet() != null) a.onGet().run();
        // the request id: the client's if it is one Jetty's path would keep, else a random one written as hex
        String given = requestId != null && RootHandler.requestId(requestId) == requestId ? requestId : null;
        long made = given == null ? java.util.concurrent.ThreadLocalRandom.current().nextLong() : 0;
        write(a, head, given, made, http10);
        if (ForgeServer.accessLogged()) {
            ForgeServer.logAccess(head ? "HEAD" : "GET", pathOf(target), 200, head ? 0 : length, began,
                    given != null ? given : java.util.HexFormat.of().toHexDigits(made));
        }
        return Step.ANSWERED;
    }

    /** Writes the answer's head (and body, for a GET) as Jetty would; the loop goes on when the write completes. */
    private void write(AnswerMemo.Answer a, boolean head, String givenId, long madeId, boolean http10) {
        HttpField date = factory.server.getDateField();
        int size = STATUS_200.length + date.getName().length() + date.getValue().length() + 4 + REQUEST_ID.length + 64 + 2
                + CONTENT_LENGTH.length + 20 + 2 + KEEP_ALIVE.length + 2;
        long length = -1;
        for (HttpField f : a.fields()) {
            if (f.getHeader() == HttpHeader.CONTENT_LENGTH) length = f.getLongValue();
            else size += f instanceof PreEncodedHttpField pre ? pre.getEncodedLength(HttpVersion.HTTP_1_1)
                    : f.getName().length() + f.getValue().length() + 4;
        }
        // a small body is copied behind the head: a copy of a few KiB costs less than a view of the shared body per
        // request, which was a third of what the lane allocated (docs/benchmarks.md, "Where the small GET's p99 goes")
        ByteBuffer body = head ? null : a.body();
        boolean inline = body != null && body.remaining() <= INLINE_BODY;
        out = pool.acquire(inline ? size + body.remaining() : size, true);
        ByteBuffer h = out.getByteBuffer();
        BufferUtil.clearToFill(h);
        h.put(STATUS_200);
        putField(h, date);
        h.put(REQUEST_ID);
        if (givenId != null) {
            for (int i = 0; i < givenId.length(); i++) h.put((byte) givenId.charAt(i));
        } else {
            for (int shift = 60; shift >= 0; shift -= 4) h.put(HEX[(int) (madeId >>> shift) & 0xf]);
        }
        h.put((byte) '\r').put((byte) '\n');
        for (HttpField f : a.fields()) {
            if (f.getHeader() == HttpHeader.CONTENT_LENGTH) continue;
            putField(h, f);
        }
        h.put(CONTENT_LENGTH);
        putDecimal(h, length);
        h.put((byte) '\r').put((byte) '\n');
        if (http10) h.put(KEEP_ALIVE);
        h.put((byte) '\r').put((byte) '\n');
        if (inline) {
            h.put(h.position(), body, body.position(), body.remaining()); // absolute: the shared body is not moved
            h.position(h.position() + body.remaining());
        }
        BufferUtil.flipToFlush(h, 0);
        writing = true;
        completedInline = false;
        insideWrite = true;
        try {
            if (head || inline) {
                headOnly[0] = h;
                getEndPoint().write(this, headOnly);
            } else {
                headAndBody[0] = h;
                headAndBody[1] = body.duplicate();
                getEndPoint().write(this, headAndBody);
            }
        } finally {
            insideWrite = false;
        }
        if (completedInline) writing = false; // else succeeded() goes on when the rest is written
    }

    /** The largest body copied into the head's buffer rather than written from its own view. */
    static final int INLINE_BODY = 16 * 1024;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static void putDecimal(ByteBuffer h, long n) {
        long div = 1;
        while (div <= n / 10) div *= 10;
        for (; div > 0; div /= 10) h.put((byte) ('0' + (n / div) % 10));
    }

    private static void putField(ByteBuffer h, HttpField f) {
        if (f instanceof PreEncodedHttpField pre) {
            pre.putTo(h, HttpVersion.HTTP_1_1);
        } else {
            h.put(f.getName().getBytes(StandardCharsets.ISO_8859_1)).put((byte) ':').put((byte) ' ')
                    .put(f.getValue().getBytes(StandardCharsets.ISO_8859_1)).put((byte) '\r').put((byte) '\n');
        }
    }

    @Override
    public void succeeded() {
        releaseOut();
        headAndBody[1] = null;
        if (insideWrite) { // written at once: the loop that wrote goes on
            completedInline = true;
            return;
        }
        writing = false;
        serve();
    }

    @Override
    public void failed(Throwable x) {
        releaseOut();
        writing = false;
        releaseIn();
        getEndPoint().close(x);
    }

    /** Gives the connection to Jetty's HTTP/1.1, with the bytes read so far ({@link #onUpgradeFrom}). */
    private void handOver() {
        handedOver = true;
        Connection next = factory.next.newConnection(connector, getEndPoint());
        OPENING.set(next);
        try {
            getEndPoint().upgrade(next); // Jetty's connection, opened with bytes to parse, asks to be run: here, at once
        } finally {
            OPENING.remove();
        }
    }

    private static final ThreadLocal<Connection> OPENING = new ThreadLocal<>();

    /**
     * Whether {@code task} is the Jetty connection this thread is handing a connection over to: it asks its executor to
     * run it (to parse the bytes it was given), and the selector runs it itself rather than wake a pool thread for it
     * ({@code ForgeServer.selectorTasks}).
     */
    static boolean isOpening(Runnable task) {
        return task == OPENING.get();
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        if (in == null) return null;
        ByteBuffer unread = null;
        if (in.hasRemaining()) {
            unread = ByteBuffer.allocate(in.remaining());
            unread.put(in.getByteBuffer()).flip();
        }
        releaseIn();
        return unread;
    }

    /*
     * The read buffer goes back to the pool whenever it is empty, and when the connection is handed over or fails on
     * this connection's own thread. A connection closed from elsewhere (idle timeout, stop) while it held part of a head
     * leaves its buffer to the garbage collector: releasing it from that thread could hand it out while a read here
     * still used it.
     */
    private void releaseIn() {
        if (in != null) {
            in.release();
            in = null;
        }
    }

    private void releaseOut() {
        if (out != null) {
            out.release();
            out = null;
        }
    }

    /** The caller's address for the request being answered (asked only when something reads it: see {@code admit}). */
    @Override
    public String get() {
        return Exchange.clientAddress(forwardedFor, remoteAddress(), factory.lane.config());
    }

    private String remoteAddress() {
        return getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? HostPort.normalizeHost(a.getAddress().getHostAddress()) : null;
    }

    /**
     * The request targets seen lately, so that the same URL asked again (the same files HEADed by every node of a
     * fleet) is looked up with the String made the first time instead of a new one per request. A slot per hash of the
     * target's bytes, overwritten on a collision; racy by design (a slot holds some String or another, each immutable).
     */
    static final class Targets {
        private static final int SLOTS = 4096;
        private final String[] slots = new String[SLOTS];

        String of(ByteBuffer b, int from, int to) {
            int hash = 0x811c9dc5;
            for (int i = from; i < to; i++) hash = (hash ^ (b.get(i) & 0xff)) * 0x01000193;
            int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
            String known = slots[slot];
            if (known != null && known.length() == to - from) {
                boolean same = true;
                for (int i = 0; same && i < known.length(); i++) same = known.charAt(i) == (b.get(from + i) & 0xff);
                if (same) return known;
            }
            String made = ascii(b, from, to);
            slots[slot] = made;
            return made;
        }
    }

    // ------------------------------------------------------------------------------------------------ parsing

    /** The request headers the lane reads, refuses, or passes over (names compared ignoring case). */
    private enum Named {
        HOST, CONNECTION, AUTHORIZATION, REQUEST_ID, FORWARDED_FOR, ACCEPT, DECLINED, OTHER;

        private static final String[] DECLINED_NAMES = {"range", "if-none-match", "if-match", "if-range", "if-modified-since",
                "if-unmodified-since", "origin", "content-length", "transfer-encoding", "expect", "upgrade", "te",
                "http2-settings", "proxy-connection", "keep-alive"};

        static Named of(ByteBuffer b, int from, int to) {
            if (equalsIgnoreCase(b, from, to, "host")) return HOST;
            if (equalsIgnoreCase(b, from, to, "connection")) return CONNECTION;
            if (equalsIgnoreCase(b, from, to, "authorization")) return AUTHORIZATION;
            if (equalsIgnoreCase(b, from, to, "x-request-id")) return REQUEST_ID;
            if (equalsIgnoreCase(b, from, to, "x-forwarded-for")) return FORWARDED_FOR;
            if (equalsIgnoreCase(b, from, to, "accept")) return ACCEPT;
            for (String n : DECLINED_NAMES) if (equalsIgnoreCase(b, from, to, n)) return DECLINED;
            return OTHER;
        }
    }

    /** The index of the {@code CRLFCRLF} that ends the head, counted from its first CR, or -1. */
    private static int headEnd(ByteBuffer b, int from, int limit) {
        for (int i = from; i + 3 < limit; i++) {
            if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') return i + 2;
        }
        return -1;
    }

    private static boolean startsWith(ByteBuffer b, int at, int limit, String s) {
        if (limit - at < s.length()) return false;
        for (int i = 0; i < s.length(); i++) if (b.get(at + i) != s.charAt(i)) return false;
        return true;
    }

    /** Whether the few bytes there are could still become {@code "GET "} or {@code "HEAD "}. */
    private static boolean couldStart(ByteBuffer b, int at, int limit) {
        return prefixOf(b, at, limit, "GET ") || prefixOf(b, at, limit, "HEAD ");
    }

    private static boolean prefixOf(ByteBuffer b, int at, int limit, String s) {
        if (limit - at > s.length()) return false;
        for (int i = at; i < limit; i++) if (b.get(i) != s.charAt(i - at)) return false;
        return true;
    }

    private static boolean equalsIgnoreCase(ByteBuffer b, int from, int to, String lower) {
        if (to - from != lower.length()) return false;
        for (int i = 0; i < lower.length(); i++) {
            int c = b.get(from + i);
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != lower.charAt(i)) return false;
        }
        return true;
    }

    private static boolean contains(ByteBuffer b, int from, int to, String s) {
        outer:
        for (int i = from; i + s.length() <= to; i++) {
            for (int j = 0; j < s.length(); j++) if (b.get(i + j) != s.charAt(j)) continue outer;
            return true;
        }
        return false;
    }

    /** A plain {@code Host}: a name or IPv4 address with an optional port, or a bracketed IPv6 address with one. */
    private static boolean isHost(ByteBuffer b, int from, int to) {
        if (from == to) return false;
        int i = from;
        if (b.get(i) == '[') {
            while (++i < to && b.get(i) != ']') {
                byte c = b.get(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) return false;
            }
            if (i >= to) return false;
            i++;
        } else {
            for (; i < to && b.get(i) != ':'; i++) {
                byte c = b.get(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) return false;
            }
            if (i == from) return false;
        }
        if (i == to) return true;
        if (b.get(i) != ':' || to - i - 1 < 1 || to - i - 1 > 5) return false;
        for (int j = i + 1; j < to; j++) if (b.get(j) < '0' || b.get(j) > '9') return false;
        return true;
    }

    /** RFC 9110's tchar. */
    private static boolean isTokenChar(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String ascii(ByteBuffer b, int from, int to) {
        byte[] bytes = new byte[to - from];
        b.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String pathOf(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }
}
