package org.devmirror.gate.ab;

import java.io.IOException;
import java.util.List;
import org.devmirror.bench.report.BenchResult;

/**
 * Runs one fork of every benchmark a {@link ForkPlan} includes, for one build, and returns its
 * results (each holding exactly one fork). {@link JmhForkLauncher} does it with a JVM per fork;
 * tests substitute a model of the machine's noise.
 */
@FunctionalInterface
public interface ForkRunner {

    /**
     * One fork of {@code build}.
     *
     * @param round the fork's round in the interleaved run, counting from 0, for logs and file names
     */
    List<BenchResult> runFork(BuildUnderTest build, ForkPlan plan, int round) throws IOException;
}
