package dev.forge.service.lfs;

import dev.forge.core.CommitOperation;
import dev.forge.core.ForgeException;
import dev.forge.core.LfsOid;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.repo.CommitService;
import dev.forge.service.repo.RepoService;
import dev.forge.service.repo.UploadService;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Commits whole files a person hands over (the upload form of a repository's page) into one new commit on a branch.
 * Each file goes where {@code preupload} would send it — LFS when the repository's {@code .gitattributes} says so, when
 * it is larger than the regular-file limit or looks binary; git otherwise — so a file uploaded through the page is
 * stored exactly as one uploaded by {@code huggingface_hub}. LFS bytes are hashed and stored once (the store verifies
 * them); the commit then goes through {@link CommitService#commit}, with its checks, audit and retries. Thread-safe.
 */
public final class FileUploadService {
    public static final int MAX_FILES = 100;
    private static final int SAMPLE = 512;

    private final RepoService repos;
    private final UploadService uploads;
    private final LfsService lfs;
    private final CommitService commits;

    public FileUploadService(RepoService repos, UploadService uploads, LfsService lfs, CommitService commits) {
        this.repos = repos;
        this.uploads = uploads;
        this.lfs = lfs;
        this.commits = commits;
    }

    /** Something that can be read from its start, as often as asked (a spooled form part). */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /** One file to commit at {@code path}, {@code size} bytes long. */
    public record Upload(String path, long size, Source content) {}

    /** The commit made (or the head, when the files changed nothing) and which paths went to LFS. */
    public record Uploaded(CommitService.Result result, List<String> lfsPaths) {}

    public Uploaded upload(Actor actor, RepoType type, RepoId id, String branch, List<Upload> files, String summary, String description) {
        Repo repo = repos.writable(actor, type, id);
        if (files.isEmpty()) throw ForgeException.badRequest("Choose at least one file to upload");
        if (files.size() > MAX_FILES) throw ForgeException.badRequest("At most " + MAX_FILES + " files per upload");
        Set<String> seen = new HashSet<>();
        List<UploadService.FileSpec> specs = new ArrayList<>();
        try {
            for (Upload f : files) {
                RepoPath.validate(f.path());
                if (!seen.add(f.path())) throw ForgeException.badRequest("The file '" + f.path() + "' is in the upload twice");
                byte[] sample;
                try (InputStream in = f.content().open()) {
                    sample = in.readNBytes(SAMPLE);
                }
                specs.add(new UploadService.FileSpec(f.path(), f.size(), sample));
            }
            List<UploadService.Decision> decisions = uploads.preupload(actor, type, id, branch, specs, null, null);
            List<CommitOperation> ops = new ArrayList<>();
            List<String> lfsPaths = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Upload f = files.get(i);
                if (decisions.get(i).lfs()) {
                    LfsOid oid;
                    try (InputStream in = f.content().open()) {
                        oid = lfs.store(repo, in);
                    }
                    ops.add(new CommitOperation.AddLfsFile(f.path(), oid, f.size()));
                    lfsPaths.add(f.path());
                } else {
                    byte[] bytes;
                    try (InputStream in = f.content().open()) {
                        bytes = in.readAllBytes();
                    }
                    if (bytes.length != f.size()) throw ForgeException.badRequest("The file '" + f.path() + "' changed while it was read");
                    ops.add(new CommitOperation.AddGitBlob(f.path(), commits.stageBlob(repo, bytes)));
                }
            }
            String title = summary == null || summary.isBlank()
                    ? "Upload " + (files.size() == 1 ? files.getFirst().path() : files.size() + " files") : summary.strip();
            CommitService.Result r = commits.commit(actor, repo, new CommitService.Request(branch, Optional.empty(), ops, title,
                    description == null ? "" : description.strip(), false));
            return new Uploaded(r, lfsPaths);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
