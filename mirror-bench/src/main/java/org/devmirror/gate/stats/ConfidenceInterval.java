package org.devmirror.gate.stats;

/**
 * A point estimate with a two-sided confidence interval.
 *
 * @param estimate the point estimate from the full samples
 * @param lower    the lower bound
 * @param upper    the upper bound
 * @param level    the confidence level, e.g. 0.95
 */
public record ConfidenceInterval(double estimate, double lower, double upper, double level) {

    public ConfidenceInterval {
        if (!(lower <= upper)) {
            throw new IllegalArgumentException("lower=" + lower + " exceeds upper=" + upper);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level=" + level + " must lie strictly between 0 and 1");
        }
    }
}
