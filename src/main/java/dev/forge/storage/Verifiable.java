package dev.forge.storage;

import dev.forge.core.LfsOid;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A store that checks its own structure from the bytes up (fsck), beyond what any object's hash proves. Read-only. */
public interface Verifiable {

    FsckReport fsck(Consumer<String> progress) throws IOException;

    /** What fsck checked and found; {@code verified} are the objects whose content hashed to their name. */
    record FsckReport(int packs, long chunks, long chunkBytes, int files, Set<LfsOid> verified, List<String> problems) {}
}
