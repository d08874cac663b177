package dev.forge.http.web;

import dev.forge.core.ForgeException;
import dev.forge.core.Membership;
import dev.forge.core.Org;
import dev.forge.core.OrgRole;
import dev.forge.core.RepoType;
import dev.forge.core.SortKey;
import dev.forge.core.User;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.account.AuthService;
import dev.forge.service.discovery.LikeService;
import dev.forge.service.discovery.ListedRepo;
import dev.forge.service.discovery.SearchService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pages for finding things: the home page (trending and recently updated models and datasets), search with the
 * API's filters ({@code /models}, {@code /datasets}: the same index and the same private-repository filter as
 * {@code /api/models}), and the pages of users and organisations. Handlers parse, call the search service, render.
 */
public final class DiscoverPages {
    static final int HOME_ITEMS = 8;
    static final int PAGE_SIZE = 30;

    /** The sorts a visitor can pick, in menu order: value, label. */
    static final List<Choice> SORTS = List.of(new Choice("trending", "Trending"), new Choice("downloads", "Most downloads"),
            new Choice("likes", "Most likes"), new Choice("modified", "Recently updated"), new Choice("created", "Newest"),
            new Choice("parameters", "Most parameters"));
    /** Parameter-size bands: value, label, and bounds in parameters. */
    static final List<Band> SIZES = List.of(new Band("lt1b", "< 1B", Optional.empty(), Optional.of(1_000_000_000L)),
            new Band("1-7b", "1B – 7B", Optional.of(1_000_000_000L), Optional.of(7_000_000_000L)),
            new Band("7-30b", "7B – 30B", Optional.of(7_000_000_000L), Optional.of(30_000_000_000L)),
            new Band("30-100b", "30B – 100B", Optional.of(30_000_000_000L), Optional.of(100_000_000_000L)),
            new Band("gt100b", "> 100B", Optional.of(100_000_000_000L), Optional.empty()));
    static final List<String> TASKS = List.of("text-generation", "text2text-generation", "fill-mask", "text-classification",
            "token-classification", "question-answering", "summarization", "translation", "feature-extraction", "sentence-similarity",
            "image-classification", "object-detection", "image-segmentation", "image-text-to-text", "text-to-image",
            "automatic-speech-recognition", "text-to-speech", "audio-classification", "zero-shot-classification", "reinforcement-learning");
    static final List<String> LIBRARIES = List.of("transformers", "gguf", "diffusers", "peft", "sentence-transformers", "timm", "pytorch",
            "safetensors", "onnx", "mlx", "keras", "tensorflow", "jax", "adapter-transformers");

    public record Choice(String value, String label) {}

    public record Band(String value, String label, Optional<Long> min, Optional<Long> max) {}

    private final Pages pages;
    private final SearchService search;
    private final AuthService auth;
    private final LikeService likes;

    public DiscoverPages(Pages pages, SearchService search, AuthService auth, LikeService likes) {
        this.pages = pages;
        this.search = search;
        this.auth = auth;
        this.likes = likes;
    }

    public record HomeView(List<ListedRepo> trendingModels, List<ListedRepo> recentModels, List<ListedRepo> trendingDatasets,
                           List<ListedRepo> recentDatasets) {}

    public void home(Exchange ex) {
        var actor = ex.actor();
        HomeView v = new HomeView(top(actor, RepoType.MODEL, SortKey.TRENDING), top(actor, RepoType.MODEL, SortKey.LAST_MODIFIED),
                top(actor, RepoType.DATASET, SortKey.TRENDING), top(actor, RepoType.DATASET, SortKey.LAST_MODIFIED));
        pages.render(ex, 200, "home.jte", pages.frame(ex, "Forge"), v);
    }

    private List<ListedRepo> top(dev.forge.service.account.Actor actor, RepoType type, SortKey sort) {
        return search.summaries(actor, new SearchService.ListRequest(type, List.of(), Optional.empty(), List.of(), Optional.empty(),
                Optional.empty(), sort, false, HOME_ITEMS, Optional.empty(), false, false)).items();
    }

    /** A search as the form sent it: each field as typed (blank when unused), for the form to show again. */
    public record Query(RepoType type, String q, String task, String library, String license, String language, String author,
                        String size, String sort) {
        public boolean filtered() {
            return !(q + task + library + license + language + author + size).isBlank();
        }

        /** The query string of this search with another cursor (or none). */
        public String withCursor(Optional<String> cursor) {
            StringBuilder b = new StringBuilder();
            for (Map.Entry<String, String> e : List.of(Map.entry("search", q), Map.entry("task", task), Map.entry("library", library),
                    Map.entry("license", license), Map.entry("language", language), Map.entry("author", author), Map.entry("size", size),
                    Map.entry("sort", sort))) {
                if (e.getValue().isBlank()) continue;
                b.append(b.isEmpty() ? "?" : "&").append(e.getKey()).append('=').append(Links.seg(e.getValue()));
            }
            cursor.ifPresent(c -> b.append(b.isEmpty() ? "?" : "&").append("cursor=").append(Links.seg(c)));
            return b.toString();
        }
    }

    public record SearchView(Query query, List<ListedRepo> results, Optional<String> nextPage, boolean firstPage,
                             List<Choice> sorts, List<Band> sizes, List<String> tasks, List<String> libraries) {}

