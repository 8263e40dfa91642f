package org.devmirror.gate.ab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.devmirror.bench.report.BenchResult;
import org.devmirror.gate.stats.BootstrapRatioOfMedians;

/**
 * The fork scores of one build gathered over the rounds of an interleaved run: for each benchmark
 * label, its nanoseconds per operation in round 0, 1, 2, ... Fork {@code i} of every benchmark
 * comes from the same JVM, which is what lets {@link ForkNormalisation} pair a benchmark with its
 * reference by index.
 *
 * <h2>A fork's score is the median of its iterations</h2>
 * JMH's own fork score is the mean of its iterations. For single-shot benchmarks (hundreds of
 * shots of a few microseconds each, such as the invalidation benchmarks) that mean is ruled by the
 * few shots a GC pause or a neighbour's burst hit, by 10x and more on a loaded machine, and an
 * injected 2x slowdown disappears in it. The median of the shots is what an undisturbed shot
 * costs. For average-time benchmarks each iteration is already a mean over many operations, and
 * the median of the iterations drops a disturbed iteration the same way.
 *
 * <p>The clock is the plan's ({@link ForkClock}): JMH's wall-clock iterations, or the CPU time of
 * the benchmark's threads per iteration.
 *
 * <p>Not thread-safe; one runner fills it round by round.
 */
public final class ForkSeries {
    private final ForkClock clock;
    private final Map<String, List<Double>> nanosByLabel = new LinkedHashMap<>();
    private final Map<String, String> benchmarkByLabel = new LinkedHashMap<>();
    private int rounds;

    /** Fork scores by {@code clock}. */
    public ForkSeries(ForkClock clock) {
        this.clock = clock;
    }

    /**
     * Adds one round: the results of one fork, each holding exactly one fork's score. Every round
     * must measure the same benchmarks, or forks could not be paired.
     */
    public void addRound(List<BenchResult> fork) {
        Map<String, Double> round = new LinkedHashMap<>();
        for (BenchResult r : fork) {
            if (round.put(r.label(), clock.forkNanosPerOp(r)) != null) {
                throw new IllegalArgumentException(r.label() + " appears twice in one round");
            }
            benchmarkByLabel.putIfAbsent(r.label(), r.benchmark());
        }
        if (rounds > 0 && !round.keySet().equals(nanosByLabel.keySet())) {
            throw new IllegalArgumentException("round " + rounds + " measured " + round.keySet()
                    + " but earlier rounds measured " + nanosByLabel.keySet());
        }
        for (Map.Entry<String, Double> e : round.entrySet()) {
            nanosByLabel.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        rounds++;
    }

    /**
     * The median of the iterations of {@code r}'s single fork, in nanoseconds per operation.
     *
     * @throws IllegalArgumentException when {@code r} holds other than one fork, or it has no iterations
     */
    static double medianNanosPerOp(BenchResult r) {
        double median = medianOfSingleFork(r.label(), r.primary().forkIterations()); // checks one fork first
        double mean = r.forkScores()[0];
        double meanNanos = r.forkNanosPerOp()[0];
        // BenchResult converts a fork's mean to nanoseconds; the same conversion applies to the median:
        // proportional for time per operation, inverse for operations per time.
        return r.unit().endsWith("/op") ? median * (meanNanos / mean) : meanNanos * mean / median;
    }

    /**
     * The median of the iterations of the one fork in {@code forks}.
     *
     * @throws IllegalArgumentException when {@code forks} holds other than one fork, or it has no iterations
     */
    static double medianOfSingleFork(String label, double[][] forks) {
        if (forks.length != 1 || forks[0].length == 0) {
            throw new IllegalArgumentException(label + " holds " + forks.length + " forks of "
                    + (forks.length == 0 ? 0 : forks[0].length)
                    + " iterations; a round holds exactly one fork of each benchmark, with iterations");
        }
        return BootstrapRatioOfMedians.median(forks[0]);
    }

    /** The clock the forks are scored by. */
    public ForkClock clock() {
        return clock;
    }

    public int rounds() {
        return rounds;
    }

    /** The labels measured, in the order JMH first ran them. */
    public Set<String> labels() {
        return Collections.unmodifiableSet(nanosByLabel.keySet());
    }

    /** The fully qualified benchmark method behind {@code label}. */
    public String benchmarkOf(String label) {
        String b = benchmarkByLabel.get(label);
        if (b == null) {
            throw new IllegalArgumentException("label=" + label + " was not measured");
        }
        return b;
    }

    /** Nanoseconds per operation of {@code label}, one value per round. */
    public double[] nanosPerOp(String label) {
        List<Double> v = nanosByLabel.get(label);
        if (v == null) {
            throw new IllegalArgumentException("label=" + label + " was not measured");
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}
