package dev.forge.http.lfs;

import dev.forge.http.exchange.JsonBody;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.BodyStreamer;

import dev.forge.core.ErrorDetail;
import dev.forge.core.ForgeException;
import dev.forge.service.lfs.LfsService;
import dev.forge.service.xet.XetTokens;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The Git LFS batch API ({@code POST …/info/lfs/objects/batch}) and the transfer endpoints its hrefs
 * point at. Batch answers always use the {@code basic} transfer; hrefs carry their own signed grant.
 */
public final class LfsHandlers {
    public static final String LFS_JSON = "application/vnd.git-lfs+json";

    private final LfsService lfs;
    private final BodyStreamer bodies;
    private final XetTokens xetTokens;

    public LfsHandlers(LfsService lfs, BodyStreamer bodies, XetTokens xetTokens) {
        this.lfs = lfs;
        this.bodies = bodies;
        this.xetTokens = xetTokens;
    }

    /**
     * A parsed batch request: the operation, whether the client lists the multipart transfer, whether it lists the
     * xet transfer, and the objects.
     */
    public record BatchRequest(LfsService.Operation operation, boolean multipart, boolean xet, List<LfsService.ObjectSpec> objects) {
        public BatchRequest(LfsService.Operation operation, boolean multipart, List<LfsService.ObjectSpec> objects) {
            this(operation, multipart, false, objects);
        }
    }

    /** Parses a batch body; anything malformed is a 4xx {@link ForgeException}. */
    public static BatchRequest parseBatch(byte[] body) {
        LfsJson.BatchRequest r = JsonBody.parse(body, LfsJson.BatchRequest.class);
        return new BatchRequest(r.op(), r.multipart(), r.xet(), r.specs());
    }

    public void batch(Exchange ex) throws IOException {
        BatchRequest r = parseBatch(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        LfsService.Batch batch;
        try {
            batch = lfs.batch(ex.actor(), ex.repoType(), ex.gitRepoId(), r.operation(), r.objects(), r.multipart());
        } catch (ForgeException e) {
            // git-lfs asks for credentials on a 401 that carries LFS-Authenticate
            if (e.kind().status() == 401) throw e.withDetail(ErrorDetail.Challenge.GIT_LFS);
            throw e;
        }
        if (r.xet() && r.operation() == LfsService.Operation.UPLOAD && xetTokens.enabled()) {
            // uploads through Xet's CAS; an upload batch is granted at the pull-request level, and so is this token
            XetTokens.Issued t = xetTokens.issue(ex.actor(), ex.repoType(), ex.gitRepoId(), "main", XetTokens.Mode.WRITE, true);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-Xet-Cas-Url", t.casUrl());
            headers.put("X-Xet-Access-Token", t.accessToken());
            headers.put("X-Xet-Token-Expiration", Long.toString(t.exp()));
            String refresh = ex.config().url("/api/" + ex.repoType().plural() + "/" + ex.gitRepoId() + "/xet-write-token/main?create_pr=1");
            ex.json(200, LfsJson.xet(ex.config(), batch, refresh, headers, (int) xetTokens.ttlSeconds()), LFS_JSON);
            return;
        }
        ex.json(200, LfsJson.BatchAnswer.of(ex.config(), batch), LFS_JSON);
    }

    public void upload(Exchange ex) throws IOException {
        long size = sizeParam(ex);
        long declared = ex.declaredLength();
        if (declared >= 0 && declared != size) {
            throw ForgeException.badRequest("Content-Length " + declared + " does not match the object size " + size);
        }
        try (InputStream body = ex.body()) {
            lfs.upload(ex.var("key"), ex.var("oid"), size, ex.param("t").orElse(null), body);
        }
        ex.empty(200);
    }

    public void uploadPart(Exchange ex) throws IOException {
        long n;
        long chunk;
        try {
            n = Long.parseLong(ex.var("n"));
            chunk = Long.parseLong(ex.param("chunk").orElse(""));
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("Part number and 'chunk' must be numbers");
        }
        String etag;
        try (InputStream body = ex.body()) {
            etag = lfs.uploadPart(ex.var("key"), ex.var("oid"), sizeParam(ex), chunk, n, ex.param("t").orElse(null), body);
        }
        ex.setHeader("ETag", "\"" + etag + "\"");
        ex.empty(200);
    }

    /** Completion of a multipart upload: {@code {"oid": …, "parts": [{"partNumber", "etag"}…]}} posted to the upload href. */
    public void complete(Exchange ex) throws IOException {
        LfsJson.Completion c = JsonBody.read(ex, LfsJson.Completion.class);
        long chunk;
        try {
            chunk = ex.param("chunk").map(Long::parseLong).orElse(ex.config().uploads().multipartChunkBytes());
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("'chunk' must be a number");
        }
        lfs.completeMultipart(ex.var("key"), ex.var("oid"), sizeParam(ex), chunk, ex.param("t").orElse(null), c.oid(), c.parts().size());
        ex.json(200, LfsJson.Ok.OK, LFS_JSON);
    }

    public void verify(Exchange ex) throws IOException {
        ex.bodyBytes(64 * 1024);
        lfs.verify(ex.var("key"), ex.var("oid"), sizeParam(ex), ex.param("t").orElse(null));
        ex.json(200, LfsJson.Ok.OK, LFS_JSON);
    }

    public void download(Exchange ex) throws IOException {
        LfsService.Download d = lfs.download(ex.var("key"), ex.var("oid"), ex.param("t").orElse(null));
        ex.setHeader("ETag", "\"" + ex.var("oid").toLowerCase(Locale.ROOT) + "\"");
        ex.setHeader("Content-Type", "application/octet-stream");
        bodies.send(ex, d.channel(), d.size());
    }

    private static long sizeParam(Exchange ex) {
        String s = ex.param("size").orElseThrow(() -> ForgeException.badRequest("'size' is required"));
        try {
            long v = Long.parseLong(s);
            if (v < 0) throw ForgeException.badRequest("'size' must not be negative");
            return v;
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("'size' must be a number");
        }
    }
}
