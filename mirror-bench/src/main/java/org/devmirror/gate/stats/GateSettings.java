package org.devmirror.gate.stats;

/**
 * The statistical settings of the timing gate.
 *
 * @param alpha      significance level of the Mann-Whitney test, e.g. 0.05
 * @param level      confidence level of the bootstrap interval, e.g. 0.95
 * @param resamples  bootstrap resamples, e.g. 10,000 (the interval's bounds then move by well
 *                   under 0.5% between seeds)
 * @param minForks   fewest forks per side a comparison accepts, e.g. 9
 * @param seed       seed of the bootstrap's random stream
 */
public record GateSettings(double alpha, double level, int resamples, int minForks, long seed) {

    public GateSettings {
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha=" + alpha + " must lie strictly between 0 and 0.5");
        }
        if (!(level > 0.5 && level < 1)) {
            throw new IllegalArgumentException("level=" + level + " must lie strictly between 0.5 and 1");
        }
        if (resamples < 100) {
            throw new IllegalArgumentException("resamples=" + resamples + " must be at least 100");
        }
        if (minForks < 2) {
            throw new IllegalArgumentException("minForks=" + minForks + " must be at least 2");
        }
    }

    /** alpha 0.05, 95% interval, 10,000 resamples, at least 9 forks per side, a fixed seed. */
    public static GateSettings defaults() {
        return new GateSettings(0.05, 0.95, 10_000, 9, 0x6465766d6972L);
    }
}
