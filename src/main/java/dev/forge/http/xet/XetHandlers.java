package dev.forge.http.xet;

import dev.forge.core.ByteRange;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.BodyStreamer;
import dev.forge.service.xet.Reconstruction;
import dev.forge.service.xet.ShardResult;
import dev.forge.service.xet.XetHashHex;
import dev.forge.service.xet.XetService;
import dev.forge.service.xet.XetTokens;
import dev.forge.service.xet.XorbSlice;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Xet's token endpoints ({@code /api/{type}/{ns}/{name}/xet-{read|write}-token/{rev}}) and its CAS API under
 * {@link #CAS} ({@code v1/xorbs}, {@code v1/shards}, {@code v1/chunks}, {@code v1|v2/reconstructions}), plus the signed
 * xorb-range URLs a reconstruction points to. CAS calls carry a Xet token, never a Hub token: each is verified here,
 * and the repository it names re-checked, before the store sees the request.
 */
public final class XetHandlers {
    /** Where the CAS API lives on this forge ({@code casUrl} is the public URL of this path). */
    public static final String CAS = "/xet";
    /** The xorb-range URLs ({@code GET}, with {@code r=first-last} and {@code t}, the grant). */
    public static final String FETCH = CAS + "/fetch/{hash}";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(XetHandlers.class);

    private final XetTokens tokens;
    private final XetService xet;
    private final BodyStreamer bodies;

    public XetHandlers(XetTokens tokens, XetService xet, BodyStreamer bodies) {
        this.tokens = tokens;
        this.xet = xet;
        this.bodies = bodies;
    }

    /** The CAS base URL handed to clients. */
    public static String casUrl(ForgeConfig config) { return config.url(CAS); }

    public void readToken(Exchange ex) throws IOException { token(ex, XetTokens.Mode.READ); }

    public void writeToken(Exchange ex) throws IOException { token(ex, XetTokens.Mode.WRITE); }

    /**
     * Answers a token both ways the clients read it: {@code X-Xet-*} headers (huggingface_hub) and a JSON body
     * (hf_xet's own refresh, @huggingface/hub).
     */
    private void token(Exchange ex, XetTokens.Mode mode) throws IOException {
        String rev = Optional.ofNullable(ex.var("rev")).orElse("main");
        boolean pr = ex.flag("create_pr");
        XetTokens.Issued t = tokens.issue(ex.actor(), ex.repoType(), ex.repoId(), rev, mode, pr);
        ex.setHeader("X-Xet-Cas-Url", t.casUrl());
        ex.setHeader("X-Xet-Access-Token", t.accessToken());
        ex.setHeader("X-Xet-Token-Expiration", Long.toString(t.exp()));
        ex.setHeader("Cache-Control", "no-store");
        ex.json(200, new XetJson.Token(t.accessToken(), t.exp(), t.casUrl()));
    }

    public void putXorb(Exchange ex) throws IOException {
        if (!ex.var("prefix").equals("default")) throw ForgeException.notFound("Unknown xorb prefix");
        XetTokens.Grant g = grant(ex, XetTokens.Mode.WRITE);
        XetHashHex hash = hash(ex.var("hash"));
        boolean inserted;
        try (InputStream body = ex.body()) {
            inserted = xet.putXorb(g, hash, body, ex.declaredLength());
        } catch (ForgeException e) {
            refused(ex, "xorb", e);
            throw e;
        }
        ex.json(200, new XetJson.XorbUploaded(inserted));
    }

    public void putShard(Exchange ex) throws IOException {
        XetTokens.Grant g = grant(ex, XetTokens.Mode.WRITE);
        ShardResult r;
        try (InputStream body = ex.body()) {
            r = xet.putShard(g, body, ex.declaredLength());
        } catch (ForgeException e) {
            refused(ex, "shard", e);
            throw e;
        }
        ex.json(200, new XetJson.ShardUploaded(r.newlyStored() ? 1 : 0));
    }

    /** The global dedup query: hf_xet asks under {@code default-merkledb}, @huggingface/hub under {@code default}. */
    public void dedup(Exchange ex) throws IOException {
        String prefix = ex.var("prefix");
        if (!prefix.equals("default-merkledb") && !prefix.equals("default")) throw ForgeException.notFound("Unknown chunk prefix");
        XetTokens.Grant g = grant(ex, XetTokens.Mode.READ);
        Optional<ByteBuffer> shard = xet.dedupShard(g, hash(ex.var("hash")));
        if (shard.isEmpty()) throw ForgeException.notFound("No xorb holds this chunk");
        ByteBuffer b = shard.get();
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        ex.bytes(200, "application/octet-stream", bytes);
    }

    public void reconstructionV1(Exchange ex) throws IOException {
        Reconstruction r = reconstruction(ex);
        ex.json(200, XetJson.v1(r, (xorb, f) -> fetchUrl(ex.config(), xorb, f)));
    }

    public void reconstructionV2(Exchange ex) throws IOException {
        Reconstruction r = reconstruction(ex);
        ex.json(200, XetJson.v2(r, (xorb, f) -> fetchUrl(ex.config(), xorb, f)));
    }

    private Reconstruction reconstruction(Exchange ex) {
        XetTokens.Grant g = grant(ex, XetTokens.Mode.READ);
        return xet.reconstruction(g, hash(ex.var("hash")), fileRange(ex.header("Range")));
    }

    /** Serves a granted xorb range: the request's {@code Range} (within the granted one) or the whole granted range. */
    public void fetch(Exchange ex) throws IOException {
        XetHashHex hash = hash(ex.var("hash"));
        String r = ex.param("r").orElseThrow(() -> ForgeException.forbidden("This xorb URL carries no granted range"));
        long[] signed = span(r).orElseThrow(() -> ForgeException.forbidden("This xorb URL's range is malformed"));
        long first = signed[0];
        long last = signed[1];
        String header = ex.header("Range");
        if (header != null) {
            String h = header.trim();
            if (!h.regionMatches(true, 0, "bytes=", 0, 6)) throw ForgeException.badRequest("Only byte ranges are served");
            long[] asked = span(h.substring(6).trim())
                    .orElseThrow(() -> ForgeException.badRequest("Only one explicit byte range (bytes=a-b) is served"));
            first = asked[0];
            last = asked[1];
        }
        XorbSlice slice = xet.xorbRange(hash, signed[0], signed[1], ex.param("t").orElse(null), first, last);
        try {
            ex.setHeader("Content-Type", "application/octet-stream");
            ex.setHeader("Cache-Control", "private, max-age=0");
            ex.answerPart(slice.start(), slice.endExclusive() - 1, slice.xorbLength());
            if (ex.isHead()) {
                slice.close();
                bodies.stream(ex, java.util.List.of());
                return;
            }
        } catch (RuntimeException e) {
            slice.close();
            throw e;
        }
        bodies.stream(ex, slice.regions());
    }

    /** A refused upload is worth a log line: the client shows only the status, the operator needs the reason. */
    private static void refused(Exchange ex, String what, ForgeException e) {
        log.info("xet: {} refused ({}): {} id={}", what, e.kind().status(), e.getMessage(), ex.requestId());
    }

    /** A signed URL for one fetch range: the grant names the xorb and exactly that range. */
    private String fetchUrl(ForgeConfig config, XetHashHex xorb, Reconstruction.FetchRange f) {
        return config.url(FETCH.replace("{hash}", xorb.hex())) + "?r=" + f.byteStart() + "-" + f.byteEndInclusive()
                + "&t=" + xet.signRange(xorb, f.byteStart(), f.byteEndInclusive());
    }

    private XetTokens.Grant grant(Exchange ex, XetTokens.Mode needed) {
        return tokens.verify(ex.credentials(), ex.clientAddress(), needed);
    }

    private static XetHashHex hash(String s) {
        if (!XetHashHex.isValid(s)) throw ForgeException.badRequest("Invalid Xet hash");
        return new XetHashHex(s);
    }

    /** A reconstruction's {@code Range}: {@code bytes=a-b} or {@code bytes=a-}; its end may lie past the file's. */
    static Optional<ByteRange> fileRange(String header) {
        if (header == null) return Optional.empty();
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) throw ForgeException.badRequest("Only byte ranges are supported");
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash <= 0 || spec.indexOf(',') >= 0) throw ForgeException.badRequest("Only one byte range (bytes=a-b) is supported");
        Long first = number(spec.substring(0, dash));
        String b = spec.substring(dash + 1);
        Long last = b.isEmpty() ? Long.valueOf(Long.MAX_VALUE - 1) : number(b);
        if (first == null || last == null || last < first) throw ForgeException.badRequest("Malformed byte range");
        return Optional.of(new ByteRange(first, last, Long.MAX_VALUE));
    }

    /** {@code a-b}, both present, {@code a <= b}. */
    private static Optional<long[]> span(String s) {
        int dash = s.indexOf('-');
        if (dash <= 0 || s.indexOf(',') >= 0) return Optional.empty();
        Long a = number(s.substring(0, dash));
        Long b = number(s.substring(dash + 1));
        if (a == null || b == null || b < a) return Optional.empty();
        return Optional.of(new long[] {a, b});
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 18) return null;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return null;
        return Long.parseLong(s);
    }
}
