package dev.forge.arch;

import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering rules of Forge, over a root package: {@code dev.forge} for the main code ({@link LayeringTest}), and
 * {@code dev.forge.arch.fixture} for small classes that break each rule on purpose ({@link LayeringRulesTest}), which
 * proves every rule can fail. The root's layout is the main code's: {@code core}, the stores, {@code service.*},
 * {@code http.*}, {@code app}, {@code cli}.
 */
final class ForgeRules {
    private ForgeRules() {}

    /** Classes of {@code <root>.<pkg>} may use, inside the root, only their own package and {@code allowed}. */
    static ArchRule mayOnlyUse(String root, String pkg, String... allowed) {
        String[] ok = new String[allowed.length + 1];
        ok[0] = root + "." + pkg + "..";
        for (int i = 0; i < allowed.length; i++) ok[i + 1] = root + "." + allowed[i] + "..";
        return noClasses().that().resideInAPackage(root + "." + pkg + "..")
                .should().dependOnClassesThat(resideInAPackage(root + "..").and(not(resideInAnyPackage(ok))))
                .as(root + "." + pkg + " uses no part of Forge but " + String.join(", ", ok));
    }

    static ArchRule servicePackagesHaveNoCycles(String root) {
        return slices().matching(root + ".service.(*)..").should().beFreeOfCycles();
    }

    static ArchRule httpPackagesHaveNoCycles(String root) {
        return slices().matching(root + ".http.(*)..").should().beFreeOfCycles();
    }

    static ArchRule httpDependsOnlyOnServicesAndCore(String root) {
        return mayOnlyUse(root, "http", "service", "core");
    }

    static ArchRule appIsUsedOnlyByTheCommandLine(String root) {
        return noClasses().that().resideOutsideOfPackages(root + ".app..", root + ".cli..")
                .should().dependOnClassesThat().resideInAPackage(root + ".app..")
                .because("the wiring root builds everything; nothing it builds may reach back for other services");
    }

    static ArchRule storesAreOpenedOnlyByTheWiringRoot(String root) {
        return noClasses().that().resideOutsideOfPackage(root + ".app..")
                .should().callMethod(root + ".app.Forge", "stores")
                .because("stores are private to the services that own them (tests may inspect them)");
    }

    /** JGit is an implementation detail of the repository services, except for the smart-HTTP bridge the servlet needs. */
    static ArchRule noJGitTypesInPublicServiceSignatures(String root) {
        return methods().that().arePublic().and().areDeclaredInClassesThat().resideInAPackage(root + ".service..")
                .and().areDeclaredInClassesThat().doNotHaveFullyQualifiedName(root + ".service.repo.PushService")
                .and().areDeclaredInClassesThat().doNotHaveFullyQualifiedName(root + ".service.repo.PushService$RefChange")
                .should(notMentionJGit())
                .because("services return their own records; JGit stays below them");
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
    static ArchRule onlyTheWiringRootReadsTheWallClock(String root) {
        return noClasses().that().resideInAPackage(root + "..").and().resideOutsideOfPackages(root + ".app..", root + ".cli..")
                .should().callMethod(java.time.Instant.class, "now")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(java.time.InstantSource.class, "system")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .orShould().callMethod(java.time.LocalDate.class, "now")
                .because("InstantSource is injected everywhere");
    }

    static ArchRule onlyTheEdgesKnowJettyAndServlets(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .and().resideOutsideOfPackages(root + ".http..", root + ".cli..", root + ".app..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "jakarta.servlet..", "javax.servlet..");
    }

    /**
     * Services see the blob store through {@code BlobStore} and the capabilities it answers ({@code StorageFigures},
     * {@code Collectable}, {@code Verifiable}, {@code Migratable}), never through a backend class: which store runs
     * is the wiring root's choice, and a store that wraps another keeps working.
     */
    static ArchRule servicesSeeTheBlobStoreOnlyThroughItsInterfaces(String root) {
        String storage = root + ".storage.";
        return noClasses().that().resideInAPackage(root + ".service..")
                .should().dependOnClassesThat().haveFullyQualifiedName(storage + "ChunkStore")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(storage + "LayeredBlobStore")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(storage + "FileBlobStore")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(storage + "InMemoryBlobStore")
                .because("a service asks the store for a capability instead of testing for a class");
    }
}
