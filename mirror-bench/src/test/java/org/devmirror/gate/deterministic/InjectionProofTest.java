package org.devmirror.gate.deterministic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.devmirror.bench.probe.Baseline;
import org.devmirror.bench.probe.BaselineDiff;
import org.devmirror.bench.probe.WorkProbe;
import org.devmirror.gate.ab.ForkPlan;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deterministic gate catches real injected work: the suite's test-only switch
 * {@code -Ddevmirror.inject=alloc|extra-pte-write} (read once per JVM, so each run is its own JVM)
 * makes the UNMAP invalidation of a populated 2 MiB range allocate, or write one more device PTE,
 * and the gate's diff against the committed {@code perf/baseline.json} must name exactly that.
 */
class InjectionProofTest {
    static final String CHECK = "invalidate event=UNMAP policy=aware size=2M";

    /** Child JVM entry: prints one check's measurement as baseline JSON. */
    public static void main(String[] args) {
        Baseline b = Baseline.empty()
                .with(
                        CHECK,
                        WorkProbe.invalidate(MmuNotifierEvent.UNMAP, "aware", "2M", SuiteProbe.ROUNDS)
                                .toBaselineEntry());
        System.out.print(b.toJson());
    }

    /** The UNMAP check measured in a JVM started with {@code -Ddevmirror.inject=<injection>}. */
    private static Baseline measuredWith(String injection) throws Exception {
        List<String> cmd = List.of(
                ForkPlan.currentJava().toString(),
                "-Ddevmirror.inject=" + injection,
                "-cp",
                System.getProperty("java.class.path"),
                InjectionProofTest.class.getName());
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("probe JVM with devmirror.inject=" + injection + " failed: " + out);
        }
        return Baseline.parse(out, "WorkProbe output");
    }

    /** The committed baseline's entry for the check, alone. */
    private static Baseline recorded() throws Exception {
        return Baseline.empty()
                .with(
                        CHECK,
                        Baseline.load(java.nio.file.Path.of("..", "perf", "baseline.json"))
                                .checks()
                                .get(CHECK));
    }

    @Test
    @Timeout(300)
    void withoutInjectionTheCheckMatches() throws Exception {
        BaselineDiff diff = recorded().diff(measuredWith("none"));

        assertTrue(diff.isEmpty(), diff.toTable());
    }

    @Test
    @Timeout(300)
    void injectedAllocationIsCaught() throws Exception {
        // Step 1: every invalidation allocates one long[2] (32 bytes with its header).
        BaselineDiff diff = recorded().diff(measuredWith("alloc"));

        // Step 2: the allocation is the one value that changed.
        assertEquals(1, diff.changes().size(), diff.toTable());
        BaselineDiff.Change c = diff.changes().get(0);
        assertEquals(BaselineDiff.ALLOC_METRIC, c.metric());
        assertEquals("0", c.baseline());
        assertTrue(Long.parseLong(c.now()) >= 16, diff.toTable());
    }

    @Test
    @Timeout(300)
    void injectedExtraPteWriteIsCaught() throws Exception {
        BaselineDiff diff = recorded().diff(measuredWith("extra-pte-write"));

        Map<String, Long> recorded = recorded().checks().get(CHECK).counters();
        assertEquals(
                List.of(new BaselineDiff.Change(
                        CHECK,
                        "counters.ptesWritten",
                        Long.toString(recorded.get("ptesWritten")),
                        Long.toString(recorded.get("ptesWritten") + 1))),
                diff.changes(),
                diff.toTable());
    }
}
