package org.devmirror.gate.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.devmirror.gate.stats.GateSettings;
import org.devmirror.gate.stats.ThresholdRule;
import org.devmirror.gate.stats.TimingComparator;
import org.devmirror.gate.stats.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timing gate run for real on this machine: JMH forks of the suite, interleaved; the same
 * build twice must pass, and the same build with injected work on one benchmark must fail. Many
 * minutes long, so only with {@code -Ddevmirror.gate.proof=true} (see docs/gate.md):
 * {@code ./mvnw -B -pl mirror-bench -am test -Dtest=GateProofTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddevmirror.gate.proof=true}. {@link GateProofSmokeTest} runs the same pipeline, too short
 * for a verdict, in every build.
 */
@EnabledIfSystemProperty(named = "devmirror.gate.proof", matches = "true")
class GateProofTest {
    @TempDir
    Path work;

    /** The UNMAP zap of a populated 2 MiB range under the event-aware policy, where slow-zap adds its work. */
    static ForkPlan unmapZapPlan() {
        TreeMap<String, String> params = new TreeMap<>();
        params.put("event", "UNMAP");
        params.put("policy", "aware");
        params.put("size", "2M");
        params.put("populated", "true");
        params.put("bytes", "4096");
        return ForkPlan.of("^org\\.devmirror\\.bench\\.InvalidateBench\\.invalidate$")
                .withParams(params);
    }

    /** The test class path: target/classes (the suite and its benchmark list) and its dependencies. */
    static List<Path> suiteClasspath() {
        List<Path> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator, -1)) {
            cp.add(Path.of(e));
        }
        return cp;
    }

    private TimingGate gate() {
        return new TimingGate(
                new JmhForkLauncher(work, JmhForkLauncher.tasksetAvailable()),
                new TimingComparator(GateSettings.defaults()),
                ThresholdRule.defaults(),
                GateReferences.suite(),
                new PrintWriter(
                        new java.io.OutputStreamWriter(System.out, java.nio.charset.Charset.defaultCharset()), true));
    }

    private static OptionalInt lastCpu() {
        return JmhForkLauncher.tasksetAvailable()
                ? OptionalInt.of(Runtime.getRuntime().availableProcessors() - 1)
                : OptionalInt.empty();
    }

    @Test
    @Timeout(3600)
    void injectedSlowZapIsCaught() throws Exception {
        // Step 1: the candidate's forks run with the suite's test-only switch: every zap of the
        // UNMAP invalidation first rewrites the range's 512 device PTEs twice (write-protect, restore).
        BuildUnderTest base = new BuildUnderTest("base", suiteClasspath(), List.of());
        BuildUnderTest candidate =
                new BuildUnderTest("candidate", suiteClasspath(), List.of("-Ddevmirror.inject=slow-zap"));
        ForkPlan plan = unmapZapPlan().withCpu(lastCpu());

        // Step 2: 9 interleaved rounds and the confirmation rerun must fail the gate on that benchmark.
        TimingGate.Outcome o = gate().run(base, candidate, plan, 9);

        System.out.println(TimingTable.render(o));
        assertTrue(o.failed(), TimingTable.render(o));
        TimingGate.Row unmap = o.rows().stream()
                .filter(r -> r.first().benchmark().startsWith("InvalidateBench.invalidate"))
                .findFirst()
                .orElseThrow();
        assertEquals(Verdict.REGRESSION, unmap.verdict(), TimingTable.render(o));
    }

    @Test
    @Timeout(1800)
    void sameBuildTwicePasses() throws Exception {
        // Step 1: the same build on both sides, dispatch over 1 Ki notifiers and its references.
        BuildUnderTest base = new BuildUnderTest("base", suiteClasspath(), List.of());
        BuildUnderTest candidate = new BuildUnderTest("candidate", suiteClasspath(), List.of());
        TreeMap<String, String> params = new TreeMap<>();
        params.put("notifiers", "1024");
        params.put("ranges", "1024");
        params.put("bytes", "4096");
        ForkPlan plan = ForkPlan.of("DispatchBench.hitNone$").withParams(params).withCpu(lastCpu());

        // Step 2: 9 interleaved rounds; an A/A run must not fail.
        TimingGate.Outcome o = gate().run(base, candidate, plan, 9);

        System.out.println(TimingTable.render(o));
        assertFalse(o.failed(), TimingTable.render(o));
    }
}
