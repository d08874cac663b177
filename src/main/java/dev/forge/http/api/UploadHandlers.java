package dev.forge.http.api;

import dev.forge.service.account.AuditLog;
import dev.forge.service.repo.RefService;
import dev.forge.service.repo.RepoService;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.forge.http.exchange.Exchange;
import dev.forge.http.exchange.JsonBody;

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
import java.util.List;
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

    /** Parses a preupload body, samples decoded; anything malformed is a 4xx. */
    public static PreuploadRequest parsePreupload(byte[] body) {
        PreuploadBody b = JsonBody.parse(body, PreuploadBody.class);
        List<UploadService.FileSpec> specs = new ArrayList<>();
        for (PreuploadFile f : b.files()) specs.add(f.spec());
        return new PreuploadRequest(specs, b.gitAttributes(), b.gitIgnore());
    }

    public void preupload(Exchange ex) throws IOException {
        PreuploadRequest r = parsePreupload(ex.bodyBytes(ex.config().limits().maxJsonBodyBytes()));
        List<UploadService.Decision> decisions = uploads.preupload(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), r.files(),
                r.gitAttributes(), r.gitIgnore());
        ex.json(200, new PreuploadAnswer(decisions.stream().map(d -> new FileMode(d.path(), d.lfs() ? "lfs" : "regular", d.ignored(),
                d.currentOid())).toList()));
    }

    /** {@code {"files": [{"path", "size", "sample"}…], "gitAttributes"?, "gitIgnore"?}}. */
    record PreuploadBody(List<PreuploadFile> files, String gitAttributes, String gitIgnore) {
        PreuploadBody {
            if (files == null || files.contains(null)) throw ForgeException.badRequest("'files' must be a list");
            if (files.size() > MAX_PREUPLOAD_FILES) throw ForgeException.badRequest("At most " + MAX_PREUPLOAD_FILES + " files per preupload request");
        }
    }

    /** A file about to be uploaded: its path, size and first bytes (base64). */
    record PreuploadFile(String path, Long size, String sample) {
        PreuploadFile {
            if (path == null || size == null) throw ForgeException.badRequest("Each file needs a string 'path' and a numeric 'size'");
        }

        UploadService.FileSpec spec() {
            try {
                return new UploadService.FileSpec(path, size, Base64.getDecoder().decode(sample == null ? "" : sample));
            } catch (IllegalArgumentException e) {
                throw ForgeException.badRequest("Invalid base64 sample for '" + path + "'");
            }
        }
    }

    record PreuploadAnswer(List<FileMode> files) {}

    /** How a file is to be uploaded, whether it is ignored, and the blob id it has now (null when new). */
    record FileMode(String path, String uploadMode, boolean shouldIgnore, String oid) {}

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
        ex.json(200, new Committed(true, r.commit(), base + "/commit/" + r.commit(),
                r.pullRequest().map(n -> base + "/discussions/" + n).orElse(null), ""));
    }

    /** The answer of a commit; {@code pullRequestUrl} only when it opened one. */
    record Committed(boolean success, String commitOid, String commitUrl,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String pullRequestUrl, String hookOutput) {}

    public void createBranch(Exchange ex) throws IOException {
        BranchRequest r = JsonBody.readOrEmpty(ex, BranchRequest.class);
        refs.createBranch(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"), Optional.ofNullable(r.startingPoint()),
                r.emptyBranch(), r.overwrite());
        ex.ok();
    }

    /** {@code {"startingPoint"?, "emptyBranch"?, "overwrite"?}}. */
    record BranchRequest(String startingPoint, boolean emptyBranch, boolean overwrite) {}

    public void deleteBranch(Exchange ex) throws IOException {
        refs.deleteBranch(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"));
        ex.ok();
    }

    public void createTag(Exchange ex) throws IOException {
        String tag = JsonBody.readOrEmpty(ex, TagRequest.class).tag();
        refs.createTag(ex.actor(), ex.repoType(), ex.repoId(), ex.var("rev"), tag);
        ex.ok();
    }

    /** {@code {"tag", "message"?}}. */
    record TagRequest(String tag) {
        TagRequest {
            if (tag == null) throw ForgeException.badRequest("'tag' is required");
        }
    }

    public void deleteTag(Exchange ex) throws IOException {
        refs.deleteTag(ex.actor(), ex.repoType(), ex.repoId(), ex.var("tag"));
        ex.ok();
    }

    public void superSquash(Exchange ex) throws IOException {
        String message = JsonBody.readOrEmpty(ex, SquashRequest.class).message();
        ex.json(200, new Squashed(refs.superSquash(ex.actor(), ex.repoType(), ex.repoId(), ex.var("branch"), message)));
    }

    /** {@code {"message"?}}. */
    record SquashRequest(String message) {}

    record Squashed(String commitId) {}
}