    public void search(Exchange ex) {
        RepoType type = ex.segments().getFirst().equals("datasets") ? RepoType.DATASET : RepoType.MODEL;
        Query q = new Query(type, field(ex, "search"), field(ex, "task"), field(ex, "library"), field(ex, "license"), field(ex, "language"),
                field(ex, "author"), field(ex, "size"), field(ex, "sort"));
        List<String> tags = new ArrayList<>();
        if (!q.task().isBlank()) tags.add(type == RepoType.DATASET ? "task_categories:" + q.task() : q.task());
        if (!q.library().isBlank()) tags.add(q.library());
        if (!q.license().isBlank()) tags.add("license:" + q.license());
        if (!q.language().isBlank()) tags.add(q.language());
        Band band = SIZES.stream().filter(b -> b.value().equals(q.size())).findFirst().orElse(null);
        SortKey sort = switch (q.sort()) {
            case "downloads" -> SortKey.DOWNLOADS;
            case "likes" -> SortKey.LIKES;
            case "modified" -> SortKey.LAST_MODIFIED;
            case "created" -> SortKey.CREATED_AT;
            case "parameters" -> SortKey.PARAMETERS;
            default -> SortKey.TRENDING;
        };
        Optional<String> cursor = ex.param("cursor").filter(c -> !c.isBlank());
        SearchService.Summaries found = search.summaries(ex.actor(), new SearchService.ListRequest(type,
                q.q().isBlank() ? List.of() : List.of(q.q()), Optional.of(q.author()).filter(a -> !a.isBlank()), tags,
                band == null ? Optional.empty() : band.min(), band == null ? Optional.empty() : band.max(), sort, false, PAGE_SIZE,
                cursor, false, false));
        String title = (type == RepoType.DATASET ? "Datasets" : "Models") + (q.q().isBlank() ? "" : " matching " + q.q());
        pages.render(ex, 200, "search.jte", pages.frame(ex, title).withQuery(q.q()), new SearchView(q, found.items(),
                found.nextCursor().map(c -> pages.links().search(type) + q.withCursor(Optional.of(c))), cursor.isEmpty(),
                SORTS, SIZES, TASKS, LIBRARIES));
    }

    /** A form field, trimmed and bounded; blank when absent. */
    private static String field(Exchange ex, String name) {
        String v = ex.param(name).map(String::strip).orElse("");
        if (v.length() > 200) throw ForgeException.badRequest("'" + name + "' is longer than 200 characters");
        return v;
    }

    // ------------------------------------------------------------------------------------------- users and organisations

    /** A member as the visitor may see them: the role only when the organisation shows roles to the visitor. */
    public record Member(User user, Optional<OrgRole> role) {}

    /** An organisation's members as much as it shows {@code viewer} ({@link AuthService#membersVisibleTo}). */
    static List<Member> members(AuthService auth, dev.forge.service.account.Actor viewer, Org org) {
        dev.forge.core.MembersVisibility shown = auth.membersVisibleTo(viewer, org);
        if (shown == dev.forge.core.MembersVisibility.NONE) return List.of();
        boolean roles = shown == dev.forge.core.MembersVisibility.ROLES;
        return auth.members(org).stream().map(e -> new Member(e.getKey(), roles ? Optional.of(e.getValue()) : Optional.empty())).toList();
    }

    /**
     * A user's or an organisation's page: their models and datasets the visitor can see, an organisation's members, a
     * user's likes (of repositories the visitor can see).
     */
    public record OwnerView(String name, String fullname, boolean isOrg, List<ListedRepo> models, List<ListedRepo> datasets,
                            List<Member> members, List<LikeService.Like> liked, boolean canManage) {}

    public void owner(Exchange ex) {
        String name = ex.var("ns");
        RepoType type = ex.repoType();
        if (!type.isSupported()) throw ForgeException.notFound("Spaces are not supported by this forge");
        Optional<User> user = auth.user(name);
        Optional<Org> org = user.isPresent() ? Optional.empty() : auth.org(name);
        if (user.isEmpty() && org.isEmpty()) throw ForgeException.notFound("No user or organisation named " + name);
        var actor = ex.actor();
        List<ListedRepo> models = owned(actor, RepoType.MODEL, name), datasets = owned(actor, RepoType.DATASET, name);
        OwnerView v;
        if (user.isPresent()) {
            v = new OwnerView(user.get().name(), user.get().fullname(), false, models, datasets, List.of(),
                    likes.likedBy(actor, user.get().name()), false);
        } else {
            List<Member> members = members(auth, actor, org.get());
            boolean canManage = actor.userOpt().map(u -> u.admin() || auth.memberships(u).stream()
                    .anyMatch(m -> m.org().key().equals(org.get().key()) && m.role() == OrgRole.ADMIN)).orElse(false);
            v = new OwnerView(org.get().name(), org.get().fullname(), true, models, datasets, members, List.of(), canManage);
        }
        pages.render(ex, 200, "owner.jte", pages.frame(ex, v.fullname()), v);
    }

    private List<ListedRepo> owned(dev.forge.service.account.Actor actor, RepoType type, String author) {
        return search.summaries(actor, new SearchService.ListRequest(type, List.of(), Optional.of(author), List.of(), Optional.empty(),
                Optional.empty(), SortKey.LAST_MODIFIED, false, PAGE_SIZE, Optional.empty(), false, false)).items();
    }

    /** The namespaces the actor may create repositories in (their own, and organisations where their role allows). */
    static List<String> namespacesOf(AuthService auth, dev.forge.service.account.Actor actor) {
        List<String> out = new ArrayList<>();
        actor.userOpt().ifPresent(u -> {
            out.add(u.name());
            for (Membership m : auth.memberships(u)) if (m.role() != OrgRole.READ) out.add(m.org().name());
        });
        return out;
    }
}
