package dev.forge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.Dates;
import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.http.exchange.Errors;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.admin.StorageService;
import dev.forge.service.repo.RepoService;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What owners do with their repositories as a whole, as the Hub answers it: {@code POST /api/{type}s/{id}/duplicate}
 * ({@code hf repos duplicate}: {@code {"repository": "ns/name", "visibility"?: "public"|"private"}} → the new
 * repository's {@code url}, also in the 409 when the name is taken, as {@code exist_ok} needs) and
 * {@code GET /api/settings/repositories} / {@code /api/organizations/{org}/settings/repositories} ({@code hf repos ls}:
 * every repository of the namespace with its storage), a page of {@link #PAGE} at a time with a {@code Link} header.
 */
public final class OwnerHandlers {
    static final int PAGE = 100;

    private final RepoService repos;
    private final StorageService storage;

    public OwnerHandlers(RepoService repos, StorageService storage) {
        this.repos = repos;
        this.storage = storage;
    }

    public void duplicate(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.readJson(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        if (!n.path("repository").isTextual()) throw ForgeException.badRequest("'repository' (namespace/name of the copy) is required");
        RepoId to = RepoId.parse(n.get("repository").asText());
        Optional<Boolean> isPrivate = visibility(n);
        RepoType type = ex.repoType();
        try {
            Repo copy = repos.duplicate(ex.actor(), type, ex.repoId(), to, isPrivate);
            ex.json(200, RepoUrl.of(ex, copy.type(), copy.id()));
        } catch (ForgeException e) {
            if (e.kind() != ErrorKind.CONFLICT) throw e;
            ex.setHeader("X-Error-Message", Errors.headerSafe(e.getMessage()));
            ex.json(409, new Conflict(e.getMessage(), RepoUrl.of(ex, type, to).url()));
        }
    }

    public void repositories(Exchange ex) throws IOException {
        Optional<String> org = Optional.ofNullable(ex.var("org"));
        List<StorageService.RepoStorage> all = storage.namespaceStorage(ex.actor(), org);
        int from = cursor(ex);
        List<StorageService.RepoStorage> page = all.subList(Math.min(from, all.size()), Math.min(from + PAGE, all.size()));
        if (from + PAGE < all.size()) ex.setHeader("Link", "<" + ex.urlWith("cursor", Integer.toString(from + PAGE)) + ">; rel=\"next\"");
        ex.json(200, page.stream().map(r -> new RepoStorageJson(r.repo().id().toString(), r.repo().type().singular(),
                Dates.iso(r.updatedAt()), r.repo().isPrivate() ? "private" : "public", r.storage(),
                Math.round(r.percentOfNamespace() * 100) / 100.0)).toList());
    }

    private static Optional<Boolean> visibility(JsonNode n) {
        JsonNode v = n.get("visibility");
        if (v != null && !v.isNull()) {
            return switch (v.asText()) {
                case "public" -> Optional.of(false);
                case "private" -> Optional.of(true);
                default -> throw ForgeException.badRequest("'visibility' must be \"public\" or \"private\"");
            };
        }
        JsonNode p = n.get("private");
        if (p != null && !p.isNull()) {
            if (!p.isBoolean()) throw ForgeException.badRequest("'private' must be true or false");
            return Optional.of(p.asBoolean());
        }
        return Optional.empty();
    }

    private static int cursor(Exchange ex) {
        String c = ex.param("cursor").orElse("0");
        if (!c.matches("\\d{1,9}")) throw ForgeException.badRequest("Invalid cursor");
        return Integer.parseInt(c);
    }

    /** Where a repository is, as {@code repos/create} answers it. */
    record RepoUrl(String url, String id, String name) {
        static RepoUrl of(Exchange ex, RepoType type, RepoId id) {
            return new RepoUrl(ex.config().url("/" + type.urlPrefix() + id), id.toString(), id.toString());
        }
    }

    record Conflict(String error, String url) {}

    record RepoStorageJson(String id, String type, String updatedAt, String visibility, long storage, double storagePercent) {}
}
