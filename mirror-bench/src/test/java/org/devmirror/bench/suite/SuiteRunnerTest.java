package org.devmirror.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.devmirror.bench.ThreadScalingBench;
import org.devmirror.device.driver.DeviceWriteLog;
import org.devmirror.trace.ShippedTraces;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.Options;

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
        // No target or plot reads the replay: the quick profile leaves it out. The command line's
        // choice still wins over the registry.
        assertEquals(
                0, new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.ReplayBench"), QUIET).plannedRuns());
        SuiteRunner chosen = new SuiteRunner(
                BenchProfile.FULL,
                Pattern.compile("bench\\.ReplayBench"),
                Map.of("trace", List.of("numpy-arrays")),
                QUIET);
        assertEquals(2, chosen.plannedRuns());
    }

    @Test
    void everyForkRunsWithoutTheOraclesShadow() {
        // A benchmark times what a driver pays; the shadow's end callbacks would add driver-lock
        // traffic between the threads of ThreadScalingBench.
        List<String> args = List.of(SuiteRunner.forkJvmArgs());
        assertTrue(args.contains("-D" + DeviceWriteLog.PROPERTY + "=false"), args::toString);
        assertTrue(args.containsAll(List.of("-Xms2g", "-Xmx2g")), args::toString);
        // a young generation that cannot grow into untouched memory while a benchmark allocates
        assertTrue(args.contains("-Xmn64m"), args::toString);
    }

    @Test
    void withoutParamsBothSelectionsRun() {
        // 7 events (RELEASE has its own benchmark) x 2 policies at 2 MiB, plus CLEAR aware at 4 KiB
        // and UNMAP aware over the sparse 1 GiB.
        SuiteRunner runner = new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.InvalidateBench"), QUIET);
        assertEquals(7 * 2 + 1 + 1, runner.plannedRuns());
    }

    @Test
    void eachThreadCountIsAJmhRunWithAsManyThreads() {
        Map<String, List<String>> params = Map.of("threads", List.of("1", "2", "4"), "size", List.of("2M"));
        List<Map<String, List<String>>> runs = SuiteRunner.byThreadCount(params);
        assertEquals(3, runs.size());
        SuiteRunner runner = new SuiteRunner(BenchProfile.QUICK, Pattern.compile("ThreadScaling"), QUIET);
        BenchSelection s = new BenchSelection(
                List.of("ThreadScalingBench"), params, BenchProfile.QUICK.timing(TimingKind.CONTENDED));
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of("2M"), runs.get(i).get("size"));
            Options o = runner.options(s, runs.get(i)).build();
            int threads = Integer.parseInt(params.get("threads").get(i));
            assertEquals(threads, o.getThreads().get());
            assertEquals(List.of(Integer.toString(threads)), runs.get(i).get("threads"));
            assertEquals(
                    List.of(Integer.toString(threads)),
                    List.copyOf(o.getParameter("threads").get()));
        }
        // anything else is one run, with one thread
        assertEquals(List.of(Map.of("size", List.of("2M"))), SuiteRunner.byThreadCount(Map.of("size", List.of("2M"))));
        assertEquals(
                1,
                runner.options(s, Map.of("size", List.of("2M")))
                        .build()
                        .getThreads()
                        .get());
        // the quick profile plans, per thread count of this machine, the CLEAR and its floor
        assertEquals(2 * ThreadScalingBench.threadCounts().size(), runner.plannedRuns());
    }
}
