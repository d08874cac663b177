package dev.forge.upload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ForgeConfig;
import dev.forge.core.LfsOid;
import dev.forge.testing.TestForge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.forge.upload.UploadFixtures.JSON;
import static dev.forge.upload.UploadFixtures.LFS_JSON;
import static dev.forge.upload.UploadFixtures.assertError;
import static dev.forge.upload.UploadFixtures.bearer;
import static dev.forge.upload.UploadFixtures.body;
import static dev.forge.upload.UploadFixtures.commitOk;
import static dev.forge.upload.UploadFixtures.file;
import static dev.forge.upload.UploadFixtures.files;
import static dev.forge.upload.UploadFixtures.header;
import static dev.forge.upload.UploadFixtures.json;
import static dev.forge.upload.UploadFixtures.lfsBatch;
import static dev.forge.upload.UploadFixtures.lfsFile;
import static dev.forge.upload.UploadFixtures.ndjson;
import static dev.forge.upload.UploadFixtures.randomBytes;
import static dev.forge.upload.UploadFixtures.resolve;
import static dev.forge.testing.Hashes.sha256;
import static dev.forge.upload.UploadFixtures.uploadBatch;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HF's multipart LFS transfer over raw HTTP, against a forge that offers it above 1 MiB in 1 MiB parts:
 * the batch answer's part URLs, unauthenticated part PUTs in any order, resumed parts, the completion
 * POST, and every way a multipart upload can go wrong without storing anything.
 */
class MultipartTest {
    static final int CHUNK = 1024 * 1024;
    /** 3.5 MiB: four parts, the last one half a part. */
    static final int SIZE = 3 * CHUNK + CHUNK / 2;

    @TempDir
    static Path dir;

    static TestForge tf;

    @BeforeAll
    static void start() throws Exception {
        ForgeConfig.Uploads d = ForgeConfig.Uploads.defaults();
        tf = TestForge.start(dir.resolve("data"), ForgeConfig.Limits.defaults(),
                new ForgeConfig.Uploads(CHUNK, CHUNK, d.maxInlineFileBytes(), d.maxOperationsPerCommit(), d.maxCommitBodyBytes()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tf != null) tf.close();
    }

    private static String newRepo() {
        return tf.newModelRepo("multipart");
    }

    /** What a multipart batch answer offers for one object. */
    record Offer(String href, String verifyHref, long chunkSize, TreeMap<Integer, String> parts) {}

    private static JsonNode batchObject(String id, String oid, long size, List<String> transfers) throws Exception {
        HttpResponse<byte[]> r = lfsBatch(tf, id, bearer(tf), uploadBatch(oid, size, transfers));
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith(LFS_JSON));
        JsonNode objects = json(r).path("objects");
        assertThat(objects).hasSize(1);
        assertThat(objects.get(0).path("oid").asText()).isEqualTo(oid);
        return objects.get(0);
    }

    private static Offer multipartOffer(String id, byte[] content) throws Exception {
        JsonNode o = batchObject(id, sha256(content), content.length, List.of("basic", "multipart"));
        JsonNode upload = o.path("actions").path("upload");
        assertThat(upload.path("href").isTextual()).as("upload action in %s", o).isTrue();
        JsonNode header = upload.path("header");
        assertThat(header.path("chunk_size").isTextual()).as("chunk_size in %s", o).isTrue();
        TreeMap<Integer, String> parts = new TreeMap<>();
        header.fieldNames().forEachRemaining(k -> {
            if (k.matches("[0-9]+")) parts.put(Integer.parseInt(k), header.get(k).asText());
            else assertThat(k).isEqualTo("chunk_size");
        });
        return new Offer(upload.path("href").asText(), o.path("actions").path("verify").path("href").asText(null),
                Long.parseLong(header.get("chunk_size").asText()), parts);
    }

    private static byte[] part(byte[] content, int n, long chunk) {
        int from = (int) ((n - 1) * chunk);
        return Arrays.copyOfRange(content, from, (int) Math.min(content.length, from + chunk));
    }

