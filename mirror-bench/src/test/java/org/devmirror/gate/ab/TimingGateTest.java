package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.devmirror.gate.stats.GateSettings;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;
import org.devmirror.gate.stats.Verdict;
import org.junit.jupiter.api.Test;

/** The timing gate's engine over a modelled noisy machine: quiet on A/A, catches and confirms real slowdowns. */
class TimingGateTest {
    private static final int FORKS = 9;
    private static final BuildUnderTest BASE = new BuildUnderTest("base", List.of(Path.of("base.jar")), List.of());
    private static final BuildUnderTest CANDIDATE =
            new BuildUnderTest("candidate", List.of(Path.of("candidate.jar")), List.of());
    private static final ForkPlan ALL = plan("InvalidateBench|DispatchBench");

    private final StringWriter log = new StringWriter();

    private static ForkPlan plan(String include) {
        return ForkPlan.of(include);
    }

    private TimingGate gate(NoisyMachine machine) {
        return new TimingGate(
                machine,
                new TimingComparator(GateSettings.defaults()),
                ThresholdRule.defaults(),
                GateReferences.suite(),
                new PrintWriter(log, true));
    }

    private static TimingGate.Row row(TimingGate.Outcome o, String label) {
        return o.rows().stream()
                .filter(r -> r.first().benchmark().equals(label))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void sameBuildTwicePasses() throws Exception {
        // Two identical builds under 15% fork-to-fork drift: normalisation cancels the drift.
        NoisyMachine machine = new NoisyMachine(7);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, FORKS);

        assertFalse(o.failed(), TimingTable.render(o));
        // Normalised noise is about 4% (3% per benchmark, twice): 9 forks resolve the dispatch
        // benchmark's 10% threshold, not the invalidation's 5%, and the gate says so.
        assertEquals(
                Verdict.NO_CHANGE,
                row(o, "DispatchBench.hitNone notifiers=1024").verdict(),
                TimingTable.render(o));
        TimingGate.Row invalidate = row(o, "InvalidateBench.invalidate");
        assertEquals(Verdict.INCONCLUSIVE, invalidate.verdict(), TimingTable.render(o));
        assertTrue(invalidate.first().power().mde() > 0.05, TimingTable.render(o));
        int needed = invalidate.first().power().forksToResolve();
        assertTrue(needed > FORKS, TimingTable.render(o));
        assertEquals(
                "gate: 1 benchmark(s) INCONCLUSIVE: at the noise seen, resolving every threshold needs " + needed
                        + " forks per side (this run had 9; --forks N), or a quieter machine.\n",
                TimingTable.summary(o, FORKS).replace(System.lineSeparator(), "\n"));
        // No suspect, no rerun: 9 rounds of two forks.
        assertEquals(2 * FORKS, machine.calls());
    }

    @Test
    void underTheCpuClockNoReferenceIsMeasuredAndForksAreComparedRaw() throws Exception {
        // The same machine and seed as sameBuildTwicePasses: its 15% drift is time a neighbour held
        // the core, which the workers' CPU time does not contain.
        NoisyMachine machine = new NoisyMachine(7);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL.withClock(ForkClock.THREAD_CPU), FORKS);

