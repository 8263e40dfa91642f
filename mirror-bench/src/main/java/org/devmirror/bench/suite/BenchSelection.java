package org.devmirror.bench.suite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH run of a profile: which benchmarks ({@code Class} or {@code Class.methodPrefix}, in
 * {@link BenchSuite#PACKAGE}), which {@code @Param} values override the annotations, and how the
 * iterations are timed.
 *
 * @param benchmarks simple class names, or a class name and a method-name prefix
 * @param params     {@code @Param} values by parameter name; the others keep their annotation values
 * @param timing     warm-up and measurement of this run
 */
public record BenchSelection(List<String> benchmarks, Map<String, List<String>> params, Timing timing) {

    public BenchSelection {
        if (benchmarks == null || benchmarks.isEmpty()) {
            throw new IllegalArgumentException("benchmarks=" + benchmarks + " must name at least one benchmark");
        }
        benchmarks = List.copyOf(benchmarks);
        params = Map.copyOf(new LinkedHashMap<>(params));
        if (timing == null) {
            throw new IllegalArgumentException("timing=null");
        }
    }

    /**
     * Warm-up and measurement iterations. Average-time benchmarks run each iteration for
     * {@code millis}; single-shot benchmarks ({@code millis == 0}) run one invocation per iteration.
     */
    public record Timing(int warmupIterations, int measurementIterations, int millis) {
        public Timing {
            if (warmupIterations < 0 || measurementIterations < 1 || millis < 0) {
                throw new IllegalArgumentException("warmupIterations=" + warmupIterations + ", measurementIterations="
                        + measurementIterations + ", millis=" + millis + " are not a valid timing");
            }
        }

        public boolean singleShot() {
            return millis == 0;
        }
    }
}