    /** PUT without any Authorization header, as the Hub clients do. */
    private static HttpResponse<byte[]> put(String url, byte[] bytes) throws Exception {
        return tf.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    private static HttpResponse<byte[]> complete(String href, String oid, Map<Integer, String> etags) throws Exception {
        List<Object> parts = new ArrayList<>();
        etags.forEach((n, e) -> parts.add(Map.of("partNumber", n, "etag", e)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("oid", oid);
        body.put("parts", parts);
        return tf.send(HttpRequest.newBuilder(URI.create(href))
                .header("Accept", LFS_JSON).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private static String putPart(Offer offer, int n, byte[] bytes) throws Exception {
        HttpResponse<byte[]> r = put(offer.parts().get(n), bytes);
        assertThat(r.statusCode()).as("part %d: %s", n, body(r)).isEqualTo(200);
        return r.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("part " + n + " has no ETag"));
    }

    private static boolean stored(String oid) throws Exception {
        return tf.forge.stores().blobs().size(new LfsOid(oid)).isPresent();
    }

    /** The URL with the signature of its {@code t} parameter altered by one character. */
    private static String tamper(String url) {
        int t = url.indexOf("t=");
        int dot = url.indexOf('.', t);
        int i = dot + 5;
        char c = url.charAt(i);
        return url.substring(0, i) + (c == 'A' ? 'B' : 'A') + url.substring(i + 1);
    }

    // ------------------------------------------------------------------------------------------ tests

    @Test
    void aMultipartUploadInAnyOrderWithAResentPartIsStoredAndCanBeCommitted() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(1, SIZE);
        String oid = sha256(content);
        Offer offer = multipartOffer(id, content);
        assertThat(offer.chunkSize()).isEqualTo(CHUNK);
        assertThat(offer.parts().keySet()).containsExactly(1, 2, 3, 4);
        assertThat(offer.href()).startsWith(tf.baseUrl + "/");
        offer.parts().values().forEach(u -> assertThat(u).startsWith(tf.baseUrl + "/"));

        Map<Integer, String> etags = new TreeMap<>();
        for (int n : new int[] {4, 2, 1, 3}) etags.put(n, putPart(offer, n, part(content, n, CHUNK)));
        assertThat(stored(oid)).as("nothing is stored before completion").isFalse();
        // resuming: a part sent again replaces itself
        assertThat(putPart(offer, 2, part(content, 2, CHUNK))).isEqualTo(etags.get(2));

        HttpResponse<byte[]> done = complete(offer.href(), oid, etags);
        assertThat(done.statusCode()).as(body(done)).isEqualTo(200);
        assertThat(tf.forge.stores().blobs().size(new LfsOid(oid))).hasValue((long) SIZE);

        // the batch now says it is there (no actions), and a commit may reference it
        JsonNode again = batchObject(id, oid, SIZE, List.of("basic", "multipart"));
        assertThat(again.has("actions")).as("%s", again).isFalse();
        commitOk(tf, id, "main", ndjson(header("big"), lfsFile("big.bin", oid, (long) SIZE)));
        assertThat(files(tf, id, "main").get("big.bin").path("lfs").path("oid").asText()).isEqualTo(oid);
        assertThat(resolve(tf, id, "main", "big.bin")).isEqualTo(content);
    }

    @Test
    void completionWithAMissingPartIs400AndStoresNothingThenTheUploadResumes() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(2, SIZE);
        String oid = sha256(content);
        Offer offer = multipartOffer(id, content);
        Map<Integer, String> etags = new TreeMap<>();
        for (int n : new int[] {1, 2, 4}) etags.put(n, putPart(offer, n, part(content, n, CHUNK)));
        etags.put(3, "\"0\"");
        assertError(complete(offer.href(), oid, etags), 400);
        assertThat(stored(oid)).isFalse();
        String head = UploadFixtures.mainSha(tf, id);
        assertError(UploadFixtures.commit(tf, id, "main", ndjson(header("x"), lfsFile("big.bin", oid, (long) SIZE))), 400);
        assertThat(UploadFixtures.mainSha(tf, id)).isEqualTo(head);

        // a completion listing fewer parts than the object needs is refused too
        Map<Integer, String> three = new TreeMap<>(etags);
        three.remove(3);
        assertError(complete(offer.href(), oid, three), 400);
        assertThat(stored(oid)).isFalse();

        // sending the missing part resumes the upload
        etags.put(3, putPart(offer, 3, part(content, 3, CHUNK)));
        HttpResponse<byte[]> done = complete(offer.href(), oid, etags);
        assertThat(done.statusCode()).as(body(done)).isEqualTo(200);
        assertThat(stored(oid)).isTrue();
    }

    @Test
    void aPartOfTheWrongLengthOrNumberIs400() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(3, SIZE);
        Offer offer = multipartOffer(id, content);
        assertError(put(offer.parts().get(1), Arrays.copyOf(content, CHUNK - 1)), 400);
        assertError(put(offer.parts().get(1), Arrays.copyOf(content, CHUNK + 1)), 400);
        assertError(put(offer.parts().get(4), Arrays.copyOf(content, CHUNK)), 400);
        assertError(put(offer.parts().get(4), new byte[0]), 400);
        assertError(put(offer.parts().get(4).replace("/parts/4?", "/parts/5?"), part(content, 4, CHUNK)), 400);
        assertError(put(offer.parts().get(1).replace("/parts/1?", "/parts/0?"), part(content, 1, CHUNK)), 400);
        assertThat(stored(sha256(content))).isFalse();
    }

    @Test
    void partsThatAssembleToOtherBytesAreRefusedAndNothingIsStored() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(4, SIZE);
        byte[] other = randomBytes(5, SIZE);
        String oid = sha256(content);
        Offer offer = multipartOffer(id, content);
        Offer otherOffer = multipartOffer(id, other);
        assertThat(otherOffer.parts().get(2)).isNotEqualTo(offer.parts().get(2));
        Map<Integer, String> etags = new TreeMap<>();
        etags.put(1, putPart(offer, 1, part(content, 1, CHUNK)));
        etags.put(2, putPart(offer, 2, part(other, 2, CHUNK))); // the right size, the wrong bytes
        etags.put(3, putPart(offer, 3, part(content, 3, CHUNK)));
        etags.put(4, putPart(offer, 4, part(content, 4, CHUNK)));
        assertError(complete(offer.href(), oid, etags), 400);
        assertThat(stored(oid)).isFalse();
        assertThat(stored(sha256(other))).isFalse();

        // the completion must name the object of its URL
        assertError(complete(offer.href(), sha256(other), etags), 400);
        assertThat(stored(sha256(other))).isFalse();

        // fixing the bad part completes it
        etags.put(2, putPart(offer, 2, part(content, 2, CHUNK)));
        HttpResponse<byte[]> done = complete(offer.href(), oid, etags);
        assertThat(done.statusCode()).as(body(done)).isEqualTo(200);
        assertThat(stored(oid)).isTrue();
    }

