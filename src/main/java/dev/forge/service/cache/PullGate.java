package dev.forge.service.cache;

import dev.forge.core.ForgeException;
import dev.forge.service.account.Actor;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * What the cache asks before anything fetched becomes visible here (the airlock's policy, wired in by the root): a
 * revision before its metadata is served, a file before its bytes are. A refusal is thrown as the gate's own error
 * (it names the rule). {@link #OPEN} lets everything in.
 */
public interface PullGate {

    /** A revision fetched from {@code upstream}: its card text (empty when it has none) and its files with their sizes. */
    record Revision(String upstream, String repoType, String repoId, String commit, String card, List<File> files) {
        public Revision {
            files = List.copyOf(files);
        }
    }

    record File(String path, long size) {}

    /** Opens the bytes of a file already on local disk, again for every call. */
    @FunctionalInterface
    interface Bytes {
        InputStream open() throws IOException;

        /** Where the bytes are on local disk, when they are in one file there. */
        default java.util.Optional<java.nio.file.Path> path() { return java.util.Optional.empty(); }

        static Bytes of(java.nio.file.Path file) {
            return new Bytes() {
                @Override
                public InputStream open() throws IOException { return java.nio.file.Files.newInputStream(file); }

                @Override
                public java.util.Optional<java.nio.file.Path> path() { return java.util.Optional.of(file); }
            };
        }
    }

    /** @throws ForgeException naming the rule, when the revision may not come in */
    void checkRevision(Actor actor, Revision revision);

    /**
     * Whether {@link #checkFile} reads the bytes of {@code path} (a pickle scan): such a file is served only once all of
     * it has arrived and passed; any other file is checked by name and size before its first byte is served.
     */
    boolean readsContent(String path);

    /** @throws ForgeException naming the rule, when the file may not come in */
    void checkFile(Actor actor, Revision revision, String path, long size, Bytes bytes);

    PullGate OPEN = new PullGate() {
        @Override
        public void checkRevision(Actor actor, Revision revision) {}

        @Override
        public boolean readsContent(String path) { return false; }

        @Override
        public void checkFile(Actor actor, Revision revision, String path, long size, Bytes bytes) {}
    };
}
