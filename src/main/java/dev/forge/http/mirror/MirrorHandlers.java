package dev.forge.http.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.Dates;
import dev.forge.core.ForgeException;
import dev.forge.core.Mirror;
import dev.forge.core.RepoType;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.cache.CacheFigures;
import dev.forge.service.mirror.MirrorService;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The admin API of mirrors (site admins only): {@code GET /api/admin/mirrors} (every mirror with its state and the
 * figures), {@code POST /api/admin/mirrors} (add one: {@code {"direction": "pull"|"push", "remote": URL, "type"?,
 * "repo": "ns/name"|"ns/*", "as"?: local id, "token"?, "intervalSeconds"?}}), {@code GET /api/admin/mirrors/{id}},
 * {@code POST …/{id}/sync} (queued: 202, follow the progress with GET), {@code POST …/{id}/pause|resume} and
 * {@code DELETE …/{id}} (the local repository stays). A mirror's token is never shown, only whether it has one. The
 * pull-through cache's repositories are listed and evicted here too: {@code GET /api/admin/cache} and
 * {@code DELETE /api/admin/cache/{type}/{ns}/{name}}; the listing of mirrors carries the cache's figures.
 */
public final class MirrorHandlers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MirrorService mirrors;
    private final CacheFigures cache;

    /** @param cache the pull-through cache's figures and revisions */
    public MirrorHandlers(MirrorService mirrors, CacheFigures cache) {
        this.mirrors = mirrors;
        this.cache = cache;
    }

    /** One mirror as the API shows it. */
    record MirrorJson(String id, String direction, String remote, String type, String remoteRepo, String localRepo, String parent,
                      boolean token, boolean paused, long intervalSeconds, String status, String message, List<String> problems,
                      Progress progress, String createdAt, String lastSync, String lastSuccess, String nextSync, long syncs,
                      long objectsTransferred, long bytesTransferred) {
        static MirrorJson of(Mirror m) {
            Mirror.Progress p = m.progress();
            return new MirrorJson(m.key(), m.direction().wire(), m.remoteUrl(), m.type().singular(), m.remoteId(), m.localId(), m.parentKey(),
                    m.hasToken(), m.paused(), m.intervalSeconds(), m.status().wire(), m.message(), m.problems(),
                    new Progress(p.objectsDone(), p.objectsTotal(), p.bytesDone(), p.bytesTotal()), Dates.iso(m.createdAt()),
                    iso(m.lastSyncAt()), iso(m.lastSuccessAt()), Dates.iso(m.nextSyncAt()), m.syncs(), m.objectsFetched(), m.bytesFetched());
        }
    }

    record Progress(long objectsDone, long objectsTotal, long bytesDone, long bytesTotal) {}

    record Listing(List<MirrorJson> mirrors, MirrorService.Figures figures, CacheJson cache) {}

    /** The pull-through cache's figures: bytes cached, bytes saved by deduplication, hit rate. */
    record CacheJson(long cachedBytes, long storedBytes, long dedupSavedBytes, long hits, long misses, double hitRate, int revisions) {
        static CacheJson of(CacheFigures.Figures f) {
            return new CacheJson(f.cachedBytes(), f.storedBytes(), f.dedupSavedBytes(), f.hits(), f.misses(), f.hitRate(), f.revisions());
        }
    }

    record CachedJson(String type, String repo, String commit, long bytes, int files, String lastUsed) {}

    record CacheListing(CacheJson figures, List<CachedJson> revisions) {}

    record Details(MirrorJson mirror, List<MirrorJson> children) {}

    private static String iso(java.time.Instant t) { return t == null ? null : Dates.iso(t); }

    public void list(Exchange ex) throws IOException {
        List<MirrorJson> all = mirrors.list(ex.actor()).stream().map(MirrorJson::of).toList();
        ex.json(200, new Listing(all, mirrors.figures(ex.actor()), CacheJson.of(cache.figures())));
    }

    /** {@code GET /api/admin/cache}: the cache's figures and its revisions, least recently used first. */
    public void cached(Exchange ex) throws IOException {
        MirrorService.requireAdmin(ex.actor());
        List<CachedJson> revisions = cache.revisions().stream().map(r -> new CachedJson(r.type().singular(), r.repoId(), r.commit(),
                r.bytes(), r.files(), Dates.iso(r.lastUsed()))).toList();
        ex.json(200, new CacheListing(CacheJson.of(cache.figures()), revisions));
    }

    /** {@code DELETE /api/admin/cache/{type}/{ns}/{name}}: evicts every cached revision of one repository. */
    public void evict(Exchange ex) throws IOException {
        MirrorService.requireAdmin(ex.actor());
        int n = cache.evict(ex.repoType(), ex.var("ns") + "/" + ex.var("name"));
        ex.json(200, Map.of("evicted", n));
    }

    public void add(Exchange ex) throws IOException {
        JsonNode n = readJson(ex.bodyBytes(64 * 1024));
        String direction = text(n, "direction", "pull");
        String remote = text(n, "remote", null);
        String repo = text(n, "repo", null);
        if (remote == null || repo == null) throw ForgeException.badRequest("'remote' (a hub's URL) and 'repo' (ns/name or ns/*) are required");
        RepoType type = RepoType.fromName(text(n, "type", "model"))
                .orElseThrow(() -> ForgeException.badRequest("'type' is model, dataset or space"));
        long interval = n.path("intervalSeconds").asLong(MirrorService.DEFAULT_INTERVAL.toSeconds());
        Mirror m = mirrors.add(ex.actor(), new MirrorService.Spec(Mirror.Direction.parse(direction), remote, type, repo,
                text(n, "as", null), text(n, "token", null), Duration.ofSeconds(interval)));
        if (!n.path("sync").isBoolean() || n.path("sync").asBoolean()) m = mirrors.requestSync(ex.actor(), m.key());
        ex.json(201, MirrorJson.of(m));
    }

    public void show(Exchange ex) throws IOException {
        Mirror m = mirrors.show(ex.actor(), ex.var("id"));
        ex.json(200, new Details(MirrorJson.of(m), mirrors.children(ex.actor(), m.key()).stream().map(MirrorJson::of).toList()));
    }

    public void sync(Exchange ex) throws IOException {
        ex.json(202, MirrorJson.of(mirrors.requestSync(ex.actor(), ex.var("id"))));
    }

    public void pause(Exchange ex) throws IOException {
        ex.json(200, MirrorJson.of(mirrors.pause(ex.actor(), ex.var("id"), true)));
    }

    public void resume(Exchange ex) throws IOException {
        ex.json(200, MirrorJson.of(mirrors.pause(ex.actor(), ex.var("id"), false)));
    }

    public void remove(Exchange ex) throws IOException {
        mirrors.remove(ex.actor(), ex.var("id"));
        ex.ok();
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) throw ForgeException.badRequest("The body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ForgeException.badRequest("The body is not valid JSON");
        }
    }

    private static String text(JsonNode n, String field, String fallback) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual()) throw ForgeException.badRequest("'" + field + "' must be a string");
        return v.asText();
    }
}
