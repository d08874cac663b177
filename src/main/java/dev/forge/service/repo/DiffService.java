package dev.forge.service.repo;

import dev.forge.core.CommitMeta;
import dev.forge.core.ForgeException;
import dev.forge.core.Repo;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.git.GitRepositories;
import dev.forge.git.LfsPointer;
import dev.forge.meta.IndexDao;
import dev.forge.service.account.Actor;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.AbstractTreeIterator;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.util.io.DisabledOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a commit changed, for its page: the files added, modified, deleted or renamed against its first parent, with
 * line diffs of text files (three lines of context) and the LFS objects of LFS files. Bounded so a huge commit makes a
 * page, not an outage: at most {@value #MAX_FILES} files, text of at most {@value #MAX_BLOB_BYTES} bytes per side,
 * {@value #MAX_LINES} diff lines in all; what is left out is marked. Walks only this commit and its parent. Thread-safe.
 */
public final class DiffService {
    public static final int MAX_FILES = 300;
    public static final int MAX_BLOB_BYTES = 512 * 1024;
    public static final int MAX_LINES = 800;
    private static final int CONTEXT = 3;

    private final RepoService repos;
    private final IndexDao index;
    private final GitRepositories git;

    public DiffService(RepoService repos, IndexDao index, GitRepositories git) {
        this.repos = repos;
        this.index = index;
        this.git = git;
    }

    public enum Change { ADDED, MODIFIED, DELETED, RENAMED, COPIED }

    /** How a file's content is shown: as lines, or only described (binary, LFS, too large, past the page's bound). */
    public enum Content { TEXT, BINARY, LFS, TOO_LARGE, OMITTED }

    /** One line of a hunk: {@code ' '} context, {@code '-'} removed, {@code '+'} added; line numbers are 1-based, 0 when absent. */
    public record Line(char op, int oldNumber, int newNumber, String text) {}

    public record Hunk(int oldStart, int oldCount, int newStart, int newCount, List<Line> lines) {}

    /** An LFS object a side of the file points at. */
    public record LfsSide(String oid, long size) {}

    public record FileDiff(Change change, String oldPath, String newPath, Content content, Optional<LfsSide> oldLfs,
                           Optional<LfsSide> newLfs, int added, int removed, List<Hunk> hunks) {
        public String path() { return change == Change.DELETED ? oldPath : newPath; }
    }

    /** A commit with what it changed; {@code truncated} when files were left out past {@link #MAX_FILES}. */
    public record CommitDiff(Repo repo, CommitMeta commit, List<FileDiff> files, int totalFiles, boolean truncated) {}

    public CommitDiff commit(Actor actor, RepoType type, RepoId id, String rev) {
        Repo repo = repos.readable(actor, type, id);
        String commitId = repos.resolve(repo, rev);
        CommitMeta meta = index.commit(repo.key(), commitId).orElseThrow(() -> ForgeException.revisionNotFound(rev));
        Repository r = git.repository(repo.key());
        try (RevWalk walk = new RevWalk(r); ObjectReader reader = r.newObjectReader();
             DiffFormatter scan = new DiffFormatter(DisabledOutputStream.INSTANCE)) {
            RevCommit c = walk.parseCommit(ObjectId.fromString(commitId));
            AbstractTreeIterator before = c.getParentCount() == 0 ? new EmptyTreeIterator()
                    : new CanonicalTreeParser(null, reader, walk.parseCommit(c.getParent(0)).getTree());
            scan.setRepository(r);
            scan.setDetectRenames(true);
            List<DiffEntry> entries = scan.scan(before, new CanonicalTreeParser(null, reader, c.getTree()));
            List<FileDiff> out = new ArrayList<>();
            int[] linesLeft = {MAX_LINES};
            for (DiffEntry e : entries.subList(0, Math.min(entries.size(), MAX_FILES))) out.add(file(reader, e, linesLeft));
            return new CommitDiff(repo, meta, out, entries.size(), entries.size() > MAX_FILES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileDiff file(ObjectReader reader, DiffEntry e, int[] linesLeft) throws IOException {
        Change change = switch (e.getChangeType()) {
            case ADD -> Change.ADDED;
            case MODIFY -> Change.MODIFIED;
            case DELETE -> Change.DELETED;
            case RENAME -> Change.RENAMED;
            case COPY -> Change.COPIED;
        };
        String oldPath = e.getOldPath().equals(DiffEntry.DEV_NULL) ? null : e.getOldPath();
        String newPath = e.getNewPath().equals(DiffEntry.DEV_NULL) ? null : e.getNewPath();
        byte[] a = change == Change.ADDED ? new byte[0] : blob(reader, e.getOldId());
        byte[] b = change == Change.DELETED ? new byte[0] : blob(reader, e.getNewId());
        if (a == null || b == null) return new FileDiff(change, oldPath, newPath, Content.TOO_LARGE, Optional.empty(), Optional.empty(), 0, 0, List.of());
        Optional<LfsSide> oldLfs = lfs(a), newLfs = lfs(b);
        if (oldLfs.isPresent() || newLfs.isPresent()) {
            return new FileDiff(change, oldPath, newPath, Content.LFS, oldLfs, newLfs, 0, 0, List.of());
        }
        if (RawText.isBinary(a) || RawText.isBinary(b)) {
            return new FileDiff(change, oldPath, newPath, Content.BINARY, Optional.empty(), Optional.empty(), 0, 0, List.of());
        }
        RawText ta = new RawText(a), tb = new RawText(b);
        EditList edits = DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM).diff(RawTextComparator.DEFAULT, ta, tb);
        int added = 0, removed = 0;
        for (Edit ed : edits) {
            added += ed.getLengthB();
            removed += ed.getLengthA();
        }
        if (linesLeft[0] <= 0) return new FileDiff(change, oldPath, newPath, Content.OMITTED, Optional.empty(), Optional.empty(), added, removed, List.of());
        List<Hunk> hunks = hunks(ta, tb, edits, linesLeft);
        return new FileDiff(change, oldPath, newPath, Content.TEXT, Optional.empty(), Optional.empty(), added, removed, hunks);
    }

    /** The edits grouped into hunks with {@value #CONTEXT} lines of context, as {@code git diff} shows them. */
    private static List<Hunk> hunks(RawText a, RawText b, EditList edits, int[] linesLeft) {
        List<Hunk> out = new ArrayList<>();
        int i = 0;
        while (i < edits.size() && linesLeft[0] > 0) {
            int j = i;
            while (j + 1 < edits.size() && edits.get(j + 1).getBeginA() - edits.get(j).getEndA() <= 2 * CONTEXT) j++;
            Edit first = edits.get(i), last = edits.get(j);
            int aStart = Math.max(0, first.getBeginA() - CONTEXT), aEnd = Math.min(a.size(), last.getEndA() + CONTEXT);
            int bStart = Math.max(0, first.getBeginB() - CONTEXT), bEnd = Math.min(b.size(), last.getEndB() + CONTEXT);
            List<Line> lines = new ArrayList<>();
            int ai = aStart, bi = bStart;
            for (int k = i; k <= j; k++) {
                Edit ed = edits.get(k);
                while (ai < ed.getBeginA()) lines.add(new Line(' ', ai + 1, ++bi, a.getString(ai++)));
                for (int x = ed.getBeginA(); x < ed.getEndA(); x++) lines.add(new Line('-', x + 1, 0, a.getString(x)));
                for (int x = ed.getBeginB(); x < ed.getEndB(); x++) lines.add(new Line('+', 0, x + 1, b.getString(x)));
                ai = ed.getEndA();
                bi = ed.getEndB();
            }
            while (ai < aEnd) lines.add(new Line(' ', ai + 1, ++bi, a.getString(ai++)));
            if (lines.size() > linesLeft[0]) lines = lines.subList(0, linesLeft[0]);
            linesLeft[0] -= lines.size();
            out.add(new Hunk(aStart + 1, aEnd - aStart, bStart + 1, bEnd - bStart, List.copyOf(lines)));
            i = j + 1;
        }
        return out;
    }

    /** A side's bytes, or null when larger than {@link #MAX_BLOB_BYTES}. */
    private static byte[] blob(ObjectReader reader, AbbreviatedObjectId id) throws IOException {
        ObjectId oid = id.toObjectId();
        if (oid == null || oid.equals(ObjectId.zeroId())) return new byte[0];
        long size = reader.getObjectSize(oid, Constants.OBJ_BLOB);
        if (size > MAX_BLOB_BYTES) return null;
        return reader.open(oid, Constants.OBJ_BLOB).getCachedBytes(MAX_BLOB_BYTES);
    }

    private static Optional<LfsSide> lfs(byte[] bytes) {
        if (bytes.length == 0 || bytes.length > LfsPointer.MAX_POINTER_SIZE) return Optional.empty();
        return LfsPointer.parse(bytes).map(p -> new LfsSide(p.oid().hex(), p.size()));
    }
}
