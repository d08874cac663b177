package dev.forge.arch;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every layering rule can fail: run over the fixture classes of {@code dev.forge.arch.fixture}, which break each rule
 * on purpose, each rule reports a violation, and names the class that breaks it. (A rule that passed here would pass
 * on anything, and {@link LayeringTest} would prove nothing.)
 */
class LayeringRulesTest {
    private static final String ROOT = "dev.forge.arch.fixture";
    private static JavaClasses fixtures;

    @BeforeAll
    static void importFixtures() {
        ArchConfiguration config = ArchConfiguration.get();
        boolean resolve = config.resolveMissingDependenciesFromClassPath();
        config.setResolveMissingDependenciesFromClassPath(false);
        try {
            fixtures = new ClassFileImporter().importPackages(ROOT);
        } finally {
            config.setResolveMissingDependenciesFromClassPath(resolve);
        }
    }

    static Stream<Arguments> rulesAndTheirCulprits() {
        String f = ROOT + ".";
        return Stream.of(
                arguments("core uses nothing else", ForgeRules.mayOnlyUse(ROOT, "core"), f + "core.CoreUsesService"),
                arguments("a store uses only core", ForgeRules.mayOnlyUse(ROOT, "storage", "core"), f + "storage.StoreUsesMeta"),
                arguments("services use no edge",
                        ForgeRules.mayOnlyUse(ROOT, "service", "core", "storage", "meta", "git", "cards", "search"), f + "service.repo.ReachesForTheRoot"),
                arguments("service packages have no cycles", ForgeRules.servicePackagesHaveNoCycles(ROOT), f + "service.a.A"),
                arguments("http packages have no cycles", ForgeRules.httpPackagesHaveNoCycles(ROOT), f + "http.x.X"),
                arguments("http uses only services and core", ForgeRules.httpDependsOnlyOnServicesAndCore(ROOT), f + "http.api.UsesAStore"),
                arguments("only the command line uses app", ForgeRules.appIsUsedOnlyByTheCommandLine(ROOT), f + "service.repo.ReachesForTheRoot"),
                arguments("only the wiring root opens the stores", ForgeRules.storesAreOpenedOnlyByTheWiringRoot(ROOT), f + "http.OpensTheStores"),
                arguments("no JGit in public service signatures", ForgeRules.noJGitTypesInPublicServiceSignatures(ROOT), f + "service.repo.LeaksJGit"),
                arguments("only the wiring root reads the wall clock", ForgeRules.onlyTheWiringRootReadsTheWallClock(ROOT),
                        f + "service.account.ReadsTheWallClock"),
                arguments("only the edges know Jetty", ForgeRules.onlyTheEdgesKnowJettyAndServlets(ROOT), f + "service.lfs.KnowsJetty"),
                arguments("services see the blob store through its interfaces", ForgeRules.servicesSeeTheBlobStoreOnlyThroughItsInterfaces(ROOT),
                        f + "service.admin.PeeksAtTheChunkStore"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rulesAndTheirCulprits")
    void eachRuleReportsTheClassThatBreaksIt(String name, ArchRule rule, String culprit) {
        EvaluationResult result = rule.evaluate(fixtures);
        assertThat(result.hasViolation()).as("%s reports a violation", name).isTrue();
        assertThat(result.getFailureReport().toString()).as("the violation of %s", name).contains(culprit);
    }
}
