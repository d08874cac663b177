package dev.forge.http.cache;

import dev.forge.http.exchange.Exchange;
import dev.forge.http.files.BodyStreamer;
import dev.forge.http.files.FileHandlers;
import dev.forge.service.cache.PullThroughCache;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The Hub read API and file downloads of repositories not held here, answered by the pull-through cache: the same
 * routes as for local repositories (the route table sends a request here when {@link #answers} says so), the upstream's
 * JSON as it sent it, and files with the headers clients read ({@code X-Repo-Commit}, {@code ETag},
 * {@code X-Linked-Etag}/{@code X-Linked-Size}, ranges). No Xet headers are sent: clients take the plain path here.
 */
public final class CacheHandlers {
    private final PullThroughCache cache;
    private final BodyStreamer bodies;

    public CacheHandlers(PullThroughCache cache, BodyStreamer bodies) {
        this.cache = cache;
        this.bodies = bodies;
    }

    /** Whether the request is about a repository the cache answers for (none here by that name, upstreams configured). */
    public boolean answers(Exchange ex) {
        return cache.enabled() && ex.var("ns") != null && ex.var("name") != null && cache.answers(ex.repoType(), ex.repoId());
    }

    public void info(Exchange ex) throws IOException {
        send(ex, cache.info(ex.actor(), ex.repoType(), ex.repoId(), Optional.ofNullable(ex.var("rev")), ex.rawQuery()));
    }

    public void tree(Exchange ex) throws IOException {
        List<String> tail = ex.tailSegments();
        if (tail.isEmpty()) throw dev.forge.core.ForgeException.badRequest("A revision is required");
        String path = String.join("/", tail.subList(1, tail.size()));
        send(ex, cache.tree(ex.actor(), ex.repoType(), ex.repoId(), tail.getFirst(), path, ex.rawQuery()));
    }

    public void pathsInfo(Exchange ex) throws IOException {
        byte[] body = ex.bodyBytes(ex.config().limits().maxJsonBodyBytes());
        send(ex, cache.pathsInfo(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), body, ex.contentType()));
    }

    public void refs(Exchange ex) throws IOException {
        send(ex, cache.refs(ex.actor(), ex.repoType(), ex.repoId(), ex.rawQuery()));
    }

    public void commits(Exchange ex) throws IOException {
        List<String> tail = ex.tailSegments();
        String rev = tail.isEmpty() ? "" : String.join("/", tail);
        send(ex, cache.commits(ex.actor(), ex.repoType(), ex.repoId(), rev, ex.rawQuery()));
    }

    private void send(Exchange ex, PullThroughCache.Answer a) throws IOException {
        a.commit().ifPresent(c -> ex.setHeader("X-Repo-Commit", c));
        a.totalCount().ifPresent(n -> ex.setHeader("X-Total-Count", Long.toString(n)));
        a.nextQuery().ifPresent(q -> ex.setHeader("Link", "<" + ex.config().url(ex.rawPath()) + "?" + q + ">; rel=\"next\""));
        ex.bytes(200, "application/json", a.body());
    }

    /** {@code resolve} (the file's content) or {@code raw} (an LFS file's pointer, any other file's content). */
    public void file(Exchange ex, boolean resolve) throws IOException {
        PullThroughCache.CachedFile f = cache.resolve(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), ex.tailPath());
        String etag = "\"" + f.etag() + "\"";
        ex.setHeader("X-Repo-Commit", f.commit());
        ex.setHeader("ETag", etag);
        ex.setHeader("Content-Type", FileHandlers.contentType(f.path()));
        ex.setHeader("Content-Disposition", FileHandlers.disposition(f.path()));
        ex.setHeader("Cache-Control", "private, max-age=0, must-revalidate");
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
        if (f.lfs() && !resolve) {
            byte[] pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:" + f.etag() + "\nsize " + f.size() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            ex.bytes(200, "text/plain; charset=utf-8", pointer);
            return;
        }
        if (f.lfs()) {
            ex.setHeader("X-Linked-Etag", etag);
            ex.setHeader("X-Linked-Size", Long.toString(f.size()));
        }
        String ifNoneMatch = ex.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("W/" + etag) || ifNoneMatch.trim().equals("*"))) {
            ex.notModified();
            return;
        }
        Optional<Exchange.Slice> slice = ex.answerRange(f.size());
        if (slice.isEmpty()) return;
        SeekableByteChannel ch = f.bytes().open();
        bodies.stream(ex, ch, slice.get());
    }
}
