package org.devmirror.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.devmirror.bench.probe.Baseline;
import org.devmirror.bench.probe.BaselineEntry;
import org.devmirror.device.driver.PolicyResolver;
import org.devmirror.gate.deterministic.DeterministicProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code devmirror gate} exits 0 on a match, 1 with a table on a change, 2 on bad input. */
class GateCommandTest {
    private static final String CHECK = "DispatchBench.hitNone notifiers=1024";

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int gate(DeterministicProbe probe, String... args) {
        CommandLine cl = DevmirrorCommand.withExitContract(new CommandLine(new GateCommand(probe)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static DeterministicProbe visiting(long nodes) {
        return () -> Baseline.empty().with(CHECK, BaselineEntry.of(0, Map.of("visitedNodes", nodes)));
    }

    @Test
    void recordThenCheckPasses() {
        String file = dir.resolve("baseline.json").toString();

        assertEquals(0, gate(visiting(9), "--baseline", file, "--update-baseline"));
        assertEquals(0, gate(visiting(9), "--baseline", file));

        assertTrue(out.toString().contains("1 checks match"), out.toString());
    }

    @Test
    void changedCounterFailsWithATable() {
        String file = dir.resolve("baseline.json").toString();
        gate(visiting(9), "--baseline", file, "--update-baseline");

        int status = gate(visiting(10), "--baseline", file);

        assertEquals(1, status);
        assertTrue(out.toString().contains("| " + CHECK + " | counters.visitedNodes |"), out.toString());
        assertTrue(out.toString().contains("FAILED"), out.toString());
    }

    @Test
    void missingBaselineIsBadInput() {
        int status = gate(visiting(9), "--baseline", dir.resolve("none.json").toString());

        assertEquals(DevmirrorCommand.EXIT_BAD_INPUT, status);
        assertTrue(err.toString().contains("--update-baseline"), err.toString());
    }

    @Test
    void updateAndAbTogetherAreBadInput() {
        int status = gate(visiting(9), "--update-baseline", "--ab", "main");

        assertEquals(DevmirrorCommand.EXIT_BAD_INPUT, status);
    }

    @Test
    void malformedParamIsBadInput() {
        int status = gate(
                visiting(9),
                "--ab",
                dir.resolve("a.jar").toString(),
                "--candidate",
                dir.resolve("b.jar").toString(),
                "--param",
                "notifiers");

        assertEquals(DevmirrorCommand.EXIT_BAD_INPUT, status);
    }

    @Test
    void abPolicyThatDoesNotResolveIsBadInputBeforeAnyFork() throws java.io.IOException {
        // A candidate jar that exists, so the only thing wrong is the policy.
        Path jar = java.nio.file.Files.createFile(dir.resolve("candidate.jar"));
        int status = gate(
                visiting(9),
                "--ab",
                jar.toString(),
                "--candidate",
                jar.toString(),
                "--policy",
                "com.example.Absent",
                "--work-dir",
                dir.resolve("forks").toString());
        assertEquals(2, status);
        assertTrue(
                err.toString()
                        .startsWith("devmirror gate: --policy=com.example.Absent is not " + PolicyResolver.SHIPPED_NAMES
                                + "," + " and no class of that name is on the class path"),
                err.toString());
        assertTrue(java.nio.file.Files.notExists(dir.resolve("forks")), "no fork ran");
    }

    @Test
    void powerExperimentOfAGitRefIsBadInputBeforeAnyFork() throws java.io.IOException {
        Path jar = java.nio.file.Files.createFile(dir.resolve("candidate.jar"));
        int status = gate(
                visiting(9),
                "--ab",
                "main",
                "--candidate",
                jar.toString(),
                "--power-runs",
                "3",
                "--work-dir",
                dir.resolve("forks").toString());
        assertEquals(2, status);
        assertEquals(
                "devmirror gate: --power-runs times one build against itself: --ab main must be a jar\n",
                err.toString());
        assertTrue(java.nio.file.Files.notExists(dir.resolve("forks")), "no fork ran");
    }

    @Test
    void powerExperimentWithItsOwnInjectionIsBadInput() throws java.io.IOException {
        Path jar = java.nio.file.Files.createFile(dir.resolve("candidate.jar"));
        int status = gate(
                visiting(9),
                "--ab",
                jar.toString(),
                "--candidate",
                jar.toString(),
                "--power-runs",
                "3",
                "--candidate-jvm-arg",
                "-Ddevmirror.inject=slow-zap");
        assertEquals(2, status);
        assertEquals(
                "devmirror gate: --power-runs injects the candidate's slowdowns itself; drop --candidate-jvm-arg\n",
                err.toString());
    }

    @Test
    void abPolicyAndPolicyParamTogetherAreBadInput() throws java.io.IOException {
        Path jar = java.nio.file.Files.createFile(dir.resolve("candidate.jar"));
        int status = gate(
                visiting(9),
                "--ab",
                jar.toString(),
                "--candidate",
                jar.toString(),
                "--policy",
                "blind",
                "--param",
                "policy=aware");
        assertEquals(2, status);
        assertEquals(
                "devmirror gate: --policy blind and --param policy=aware both choose the policy; give one\n",
                err.toString());
    }
}
