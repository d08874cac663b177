package dev.forge.http.api;

import dev.forge.service.account.AuditLog;
import dev.forge.service.repo.RefService;
import dev.forge.service.repo.RepoService;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.JsonFields;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.service.repo.CommitService;
import dev.forge.service.repo.PullRequestGate;
import dev.forge.service.repo.UploadService;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Hub upload API: preupload, the NDJSON commit, branches, tags and super-squash. */
public final class UploadHandlers {
    public static final int MAX_PREUPLOAD_FILES = 1000;

    private final AuditLog audit;
    private final CommitService commits;
    private final RefService refs;
    private final RepoService repos;
    private final UploadService uploads;

    public UploadHandlers(AuditLog audit, CommitService commits, RefService refs, RepoService repos, UploadService uploads) {
        this.audit = audit;
        this.commits = commits;
        this.refs = refs;
        this.repos = repos;
        this.uploads = uploads;
    }

    /** A preupload body: the files and the {@code .gitattributes}/{@code .gitignore} texts the client may send. */
    public record PreuploadRequest(List<UploadService.FileSpec> files, String gitAttributes, String gitIgnore) {}

    /** Parses a preupload body; anything malformed is a 4xx. */
    public static PreuploadRequest parsePreupload(byte[] body) {
        JsonNode n = ApiHandlers.readJson(body);
        JsonNode files = n.get("files");
        if (files == null || !files.isArray()) throw ForgeException.badRequest("'files' must be a list");
        if (files.size() > MAX_PREUPLOAD_FILES) throw ForgeException.badRequest("At most " + MAX_PREUPLOAD_FILES + " files per preupload request");
        List<UploadService.FileSpec> specs = new ArrayList<>();
        for (JsonNode f : files) {
            if (!f.path("path").isTextual() || !f.path("size").canConvertToLong()) {
                throw ForgeException.badRequest("Each file needs a string 'path' and a numeric 'size'");
            }
            byte[] sample;
            try {
                sample = Base64.getDecoder().decode(f.path("sample").asText(""));
            } catch (IllegalArgumentException e) {
                throw ForgeException.badRequest("Invalid base64 sample for '" + f.get("path").asText() + "'");
            }
            specs.add(new UploadService.FileSpec(f.get("path").asText(), f.get("size").asLong(), sample));
        }
        return new PreuploadRequest(specs, JsonFields.optionalText(n, "gitAttributes"), JsonFields.optionalText(n, "gitIgnore"));
    }

    public void preupload(Exchange ex) throws IOException {
        PreuploadRequest req = parsePreupload(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        List<UploadService.FileSpec> specs = req.files();
        List<UploadService.Decision> decisions = uploads.preupload(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), specs,
                req.gitAttributes(), req.gitIgnore());
        List<Object> out = new ArrayList<>();
        for (UploadService.Decision d : decisions) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", d.path());
            m.put("uploadMode", d.lfs() ? "lfs" : "regular");
            m.put("shouldIgnore", d.ignored());
            m.put("oid", d.currentOid());
            out.add(m);
        }
        ex.json(200, Map.of("files", out));
    }

    public void commit(Exchange ex) throws IOException {
        boolean createPr = ex.flag("create_pr");
        // refused before the body is read: pull requests (new ones, and commits onto refs/pr/N) need less than writing
        boolean pullRequest = createPr || PullRequestGate.number(ex.var("rev")).isPresent();
        Repo repo = repos.writable(ex.actor(), ex.repoType(), ex.repoId(), pullRequest);
        String type = ex.header("Content-Type");
        if (type != null && !type.startsWith("application/x-ndjson") && !type.startsWith("application/json") && !type.startsWith("text/plain")) {
            throw new ForgeException(dev.forge.core.ErrorKind.UNSUPPORTED_MEDIA_TYPE, "The commit body must be application/x-ndjson");
        }
        CommitBody.Parsed body;
        try (InputStream in = ex.body(); var lease = ex.bodyLease()) {
            body = CommitBody.parse(in, ex.config().uploads(),
                    (path, bytes) -> new CommitOperation.AddGitBlob(path, commits.stageBlob(repo, bytes)), CommitBody.Memory.of(lease::take, lease::give));
        }
        CommitService.Result r = commits.commit(ex.actor(), repo, new CommitService.Request(ex.var("rev"),
                body.parentCommit(), body.operations(), body.summary(), body.description(), createPr));
        String base = ex.config().url("/" + repo.type().urlPrefix() + repo.id());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", true);
        out.put("commitOid", r.commit());
        out.put("commitUrl", base + "/commit/" + r.commit());
        r.pullRequest().ifPresent(n -> out.put("pullRequestUrl", base + "/discussions/" + n));
        out.put("hookOutput", "");
        ex.json(200, out);
    }

    public void createBranch(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.optionalJson(ex);
        refs.createBranch(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"),
                Optional.ofNullable(JsonFields.optionalText(n, "startingPoint")), n.path("emptyBranch").asBoolean(false), n.path("overwrite").asBoolean(false));
        ex.json(200, Map.of());
    }

    public void deleteBranch(Exchange ex) throws IOException {
        refs.deleteBranch(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"));
        ex.json(200, Map.of());
    }

    public void createTag(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.optionalJson(ex);
        String tag = JsonFields.optionalText(n, "tag");
        if (tag == null) throw ForgeException.badRequest("'tag' is required");
        refs.createTag(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), tag);
        ex.json(200, Map.of());
    }

    public void deleteTag(Exchange ex) throws IOException {
        refs.deleteTag(ex.actor(), ex.repoType(), ex.repoId(), ex.var("tag"));
        ex.json(200, Map.of());
    }

    public void superSquash(Exchange ex) throws IOException {
        JsonNode n = ApiHandlers.optionalJson(ex);
        String commit = refs.superSquash(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"), JsonFields.optionalText(n, "message"));
        ex.json(200, Map.of("commitId", commit));
    }

}
