package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.devmirror.gate.stats.Comparison;
import org.devmirror.gate.stats.GateSettings;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke run of {@link GateProofTest} in every {@code ./mvnw -B verify}: the same pipeline
 * (real JMH forks of the suite, interleaved, the candidate's forks with the injected slow zap, the
 * references added and divided out, the comparison and its table) at the smallest size the gate
 * accepts: two forks a side of one 100 ms iteration. Too short for a verdict to mean anything,
 * so it asserts that every stage ran and produced consistent figures, not what they say; the
 * statistical claims are {@link GateProofTest}'s.
 */
class GateProofSmokeTest {
    @TempDir
    Path work;

    @Test
    @Timeout(300)
    void theProofPipelineRunsEndToEnd() throws Exception {
        // Step 1: the injected build against the plain one, over the UNMAP zap the proof gates on.
        List<Path> cp = GateProofTest.suiteClasspath();
        BuildUnderTest base = new BuildUnderTest("base", cp, List.of());
        BuildUnderTest candidate = new BuildUnderTest("candidate", cp, List.of("-Ddevmirror.inject=slow-zap"));
        ForkPlan plan =
                GateProofTest.unmapZapPlan().withIterations(OptionalInt.of(1), OptionalInt.of(1), OptionalInt.of(100));
        GateSettings settings =
                new GateSettings(0.05, 0.95, 1_000, 2, GateSettings.defaults().seed());
        StringWriter progress = new StringWriter();
        TimingGate gate = new TimingGate(
                new JmhForkLauncher(work, false),
                new TimingComparator(settings),
                ThresholdRule.defaults(),
                GateReferences.suite(),
                new PrintWriter(progress, true));

        // Step 2: two interleaved rounds.
        TimingGate.Outcome o = gate.run(base, candidate, plan, 2);
        String table = TimingTable.render(o);
        System.out.println(progress + table);

        // Step 3: the zap row gates and is divided by a reference that was measured too, as a
        // non-gating row; every median is a measured time and the ratio is theirs.
        TimingGate.Row zap = o.rows().stream()
                .filter(r -> r.first().benchmark().startsWith("InvalidateBench.invalidate"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no InvalidateBench row:\n" + table));
        assertTrue(zap.gating(), table);
        String reference = zap.reference().orElseThrow(() -> new AssertionError("no reference:\n" + table));
        assertTrue(
                o.rows().stream()
                        .anyMatch(r -> !r.gating() && r.first().benchmark().contains(reference)),
                "the reference " + reference + " has its own, non-gating row:\n" + table);
        for (TimingGate.Row r : o.rows()) {
            Comparison c = r.first();
            assertTrue(c.baseMedian() > 0 && c.candidateMedian() > 0, table);
            assertEquals(c.candidateMedian() / c.baseMedian(), c.ratio(), 1e-9 * c.ratio(), table);
            assertNotNull(r.verdict(), table);
            assertTrue(table.contains(c.benchmark()), table);
        }
    }
}
