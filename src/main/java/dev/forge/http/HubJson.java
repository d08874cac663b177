package dev.forge.http;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.forge.core.CommitMeta;
import dev.forge.core.Dates;
import dev.forge.core.FileEntry;
import dev.forge.core.Repo;
import dev.forge.core.RepoType;
import dev.forge.service.InfoService;

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
final class HubJson {
    private HubJson() {}

    static Map<String, Object> info(InfoService.Snapshot s, boolean blobs, Collection<String> expand) {
        Repo repo = s.repo();
        CommitMeta c = s.commit();
        Map<String, Object> card = cardData(c);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("_id", repo.key());
        all.put("id", repo.displayId());
        if (repo.type() == RepoType.MODEL) all.put("modelId", repo.displayId());
        all.put("author", repo.id().namespace());
        all.put("sha", c.id());
        all.put("lastModified", Dates.iso(c.committedAt()));
        all.put("createdAt", Dates.iso(repo.createdAt()));
        all.put("private", repo.isPrivate());
        all.put("gated", repo.gating().wire());
        all.put("disabled", false);
        all.put("downloads", 0);
        all.put("downloadsAllTime", 0);
        all.put("likes", 0);
        all.put("tags", tags(repo.type(), card));
        if (repo.type() == RepoType.MODEL) {
            if (card.get("pipeline_tag") instanceof String p) all.put("pipeline_tag", p);
            if (card.get("library_name") instanceof String l) all.put("library_name", l);
        }
        if (!card.isEmpty()) all.put("cardData", card);
        List<Map<String, Object>> siblings = new ArrayList<>();
        for (FileEntry f : s.files()) siblings.add(sibling(f, blobs));
        all.put("siblings", siblings);
        if (repo.type() == RepoType.MODEL) all.put("spaces", List.of());
        all.put("usedStorage", s.usedStorage());
        if (expand.isEmpty()) return all;
        Map<String, Object> some = new LinkedHashMap<>();
        some.put("_id", all.get("_id"));
        some.put("id", all.get("id"));
        for (String e : expand) if (all.containsKey(e)) some.put(e, all.get(e));
        return some;
    }

    static Map<String, Object> sibling(FileEntry f, boolean blobs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rfilename", f.path());
        if (blobs) {
            m.put("size", f.size());
            m.put("blobId", f.oid());
            f.lfsInfo().ifPresent(l -> m.put("lfs", Map.of("sha256", l.oid(), "size", l.size(), "pointerSize", l.pointerSize())));
        }
        return m;
    }

    static Map<String, Object> treeEntry(FileEntry f, Map<String, CommitMeta> lastCommits) {
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

    static Map<String, Object> commit(CommitMeta c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("title", c.title());
        m.put("message", c.message());
        m.put("authors", List.of(Map.of("user", c.authorName())));
        m.put("date", Dates.iso(c.committedAt()));
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cardData(CommitMeta c) {
        if (c.cardDataJson() == null) return Map.of();
        try {
            return Exchange.JSON.readValue(c.cardDataJson(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Tags as the Hub derives them from a card: its tags, library, pipeline, license, languages, datasets, base models. */
    static List<String> tags(RepoType type, Map<String, Object> card) {
        Set<String> tags = new LinkedHashSet<>();
        if (card.get("library_name") instanceof String l) tags.add(l);
        if (card.get("pipeline_tag") instanceof String p) tags.add(p);
        addAll(tags, "", card.get("tags"));
        if (type == RepoType.DATASET) addAll(tags, "task_categories:", card.get("task_categories"));
        addAll(tags, "", card.get("language"));
        addAll(tags, "license:", card.get("license"));
        addAll(tags, "dataset:", card.get("datasets"));
        addAll(tags, "base_model:", card.get("base_model"));
        return new ArrayList<>(tags);
    }

    private static void addAll(Set<String> tags, String prefix, Object value) {
        if (value instanceof String s && !s.isBlank()) tags.add(prefix + s);
        else if (value instanceof List<?> list) {
            for (Object o : list) if (o instanceof String s && !s.isBlank()) tags.add(prefix + s);
        }
    }
}
