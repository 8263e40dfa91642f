package org.devmirror.bench.report;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The result of one benchmark with one parameter combination in one run, independent of how it
 * was obtained (JMH's JSON file or its Runner API, see {@link JmhResults}).
 *
 * @param benchmark the fully qualified benchmark method, {@code org.devmirror.bench.Foo.bar}
 * @param mode      JMH's short mode label: {@code avgt}, {@code thrpt}, {@code sample}, {@code ss}
 * @param params    the {@code @Param} values, sorted by name
 * @param primary   the primary metric
 * @param secondary the secondary metrics by name (such as {@link #GC_ALLOC_RATE_NORM}), sorted
 */
public record BenchResult(
        String benchmark,
        String mode,
        SortedMap<String, String> params,
        BenchMetric primary,
        SortedMap<String, BenchMetric> secondary) {

    /** The secondary metric {@code -prof gc} reports: bytes allocated per benchmark operation. */
    public static final String GC_ALLOC_RATE_NORM = "gc.alloc.rate.norm";

    public BenchResult {
        if (benchmark == null || benchmark.isBlank()) {
            throw new IllegalArgumentException("benchmark=" + benchmark + " must name the benchmark method");
        }
        if (mode == null || mode.isBlank()) {
            throw new IllegalArgumentException("mode=" + mode + " must be a JMH mode label");
        }
        if (primary == null) {
            throw new IllegalArgumentException("primary=null; every result has a primary metric");
        }
        params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
        secondary = Collections.unmodifiableSortedMap(new TreeMap<>(secondary));
    }

    /**
     * The name the report, reference mappings and targets use: the benchmark's simple class name
     * and method, then each parameter as {@code name=value} in name order, separated by spaces.
     * For {@code org.devmirror.bench.InvalidateBench.invalidate} with {@code event=UNMAP} and
     * {@code size=2M}: {@code InvalidateBench.invalidate event=UNMAP size=2M}.
     */
    public String label() {
        int method = benchmark.lastIndexOf('.');
        int type = method <= 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
        StringBuilder sb = new StringBuilder(benchmark.substring(type + 1));
        for (Map.Entry<String, String> p : params.entrySet()) {
            sb.append(' ').append(p.getKey()).append('=').append(p.getValue());
        }
        return sb.toString();
    }

    public double score() {
        return primary.score();
    }

    public double scoreError() {
        return primary.scoreError();
    }

    public String unit() {
        return primary.unit();
    }

    /** The primary metric's per-iteration samples of every fork, fork by fork. */
    public double[] samples() {
        return primary.iterationSamples();
    }

    /** The primary metric's score of each fork (the mean of its iterations). */
    public double[] forkScores() {
        return primary.forkScores();
    }

    public Optional<BenchMetric> secondary(String name) {
        return Optional.ofNullable(secondary.get(name));
    }

    /** Bytes allocated per operation, when the run used {@code -prof gc}. */
    public OptionalDouble allocBytesPerOp() {
        BenchMetric m = secondary.get(GC_ALLOC_RATE_NORM);
        return m == null ? OptionalDouble.empty() : OptionalDouble.of(m.score());
    }

    /**
     * The cost of one operation in nanoseconds with its error, whatever the mode and time unit:
     * time-per-operation scores are converted, throughput scores are inverted. This is what makes
     * a benchmark comparable with its reference when the two use different units.
     */
    public Estimate nanosPerOp() {
        return ScoreUnit.parse(unit()).toNanosPerOp(new Estimate(primary.score(), primary.scoreError()));
    }

    /** Each fork's score converted to nanoseconds per operation; see {@link #nanosPerOp()}. */
    public double[] forkNanosPerOp() {
        ScoreUnit u = ScoreUnit.parse(unit());
        double[] scores = forkScores();
        for (int i = 0; i < scores.length; i++) {
            scores[i] = u.toNanosPerOp(scores[i]);
        }
        return scores;
    }
}
