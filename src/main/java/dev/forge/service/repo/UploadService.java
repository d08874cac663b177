package dev.forge.service.repo;

import dev.forge.service.account.Actor;

import dev.forge.core.FileEntry;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoPath;
import dev.forge.core.RepoType;
import dev.forge.git.GitPatterns;
import dev.forge.git.GitRepositories;
import dev.forge.meta.IndexDao;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Preupload: for each file a client is about to commit, whether it goes through LFS, whether the
 * repository's {@code .gitignore} ignores it, and the oid of what is there now (clients skip unchanged
 * files). LFS when a {@code .gitattributes} rule says so (the client's, else the repository's), when the
 * file is larger than the regular-file limit, or when its first bytes look binary; empty files are
 * always regular. Thread-safe.
 */
public final class UploadService {
    private static final int MAX_DOTFILE_BYTES = 1024 * 1024;

    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;
    private final long maxRegularFileBytes;

    public UploadService(RepoService repos, IndexDao index, GitRepositories git, long maxRegularFileBytes) {
        this.repos = repos;
        this.index = index;
        this.git = git;
        this.maxRegularFileBytes = maxRegularFileBytes;
    }

    public record FileSpec(String path, long size, byte[] sample) {}

    public record Decision(String path, boolean lfs, boolean ignored, String currentOid) {}

    public List<Decision> preupload(Actor actor, RepoType type, RepoId id, String rev, List<FileSpec> files,
                                    String gitAttributes, String gitIgnore) {
        Repo repo = repos.writable(actor, type, id, true); // pull requests upload too
        String commit = repos.resolve(repo, rev);
        GitPatterns patterns = GitPatterns.parse(
                gitAttributes != null ? gitAttributes : dotfile(repo, commit, ".gitattributes"),
                gitIgnore != null ? gitIgnore : dotfile(repo, commit, ".gitignore"));
        List<Decision> out = new ArrayList<>();
        for (FileSpec f : files) {
            RepoPath.validate(f.path());
            if (f.size() < 0) throw ForgeException.badRequest("Invalid size for '" + f.path() + "'");
            boolean lfs = f.size() > 0 && (patterns.isLfs(f.path()) || f.size() > maxRegularFileBytes || looksBinary(f.sample(), f.size()));
            String current = index.entry(repo.key(), commit, f.path()).filter(e -> !e.directory()).map(FileEntry::etag).orElse(null);
            out.add(new Decision(f.path(), lfs, patterns.isIgnored(f.path()), current));
        }
        return out;
    }

    private String dotfile(Repo repo, String commit, String name) {
        Optional<FileEntry> e = index.entry(repo.key(), commit, name);
        if (e.isEmpty() || e.get().directory() || e.get().isLfs() || e.get().size() > MAX_DOTFILE_BYTES) return null;
        try {
            return new String(git.readBlob(repo.key(), e.get().oid(), MAX_DOTFILE_BYTES), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * NUL bytes, or bytes that are not UTF-8. A multi-byte sequence cut by the end of the sample is fine,
     * unless the sample is the whole file ({@code fileSize} bytes): then nothing was cut.
     */
    static boolean looksBinary(byte[] sample, long fileSize) {
        if (sample == null || sample.length == 0) return false;
        for (byte b : sample) if (b == 0) return true;
        int maxCut = sample.length >= fileSize ? 0 : 3;
        for (int cut = 0; cut <= maxCut && cut < sample.length; cut++) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(sample, 0, sample.length - cut));
                return false;
            } catch (CharacterCodingException e) {
                // try again without a possibly cut trailing sequence
            }
        }
        return true;
    }
}
