package org.devmirror.gate.deterministic;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deterministic gate as CI runs it: devmirror's hot paths, measured now, against the
 * committed {@code perf/baseline.json}. A drift fails {@code ./mvnw verify} (and so
 * {@code .ci/run}) with the table {@code ./devmirror gate} would print.
 */
class BaselineGateTest {

    @Test
    @Timeout(600)
    void hotPathsMatchTheCommittedBaseline() throws Exception {
        // Surefire runs in mirror-bench/; the baseline lives at the repository's top.
        Path baseline = Path.of("..", "perf", "baseline.json");

        DeterministicGate.Outcome o = new DeterministicGate(baseline, new SuiteProbe()).check();

        assertTrue(
                o.passed(),
                () -> "allocation or work per operation changed; if intended, run "
                        + "./devmirror gate --update-baseline and commit perf/baseline.json:\n"
                        + o.diff().toTable());
    }
}
