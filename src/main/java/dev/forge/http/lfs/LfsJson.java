package dev.forge.http.lfs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeConfig;
import dev.forge.core.ForgeException;
import dev.forge.service.lfs.LfsService;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire shapes of the Git LFS batch API (git-lfs {@code docs/api/batch.md}, with Hugging Face's multipart
 * transfer), and how a {@link LfsService.BatchObject} becomes one: every case of the sealed result rendered by one
 * exhaustive switch, its hrefs built by {@link LfsUrls}.
 */
final class LfsJson {
    private LfsJson() {}

    /** {@code {"operation", "transfers"?, "objects": [{"oid", "size"}…]}}; other fields ({@code ref}, {@code hash_algo}) ignored. */
    record BatchRequest(String operation, List<String> transfers, List<ObjectSpec> objects) {
        BatchRequest {
            if (objects == null || objects.contains(null)) throw ForgeException.badRequest("'objects' must be a list");
            transfers = transfers == null ? List.of() : transfers;
        }

        LfsService.Operation op() {
            return switch (operation == null ? "" : operation) {
                case "download" -> LfsService.Operation.DOWNLOAD;
                case "upload" -> LfsService.Operation.UPLOAD;
                default -> throw ForgeException.badRequest("'operation' must be 'download' or 'upload'");
            };
        }

        /** Whether the client takes Hugging Face's {@code xet} transfer (@huggingface/hub lists it by default). */
        boolean xet() { return transfers.contains("xet"); }

        /** Whether the client takes the multipart transfer; 422 when it takes neither basic nor multipart (nor xet). */
        boolean multipart() {
            if (!transfers.isEmpty() && !transfers.contains("basic") && !transfers.contains("xet")) {
                throw new ForgeException(ErrorKind.UNPROCESSABLE, "Only the 'basic' and 'multipart' transfers are supported");
            }
            return transfers.contains("multipart");
        }

        List<LfsService.ObjectSpec> specs() {
            return objects.stream().map(o -> new LfsService.ObjectSpec(o.oid(), o.size())).toList();
        }
    }

    record ObjectSpec(String oid, Long size) {
        ObjectSpec {
            if (oid == null || size == null) throw ForgeException.badRequest("Each object needs a string 'oid' and a numeric 'size'");
        }
    }

    /** The batch answer: always the {@code basic} transfer (multipart rides on it as per-action headers). */
    record BatchAnswer(String transfer, List<ObjectAnswer> objects, @JsonProperty("hash_algo") String hashAlgo) {
        static BatchAnswer of(ForgeConfig config, LfsService.Batch batch) {
            int ttl = config.limits().lfsUrlTtlSeconds();
            return new BatchAnswer("basic", batch.objects().stream().map(o -> ObjectAnswer.of(config, ttl, batch.repoKey(), o)).toList(),
                    "sha256");
        }
    }

    /**
     * The answer to an upload batch from a client that takes the {@code xet} transfer: objects to upload get, instead of
     * URLs for their bytes, where to get a Xet write token ({@code href}, refreshed there) and a first token in
     * {@code header}; the client then uploads through the CAS and commits the objects by SHA-256 as usual.
     */
    static BatchAnswer xet(ForgeConfig config, LfsService.Batch batch, String refreshUrl, Map<String, String> tokenHeaders, int ttl) {
        return new BatchAnswer("xet", batch.objects().stream().map(o -> switch (o) {
            case LfsService.BatchObject.Upload u -> new ObjectAnswer(u.oid(), u.size(), true,
                    new Actions(null, new Action(refreshUrl, ttl, tokenHeaders), null), null);
            default -> ObjectAnswer.of(config, ttl, batch.repoKey(), o);
        }).toList(), "sha256");
    }

    /** One object: actions to take, an error, or neither (stored already). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ObjectAnswer(String oid, long size, Boolean authenticated, Actions actions, ObjectError error) {
        static ObjectAnswer of(ForgeConfig c, int ttl, String repo, LfsService.BatchObject o) {
            return switch (o) {
                case LfsService.BatchObject.Download d -> new ObjectAnswer(d.oid(), d.size(), true,
                        new Actions(new Action(LfsUrls.download(c, repo, d.oid(), d.grant()), ttl, null), null, null), null);
                case LfsService.BatchObject.Upload u -> new ObjectAnswer(u.oid(), u.size(), true, new Actions(null, upload(c, ttl, repo, u),
                        new Action(LfsUrls.verify(c, repo, u.oid(), u.size(), u.verifyGrant()), ttl, null)), null);
                case LfsService.BatchObject.Present p -> new ObjectAnswer(p.oid(), p.size(), null, null, null);
                case LfsService.BatchObject.Refused r -> new ObjectAnswer(r.oid(), r.size(), null, null, switch (r.why()) {
                    case INVALID_OID -> new ObjectError(422, "Invalid oid: expected 64 lowercase hex digits");
                    case INVALID_SIZE -> new ObjectError(422, "Invalid size");
                    case TOO_LARGE -> new ObjectError(413, "Object is larger than " + c.uploads().maxObjectBytes()
                            + " bytes, the most this forge accepts per file");
                    case TOO_MANY_PARTS -> new ObjectError(422, "Object would need more than " + c.uploads().maxParts() + " parts of "
                            + c.uploads().multipartChunkBytes() + " bytes");
                    case NOT_FOUND -> new ObjectError(404, "Object does not exist");
                });
            };
        }

        /** A whole upload; or a multipart one, whose part URLs travel in the action's headers, numbered from 1. */
        private static Action upload(ForgeConfig c, int ttl, String repo, LfsService.BatchObject.Upload u) {
            if (u.parts().isEmpty()) return new Action(LfsUrls.upload(c, repo, u.oid(), u.size(), u.grant()), ttl, null);
            LfsService.Parts p = u.parts().get();
            Map<String, String> header = new LinkedHashMap<>();
            header.put("chunk_size", Long.toString(p.partSize()));
            for (long n = 1; n <= p.count(); n++) header.put(Long.toString(n), LfsUrls.part(c, repo, u.oid(), n, u.size(), p.partSize(), p.grant()));
            return new Action(LfsUrls.multipartUpload(c, repo, u.oid(), u.size(), u.grant(), p.partSize()), ttl, header);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Actions(Action download, Action upload, Action verify) {}

    /** An href and how long it is good for; {@code header} carries the multipart transfer's part size and part URLs. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Action(String href, @JsonProperty("expires_in") int expiresIn, Map<String, String> header) {}

    record ObjectError(int code, String message) {}

    /** A multipart completion: {@code {"oid", "parts": [{"partNumber", "etag"}…]}}; the parts are counted, not trusted. */
    record Completion(String oid, List<JsonNode> parts) {
        Completion {
            if (parts == null) throw ForgeException.badRequest("'parts' must be a list");
        }
    }

    /** {@code {"message": "ok"}}. */
    record Ok(String message) {
        static final Ok OK = new Ok("ok");
    }
}
