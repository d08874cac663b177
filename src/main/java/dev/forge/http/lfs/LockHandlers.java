package dev.forge.http.lfs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.ErrorDetail;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsLock;
import dev.forge.http.api.ApiHandlers;
import dev.forge.http.exchange.Exchange;
import dev.forge.service.lfs.LockService;

import java.io.IOException;
import java.time.temporal.ChronoUnit;
import java.util.List;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * git-lfs's file locking API under {@code …/info/lfs/locks}, as its {@code docs/api/locking.md} specifies and Gitea
 * serves it: {@code POST locks} (201 with the lock, 409 with the lock that holds the path), {@code GET locks}
 * ({@code path}, {@code id}, {@code cursor}, {@code limit}), {@code POST locks/verify} (ours and theirs, for
 * {@code git push}) and {@code POST locks/{id}/unlock} ({@code force} to remove another user's). Bodies and answers are
 * {@code application/vnd.git-lfs+json}; a 401 carries {@code LFS-Authenticate} so git-lfs asks for credentials.
 */
public final class LockHandlers {
    private final LockService locks;

    public LockHandlers(LockService locks) {
        this.locks = locks;
    }

    public void create(Exchange ex) throws IOException {
        JsonNode n = body(ex);
        if (!n.path("path").isTextual()) throw ForgeException.badRequest("'path' is required");
        LockService.Outcome o = challenged(() -> locks.lock(ex.actor(), ex.repoType(), ex.gitRepoId(), n.get("path").asText(), ref(n)));
        switch (o) {
            case LockService.Outcome.Created c -> ex.json(201, new LockAnswer(json(c.lock())), LfsHandlers.LFS_JSON);
            case LockService.Outcome.AlreadyLocked a -> ex.json(409, new Conflict(json(a.lock()), "already created lock", ex.requestId()),
                    LfsHandlers.LFS_JSON);
        }
    }

    public void list(Exchange ex) throws IOException {
        int limit = ex.intParam("limit", LockService.DEFAULT_PAGE, 0, Integer.MAX_VALUE);
        LockService.Page p = challenged(() -> locks.list(ex.actor(), ex.repoType(), ex.gitRepoId(), ex.param("id").filter(s -> !s.isEmpty()),
                ex.param("path").filter(s -> !s.isEmpty()), ex.param("cursor"), limit == 0 ? LockService.DEFAULT_PAGE : limit));
        ex.json(200, new LockList(p.locks().stream().map(LockHandlers::json).toList(), p.nextCursor().orElse(null)), LfsHandlers.LFS_JSON);
    }

    public void verify(Exchange ex) throws IOException {
        JsonNode n = body(ex);
        Optional<String> cursor = n.path("cursor").isTextual() ? Optional.of(n.get("cursor").asText()) : Optional.empty();
        int limit = n.path("limit").canConvertToInt() && n.get("limit").asInt() > 0 ? n.get("limit").asInt() : LockService.DEFAULT_PAGE;
        ref(n);
        LockService.Verification v = challenged(() -> locks.verify(ex.actor(), ex.repoType(), ex.gitRepoId(), cursor, limit));
        ex.json(200, new Verification(v.ours().stream().map(LockHandlers::json).toList(), v.theirs().stream().map(LockHandlers::json).toList(),
                v.nextCursor().orElse(null)), LfsHandlers.LFS_JSON);
    }

    public void unlock(Exchange ex) throws IOException {
        JsonNode n = body(ex);
        JsonNode force = n.get("force");
        if (force != null && !force.isNull() && !force.isBoolean()) throw ForgeException.badRequest("'force' must be true or false");
        LfsLock lock = challenged(() -> locks.unlock(ex.actor(), ex.repoType(), ex.gitRepoId(), ex.var("id"), force != null && force.asBoolean()));
        ex.json(200, new LockAnswer(json(lock)), LfsHandlers.LFS_JSON);
    }

    /** A request body; git-lfs sends none on some calls, which reads as an empty object. */
    private static JsonNode body(Exchange ex) throws IOException {
        byte[] b = ex.bodyBytes(ex.config().limits().maxJsonBodyBytes());
        return b.length == 0 ? ApiHandlers.readJson(new byte[] {'{', '}'}) : ApiHandlers.readJson(b);
    }

    private static Optional<String> ref(JsonNode n) {
        JsonNode ref = n.get("ref");
        if (ref == null || ref.isNull()) return Optional.empty();
        if (!ref.isObject() || !(ref.get("name") == null || ref.get("name").isTextual())) throw ForgeException.badRequest("'ref' must be {\"name\": …}");
        return Optional.ofNullable(ref.get("name")).map(JsonNode::asText);
    }

    /** Runs a service call; a 401 gets git-lfs's credential challenge. */
    private static <T> T challenged(Supplier<T> call) {
        try {
            return call.get();
        } catch (ForgeException e) {
            if (e.kind().status() == 401) throw e.withDetail(ErrorDetail.Challenge.GIT_LFS);
            throw e;
        }
    }

    private static LockJson json(LfsLock l) {
        return new LockJson(l.id(), l.path(), l.lockedAt().truncatedTo(ChronoUnit.SECONDS).toString(), new Owner(l.owner().name()));
    }

    record LockJson(String id, String path, @JsonProperty("locked_at") String lockedAt, Owner owner) {}

    record Owner(String name) {}

    record LockAnswer(LockJson lock) {}

    record Conflict(LockJson lock, String message, @JsonProperty("request_id") String requestId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LockList(List<LockJson> locks, @JsonProperty("next_cursor") String nextCursor) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Verification(List<LockJson> ours, List<LockJson> theirs, @JsonProperty("next_cursor") String nextCursor) {}

}
