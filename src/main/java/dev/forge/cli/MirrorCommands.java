package dev.forge.cli;

import dev.forge.app.Forge;
import dev.forge.core.Mirror;
import dev.forge.core.RepoType;
import dev.forge.service.account.Actor;
import dev.forge.service.mirror.MirrorService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code forge mirror …}: pull mirrors of another hub's repositories or namespaces, push mirrors to a remote Forge,
 * and their state. Commands open the data folder like every other command; {@code sync} runs the sync in this process
 * (a running server's scheduler skips a mirror while it syncs) and prints the outcome.
 */
final class MirrorCommands {
    private MirrorCommands() {}

    @Command(name = "mirror", description = "Mirror repositories of another hub (pull) or to a remote Forge (push).",
            subcommands = {Add.class, ListCmd.class, Show.class, Sync.class, Pause.class, Resume.class, Remove.class})
    static final class MirrorCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "add", description = "Add a mirror: UPSTREAM is a hub's URL (https://huggingface.co, another Forge); "
            + "REPO is ns/name, or ns/* for every repository of a namespace. Syncs once at once unless --no-sync.")
    static final class Add extends ForgeCli.Common implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "UPSTREAM") String upstream;
        @Parameters(index = "1", paramLabel = "REPO") String repo;
        @Option(names = "--as", description = "The local id (ns/name, or ns for a namespace); default the upstream's") String as;
        @Option(names = "--type", defaultValue = "model", description = "model, dataset or space (default model)") String type;
        @Option(names = "--push", description = "A push mirror: REPO is the local repository (or ns/*), --as the remote id") boolean push;
        @Option(names = "--token-env", description = "Name of the environment variable holding the remote's token (never on the command line)")
        String tokenEnv;
        @Option(names = "--interval", defaultValue = "3600", description = "Seconds between scheduled syncs (default 3600)") long interval;
        @Option(names = "--no-sync", description = "Do not sync now") boolean noSync;

        @Override
        public Integer call() throws Exception {
            String token = tokenEnv == null ? null : System.getenv(tokenEnv);
            if (tokenEnv != null && token == null) {
                System.err.println("The environment variable " + tokenEnv + " is not set");
                return 2;
            }
            RepoType t = RepoType.fromName(type).orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(this), "unknown type " + type));
            try (Forge forge = Forge.open(config(null, null, null))) {
                MirrorService.Spec spec = push
                        ? new MirrorService.Spec(Mirror.Direction.PUSH, upstream, t, as == null ? repo : as, repo, token, Duration.ofSeconds(interval))
                        : new MirrorService.Spec(Mirror.Direction.PULL, upstream, t, repo, as, token, Duration.ofSeconds(interval));
                Mirror m = forge.mirrors.add(Actor.OPERATOR, spec);
                System.out.println("mirror " + m.key() + " added");
                if (!noSync) m = forge.mirrors.sync(Actor.OPERATOR, m.key());
                print(forge, m, true);
                return exit(m);
            }
        }
    }

    @Command(name = "list", description = "Every mirror with its state and figures.")
    static final class ListCmd extends ForgeCli.Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                List<Mirror> all = forge.mirrors.list(Actor.OPERATOR);
                System.out.printf("%-24s %-4s %-14s %-40s %-32s %s%n", "ID", "DIR", "STATUS", "LOCAL", "REMOTE", "LAST SYNC");
                for (Mirror m : all) {
                    System.out.printf("%-24s %-4s %-14s %-40s %-32s %s%n", m.key(), m.direction().wire(),
                            m.status().wire() + (m.paused() ? ",paused" : ""), m.type().singular() + ":" + m.localId(), m.remoteRepoUrl(),
                            m.lastSyncAt() == null ? "never" : m.lastSyncAt().toString());
                }
                MirrorService.Figures f = forge.mirrors.figures(Actor.OPERATOR);
                System.out.printf("%d mirrors (%d pull, %d push), %d paused, %d failing; %d LFS objects (%d bytes) transferred%n",
                        f.mirrors(), f.pull(), f.push(), f.paused(), f.failing(), f.objectsFetched(), f.bytesFetched());
                printCacheFigures(forge);
                return 0;
            }
        }
    }

    @Command(name = "show", description = "One mirror: state, progress, refs not applied, figures.")
    static final class Show extends ForgeCli.Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                print(forge, forge.mirrors.show(Actor.OPERATOR, id), true);
                return 0;
            }
        }
    }

    @Command(name = "sync", description = "Sync a mirror now, here, and print how it ended.")
    static final class Sync extends ForgeCli.Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                Mirror m = forge.mirrors.sync(Actor.OPERATOR, id);
                print(forge, m, true);
                return exit(m);
            }
        }
    }

    @Command(name = "pause", description = "Stop scheduled syncs of a mirror (and its children).")
    static final class Pause extends Pausing {
        Pause() { super(true); }
    }

    @Command(name = "resume", description = "Resume scheduled syncs of a paused mirror.")
    static final class Resume extends Pausing {
        Resume() { super(false); }
    }

    /** {@code pause} and {@code resume}: one call, the mirror's paused flag set one way or the other. */
    abstract static sealed class Pausing extends ForgeCli.Common implements Callable<Integer> permits Pause, Resume {
        @Parameters(paramLabel = "ID") String id;
        private final boolean paused;

        Pausing(boolean paused) { this.paused = paused; }

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                print(forge, forge.mirrors.pause(Actor.OPERATOR, id, paused), false);
                return 0;
            }
        }
    }

    @Command(name = "remove", description = "Remove a mirror; its local repository stays (and becomes writable).")
    static final class Remove extends ForgeCli.Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                forge.mirrors.remove(Actor.OPERATOR, id);
                System.out.println("mirror " + id + " removed");
                return 0;
            }
        }
    }

    @Command(name = "cache", description = "The pull-through cache: its figures and cached repositories.",
            subcommands = {CacheList.class, CacheRemove.class})
    static final class CacheCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "list", description = "Cached revisions (least recently used first) and the cache's figures.")
    static final class CacheList extends ForgeCli.Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                System.out.printf("%-8s %-40s %-12s %14s %6s %s%n", "TYPE", "REPOSITORY", "COMMIT", "BYTES", "FILES", "LAST USED");
                for (var r : forge.cache.revisions()) {
                    System.out.printf("%-8s %-40s %-12s %14d %6d %s%n", r.type().singular(), r.repoId(),
                            r.commit().substring(0, Math.min(12, r.commit().length())), r.bytes(), r.files(), r.lastUsed());
                }
                printCacheFigures(forge);
                return 0;
            }
        }
    }

    @Command(name = "remove", description = "Evict every cached revision of a repository (TYPE/NS/NAME, e.g. models/gpt2/gpt2).")
    static final class CacheRemove extends ForgeCli.Common implements Callable<Integer> {
        @Parameters(paramLabel = "TYPE/NS/NAME") String repo;

        @Override
        public Integer call() throws Exception {
            String[] parts = repo.split("/", 2);
            RepoType t = parts.length == 2 ? RepoType.fromPlural(parts[0]).orElse(null) : null;
            if (t == null) throw new CommandLine.ParameterException(new CommandLine(this), "give the repository as models/ns/name or datasets/ns/name");
            try (Forge forge = Forge.open(config(null, null, null))) {
                System.out.println(forge.cache.evict(t, parts[1]) + " cached revision(s) of " + parts[1] + " evicted");
                return 0;
            }
        }
    }

    private static void printCacheFigures(Forge forge) {
        var f = forge.cache.figures();
        System.out.printf("cache: %d revisions, %d bytes cached, %d bytes stored, %d bytes saved by dedup, hit rate %.1f %% (%d hits, %d misses)%n",
                f.revisions(), f.cachedBytes(), f.storedBytes(), f.dedupSavedBytes(), 100 * f.hitRate(), f.hits(), f.misses());
    }

    private static int exit(Mirror m) {
        return switch (m.status()) {
            case OK, DIVERGED -> 0;
            default -> 1;
        };
    }

    private static void print(Forge forge, Mirror m, boolean details) {
        System.out.printf("%s  %s mirror  %s:%s  %s %s%n", m.key(), m.direction().wire(), m.type().singular(), m.localId(),
                m.direction() == Mirror.Direction.PULL ? "<-" : "->", m.remoteRepoUrl());
        System.out.printf("  status: %s%s%s%n", m.status().wire(), m.paused() ? " (paused)" : "", m.message() == null ? "" : " - " + m.message());
        if (!details) return;
        Mirror.Progress p = m.progress();
        System.out.printf("  progress: %d of %d objects, %d of %d bytes%n", p.objectsDone(), p.objectsTotal(), p.bytesDone(), p.bytesTotal());
        System.out.printf("  last sync: %s, last success: %s, next: %s, syncs: %d, every %d s, token: %s%n",
                m.lastSyncAt() == null ? "never" : m.lastSyncAt(), m.lastSuccessAt() == null ? "never" : m.lastSuccessAt(), m.nextSyncAt(),
                m.syncs(), m.intervalSeconds(), m.hasToken() ? "yes" : "no");
        System.out.printf("  transferred: %d LFS objects, %d bytes%n", m.objectsFetched(), m.bytesFetched());
        for (String problem : m.problems()) System.out.println("  not applied: " + problem);
        for (Mirror c : forge.mirrors.children(Actor.OPERATOR, m.key())) {
            System.out.printf("  - %s %s:%s %s%s%n", c.key(), c.type().singular(), c.localId(), c.status().wire(),
                    c.problems().isEmpty() ? "" : " (" + c.problems().size() + " ref(s) not applied)");
        }
    }
}
