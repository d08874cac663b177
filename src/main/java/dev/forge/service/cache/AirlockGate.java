package dev.forge.service.cache;

import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.airlock.Airlock;
import dev.forge.service.airlock.FileBytes;
import dev.forge.service.airlock.PullSubject;
import dev.forge.service.airlock.Verdict;

import java.util.Locale;
import java.util.Set;

/**
 * The airlock as the cache's gate: a refusal becomes the airlock's own error (403 {@code AirlockRefused}, naming the
 * rule). Pickle-based files are the ones whose bytes the airlock reads (unless its policy lets them in unread), so only
 * they wait until complete before a client sees them; every other file is checked by name and size before its first
 * byte is served.
 */
public final class AirlockGate implements PullGate {
    private static final Set<String> PICKLE = Set.of(".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib");
    private final Airlock airlock;
    private final ForgeConfig.Airlock policy;

    public AirlockGate(Airlock airlock, ForgeConfig.Airlock policy) {
        this.airlock = airlock;
        this.policy = policy;
    }

    @Override
    public void checkRevision(Actor actor, Revision r) {
        PullSubject s = subject(r);
        if (airlock.checkRevision(actor, s) instanceof Verdict.Refused refused) throw refused.toException();
    }

    @Override
    public boolean readsContent(String path) {
        if (policy.pickle() == ForgeConfig.Airlock.Pickle.ALLOW) return false;
        String p = path.toLowerCase(Locale.ROOT);
        int dot = p.lastIndexOf('.');
        return dot >= 0 && PICKLE.contains(p.substring(dot));
    }

    @Override
    public void checkFile(Actor actor, Revision r, String path, long size, Bytes bytes) {
        if (airlock.checkFile(actor, subject(r), path, size, bytes::open) instanceof Verdict.Refused refused) throw refused.toException();
    }

    private static PullSubject subject(Revision r) {
        return new PullSubject(r.upstream(), RepoType.fromName(r.repoType()).orElse(RepoType.MODEL), RepoId.parse(r.repoId()), r.commit(),
                r.card(), r.files().stream().map(f -> new PullSubject.PulledFile(f.path(), f.size())).toList());
    }
}