    @Test
    void tamperedGrantsAre403() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(6, SIZE);
        String oid = sha256(content);
        Offer offer = multipartOffer(id, content);
        String partUrl = offer.parts().get(1);
        HttpResponse<byte[]> r = put(tamper(partUrl), part(content, 1, CHUNK));
        assertError(r, 403);
        // another chunk size or object size under the same signature
        assertError(put(partUrl.replace("chunk=" + CHUNK, "chunk=" + (CHUNK / 2)), Arrays.copyOf(content, CHUNK / 2)), 403);
        assertError(put(partUrl.replace("size=" + SIZE, "size=" + (SIZE + 1)), part(content, 1, CHUNK)), 403);
        // the part grant does not open another object, nor completion
        String otherOid = sha256(randomBytes(7, SIZE));
        assertError(put(partUrl.replace(oid, otherOid), part(content, 1, CHUNK)), 403);
        String partGrant = partUrl.substring(partUrl.indexOf("t=") + 2);
        String completionWithPartGrant = offer.href().substring(0, offer.href().indexOf("t=") + 2) + partGrant;
        Map<Integer, String> etags = new TreeMap<>();
        for (int n = 1; n <= 4; n++) etags.put(n, putPart(offer, n, part(content, n, CHUNK)));
        assertError(complete(completionWithPartGrant, oid, etags), 403);
        assertError(complete(tamper(offer.href()), oid, etags), 403);
        assertThat(stored(oid)).isFalse();
        // no grant at all
        assertError(put(partUrl.substring(0, partUrl.indexOf("&t=")), part(content, 1, CHUNK)), 403);
    }

    @Test
    void onlyClientsListingMultipartGetPartsAndOnlyAboveTheThreshold() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(8, SIZE);
        String oid = sha256(content);
        for (List<String> transfers : Arrays.asList(List.of("basic"), null)) {
            JsonNode o = batchObject(id, oid, SIZE, transfers);
            JsonNode upload = o.path("actions").path("upload");
            assertThat(upload.path("href").isTextual()).as("%s", o).isTrue();
            assertThat(upload.has("header")).as("no multipart header for transfers %s: %s", transfers, o).isFalse();
        }
        // at or below the threshold: basic, even for a client listing multipart
        byte[] small = randomBytes(9, CHUNK);
        JsonNode o = batchObject(id, sha256(small), small.length, List.of("basic", "multipart"));
        assertThat(o.path("actions").path("upload").has("header")).as("%s", o).isFalse();
        // a client listing xet is sent through Xet instead: where to get a write token, no part URLs
        JsonNode withXet = batchObject(id, oid, SIZE, List.of("basic", "multipart", "xet"));
        assertThat(withXet.path("actions").path("upload").path("header").has("chunk_size")).as("%s", withXet).isFalse();
        assertThat(withXet.path("actions").path("upload").path("href").asText()).as("%s", withXet).contains("/xet-write-token/");

        // the basic href still works for a large object
        String href = batchObject(id, oid, SIZE, List.of("basic")).path("actions").path("upload").path("href").asText();
        HttpResponse<byte[]> r = put(href, content);
        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(stored(oid)).isTrue();
    }

    @Test
    void uploadBatchesNeedAWriter() throws Exception {
        String id = newRepo();
        byte[] content = randomBytes(10, SIZE);
        HttpResponse<byte[]> anon = lfsBatch(tf, id, null, uploadBatch(sha256(content), SIZE, List.of("basic", "multipart")));
        assertThat(anon.statusCode()).isEqualTo(401);
        String ro = tf.forge.auth.createToken(tf.admin, "ro", dev.forge.core.Token.Role.READ).secret();
        HttpResponse<byte[]> readOnly = lfsBatch(tf, id, "Bearer " + ro, uploadBatch(sha256(content), SIZE, List.of("basic", "multipart")));
        assertThat(readOnly.statusCode()).isEqualTo(403);
    }

    @Test
    void aMultipartObjectIsReferableOnlyByItsOwnRepositoryWhileUnreferenced() throws Exception {
        String id = newRepo();
        String other = newRepo();
        byte[] content = randomBytes(11, SIZE);
        String oid = sha256(content);
        Offer offer = multipartOffer(id, content);
        Map<Integer, String> etags = new TreeMap<>();
        for (int n = 1; n <= 4; n++) etags.put(n, putPart(offer, n, part(content, n, CHUNK)));
        assertThat(complete(offer.href(), oid, etags).statusCode()).isEqualTo(200);
        // another repository must upload it itself (its batch still asks for the bytes)
        JsonNode o = batchObject(other, oid, SIZE, List.of("basic", "multipart"));
        assertThat(o.path("actions").path("upload").isObject()).as("%s", o).isTrue();
        // a file commit in the owning repo still works as usual
        commitOk(tf, id, "main", ndjson(header("x"), file("a.txt", "a\n"), lfsFile("big.bin", oid, (long) SIZE)));
    }
}
