package dev.forge.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One mirror: a local repository kept equal to a repository of another hub ({@link Direction#PULL}), or a local
 * repository whose new commits are sent to a remote Forge ({@link Direction#PUSH}); a {@code remoteId} of {@code ns/*}
 * is a namespace mirror, which makes one child mirror per repository of the namespace. {@code problems} are the refs a
 * sync did not apply (an upstream force-push or deletion), kept until a sync finds them resolved. The remote token is
 * not part of the record: it is read only by the sync itself.
 */
public record Mirror(String key, Direction direction, String remoteUrl, RepoType type, String remoteId, String localId,
                     String repoKey, String parentKey, boolean hasToken, boolean paused, long intervalSeconds,
                     Instant nextSyncAt, Instant createdAt, Instant lastSyncAt, Instant lastSuccessAt, Status status,
                     String message, List<String> problems, Progress progress, long objectsFetched, long bytesFetched, long syncs) {

    public Mirror {
        problems = List.copyOf(problems);
    }

    public enum Direction {
        PULL, PUSH;

        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }

        public static Direction parse(String s) {
            for (Direction d : values()) if (d.wire().equals(s)) return d;
            throw ForgeException.badRequest("A mirror's direction is pull or push");
        }
    }

    /** How the last sync ended, or that one runs now. */
    public enum Status {
        NEW("new"), SYNCING("syncing"), OK("ok"), DIVERGED("diverged"), UPSTREAM_GONE("upstream-gone"), REFUSED("refused"),
        ERROR("error");

        private final String wire;

        Status(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        public static Status parse(String s) {
            for (Status v : values()) if (v.wire.equals(s)) return v;
            throw new IllegalArgumentException("unknown mirror status " + s);
        }
    }

    /** The LFS objects (and their bytes) of the running or last sync: done of total. */
    public record Progress(long objectsDone, long objectsTotal, long bytesDone, long bytesTotal) {
        public static final Progress NONE = new Progress(0, 0, 0, 0);
    }

    public boolean isNamespace() { return remoteId.endsWith("/*"); }

    public Optional<String> repoKeyOpt() { return Optional.ofNullable(repoKey); }

    /** The remote repository's page (or namespace) as a URL. */
    public String remoteRepoUrl() {
        String base = remoteUrl.endsWith("/") ? remoteUrl.substring(0, remoteUrl.length() - 1) : remoteUrl;
        return base + "/" + type.urlPrefix() + (isNamespace() ? remoteId.substring(0, remoteId.length() - 2) : remoteId);
    }
}
