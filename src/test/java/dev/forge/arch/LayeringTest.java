package dev.forge.arch;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.forge.core.ByteRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layering of Forge's main code: {@code core} at the bottom; {@code storage}, {@code meta},
 * {@code git}, {@code cards} and {@code search} beside one another on top of it, none using another; {@code xet}
 * (Xet's wire formats) over {@code storage}; {@code service.*}
 * (one package per capability, no cycles among them) over those; {@code http.*} (one package per surface, no cycles)
 * over the services only; {@code app}, the one wiring root, over everything but the command line; {@code cli} on top.
 * Only {@code http}, {@code app} and {@code cli} know Jetty or the servlet API; only {@code app} reads the wall clock;
 * services see the blob store only through its interfaces. The rules are {@link ForgeRules}; {@link LayeringRulesTest}
 * shows each of them failing on classes that break it.
 */
class LayeringTest {
    private static JavaClasses main;

    /**
     * Imports the main classes folder only: test classes share the packages but may reach across layers. Classes
     * outside it (Jetty, JGit...) are known by name only, which is all the rules need and much faster than
     * importing them from the class path.
     */
    @BeforeAll
    static void importMainClasses() throws Exception {
        Path mainClasses = Path.of(ByteRange.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ArchConfiguration config = ArchConfiguration.get();
        boolean resolve = config.resolveMissingDependenciesFromClassPath();
        config.setResolveMissingDependenciesFromClassPath(false);
        try {
            main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPath(mainClasses);
        } finally {
            config.setResolveMissingDependenciesFromClassPath(resolve);
        }
    }

    @Test
    void theMainClassesWereFound() {
        for (String pkg : new String[] {"core", "storage", "meta", "git", "cards", "search", "service.account", "service.repo",
                "service.lfs", "service.xet", "xet", "service.discovery", "service.admin", "service.community", "service.mirror",
                "service.airlock", "service.cache", "app", "http", "http.exchange", "http.api", "http.files", "http.web", "http.mirror",
                "http.cache",
                "http.lfs", "http.git", "cli"}) {
            assertThat(main.stream().anyMatch(c -> c.getPackageName().equals("dev.forge." + pkg))).as(pkg).isTrue();
        }
        assertThat(main.stream().filter(c -> c.getSimpleName().endsWith("Test") || c.getPackageName().equals("dev.forge.testing")))
                .isEmpty();
    }

    private static void check(ArchRule rule) {
        rule.check(main);
    }

    private static final String ROOT = "dev.forge";

    @Test
    void coreDependsOnNothingElseInForge() { check(ForgeRules.mayOnlyUse(ROOT, "core")); }

    @Test
    void storageDependsOnlyOnCore() { check(ForgeRules.mayOnlyUse(ROOT, "storage", "core")); }

    /** Xet's formats (xorbs, shards, hashes) sit on the chunk store's codecs and hashes, nothing else. */
    @Test
    void xetDependsOnlyOnCoreAndStorage() { check(ForgeRules.mayOnlyUse(ROOT, "xet", "core", "storage")); }

    @Test
    void metaDependsOnlyOnCore() { check(ForgeRules.mayOnlyUse(ROOT, "meta", "core")); }

    @Test
    void gitDependsOnlyOnCore() { check(ForgeRules.mayOnlyUse(ROOT, "git", "core")); }

    @Test
    void cardsDependsOnlyOnCore() { check(ForgeRules.mayOnlyUse(ROOT, "cards", "core")); }

    @Test
    void searchDependsOnlyOnCore() { check(ForgeRules.mayOnlyUse(ROOT, "search", "core")); }

    @Test
    void serviceDependsOnTheStoresButNotOnTheEdges() {
        check(ForgeRules.mayOnlyUse(ROOT, "service", "core", "storage", "xet", "meta", "git", "cards", "search"));
    }

    @Test
    void theServicePackagesHaveNoCycles() { check(ForgeRules.servicePackagesHaveNoCycles(ROOT)); }

    @Test
    void theHttpPackagesHaveNoCycles() { check(ForgeRules.httpPackagesHaveNoCycles(ROOT)); }

    @Test
    void httpDependsOnlyOnServicesAndCore() { check(ForgeRules.httpDependsOnlyOnServicesAndCore(ROOT)); }

    @Test
    void appIsUsedOnlyByTheCommandLine() { check(ForgeRules.appIsUsedOnlyByTheCommandLine(ROOT)); }

    @Test
    void storesAreOpenedOnlyByTheWiringRoot() { check(ForgeRules.storesAreOpenedOnlyByTheWiringRoot(ROOT)); }

    @Test
    void noJGitTypesInPublicServiceSignatures() { check(ForgeRules.noJGitTypesInPublicServiceSignatures(ROOT)); }

    @Test
    void onlyTheWiringRootReadsTheWallClock() { check(ForgeRules.onlyTheWiringRootReadsTheWallClock(ROOT)); }

    @Test
    void onlyTheEdgesKnowJettyAndServlets() { check(ForgeRules.onlyTheEdgesKnowJettyAndServlets(ROOT)); }

    @Test
    void servicesSeeTheBlobStoreOnlyThroughItsInterfaces() { check(ForgeRules.servicesSeeTheBlobStoreOnlyThroughItsInterfaces(ROOT)); }
}
