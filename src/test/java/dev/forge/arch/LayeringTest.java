package dev.forge.arch;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.forge.core.ByteRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layering of Forge's main code: {@code core} at the bottom; {@code storage}, {@code meta},
 * {@code git}, {@code cards} and {@code search} beside one another on top of it, none using another; {@code service.*}
 * (one package per capability, no cycles among them) over those; {@code http.*} (one package per surface, no cycles)
 * over the services only; {@code app}, the one wiring root, over everything but the command line; {@code cli} on top.
 * Only {@code http}, {@code app} and {@code cli} know Jetty or the servlet API; only {@code app} reads the wall clock.
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
                "service.lfs", "service.discovery", "service.admin", "service.community", "app", "http", "http.exchange", "http.api", "http.files",
                "http.web",
                "http.lfs", "http.git", "cli"}) {
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
    void theServicePackagesHaveNoCycles() {
        check(slices().matching("dev.forge.service.(*)..").should().beFreeOfCycles());
    }

    @Test
    void theHttpPackagesHaveNoCycles() {
        check(slices().matching("dev.forge.http.(*)..").should().beFreeOfCycles());
    }

    @Test
    void httpDependsOnlyOnServicesAndCore() {
        mayOnlyUse("http", "service", "core");
    }

    @Test
    void appIsUsedOnlyByTheCommandLine() {
        check(noClasses().that().resideOutsideOfPackages("dev.forge.app..", "dev.forge.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.forge.app..")
                .because("the wiring root builds everything; nothing it builds may reach back for other services"));
    }

    @Test
    void storesAreOpenedOnlyByTheWiringRoot() {
        check(noClasses().that().resideOutsideOfPackage("dev.forge.app..")
                .should().callMethod(dev.forge.app.Forge.class, "stores")
                .because("stores are private to the services that own them (tests may inspect them)"));
    }

    /** JGit is an implementation detail of the repository services, except for the smart-HTTP bridge the servlet needs. */
    @Test
    void noJGitTypesInPublicServiceSignatures() {
        check(methods().that().arePublic().and().areDeclaredInClassesThat().resideInAPackage("dev.forge.service..")
                .and().areDeclaredInClassesThat().doNotHaveFullyQualifiedName("dev.forge.service.repo.PushService")
                .and().areDeclaredInClassesThat().doNotHaveFullyQualifiedName("dev.forge.service.repo.PushService$RefChange")
                .should(notMentionJGit())
                .because("services return their own records; JGit stays below them"));
    }

    private static ArchCondition<JavaMethod> notMentionJGit() {
        return new ArchCondition<>("not take or return JGit types") {
            @Override
            public void check(JavaMethod m, ConditionEvents events) {
                boolean jgit = m.getRawReturnType().getPackageName().startsWith("org.eclipse.jgit")
                        || m.getRawParameterTypes().stream().anyMatch(t -> t.getPackageName().startsWith("org.eclipse.jgit"));
                if (jgit) events.add(SimpleConditionEvent.violated(m, m.getFullName() + " mentions a JGit type"));
            }
        };
    }

    /** Time comes from an injected {@code InstantSource}, so tests move a clock instead of sleeping. */
    @Test
    void onlyTheWiringRootReadsTheWallClock() {
        check(noClasses().that().resideOutsideOfPackages("dev.forge.app..", "dev.forge.cli..")
                .should().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.InstantSource.class, "system")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .orShould().callMethod(java.time.LocalDate.class, "now")
                .because("InstantSource is injected everywhere"));
    }

    @Test
    void onlyTheEdgesKnowJettyAndServlets() {
        check(noClasses().that().resideInAPackage("dev.forge..")
                .and().resideOutsideOfPackages("dev.forge.http..", "dev.forge.cli..", "dev.forge.app..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "jakarta.servlet..", "javax.servlet.."));
    }
}
