package dev.forge.git;

import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Three-way merges and diffs between commits, for pull requests. A merge is computed in memory with JGit's recursive
 * strategy: it writes the merged blobs and tree into the object database (so a clean result can be committed) but moves
 * no ref and touches no working tree; a merge that is then not committed leaves only unreachable objects. Thread-safe.
 */
public final class Merges {
    /** Files larger than this are shown as binary in diffs. */
    private static final int BINARY_THRESHOLD = 1024 * 1024;

    private final GitRepositories repos;

    public Merges(GitRepositories repos) { this.repos = repos; }

    /** The best common ancestor of two commits, if their histories meet. */
    public Optional<ObjectId> mergeBase(String key, ObjectId a, ObjectId b) throws IOException {
        try (RevWalk walk = new RevWalk(repos.repository(key))) {
            walk.setRevFilter(RevFilter.MERGE_BASE);
            walk.markStart(walk.parseCommit(a));
            walk.markStart(walk.parseCommit(b));
            RevCommit base = walk.next();
            return base == null ? Optional.empty() : Optional.of(base.copy());
        }
    }

    /** Whether {@code ancestor} is {@code descendant} or in its history. */
    public boolean isAncestor(String key, ObjectId ancestor, ObjectId descendant) throws IOException {
        try (RevWalk walk = new RevWalk(repos.repository(key))) {
            return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(descendant));
        }
    }

    /** What merging two commits gives: a tree, or the paths that conflict (sorted). */
    public sealed interface Outcome permits Clean, Conflicts {}

    public record Clean(ObjectId tree) implements Outcome {}

    public record Conflicts(List<String> paths) implements Outcome {}

    /** Merges {@code theirs} into {@code ours} (recursive strategy: criss-cross histories get a virtual base). */
    public Outcome merge(String key, ObjectId ours, ObjectId theirs) throws IOException {
        Repository repo = repos.repository(key);
        ResolveMerger merger = (ResolveMerger) MergeStrategy.RECURSIVE.newMerger(repo, true);
        if (merger.merge(ours, theirs)) return new Clean(merger.getResultTreeId().copy());
        TreeSet<String> paths = new TreeSet<>(merger.getUnmergedPaths());
        if (merger.getFailingPaths() != null) paths.addAll(merger.getFailingPaths().keySet());
        return new Conflicts(List.copyOf(paths));
    }

    /** A unified diff, cut at a byte limit. */
    public record Diff(String text, boolean truncated) {}

    /**
     * The unified git diff from {@code from} (null: the empty tree) to {@code to}, with renames detected and files over
     * 1 MiB shown as binary; at most {@code maxBytes} bytes of it, cut at a line end and marked when cut.
     */
    public Diff diff(String key, ObjectId from, ObjectId to, int maxBytes) throws IOException {
        Repository repo = repos.repository(key);
        Capped out = new Capped(maxBytes);
        try (RevWalk walk = new RevWalk(repo); DiffFormatter f = new DiffFormatter(out)) {
            f.setRepository(repo);
            f.setDetectRenames(true);
            f.setBinaryFileThreshold(BINARY_THRESHOLD);
            f.format(from == null ? null : walk.parseCommit(from).getTree(), walk.parseCommit(to).getTree());
            f.flush();
        } catch (Capped.Full full) {
            return new Diff(out.text(true), true);
        }
        return new Diff(out.text(false), false);
    }

    /** Keeps at most {@code max} bytes, then refuses more; the kept text ends at the last full line. */
    private static final class Capped extends OutputStream {
        /** Thrown through JGit's formatter to stop it once the limit is reached. */
        static final class Full extends IOException {
            Full() { super("diff limit reached", null); }
        }

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int max;

        Capped(int max) { this.max = max; }

        @Override
        public void write(int b) throws IOException {
            if (bytes.size() >= max) throw new Full();
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int room = max - bytes.size();
            bytes.write(b, off, Math.min(room, len));
            if (len > room) throw new Full();
        }

        String text(boolean cut) {
            byte[] all = bytes.toByteArray();
            int end = all.length;
            if (cut) {
                while (end > 0 && all[end - 1] != '\n') end--;
            }
            return new String(all, 0, end, StandardCharsets.UTF_8);
        }
    }
}
