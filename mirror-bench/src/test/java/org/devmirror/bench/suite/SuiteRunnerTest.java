package org.devmirror.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How many runs the suite plans for a documented subset ({@code --include}, {@code --param}). */
class SuiteRunnerTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void paramsThatMakeTwoSelectionsEqualRunThemOnce() {
        // The quick profile times InvalidateBench twice (2 MiB, every event and policy; CLEAR aware
        // 4 KiB); fixing every parameter makes both selections the same single run.
        Map<String, List<String>> params = Map.of("event", List.of("SOFT_DIRTY"), "size", List.of("2M"),
                "populated", List.of("true"), "policy", List.of("aware", "blind", "com.example.policy.DmirrorStylePolicy"));
        SuiteRunner runner = new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.InvalidateBench"), params, QUIET);
        assertEquals(3, runner.plannedRuns());
    }

    @Test
    void withoutParamsBothSelectionsRun() {
        // 7 events (RELEASE has its own benchmark) x 2 policies at 2 MiB, plus CLEAR aware at 4 KiB.
        SuiteRunner runner = new SuiteRunner(BenchProfile.QUICK, Pattern.compile("bench\\.InvalidateBench"), QUIET);
        assertEquals(7 * 2 + 1, runner.plannedRuns());
    }
}