        assertTrue(machine.plans.stream().noneMatch(p -> p.include().contains("FloorBench")), machine.plans::toString);
        TimingGate.Row invalidate = row(o, "InvalidateBench.invalidate");
        assertTrue(invalidate.reference().isEmpty(), TimingTable.render(o));
        // 3% noise per fork: 9 forks are sharp enough for the invalidation's 5% threshold. By the
        // wall clock and normalised, the same forks needed more (sameBuildTwicePasses).
        assertTrue(invalidate.first().power().mde() <= 0.05, TimingTable.render(o));
        assertEquals(FORKS, invalidate.first().power().forksToResolve(), TimingTable.render(o));
        assertFalse(o.failed(), TimingTable.render(o));
    }

    @Test
    void aSlowdownIsCaughtByTheCpuClock() throws Exception {
        NoisyMachine machine = new NoisyMachine(11).slowCandidate(NoisyMachine.INVALIDATE, 1.2);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL.withClock(ForkClock.THREAD_CPU), FORKS);

        assertTrue(o.failed(), TimingTable.render(o));
        assertEquals(Verdict.REGRESSION, row(o, "InvalidateBench.invalidate").verdict(), TimingTable.render(o));
    }

    @Test
    void doubledWorkIsAConfirmedRegression() throws Exception {
        NoisyMachine machine = new NoisyMachine(11).slowCandidate(NoisyMachine.INVALIDATE, 2.0);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, FORKS);

        TimingGate.Row r = row(o, "InvalidateBench.invalidate");
        assertEquals(Verdict.REGRESSION, r.first().verdict(), TimingTable.render(o));
        assertEquals(Verdict.REGRESSION, r.rerun().orElseThrow().verdict());
        assertEquals(Verdict.REGRESSION, r.verdict());
        assertEquals(Optional.of("FloorBench.fill bytes=4096"), r.reference());
        assertTrue(r.first().ratio() > 1.8 && r.first().ratio() < 2.2, TimingTable.render(o));
        assertTrue(o.failed());
        // The dispatch benchmark was untouched and is not rerun.
        assertEquals(
                Verdict.NO_CHANGE,
                row(o, "DispatchBench.hitNone notifiers=1024").verdict());
        // The rerun ran only the suspect and its reference.
        String rerunInclude = machine.plans.get(machine.plans.size() - 1).include();
        assertEquals(
                TimingGate.exactly(new java.util.LinkedHashSet<>(List.of(NoisyMachine.INVALIDATE, NoisyMachine.FILL))),
                rerunInclude);
        assertEquals(4 * FORKS, machine.calls());
    }

    @Test
    void regressionTheRerunDoesNotSeeDoesNotFail() throws Exception {
        // The candidate is slow only during the first run (a transient disturbance of its forks).
        NoisyMachine machine = new NoisyMachine(13)
                .slowCandidate(NoisyMachine.INVALIDATE, 1.5)
                .slowdownOnlyWhile(call -> call < 2 * FORKS);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, FORKS);

        TimingGate.Row r = row(o, "InvalidateBench.invalidate");
        assertEquals(Verdict.REGRESSION, r.first().verdict(), TimingTable.render(o));
        assertTrue(r.rerun().orElseThrow().verdict() != Verdict.REGRESSION, TimingTable.render(o));
        assertEquals(Verdict.INCONCLUSIVE, r.verdict(), "the runs disagree: the gate cannot tell");
        assertFalse(o.failed());
    }

    @Test
    void smallSlowdownUnderTheThresholdPasses() throws Exception {
        // 3% slower on a 300 ns benchmark: below the 5% threshold, whatever the test says.
        NoisyMachine machine = new NoisyMachine(17).slowCandidate(NoisyMachine.INVALIDATE, 1.03);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, FORKS);

        assertFalse(o.failed(), TimingTable.render(o));
        assertEquals(0.05, row(o, "InvalidateBench.invalidate").first().threshold());
        assertEquals(
                0.10, row(o, "DispatchBench.hitNone notifiers=1024").first().threshold());
    }

    @Test
    void slowerReferenceNeverFailsTheGate() throws Exception {
        NoisyMachine machine = new NoisyMachine(19).slowCandidate(NoisyMachine.FILL, 1.5);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, FORKS);

        TimingGate.Row fill = row(o, "FloorBench.fill bytes=4096");
        assertFalse(fill.gating());
        assertEquals(Verdict.REGRESSION, fill.first().verdict(), TimingTable.render(o));
        assertTrue(fill.rerun().isEmpty());
        assertFalse(o.failed());
        assertTrue(TimingTable.render(o).contains("reference"));
    }

    @Test
    void dispatchIsNormalisedByTheLookupOfAsManyEntries() throws Exception {
        NoisyMachine machine = new NoisyMachine(23);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, plan("DispatchBench"), FORKS);

        assertEquals(
                Optional.of("LookupReferenceBench.treeMapFloorMiss ranges=1024"),
                row(o, "DispatchBench.hitNone notifiers=1024").reference());
        // The median normalised score is about the cost ratio 50 / 40.
        assertEquals(
                1.25, row(o, "DispatchBench.hitNone notifiers=1024").first().baseMedian(), 0.05);
    }

    @Test
    void sequentialRunExtendsWhatNineForksCannotResolve() throws Exception {
        // The same A/A run as sameBuildTwicePasses: 9 forks leave the invalidation INCONCLUSIVE;
        // looking every 9 rounds up to 45, with alpha spent over 5 looks, resolves it.
        NoisyMachine machine = new NoisyMachine(7);
        SequentialDesign design = new SequentialDesign(9, 45, 9);

        TimingGate.Outcome o = gate(machine).run(BASE, CANDIDATE, ALL, design);

        TimingGate.Row invalidate = row(o, "InvalidateBench.invalidate");
        assertEquals(Verdict.NO_CHANGE, invalidate.verdict(), TimingTable.render(o) + log);
        assertFalse(o.failed());
        assertTrue(machine.calls() > 2 * FORKS && machine.calls() <= 2 * 45, "calls " + machine.calls());
        assertEquals(0, machine.calls() % (2 * 9), "whole looks of 9 rounds: " + machine.calls());
        assertTrue(
                log.toString()
                        .contains("INCONCLUSIVE after 9 rounds; extending to 18 (alpha 0.0100 per look over 5 looks)"),
                log.toString());
    }

    @Test
    void sequentialRunStopsAtTheFirstLookWhenTheVerdictIsClear() throws Exception {
        NoisyMachine machine = new NoisyMachine(11).slowCandidate(NoisyMachine.INVALIDATE, 2.0);

        TimingGate.Outcome o =
                gate(machine).run(BASE, CANDIDATE, plan("InvalidateBench"), new SequentialDesign(9, 45, 9));

        assertEquals(Verdict.REGRESSION, row(o, "InvalidateBench.invalidate").verdict(), TimingTable.render(o));
        // The first run and the rerun both stopped at their first look.
        assertEquals(4 * FORKS, machine.calls());
    }

    @Test
    void sequentialDesignSpendsAlphaOverItsLooks() {
        SequentialDesign d = new SequentialDesign(9, 45, 9);
        assertEquals(5, d.looks());
        assertEquals(18, d.nextLook(9));
        assertEquals(45, d.nextLook(40));
        assertEquals(6, new SequentialDesign(9, 30, 5).looks(), "9, 14, 19, 24, 29, 30");
        assertEquals(0.01, d.perLook(GateSettings.defaults()).alpha(), 1e-15);
        assertEquals(0.99, d.perLook(GateSettings.defaults()).level(), 1e-15);
        assertEquals(GateSettings.defaults(), SequentialDesign.fixed(9).perLook(GateSettings.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new SequentialDesign(9, 8, 1));
    }

    @Test
    void buildsAlternateWhichRunsFirstEveryRound() throws Exception {
        List<String> order = new java.util.ArrayList<>();
        NoisyMachine machine = new NoisyMachine(31);
        ForkRunner recording = (build, plan, round) -> {
            order.add(round + build.name());
            return machine.runFork(build, plan, round);
        };
        new InterleavedRun(recording, new PrintWriter(log, true)).run(BASE, CANDIDATE, ALL, 4);

        assertEquals(
                List.of("0base", "0candidate", "1candidate", "1base", "2base", "2candidate", "3candidate", "3base"),
                order);
    }

    @Test
    void fewerForksThanTheMinimumIsRejectedBeforeRunning() {
        NoisyMachine machine = new NoisyMachine(29);

        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> gate(machine).run(BASE, CANDIDATE, ALL, 8));

        assertEquals("forks=8 is below the gate's minimum of 9 per side", e.getMessage());
        assertEquals(0, machine.calls());
    }

    @Test
    void buildsMeasuringDifferentBenchmarksAreRejected() {
        // The candidate lacks the invalidation benchmark: rounds cannot be compared.
        ForkRunner runner = (build, plan, round) -> build.name().equals("base")
                ? List.of(
                        NoisyMachine.result(NoisyMachine.FILL, 100), NoisyMachine.result(NoisyMachine.INVALIDATE, 300))
                : List.of(NoisyMachine.result(NoisyMachine.FILL, 100));
        TimingGate g = new TimingGate(
                runner,
                new TimingComparator(GateSettings.defaults()),
                ThresholdRule.defaults(),
                GateReferences.suite(),
                new PrintWriter(log, true));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.run(BASE, CANDIDATE, ALL, FORKS));

        assertTrue(e.getMessage().contains("both builds must hold the same benchmarks"), e.getMessage());
    }
}
