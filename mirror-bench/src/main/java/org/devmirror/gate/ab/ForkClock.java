package org.devmirror.gate.ab;

import java.util.Arrays;
import java.util.List;
import org.devmirror.bench.report.BenchMetric;
import org.devmirror.bench.report.BenchResult;

/**
 * What a fork of the timing gate scores a benchmark by: the wall-clock time JMH measures, or the
 * CPU time of the benchmark's threads ({@link ThreadCpuProfiler}).
 *
 * <p>On a shared machine the CPU clock leaves out the time the worker was off its core (a
 * neighbour's slice, the JIT's and the collector's threads on a pinned core), which is most of the
 * fork-to-fork spread there (docs/gate.md, section 5), so the same forks resolve a smaller change.
 * What it leaves out can also be the regression: time a benchmark spends waiting (a lock, a sleep,
 * a safepoint for a collection its allocations caused) does not count. Use it for single-threaded
 * benchmarks that do not wait; the gate's allocation counters still catch new allocation.
 */
public enum ForkClock {
    /** JMH's own score: wall-clock time per operation. */
    WALL("wall"),
    /** CPU time of JMH's worker threads per operation, from {@link ThreadCpuProfiler}. */
    THREAD_CPU("cpu");

    /** The name {@code gate --clock} takes. */
    private final String label;

    ForkClock(String label) {
        this.label = label;
    }

    /**
     * The clock named {@code label}.
     *
     * @throws IllegalArgumentException naming the labels there are
     */
    public static ForkClock ofLabel(String label) {
        for (ForkClock c : values()) {
            if (c.label.equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("--clock " + label + ": must be wall or cpu");
    }

    /** The JMH arguments a fork needs for this clock. */
    List<String> jmhArgs() {
        return switch (this) {
            case WALL -> List.of();
            case THREAD_CPU -> List.of("-prof", ThreadCpuProfiler.class.getName());
        };
    }

    /**
     * Measured iterations a fork runs beyond the ones it is scored by. The CPU clock's last
     * iteration also counts the trial's {@code @TearDown}, which JMH runs on the worker before the
     * profiler reads it ({@link ThreadCpuProfiler}); that iteration is run and left out, so that
     * the teardown's cost does not dilute the ratio of the two builds.
     */
    int unscoredIterations() {
        return switch (this) {
            case WALL -> 0;
            case THREAD_CPU -> 1;
        };
    }

    /**
     * The score of {@code r}'s single fork under this clock, in nanoseconds per operation: the
     * median of its iterations (see {@link ForkSeries}), under the CPU clock without the last
     * one when there are two or more ({@link #unscoredIterations()}).
     *
     * @throws IllegalArgumentException when the fork did not report the CPU metric
     */
    double forkNanosPerOp(BenchResult r) {
        return switch (this) {
            case WALL -> ForkSeries.medianNanosPerOp(r);
            case THREAD_CPU -> {
                BenchMetric cpu = r.secondary(ThreadCpuProfiler.METRIC)
                        .orElseThrow(() -> new IllegalArgumentException(r.label() + " has no "
                                + ThreadCpuProfiler.METRIC + ": its fork ran without "
                                + ThreadCpuProfiler.class.getSimpleName()
                                + ", or its JVM cannot measure thread CPU time"));
                yield ForkSeries.medianOfSingleFork(r.label(), withoutLastIteration(cpu.forkIterations()));
            }
        };
    }

    /** {@code forks} with the last iteration of a single fork dropped, if it has two or more. */
    private static double[][] withoutLastIteration(double[][] forks) {
        if (forks.length != 1 || forks[0].length < 2) {
            return forks; // medianOfSingleFork names what is wrong with it, or scores the one iteration
        }
        return new double[][] {Arrays.copyOf(forks[0], forks[0].length - 1)};
    }
}
