package dev.forge.http.lfs;

import dev.forge.http.exchange.JsonBody;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.FileHandlers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ForgeException;
import dev.forge.service.account.Actor;
import dev.forge.service.lfs.LfsService;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Git LFS batch API ({@code POST …/info/lfs/objects/batch}) and the transfer endpoints its hrefs
 * point at. Batch answers always use the {@code basic} transfer; hrefs carry their own signed grant.
 */
public final class LfsHandlers {
    public static final String LFS_JSON = "application/vnd.git-lfs+json";

    private final LfsService lfs;
    private final ByteBufferPool.Sized pool;

    public LfsHandlers(LfsService lfs, ByteBufferPool pool) {
        this.lfs = lfs;
        this.pool = new ByteBufferPool.Sized(pool, true, FileHandlers.BUFFER);
    }

    public void batch(Exchange ex) throws IOException {
        JsonNode n = JsonBody.object(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        String operation = n.path("operation").asText("");
        LfsService.Operation op = switch (operation) {
            case "download" -> LfsService.Operation.DOWNLOAD;
            case "upload" -> LfsService.Operation.UPLOAD;
            default -> throw ForgeException.badRequest("'operation' must be 'download' or 'upload'");
        };
        JsonNode transfers = n.get("transfers");
        boolean multipart = false;
        if (transfers != null && transfers.isArray() && !transfers.isEmpty()) {
            boolean basic = false;
            for (JsonNode t : transfers) {
                basic |= "basic".equals(t.asText());
                multipart |= "multipart".equals(t.asText());
            }
            if (!basic) throw new ForgeException(dev.forge.core.ErrorKind.UNPROCESSABLE, "Only the 'basic' and 'multipart' transfers are supported");
        }
        JsonNode objects = n.get("objects");
        if (objects == null || !objects.isArray()) throw ForgeException.badRequest("'objects' must be a list");
        List<LfsService.ObjectSpec> specs = new ArrayList<>();
        for (JsonNode o : objects) {
            if (!o.path("oid").isTextual() || !o.path("size").canConvertToLong()) {
                throw ForgeException.badRequest("Each object needs a string 'oid' and a numeric 'size'");
            }
            specs.add(new LfsService.ObjectSpec(o.get("oid").asText(), o.get("size").asLong()));
        }
        Actor actor = ex.actor();
        List<LfsService.ObjectResult> results;
        try {
            results = lfs.batch(actor, ex.repoType(), ex.gitRepoId(), op, specs, multipart);
        } catch (ForgeException e) {
            // git-lfs asks for credentials on a 401 that carries LFS-Authenticate
            if (e.kind().status() == 401) throw e.withDetail(ErrorDetail.Challenge.GIT_LFS);
            throw e;
        }
        int ttl = ex.config().limits().lfsUrlTtlSeconds();
        List<Object> out = new ArrayList<>();
        for (LfsService.ObjectResult r : results) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("oid", r.oid());
            o.put("size", r.size());
            if (r.errorCode() != 0) {
                o.put("error", Map.of("code", r.errorCode(), "message", r.errorMessage()));
            } else if (r.href() != null) {
                o.put("authenticated", true);
                Map<String, Object> actions = new LinkedHashMap<>();
                Map<String, Object> action = new LinkedHashMap<>();
                action.put("href", r.href());
                action.put("expires_in", ttl);
                if (r.chunkSize() > 0) {
                    Map<String, String> header = new LinkedHashMap<>();
                    header.put("chunk_size", Long.toString(r.chunkSize()));
                    for (int i = 0; i < r.partHrefs().size(); i++) header.put(Integer.toString(i + 1), r.partHrefs().get(i));
                    action.put("header", header);
                }
                actions.put(r.actionKind(), action);
                if (r.verifyHref() != null) actions.put("verify", Map.of("href", r.verifyHref(), "expires_in", ttl));
                o.put("actions", actions);
            }
            out.add(o);
        }
        ex.json(200, Map.of("transfer", "basic", "objects", out, "hash_algo", "sha256"), LFS_JSON);
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
        JsonNode n = JsonBody.object(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        JsonNode parts = n.get("parts");
        if (parts == null || !parts.isArray()) throw ForgeException.badRequest("'parts' must be a list");
        long chunk;
        try {
            chunk = ex.param("chunk").map(Long::parseLong).orElse(ex.config().uploads().multipartChunkBytes());
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("'chunk' must be a number");
        }
        lfs.completeMultipart(ex.var("key"), ex.var("oid"), sizeParam(ex), chunk, ex.param("t").orElse(null),
                n.path("oid").asText(""), parts.size());
        ex.json(200, Map.of("message", "ok"), LFS_JSON);
    }

    public void verify(Exchange ex) throws IOException {
        ex.bodyBytes(64 * 1024);
        lfs.verify(ex.var("key"), ex.var("oid"), sizeParam(ex), ex.param("t").orElse(null));
        ex.json(200, Map.of("message", "ok"), LFS_JSON);
    }

    public void download(Exchange ex) throws IOException {
        LfsService.Download d = lfs.download(ex.var("key"), ex.var("oid"), ex.param("t").orElse(null));
        try {
            ex.setHeader("ETag", "\"" + ex.var("oid").toLowerCase(Locale.ROOT) + "\"");
            ex.setHeader("Content-Type", "application/octet-stream");
            Optional<Exchange.Slice> slice = ex.answerRange(d.size());
            if (slice.isEmpty()) {
                d.channel().close();
                return;
            }
            ex.stream(Content.Source.from(pool, d.channel(), slice.get().offset(), slice.get().length()));
        } catch (RuntimeException e) {
            d.channel().close();
            throw e;
        }
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
