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
     * Warm-up and measurement iterations. Average-time benchmarks run each warm-up iteration for
     * {@code warmupMillis} and each measurement iteration for {@code measurementMillis};
     * single-shot benchmarks (both 0) run one invocation per iteration.
     */
    public record Timing(int warmupIterations, int warmupMillis, int measurementIterations, int measurementMillis) {
        public Timing {
            if (warmupIterations < 0
                    || measurementIterations < 1
                    || warmupMillis < 0
                    || measurementMillis < 0
                    || (warmupMillis == 0) != (measurementMillis == 0)) {
                throw new IllegalArgumentException("warmupIterations=" + warmupIterations + ", warmupMillis="
                        + warmupMillis + ", measurementIterations=" + measurementIterations + ", measurementMillis="
                        + measurementMillis + " are not a valid timing");
            }
        }

        /** A single-shot timing: one invocation per iteration. */
        public static Timing singleShot(int warmupIterations, int measurementIterations) {
            return new Timing(warmupIterations, 0, measurementIterations, 0);
        }

        public boolean isSingleShot() {
            return measurementMillis == 0;
        }
    }
}
