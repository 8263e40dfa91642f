package org.devmirror.gate.stats;

import java.util.HashMap;
import java.util.Map;

/**
 * The smallest relative slowdown the gate may report for a benchmark. Fast operations get a wider
 * threshold because a few nanoseconds of alignment, inlining or frequency luck are a large share
 * of them: by default 10% for benchmarks under 100 ns per operation and 5% above. A benchmark can
 * be given its own threshold by name.
 *
 * <p>Immutable; {@link #withOverride} returns an extended copy.
 */
public final class ThresholdRule {
    private final double boundaryNanos;
    private final double fastThreshold;
    private final double slowThreshold;
    private final Map<String, Double> overrides;

    private ThresholdRule(
            double boundaryNanos, double fastThreshold, double slowThreshold, Map<String, Double> overrides) {
        this.boundaryNanos = boundaryNanos;
        this.fastThreshold = fastThreshold;
        this.slowThreshold = slowThreshold;
        this.overrides = overrides;
    }

    /** 10% under 100 ns per operation, 5% from 100 ns. */
    public static ThresholdRule defaults() {
        return bySpeed(100, 0.10, 0.05);
    }

    /** {@code fastThreshold} under {@code boundaryNanos} per operation, {@code slowThreshold} from it. */
    public static ThresholdRule bySpeed(double boundaryNanos, double fastThreshold, double slowThreshold) {
        if (!(boundaryNanos > 0) || Double.isInfinite(boundaryNanos)) {
            throw new IllegalArgumentException("boundaryNanos=" + boundaryNanos + " must be positive and finite");
        }
        requireThreshold("fastThreshold", fastThreshold);
        requireThreshold("slowThreshold", slowThreshold);
        return new ThresholdRule(boundaryNanos, fastThreshold, slowThreshold, Map.of());
    }

    /** This rule, but {@code benchmark} (a label or name as the gate reports it) uses {@code threshold}. */
    public ThresholdRule withOverride(String benchmark, double threshold) {
        if (benchmark == null || benchmark.isBlank()) {
            throw new IllegalArgumentException("benchmark=" + benchmark + " must name a benchmark");
        }
        requireThreshold("threshold", threshold);
        Map<String, Double> o = new HashMap<>(overrides);
        o.put(benchmark, threshold);
        return new ThresholdRule(boundaryNanos, fastThreshold, slowThreshold, Map.copyOf(o));
    }

    /**
     * The threshold for {@code benchmark}, whose base build costs {@code baseNanosPerOp} (the raw,
     * not normalised, median of the base build's forks).
     */
    public double thresholdFor(String benchmark, double baseNanosPerOp) {
        Double override = overrides.get(benchmark);
        if (override != null) {
            return override;
        }
        if (!(baseNanosPerOp > 0) || Double.isInfinite(baseNanosPerOp)) {
            throw new IllegalArgumentException("baseNanosPerOp=" + baseNanosPerOp + " must be positive and finite");
        }
        return baseNanosPerOp < boundaryNanos ? fastThreshold : slowThreshold;
    }

    private static void requireThreshold(String name, double t) {
        if (!(t > 0 && t < 1)) {
            throw new IllegalArgumentException(name + "=" + t + " must be a fraction strictly between 0 and 1");
        }
    }
}
