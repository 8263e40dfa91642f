package org.devmirror.bench.suite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long and how wide {@code ./devmirror bench} runs. {@link #QUICK} fits in under five
 * minutes on a 2-core machine: one fork per benchmark, short iterations, the parameter values
 * the targets and plots need. {@link #FULL} is the publishable run: every parameter value, more
 * forks and iterations.
 *
 * <p>Two kinds of benchmark are timed differently. Average-time benchmarks repeat a
 * self-restoring operation for a fixed time per iteration. Batched benchmarks (single-shot, one
 * batch of operations per iteration, with state re-armed in {@code @Setup(Level.Iteration)}) need
 * many short iterations instead; their counts are set here, their batch sizes in the benchmark.
 */
public enum BenchProfile {
    QUICK(1, 2, 100, 3, 100, 60, 40, Map.of(
            "size", List.of("4K", "2M"),
            "populated", List.of("true"),
            "ranges", List.of("1", "1024", "65536", "1048576"),
            "bytes", List.of("8", "128", "4096"))),
    FULL(3, 5, 300, 5, 300, 300, 200, Map.of());

    private final int forks;
    private final int warmupIterations;
    private final int warmupMillis;
    private final int measurementIterations;
    private final int measurementMillis;
    private final int batchedWarmupIterations;
    private final int batchedMeasurementIterations;
    private final Map<String, List<String>> params;

    BenchProfile(int forks, int warmupIterations, int warmupMillis, int measurementIterations, int measurementMillis,
                 int batchedWarmupIterations, int batchedMeasurementIterations, Map<String, List<String>> params) {
        this.forks = forks;
        this.warmupIterations = warmupIterations;
        this.warmupMillis = warmupMillis;
        this.measurementIterations = measurementIterations;
        this.measurementMillis = measurementMillis;
        this.batchedWarmupIterations = batchedWarmupIterations;
        this.batchedMeasurementIterations = batchedMeasurementIterations;
        this.params = new LinkedHashMap<>(params);
    }

    public int forks() {
        return forks;
    }

    public int warmupIterations() {
        return warmupIterations;
    }

    public int warmupMillis() {
        return warmupMillis;
    }

    public int measurementIterations() {
        return measurementIterations;
    }

    public int measurementMillis() {
        return measurementMillis;
    }

    public int batchedWarmupIterations() {
        return batchedWarmupIterations;
    }

    public int batchedMeasurementIterations() {
        return batchedMeasurementIterations;
    }

    /** {@code @Param} values this profile overrides by parameter name; the others keep their annotation values. */
    public Map<String, List<String>> params() {
        return Map.copyOf(params);
    }
}
