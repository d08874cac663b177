package dev.forge.http.api;

import dev.forge.core.CommitMeta;
import dev.forge.core.Dates;
import dev.forge.core.FileEntry;
import dev.forge.core.RepoType;
import dev.forge.core.Counters;
import dev.forge.service.repo.InfoService;
import dev.forge.service.discovery.SearchService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Hub's JSON shapes, exactly as the clients parse them: repository info (with {@code expand}),
 * tree entries (siblings use {@code lfs.sha256}, tree entries {@code lfs.oid}), commits. Fields that
 * Forge cannot produce exactly are omitted rather than invented.
 */
public final class HubJson {
    private HubJson() {}

    /** Fields of info that appear only when asked for by {@code expand}. */
    private static final Set<String> EXPAND_ONLY = Set.of("baseModels", "childrenModelCount", "trendingScore", "config");

    public static Map<String, Object> info(InfoService.Snapshot s, boolean blobs, Collection<String> expand) {
        Map<String, Object> all = new LinkedHashMap<>(s.details().fields());
        counters(all, s.details().counters());
        List<Map<String, Object>> siblings = new ArrayList<>();
        for (FileEntry f : s.files()) siblings.add(sibling(f, blobs));
        all.put("siblings", siblings);
        all.put("usedStorage", s.usedStorage());
        if (expand.isEmpty()) {
            all.keySet().removeAll(EXPAND_ONLY);
            return all;
        }
        return select(all, expand);
    }

    private static void counters(Map<String, Object> m, Counters c) {
        m.put("downloads", c.downloads());
        m.put("downloadsAllTime", c.downloadsAllTime());
        m.put("likes", c.likes());
        m.put("trendingScore", c.trendingScore());
    }

    /** {@code _id}, {@code id} and the expanded properties present; unknown names are ignored, as on the Hub. */
    private static Map<String, Object> select(Map<String, Object> all, Collection<String> expand) {
        Map<String, Object> some = new LinkedHashMap<>();
        some.put("_id", all.get("_id"));
        some.put("id", all.get("id"));
        for (String e : expand) if (all.containsKey(e)) some.put(e, all.get(e));
        return some;
    }

    /** What a listing item shows without {@code expand}: the Hub's default fields, more with {@code full} and {@code cardData}. */
    private static final List<String> MODEL_DEFAULT = List.of("_id", "id", "likes", "trendingScore", "private", "downloads", "tags",
            "pipeline_tag", "library_name", "createdAt", "modelId");
    private static final List<String> DATASET_DEFAULT = List.of("_id", "id", "author", "sha", "lastModified", "private", "gated",
            "disabled", "downloads", "likes", "tags", "createdAt", "trendingScore");
    private static final List<String> FULL = List.of("author", "sha", "lastModified", "gated", "disabled", "siblings");

    public static Map<String, Object> listed(RepoType type, SearchService.Listed l, Collection<String> expand, boolean full, boolean cardData,
                                      boolean config) {
        Map<String, Object> all = new LinkedHashMap<>(l.fields());
        counters(all, l.counters());
        l.siblings().ifPresent(files -> {
            List<Map<String, Object>> siblings = new ArrayList<>();
            for (FileEntry f : files) siblings.add(sibling(f, false));
            all.put("siblings", siblings);
        });
        l.children().ifPresent(n -> all.put("childrenModelCount", n));
        if (!expand.isEmpty()) return select(all, expand);
        Set<String> keys = new LinkedHashSet<>(type == RepoType.DATASET ? DATASET_DEFAULT : MODEL_DEFAULT);
        if (full) keys.addAll(FULL);
        if (cardData) keys.add("cardData");
        if (config) keys.add("config");
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : keys) if (all.containsKey(k)) out.put(k, all.get(k));
        return out;
    }

    public static Map<String, Object> sibling(FileEntry f, boolean blobs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rfilename", f.path());
        if (blobs) {
            m.put("size", f.size());
            m.put("blobId", f.oid());
            f.lfsInfo().ifPresent(l -> m.put("lfs", Map.of("sha256", l.oid(), "size", l.size(), "pointerSize", l.pointerSize())));
        }
        return m;
    }

    public static Map<String, Object> treeEntry(FileEntry f, Map<String, CommitMeta> lastCommits) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", f.directory() ? "directory" : "file");
        m.put("oid", f.oid());
        m.put("size", f.size());
        f.lfsInfo().ifPresent(l -> {
            Map<String, Object> lfs = new LinkedHashMap<>();
            lfs.put("oid", l.oid());
            lfs.put("size", l.size());
            lfs.put("pointerSize", l.pointerSize());
            m.put("lfs", lfs);
        });
        m.put("path", f.path());
        CommitMeta last = lastCommits.get(f.lastCommit());
        if (last != null) {
            Map<String, Object> lc = new LinkedHashMap<>();
            lc.put("id", last.id());
            lc.put("title", last.title());
            lc.put("date", Dates.iso(last.committedAt()));
            m.put("lastCommit", lc);
        }
        return m;
    }

    public static Map<String, Object> commit(CommitMeta c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("title", c.title());
        m.put("message", c.message());
        m.put("authors", List.of(Map.of("user", c.authorName())));
        m.put("date", Dates.iso(c.committedAt()));
        return m;
    }
}
