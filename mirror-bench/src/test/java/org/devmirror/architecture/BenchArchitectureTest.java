package org.devmirror.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.devmirror.mm.InvalidationRanges;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of devmirror, checked on the main classes of all three modules
 * (mirror-bench's class path holds them all; test classes and the test jars are left out):
 * mirror-core uses neither the device nor the bench module, device-model does not use the bench
 * module, no module has a package cycle, JMH benchmark classes live in {@code org.devmirror.bench}
 * alone, and the command line calls only into the packages it fronts.
 */
class BenchArchitectureTest {
    /** mirror-core's packages. */
    static final String[] CORE = {"org.devmirror.mm..", "org.devmirror.notifier..", "org.devmirror.hmm.."};
    /** device-model's packages. */
    static final String DEVICE = "org.devmirror.device..";
    /** mirror-bench's packages. */
    static final String[] BENCH = {
        "org.devmirror.bench..",
        "org.devmirror.gate..",
        "org.devmirror.scenario..",
        "org.devmirror.trace..",
        "org.devmirror.replay..",
        "org.devmirror.observe..",
        "org.devmirror.demo..",
        "org.devmirror.json..",
        "org.devmirror.cli..",
        "org.devmirror.compare.."
    };

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("org.devmirror");
    }

    @Test
    void theClassesWereFound() {
        // A rule over no classes passes whatever it says: make sure all three modules are here,
        // and that the test jars' fixtures are not.
        assertTrue(classes.contain("org.devmirror.mm.AddressSpace"));
        assertTrue(classes.contain("org.devmirror.device.driver.InvalidationPolicy"));
        assertTrue(classes.contain("org.devmirror.cli.DevmirrorCommand"));
        assertFalse(classes.contain("org.devmirror.device.DeviceFixture"));
    }

    @Test
    void coreUsesNeitherDeviceNorBench() {
        noClasses()
                .that()
                .resideInAnyPackage(CORE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEVICE)
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage(BENCH)
                .check(classes);
    }

    @Test
    void deviceDoesNotUseBench() {
        noClasses()
                .that()
                .resideInAPackage(DEVICE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(BENCH)
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        // Every package is its own slice; modules cannot form cycles with each other (Maven forbids it).
        slices().matching("org.devmirror.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void benchmarksLiveInTheBenchPackageOnly() {
        methods()
                .that()
                .areAnnotatedWith("org.openjdk.jmh.annotations.Benchmark")
                .should()
                .beDeclaredInClassesThat()
                .resideInAPackage("org.devmirror.bench")
                .check(classes);
        // JMH's annotations (@State, @Param, @Setup, ...) mark benchmark code; Mode, an enum of the
        // same package, is result data the report reads, so only the annotation types count.
        noClasses()
                .that()
                .resideOutsideOfPackages("org.devmirror.bench", "org.devmirror.bench.jmh_generated")
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are JMH annotations",
                        c -> c.isAnnotation() && c.getPackageName().equals("org.openjdk.jmh.annotations")))
                .check(classes);
    }

    @Test
    void commandLineCallsOnlyWhatItFronts() {
        classes()
                .that()
                .resideInAPackage("org.devmirror.cli")
                .should()
                .onlyDependOnClassesThat(JavaClass.Predicates.resideInAnyPackage(
                                "org.devmirror.cli",
                                // bench: the suite runner, its report, the probe's baseline
                                "org.devmirror.bench.suite",
                                "org.devmirror.bench.report",
                                "org.devmirror.bench.probe",
                                // gate: the deterministic check and the A/B run
                                "org.devmirror.gate.deterministic",
                                "org.devmirror.gate.ab",
                                // run, replay (and the trace it reads), demo, and the policy names they take
                                "org.devmirror.scenario.model",
                                "org.devmirror.scenario.syntax",
                                "org.devmirror.scenario.run",
                                "org.devmirror.replay",
                                "org.devmirror.trace",
                                "org.devmirror.demo",
                                "org.devmirror.device.driver",
                                "org.devmirror.json",
                                // compare, and the cost profile every report prices device work by (named or a file)
                                "org.devmirror.compare",
                                "org.devmirror.device.cost",
                                "org.devmirror.observe",
                                // reading the user's files and echoing them to a terminal safely
                                "org.devmirror.input",
                                "java..",
                                "picocli..",
                                "org.openjdk.jmh.results..",
                                "org.openjdk.jmh.runner..",
                                "tools.jackson..")
                        // --ranges of run and replay names the host's invalidation ranges
                        .or(JavaClass.Predicates.equivalentTo(InvalidationRanges.class)))
                .check(classes);
    }

    /** The scenario language's parts. */
    static final String SCENARIO_MODEL = "org.devmirror.scenario.model";

    static final String SCENARIO_SYNTAX = "org.devmirror.scenario.syntax";
    static final String SCENARIO_RUN = "org.devmirror.scenario.run";

    @Test
    void scenarioModelDependsOnNeitherSyntaxNorRun() {
        noClasses()
                .that()
                .resideInAPackage(SCENARIO_MODEL)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SCENARIO_SYNTAX, SCENARIO_RUN)
                .check(classes);
    }

    @Test
    void scenarioSyntaxBuildsTheModelAndRunsNothing() {
        noClasses()
                .that()
                .resideInAPackage(SCENARIO_SYNTAX)
                .should()
                .dependOnClassesThat()
                .resideInAPackage(SCENARIO_RUN)
                .check(classes);
        // The parser's product is the model: ScenarioParser.parse returns a Scenario.
        classes()
                .that()
                .haveFullyQualifiedName(SCENARIO_SYNTAX + ".ScenarioParser")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName(SCENARIO_MODEL + ".Scenario")
                .check(classes);
    }

    @Test
    void scenarioRunUsesTheModelAndOnlyThePrinterOfSyntax() {
        // The runner evaluates parsed statements; from the syntax it takes only the writing back of
        // an operation (the operation-syntax table's other half), never the parser.
        noClasses()
                .that()
                .resideInAPackage(SCENARIO_RUN)
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are scenario syntax other than OperationText",
                        c -> c.getPackageName().equals(SCENARIO_SYNTAX)
                                && !c.getSimpleName().equals("OperationText")))
                .check(classes);
        classes()
                .that()
                .haveFullyQualifiedName(SCENARIO_RUN + ".ScenarioRunner")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(SCENARIO_MODEL)
                .check(classes);
    }

    @Test
    void theScenarioPackageItselfIsEmpty() {
        // Its classes live in model, syntax and run; nothing goes back to one flat package.
        noClasses()
                .should()
                .resideInAPackage("org.devmirror.scenario")
                .allowEmptyShould(true)
                .check(classes);
    }
}
