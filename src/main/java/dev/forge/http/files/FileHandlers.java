package dev.forge.http.files;

import dev.forge.service.discovery.SearchService;
import dev.forge.http.exchange.AnswerMemo;
import dev.forge.http.exchange.Exchange;

import dev.forge.core.FileEntry;
import dev.forge.core.LfsOid;
import dev.forge.service.xet.XetHashHex;
import dev.forge.service.xet.XetService;
import dev.forge.service.repo.ContentService;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@code GET|HEAD /{P}{id}/resolve/{rev}/{path}} and {@code /raw/…}, with the headers the clients read:
 * {@code X-Repo-Commit}, a strong quoted {@code ETag} (the LFS sha256 or the git blob id),
 * {@code X-Linked-Etag}/{@code X-Linked-Size} for LFS files, {@code Content-Length},
 * {@code Accept-Ranges}, and single ranges (206 with {@code Content-Range}; 416 with
 * {@code bytes *}{@code /size}). HEAD and a matching {@code If-None-Match} answer from the index alone, without
 * opening git or the store. Small files ({@link ContentService#SMALL_FILE_MAX}) are written from the content service's
 * memory; larger bodies stream and are never buffered whole.
 */
public final class FileHandlers {
    private final ContentService content;
    private final SearchService search;
    private final BodyStreamer bodies;
    private final XetService xet;

    public FileHandlers(ContentService content, SearchService search, BodyStreamer bodies, XetService xet) {
        this.content = content;
        this.search = search;
        this.bodies = bodies;
        this.xet = xet;
    }

    /** What a client that speaks Xet asks for instead of the bytes (@huggingface/hub's {@code fileDownloadInfo}). */
    static final String XET_FILE_INFO = "application/vnd.xet-fileinfo+json";

    public void file(Exchange ex, boolean resolve) throws IOException {
        serve(ex, content.resolve(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), ex.tailPath()), resolve);
    }

    /**
     * Answers with a file already resolved (and access-checked) by a service: its content ({@code resolve}: an LFS
     * file's object) or its git blob, with the headers and range handling of {@code resolve}/{@code raw}.
     */
    public void serve(Exchange ex, ContentService.FileTarget t, boolean resolve) throws IOException {
        FileEntry e = t.entry();
        boolean lfs = resolve && e.isLfs();
        long size = lfs ? e.size() : content.gitBlobSize(t);
        String etag = "\"" + (lfs ? e.lfs().oid() : e.oid()) + "\"";
        // added, not put: none of these is set yet, and a put scans every header already there for its name
        ex.addHeader("X-Repo-Commit", t.commit());
        ex.addHeader("ETag", etag);
        Optional<XetHashHex> xetHash = Optional.empty();
        if (lfs) {
            ex.addHeader("X-Linked-Etag", etag);
            ex.addHeader("X-Linked-Size", Long.toString(size));
            xetHash = xet.fileHash(new LfsOid(e.lfs().oid()));
            xetHash.ifPresent(h -> {
                // the Hub's pair: where to get a read token for this repository at this commit, and the file's reconstruction
                ex.addHeader("X-Xet-Hash", h.hex());
                ex.addHeader("Link", "<" + ex.config().url("/api/" + t.repo().type().plural() + "/" + t.repo().id() + "/xet-read-token/"
                        + t.commit()) + ">; rel=\"xet-auth\", <" + ex.config().url("/xet/v1/reconstructions/" + h.hex())
                        + ">; rel=\"xet-reconstruction-info\"");
            });
        }
        ex.addHeader("Content-Type", contentType(e.path()));
        ex.addHeader("Content-Disposition", disposition(e.path()));
        ex.addHeader("Cache-Control", "private, max-age=0, must-revalidate");
        // a repository's files are the owners' bytes, not this site's: never sniffed into HTML, never run as a page
        ex.addHeader("X-Content-Type-Options", "nosniff");
        ex.addHeader("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
        if (!t.repo().isPrivate() && !t.repo().isGated()) {
            // anyone may read it, so everyone gets this answer alike (until a ref or the repository's record changes)
            // an LFS file's bytes are in this forge's own (local) store, so the memo may answer ranges of it too
            AnswerMemo.Bytes bytes = lfs ? (offset, length) -> bodies.source(content.openLfs(t), offset, length) : null;
            ex.memoizable(t.repo().key(), t.refGeneration(), true, resolve ? search.downloadCounter(t) : null, bytes);
        }
        String ifNoneMatch = ex.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("W/" + etag) || ifNoneMatch.trim().equals("*"))) {
            ex.notModified();
            return;
        }
        String accept = ex.header("Accept");
        if (xetHash.isPresent() && accept != null && accept.contains(XET_FILE_INFO)) {
            // the client fetches the bytes through Xet: answer what it needs for that, not the bytes
            ex.json(200, new XetFileInfo(xetHash.get().hex(), e.lfs().oid(), size), XET_FILE_INFO);
            return;
        }
        if (resolve && !ex.isHead() && ex.method().equals("GET")) search.served(t, ex.header("Range"));
        Optional<Exchange.Slice> slice = ex.answerRange(size);
        if (slice.isEmpty()) return;
        Optional<java.nio.ByteBuffer> held = content.smallContent(t, lfs);
        if (held.isPresent()) {
            ex.write(held.get().slice((int) slice.get().offset(), (int) slice.get().length()));
            return;
        }
        if (lfs) bodies.stream(ex, content.openLfs(t), slice.get());
        else bodies.stream(ex, content.openGitBlob(t), slice.get());
    }

    /** The body of a Xet file-info answer (the clients read the headers; the body says the same for people). */
    record XetFileInfo(String hash, String sha256, long size) {}

    public static String contentType(String path) {
        String p = path.toLowerCase(java.util.Locale.ROOT);
        if (p.endsWith(".json")) return "application/json";
        if (p.endsWith(".png")) return "image/png";
        if (p.endsWith(".jpg") || p.endsWith(".jpeg")) return "image/jpeg";
        if (p.endsWith(".gif")) return "image/gif";
        if (p.endsWith(".webp")) return "image/webp";
        if (p.endsWith(".md") || p.endsWith(".txt") || p.endsWith(".py") || p.endsWith(".yaml") || p.endsWith(".yml")
                || p.endsWith(".jsonl") || p.endsWith(".csv") || p.endsWith(".gitattributes") || p.endsWith(".gitignore")) {
            return "text/plain; charset=utf-8";
        }
        return "application/octet-stream";
    }

    public static String disposition(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        StringBuilder ascii = new StringBuilder();
        for (char c : name.toCharArray()) ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        String encoded = java.net.URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return "inline; filename*=UTF-8''" + encoded + "; filename=\"" + ascii + "\";";
    }
}
