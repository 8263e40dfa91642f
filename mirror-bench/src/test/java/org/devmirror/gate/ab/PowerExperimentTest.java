package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.devmirror.gate.stats.GateSettings;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;
import org.devmirror.gate.stats.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The power experiment over the modelled noisy machine: catch rates by injected size, the A/A false-alarm rate, the files. */
class PowerExperimentTest {
    private static final BuildUnderTest BUILD =
            new BuildUnderTest("build", List.of(Path.of("devmirror.jar")), List.of());
    private static final ForkPlan INVALIDATE = ForkPlan.of("InvalidateBench");

    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    private NoisyMachine lastMachine;

    private List<PowerExperiment.Trial> run(NoisyMachine machine, List<Integer> sizes, int runs, List<String> names)
            throws Exception {
        lastMachine = machine;
        PrintWriter progress = new PrintWriter(log, true);
        PowerExperiment e = new PowerExperiment(
                name -> {
                    names.add(name);
                    return new TimingGate(
                            machine,
                            new TimingComparator(GateSettings.defaults()),
                            ThresholdRule.defaults(),
                            GateReferences.suite(),
                            progress);
                },
                progress);
        return e.run(
                BUILD,
                INVALIDATE,
                SequentialDesign.fixed(9),
                sizes.stream().map(PowerExperiment.Size::new).toList(),
                runs,
                dir.resolve("trials.tsv"));
    }

    @Test
    void largeInjectedSlowdownsAreCaughtAndAaRunsNeverFail() throws Exception {
        // Normalised noise of about 4%: +50% is caught in every run, A/A fails none.
        List<String> names = new ArrayList<>();
        List<PowerExperiment.Trial> trials = run(new NoisyMachine(41), List.of(0, 20, 50), 6, names);

        List<PowerTally.Row> rows = PowerTally.tally(trials);

        assertEquals(
                List.of(0, 20, 50), rows.stream().map(r -> r.size().percent()).toList());
        PowerTally.Row aa = rows.get(0);
        PowerTally.Row plus20 = rows.get(1);
        PowerTally.Row plus50 = rows.get(2);
        assertEquals(6, aa.runs());
        assertEquals(0, aa.failed(), PowerTally.table(rows));
        assertEquals(6, plus50.failed(), PowerTally.table(rows));
        assertTrue(plus20.failed() >= 5, PowerTally.table(rows));
        // The ratio the gate saw is the injected slowdown, within the noise.
        assertEquals(1.0, aa.medianRatio(), 0.05, PowerTally.table(rows));
        assertEquals(1.2, plus20.medianRatio(), 0.05, PowerTally.table(rows));
        assertEquals(1.5, plus50.medianRatio(), 0.08, PowerTally.table(rows));
        for (PowerTally.Row r : rows) {
            assertEquals(
                    r.runs(),
                    r.failed()
                            + r.inconclusive()
                            + r.noChange()
                            + (int) trials.stream()
                                    .filter(t -> t.size().equals(r.size()) && t.verdict() == Verdict.IMPROVEMENT)
                                    .count());
        }
        // Sizes interleave: run 1 of every size, then run 2.
        assertEquals(List.of("aa-run01", "plus20-run01", "plus50-run01", "aa-run02"), names.subList(0, 4));
        // The trials file holds every trial, readable back.
        assertEquals(
                trials.size(), PowerExperiment.read(dir.resolve("trials.tsv")).size());
        assertEquals(
                trials.get(4).verdict(),
                PowerExperiment.read(dir.resolve("trials.tsv")).get(4).verdict());
        assertTrue(PowerTally.table(rows).contains("| +20%"), PowerTally.table(rows));
        assertTrue(log.toString().contains("power: +50% run 6/6: REGRESSION"), log.toString());
        // Both sides read the clock as slow:P does; only the candidate waits, and A/A waits on neither.
        assertEquals(Set.of("-Ddevmirror.inject=slow:0"), lastMachine.injections.get("base"));
        assertEquals(
                Set.of("-Ddevmirror.inject=slow:0", "-Ddevmirror.inject=slow:20", "-Ddevmirror.inject=slow:50"),
                lastMachine.injections.get("candidate"));
    }

    @Test
    void powerCurveIsWrittenAsPngAndSvg() throws Exception {
        List<PowerExperiment.Trial> trials = run(new NoisyMachine(43), List.of(0, 50), 1, new ArrayList<>());

        var files = PowerTally.plot(PowerTally.tally(trials), dir, "power-curve");

        assertTrue(Files.size(files.png()) > 1000);
        assertTrue(Files.readString(files.svg()).contains("<svg"));
    }

    @Test
    void wilsonIntervalsOfTheEdgesAreNotZeroWidth() {
        assertArrayEquals(new double[] {0, 0.2775}, PowerTally.wilson(0, 10), 1e-4);
        assertArrayEquals(new double[] {0.7225, 1}, PowerTally.wilson(10, 10), 1e-4);
        assertArrayEquals(new double[] {0.2366, 0.7634}, PowerTally.wilson(5, 10), 1e-4);
    }

    @Test
    void anExperimentTimingTwoGatingBenchmarksIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            PrintWriter progress = new PrintWriter(log, true);
            new PowerExperiment(
                            name -> new TimingGate(
                                    new NoisyMachine(47),
                                    new TimingComparator(GateSettings.defaults()),
                                    ThresholdRule.defaults(),
                                    GateReferences.suite(),
                                    progress),
                            progress)
                    .run(
                            BUILD,
                            ForkPlan.of("InvalidateBench|DispatchBench"),
                            SequentialDesign.fixed(9),
                            List.of(new PowerExperiment.Size(0)),
                            1,
                            dir.resolve("trials.tsv"));
        });
        assertTrue(e.getMessage().contains("exactly one gating benchmark"), e.getMessage());
    }
}
