package dev.forge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.http.exchange.Exchange;

import dev.forge.core.Dates;
import dev.forge.core.ForgeException;
import dev.forge.core.RepoType;
import dev.forge.core.SortKey;
import dev.forge.service.discovery.LikeService;
import dev.forge.service.discovery.SearchService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Handlers of listing and search ({@code /api/models}, {@code /api/datasets}) and of likes. */
public final class DiscoveryHandlers {
    /** The Hub's largest page; also the page size when the client names none. */
    public static final int MAX_PAGE = 1000;

    private final LikeService likes;
    private final SearchService search;

    public DiscoveryHandlers(LikeService likes, SearchService search) {
        this.likes = likes;
        this.search = search;
    }

    public void list(Exchange ex) throws IOException {
        RepoType type = ex.repoType();
        // nothing here is served by an inference provider or app: such filters match nothing
        boolean unmatchable = !ex.params("inference_provider").isEmpty() || !ex.params("apps").isEmpty()
                || ex.param("inference").filter(v -> !v.isBlank()).isPresent();
        if (!type.isSupported() || unmatchable) {
            ex.json(200, List.of());
            return;
        }
        List<String> expand = ex.params("expand");
        boolean full = ex.flag("full");
        SearchService.ListRequest request = listRequest(ex, type, expand, full);
        SearchService.Listing listing = search.list(ex.actor(), request);
        List<JsonNode> out = new ArrayList<>();
        for (SearchService.Listed l : listing.items()) out.add(RepoJson.listed(type, l, expand, full, ex.flag("cardData"), ex.flag("config")));
        listing.nextCursor().ifPresent(c -> ex.setHeader("Link", "<" + ex.urlWith("cursor", c) + ">; rel=\"next\""));
        ex.json(200, out);
    }

    /** The query parameters of the Python and JS clients, old and new. */
    public static SearchService.ListRequest listRequest(Exchange ex, RepoType type, List<String> expand, boolean full) {
        List<String> search = new ArrayList<>(ex.values("search"));
        search.addAll(ex.values("model_name"));
        search.replaceAll(String::strip);
        search.removeIf(String::isEmpty);
        List<String> tags = new ArrayList<>(ex.params("filter"));
        tags.addAll(ex.params("pipeline_tag"));
        tags.addAll(ex.params("library"));
        tags.addAll(ex.params("language"));
        for (String d : ex.params("trained_dataset")) tags.add(d.startsWith("dataset:") ? d : "dataset:" + d);
        ex.param("gated").filter(g -> !g.isBlank()).ifPresent(g -> tags.add(
                g.equalsIgnoreCase("true") || g.equals("1") ? SearchService.GATED_TERM : SearchService.NOT_GATED_TERM));
        Optional<String> author = ex.param("author").filter(a -> !a.isBlank());
        SortKey sort = ex.param("sort").filter(s -> !s.isBlank())
                .map(s -> SortKey.parse(s).orElseThrow(() -> ForgeException.badRequest("Unknown sort '" + s + "'")))
                .orElse(SortKey.TRENDING);
        boolean ascending = ex.param("direction").map(d -> d.strip().equals("1")).orElse(false);
        int limit = ex.intParam("limit", MAX_PAGE, 1, Integer.MAX_VALUE);
        Optional<Long> min = Optional.empty(), max = Optional.empty();
        for (String p : ex.params("num_parameters")) {
            if (p.startsWith("min:")) min = Optional.of(parameterCount(p.substring(4)));
            else if (p.startsWith("max:")) max = Optional.of(parameterCount(p.substring(4)));
            else throw ForgeException.badRequest("num_parameters takes min:N and max:N, e.g. min:6B,max:128B");
        }
        boolean siblings = expand.isEmpty() ? full : expand.contains("siblings");
        return new SearchService.ListRequest(type, search, author, tags, min, max, sort, ascending, Math.min(limit, MAX_PAGE),
                ex.param("cursor"), siblings, expand.contains("childrenModelCount"));
    }

    /** {@code 6B}, {@code 500M}, {@code 1.5T}, {@code 7000000}. */
    public static long parameterCount(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        double scale = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> scale = 1e3;
                case 'M' -> scale = 1e6;
                case 'B' -> scale = 1e9;
                case 'T' -> scale = 1e12;
                default -> { }
            }
            if (scale != 1) t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t) * scale;
            if (v < 0 || Double.isNaN(v) || v > Long.MAX_VALUE) throw new NumberFormatException();
            return Math.round(v);
        } catch (NumberFormatException e) {
            throw ForgeException.badRequest("Invalid parameter count '" + s + "'");
        }
    }

    public void like(Exchange ex) throws IOException {
        likes.like(ex.actor(), ex.repoType(), ex.repoId());
        ex.ok();
    }

    public void unlike(Exchange ex) throws IOException {
        likes.unlike(ex.actor(), ex.repoType(), ex.repoId());
        ex.ok();
    }

    public void likers(Exchange ex) throws IOException {
        ex.json(200, likes.likers(ex.actor(), ex.repoType(), ex.repoId()).stream()
                .map(l -> new Liker(l.name(), l.fullname(), "user", AccountJson.avatar(l.name()), false)).toList());
    }

    /** A user who liked a repository. */
    record Liker(String user, String fullname, String type, String avatarUrl, boolean isPro) {}

    public void userLikes(Exchange ex) throws IOException {
        ex.json(200, likes.likedBy(ex.actor(), ex.var("user")).stream()
                .map(l -> new Liked(Dates.iso(l.at()), new LikedRepo(l.repo().displayId(), l.repo().type().singular()))).toList());
    }

    /** A repository a user liked, and when. */
    record Liked(String createdAt, LikedRepo repo) {}

    record LikedRepo(String name, String type) {}
}
