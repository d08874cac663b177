package dev.forge.bench;

import dev.forge.app.DemoSeeder;
import dev.forge.app.Forge;
import dev.forge.core.ForgeConfig;
import dev.forge.core.RepoId;
import dev.forge.core.RepoType;
import dev.forge.core.Token;
import dev.forge.core.User;
import dev.forge.http.ForgeServer;
import dev.forge.search.RepoIndex;
import dev.forge.service.account.Actor;
import dev.forge.service.discovery.SearchService;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The server side of {@code bench/pages.sh}: a real Forge (rate limits off, as every benchmark here runs it) whose
 * search index holds {@code n} generated repositories — the generator of {@link DiscoveryBench}, so the home and
 * search pages sort and filter what the listing benchmark does — next to the demo repositories, which are real (git,
 * file index, LFS weights), for the repository and file pages. Prints {@code PAGEBENCH READY <port>} and serves until
 * its standard input closes.
 *
 * <p>The generated documents go straight into the open index (by reflection on {@link SearchService}'s private index):
 * registering 100,000 real repositories would take the benchmark an hour of set-up, and the pages read only the index
 * for listings. Usage: {@code PageBench <repositories> <data dir>}.
 */
public final class PageBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path data = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("forge-page-bench");
        ForgeConfig.Security open = new ForgeConfig.Security(false, 0, 0, 1_000_000, 60, false);
        ForgeConfig config = new ForgeConfig("127.0.0.1", 0, data, URI.create("http://127.0.0.1"), ForgeConfig.Limits.defaults(),
                ForgeConfig.Uploads.defaults(), open, ForgeConfig.Storage.defaults());
        try (Forge forge = Forge.open(config)) {
            forge.recoverAfterCrash();
            User admin = forge.auth.createUser("admin", "Administrator", null, true);
            forge.auth.createToken(admin, "bench", Token.Role.WRITE);
            new DemoSeeder(forge).seed(admin);
            forge.refs.createTag(Actor.internal(admin), RepoType.MODEL, new RepoId("demo", "tiny-gpt"), "main", "v1.0");

            var field = SearchService.class.getDeclaredField("lucene");
            field.setAccessible(true);
            RepoIndex index = (RepoIndex) field.get(forge.search);
            Random random = new Random(7);
            String[] orgs = new String[2000];
            for (int i = 0; i < orgs.length; i++) orgs[i] = "org" + i + (i % 3 == 0 ? "-labs" : "");
            List<String> ids = new ArrayList<>(n);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) index.putUnpublished(DiscoveryBench.document(i, random, orgs, ids));
            index.publish(true);
            System.err.printf("indexed %d generated repositories in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);

            try (ForgeServer server = forge.newServer().start()) {
                System.out.println("PAGEBENCH READY " + server.port());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // serve until the script closes our input
                }
            }
        }
    }
}
