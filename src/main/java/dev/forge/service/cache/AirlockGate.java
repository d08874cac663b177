package dev.forge.service.cache;

import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.airlock.Airlock;
import dev.forge.service.airlock.FileBytes;
import dev.forge.service.airlock.PullSubject;
import dev.forge.service.airlock.Verdict;


/**
 * The airlock as the cache's gate: a refusal becomes the airlock's own error (403 {@code AirlockRefused}, naming the
 * rule). The files whose bytes the airlock reads ({@link Airlock#readsBytes}: pickle-based ones under a scanning policy)
 * wait until complete before a client sees them; every other file is checked by name and size before its first
 * byte is served.
 */
public final class AirlockGate implements PullGate {
    private final Airlock airlock;

    public AirlockGate(Airlock airlock) {
        this.airlock = airlock;
    }

    @Override
    public void checkRevision(Actor actor, Revision r) {
        PullSubject s = subject(r);
        if (airlock.checkRevision(actor, s) instanceof Verdict.Refused refused) throw refused.toException();
    }

    @Override
    public boolean readsContent(String path) { return airlock.readsBytes(path); }

    @Override
    public void checkFile(Actor actor, Revision r, String path, long size, Bytes bytes) {
        FileBytes b = bytes.path().map(FileBytes::of).orElse(bytes::open);
        if (airlock.checkFile(actor, subject(r), path, size, b) instanceof Verdict.Refused refused) throw refused.toException();
    }

    private static PullSubject subject(Revision r) {
        return new PullSubject(r.upstream(), RepoType.fromName(r.repoType()).orElse(RepoType.MODEL), RepoId.parse(r.repoId()), r.commit(),
                r.card(), r.files().stream().map(f -> new PullSubject.PulledFile(f.path(), f.size())).toList());
    }
}
