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

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layering of Forge's main code: {@code core} at the bottom; {@code storage}, {@code meta},
 * {@code git}, {@code cards} and {@code search} beside one another on top of it, none using another; {@code service} over
 * those; {@code http} and {@code cli} at the edge, the only places that know Jetty or the servlet API.
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
        for (String pkg : new String[] {"core", "storage", "meta", "git", "cards", "search", "service", "http", "cli"}) {
            assertThat(main.stream().anyMatch(c -> c.getPackageName().equals("dev.forge." + pkg))).as(pkg).isTrue();
        }
        assertThat(main.stream().filter(c -> c.getSimpleName().endsWith("Test") || c.getPackageName().equals("dev.forge.testing")))
                .isEmpty();
    }

    private static void check(ArchRule rule) {
        rule.check(main);
    }

    /** Classes of {@code dev.forge.<pkg>} may use, inside Forge, only their own package and {@code allowed}. */
    private static void mayOnlyUse(String pkg, String... allowed) {
        String[] ok = new String[allowed.length + 1];
        ok[0] = "dev.forge." + pkg + "..";
        for (int i = 0; i < allowed.length; i++) ok[i + 1] = "dev.forge." + allowed[i] + "..";
        check(noClasses().that().resideInAPackage("dev.forge." + pkg + "..")
                .should().dependOnClassesThat(resideInAPackage("dev.forge..").and(not(resideInAnyPackage(ok))))
                .as("dev.forge." + pkg + " uses no part of Forge but " + String.join(", ", ok)));
    }

    @Test
    void coreDependsOnNothingElseInForge() { mayOnlyUse("core"); }

    @Test
    void storageDependsOnlyOnCore() { mayOnlyUse("storage", "core"); }

    @Test
    void metaDependsOnlyOnCore() { mayOnlyUse("meta", "core"); }

    @Test
    void gitDependsOnlyOnCore() { mayOnlyUse("git", "core"); }

    @Test
    void cardsDependsOnlyOnCore() { mayOnlyUse("cards", "core"); }

    @Test
    void searchDependsOnlyOnCore() { mayOnlyUse("search", "core"); }

    @Test
    void serviceDependsOnTheStoresButNotOnTheEdges() {
        mayOnlyUse("service", "core", "storage", "meta", "git", "cards", "search");
    }

    @Test
    void httpDoesNotDependOnStoresOrCli() {
        check(noClasses().that().resideInAPackage("dev.forge.http..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.forge.meta..", "dev.forge.storage..", "dev.forge.search..", "dev.forge.cli..")
                .because("handlers call services; services own the stores"));
    }

    @Test
    void onlyTheEdgesKnowJettyAndServlets() {
        check(noClasses().that().resideInAPackage("dev.forge..")
                .and().resideOutsideOfPackages("dev.forge.http..", "dev.forge.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "jakarta.servlet..", "javax.servlet.."));
    }
}
