package dev.forge.cli;

import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.http.ForgeServer;
import dev.forge.service.account.Actor;
import dev.forge.service.account.AuthService;
import dev.forge.app.DemoSeeder;
import dev.forge.app.Forge;
import dev.forge.service.admin.StorageService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** The {@code forge} command. */
@Command(name = "forge", mixinStandardHelpOptions = true, version = "forge 0.1.0",
        description = "A self-hosted, Hugging Face Hub compatible forge for open models and datasets.",
        subcommands = {ForgeCli.Serve.class, AccountCommands.UserCmd.class, AccountCommands.OrgCmd.class, AccountCommands.TokenCmd.class,
                AccountCommands.Audit.class, ForgeCli.RepoCmd.class, ForgeCli.Fsck.class, ForgeCli.Gc.class, ForgeCli.StorageCmd.class,
                ForgeCli.IndexCmd.class, MirrorCommands.MirrorCmd.class, MirrorCommands.CacheCmd.class})
public final class ForgeCli implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new ForgeCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || !List.of(args).contains("serve")) System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Options shared by every command that opens the data folder. */
    static class Common {
        @Option(names = "--data", description = "Data folder (env FORGE_DATA; default ./forge-data)")
        Path data;

        ForgeConfig config(String host, Integer port, String publicUrl) throws Exception {
            return config(host, port, publicUrl, java.util.Map.of());
        }

        /** @param settings flag values by their {@code forge.properties} name */
        ForgeConfig config(String host, Integer port, String publicUrl, java.util.Map<String, String> settings) throws Exception {
            return ConfigLoader.load(new ConfigLoader.Flags(host, port, data, publicUrl), settings, System.getenv());
        }
    }

    @Command(name = "serve", description = "Run the forge.")
    static final class Serve extends Common implements Callable<Integer> {
        @Option(names = "--host", description = "Address to listen on (env FORGE_HOST; default 127.0.0.1)")
        String host;
        @Option(names = "--port", description = "Port (env FORGE_PORT; default 8080; 0 picks a free one)")
        Integer port;
        @Option(names = "--public-url", description = "Base of every absolute URL the server writes (env FORGE_PUBLIC_URL)")
        String publicUrl;
        @Option(names = "--demo", description = "Seed a 'demo' organisation with small example repositories")
        boolean demo;
        @Option(names = "--upstream", paramLabel = "URL[,TOKEN]", description = "A Hub-compatible upstream the pull-through cache "
                + "asks for repositories not held here; repeatable, asked in order (env FORGE_UPSTREAMS, space-separated)")
        java.util.List<String> upstreams = new java.util.ArrayList<>();

        @Option(names = "--airlock-allow-namespace", paramLabel = "GLOB",
                description = "Let in pulls only from these upstream namespaces (or ns/name globs); repeatable (env FORGE_AIRLOCK_ALLOW_NAMESPACES)")
        List<String> airlockAllow;
        @Option(names = "--airlock-deny-namespace", paramLabel = "GLOB",
                description = "Refuse pulls from these upstream namespaces (or ns/name globs); repeatable (env FORGE_AIRLOCK_DENY_NAMESPACES)")
        List<String> airlockDeny;
        @Option(names = "--airlock-license", paramLabel = "ID",
                description = "Let in only repositories whose card names one of these licences; repeatable (env FORGE_AIRLOCK_LICENSES)")
        List<String> airlockLicenses;
        @Option(names = "--airlock-pickle", paramLabel = "MODE",
                description = "Pickle-based files from upstreams: allow, scan, strict or refuse (env FORGE_AIRLOCK_PICKLE; default allow)")
        String airlockPickle;
        @Option(names = "--airlock-max-file-bytes", description = "Largest file let in from an upstream; 0 = no limit (env FORGE_AIRLOCK_MAX_FILE_BYTES)")
        Long airlockMaxFileBytes;
        @Option(names = "--airlock-max-revision-bytes",
                description = "Most bytes one pulled revision may hold; 0 = no limit (env FORGE_AIRLOCK_MAX_REVISION_BYTES)")
        Long airlockMaxRevisionBytes;

        /** The airlock flags given, by their {@code forge.properties} names. */
        java.util.Map<String, String> airlockSettings() {
            java.util.Map<String, String> s = new java.util.HashMap<>();
            if (airlockAllow != null) s.put("airlock-allow-namespaces", String.join(",", airlockAllow));
            if (airlockDeny != null) s.put("airlock-deny-namespaces", String.join(",", airlockDeny));
            if (airlockLicenses != null) s.put("airlock-licenses", String.join(",", airlockLicenses));
            if (airlockPickle != null) s.put("airlock-pickle", airlockPickle);
            if (airlockMaxFileBytes != null) s.put("airlock-max-file-bytes", airlockMaxFileBytes.toString());
            if (airlockMaxRevisionBytes != null) s.put("airlock-max-revision-bytes", airlockMaxRevisionBytes.toString());
            return s;
        }

        @Override
        public Integer call() throws Exception {
            ForgeConfig config = config(host, port, publicUrl, airlockSettings());
            if (!upstreams.isEmpty()) {
                config = config.withCache(new ForgeConfig.Cache(upstreams.stream().map(ForgeConfig.Upstream::parse).toList(),
                        config.cache().maxBytes(), config.cache().branchTtlSeconds()));
            }
            Forge forge = Forge.open(config);
            forge.recoverAfterCrash();
            User admin = bootstrap(forge);
            ForgeServer server = forge.newServer().start();
            if (demo) {
                for (String r : new DemoSeeder(forge).seed(admin)) System.out.println("Demo repository: " + config.url("/" + r));
                // seeding allocates hundreds of MiB that are garbage once it is done: collect them now, so the heap the
                // collector then gives back (MaxHeapFreeRatio) is returned at start rather than at its next periodic cycle
                System.gc();
            }
            System.out.println("Forge is serving " + config.dataDir().toAbsolutePath() + " at " + config.publicUrl()
                    + " (listening on " + config.host() + ":" + server.port() + ")");
            System.out.println("Open " + config.url("/") + " in a browser to look around.");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (Exception ignored) {
                    // shutting down
                }
                forge.close();
            }));
            server.join();
            return 0;
        }

        /** On first start: an {@code admin} account and one write token, printed once. */
        private static User bootstrap(Forge forge) {
            if (forge.auth.hasUsers()) return forge.auth.user("admin").orElseGet(() -> null);
            User admin = forge.auth.createUser("admin", "Administrator", null, true);
            AuthService.IssuedToken t = forge.auth.createToken(admin, "bootstrap", Token.Role.WRITE);
            System.out.println("""
                    ------------------------------------------------------------------------
                    First start: created the account 'admin' and this write token.
                    It is shown only now; keep it (e.g. in HF_TOKEN):

                        %s

                    More tokens: ./forge token create --user admin --name laptop
                    To sign in on the web pages, give admin a password: ./forge user passwd admin
                    ------------------------------------------------------------------------""".formatted(t.secret()));
            return admin;
        }
    }

    @Command(name = "fsck", description = "Check refs, git objects, the file index and LFS object hashes against each other.")
    static final class Fsck extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                var report = forge.fsck.run(line -> System.err.println("fsck: " + line));
                for (String p : report.problems()) System.out.println("problem: " + p);
                System.out.printf("fsck: %d repositories, %d refs, %d LFS objects (%d bytes) verified: %s%n",
                        report.repositories(), report.refs(), report.lfsObjectsVerified(), report.lfsBytesVerified(),
                        report.clean() ? "clean" : report.problems().size() + " problem(s)");
                return report.clean() ? 0 : 1;
            }
        }
    }

    @Command(name = "gc", description = "Remove LFS objects no repository's history names, and the chunks only they used "
            + "(chunk store; nothing younger than the grace period is touched). Safe next to a running server.")
    static final class Gc extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                var r = forge.storage.gc(line -> System.err.println("gc: " + line));
                System.out.printf("gc: %d files removed (%d bytes), %d packs to trash, %d packs deleted (%d bytes), %d packs compacted%n",
                        r.filesRemoved(), r.fileBytesRemoved(), r.packsTrashed(), r.packsDeleted(), r.bytesDeleted(), r.packsCompacted());
                return 0;
            }
        }
    }

    @Command(name = "storage", description = "Storage figures and migration.", subcommands = {StorageUsage.class, StorageMigrate.class})
    static final class StorageCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "usage", description = "Logical bytes, stored bytes and what deduplication saves: for the whole store, or one repository's history.")
    static final class StorageUsage extends Common implements Callable<Integer> {
        @Option(names = "--repo", description = "A repository as type/namespace/name, e.g. models/alice/bert")
        String repo;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                StorageService.Usage u;
                if (repo == null) {
                    u = forge.storage.globalUsage();
                } else {
                    String[] parts = repo.split("/", 2);
                    if (parts.length != 2) throw new CommandLine.ParameterException(new CommandLine(this), "--repo is type/namespace/name");
                    RepoType type = RepoType.fromPlural(parts[0]).orElseThrow(
                            () -> new CommandLine.ParameterException(new CommandLine(this), "unknown repository type " + parts[0]));
                    u = forge.storage.repoUsage(type, RepoId.parse(parts[1]));
                }
                System.out.printf("objects %d, logical %d bytes, stored %d bytes, saved by dedup %d bytes (stored/logical %.1f %%)%n",
                        u.lfsObjects(), u.logicalBytes(), u.storedBytes(), u.savedBytes(),
                        u.logicalBytes() == 0 ? 100.0 : 100.0 * u.storedBytes() / u.logicalBytes());
                return 0;
            }
        }
    }

    @Command(name = "migrate", description = "Move every LFS object of the plain store into the chunk store; online and resumable (rerun after an interruption).")
    static final class StorageMigrate extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                var r = forge.storage.migrate(line -> System.err.println("migrate: " + line));
                for (String p : r.problems()) System.out.println("problem: " + p);
                System.out.printf("migrate: %d objects, %d moved (%d bytes, %d new chunk bytes), %d already moved%n",
                        r.objects(), r.moved(), r.bytes(), r.newChunkBytes(), r.alreadyMoved());
                return r.problems().isEmpty() ? 0 : 1;
            }
        }
    }

    @Command(name = "token", description = "Manage access tokens.", subcommands = {TokenCreate.class})
    static final class TokenCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "create", description = "Create a token and print it once.")
    static final class TokenCreate extends Common implements Callable<Integer> {
        @Option(names = "--user", defaultValue = "admin", description = "Owner of the token (default admin)")
        String user;
        @Option(names = "--name", defaultValue = "cli", description = "A name to recognise the token by")
        String name;
        @Option(names = "--role", defaultValue = "write", description = "read or write (default write)")
        Token.Role role;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                User u = forge.auth.user(user).orElse(null);
                if (u == null) {
                    System.err.println("No user named '" + user + "'");
                    return 1;
                }
                System.out.println(forge.auth.createToken(u, name, role).secret());
                return 0;
            }
        }
    }

    @Command(name = "index", description = "Manage the search index.", subcommands = {IndexRebuild.class})
    static final class IndexCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "rebuild", description = "Rebuild the search index from the database and git (stop the server first).")
    static final class IndexRebuild extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                try {
                    forge.openSearch();
                } catch (org.apache.lucene.store.LockObtainFailedException e) {
                    System.err.println("The search index is in use: stop the server first (it rebuilds a missing index on start).");
                    return 1;
                }
                long t = System.nanoTime();
                int n = forge.search.rebuild();
                System.out.printf("index: %d repositories indexed in %d ms%n", n, (System.nanoTime() - t) / 1_000_000);
                return 0;
            }
        }
    }

    @Command(name = "repo", description = "Manage repositories.", subcommands = {RepoCreate.class})
    static final class RepoCmd implements Runnable {
        @Override public void run() { new CommandLine(this).usage(System.out); }
    }

    @Command(name = "create", description = "Create a repository owned by an existing user or organisation.")
    static final class RepoCreate extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "NAMESPACE/NAME")
        String id;
        @Option(names = "--type", defaultValue = "model", description = "model or dataset")
        String type;
        @Option(names = "--private")
        boolean isPrivate;

        @Override
        public Integer call() throws Exception {
            try (Forge forge = Forge.open(config(null, null, null))) {
                User admin = forge.auth.user("admin").orElseThrow(() -> new IllegalStateException("run 'forge serve' once first"));
                Actor actor = Actor.internal(admin);
                RepoType t = RepoType.fromName(type).orElseThrow(() -> new IllegalArgumentException("unknown type " + type));
                try {
                    forge.openSearch(); // so the new repository is listed at once
                } catch (org.apache.lucene.store.LockObtainFailedException e) {
                    // a running server holds the index; it reconciles repositories it did not see at its next start
                }
                var repo = forge.repos.create(actor, t, RepoId.parse(id), isPrivate);
                System.out.println(forge.config.url("/" + repo.type().urlPrefix() + repo.id()));
                return 0;
            }
        }
    }
}
