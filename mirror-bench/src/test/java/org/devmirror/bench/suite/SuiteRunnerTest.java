package org.devmirror.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.devmirror.trace.ShippedTraces;
import org.junit.jupiter.api.Test;

/** How many runs the suite plans for a documented subset ({@code --include}, {@code --param}). */
class SuiteRunnerTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void paramsThatMakeTwoSelectionsEqualRunThemOnce() {
        // The quick profile times InvalidateBench twice (2 MiB, every event and policy; CLEAR aware
        // 4 KiB); fixing every parameter makes both selections the same single run.
        Map<String, List<String>> params = Map.of(
                "event",
                List.of("SOFT_DIRTY"),
                "size",
                List.of("2M"),
                "populated",
                List.of("true"),
                "policy",
                List.of("aware", "blind", "com.example.policy.DmirrorStylePolicy"));
        SuiteRunner runner =
                new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.InvalidateBench"), params, QUIET);
        assertEquals(3, runner.plannedRuns());
    }

    @Test
    void theFullProfileReplaysEveryShippedTraceUnderBothPolicies() throws IOException {
        // ReplayBench's trace parameter has no values of its own: the suite takes the registry's.
        List<String> shipped = ShippedTraces.names(SuiteRunner.tracesDirectory());
        assertTrue(shipped.containsAll(List.of("gcc-hello", "redis-bgsave")), shipped::toString);
        SuiteRunner full = new SuiteRunner(BenchProfile.FULL, Pattern.compile("bench\\.ReplayBench"), QUIET);
        assertEquals(shipped.size() * 2, full.plannedRuns());
        // The quick profile's one trace, and the command line's choice, still win over the registry.
        assertEquals(
                2, new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.ReplayBench"), QUIET).plannedRuns());
        SuiteRunner chosen = new SuiteRunner(
                BenchProfile.FULL,
                Pattern.compile("bench\\.ReplayBench"),
                Map.of("trace", List.of("numpy-arrays")),
                QUIET);
        assertEquals(2, chosen.plannedRuns());
    }

    @Test
    void withoutParamsBothSelectionsRun() {
        // 7 events (RELEASE has its own benchmark) x 2 policies at 2 MiB, plus CLEAR aware at 4 KiB.
        SuiteRunner runner = new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.InvalidateBench"), QUIET);
        assertEquals(7 * 2 + 1, runner.plannedRuns());
    }
}
