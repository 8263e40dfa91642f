package org.devmirror.gate.stats;

import java.util.SplittableRandom;
import org.apache.commons.statistics.descriptive.Median;
import org.apache.commons.statistics.descriptive.Quantile;

/**
 * A percentile-bootstrap confidence interval of {@code median(candidate) / median(base)}.
 *
 * <p>Method (Efron and Tibshirani, <i>An Introduction to the Bootstrap</i>, ch. 13): draw
 * {@code resamples} times a sample of each side's size with replacement from each side
 * independently, compute the ratio of their medians, and take the {@code (1-level)/2} and
 * {@code (1+level)/2} quantiles of those ratios as the interval. Medians rather than means,
 * because one disturbed fork moves a mean by its full excess but a median not at all.
 *
 * <p>The random stream is a {@link SplittableRandom} seeded by the caller, so the gate's output
 * is a function of its input: a rerun on the same data prints the same interval.
 */
public final class BootstrapRatioOfMedians {
    /** Commons Statistics' median: the mean of the middle two for an even count; on a copy, so the caller's array keeps its order (the library's default works in place). */
    private static final Median MEDIAN = Median.withDefaults().withCopy(true);
    /** The same on a scratch array it may reorder, inside the resampling loop. */
    private static final Median MEDIAN_IN_PLACE = Median.withDefaults().withCopy(false);

    /**
     * Nearest-rank quantiles (Hyndman and Fan's definition 1, the inverse of the empirical
     * distribution function): the smallest ratio with at least the tail's share at or below it.
     * The ratios are a scratch array, so the library may reorder them.
     */
    private static final Quantile NEAREST_RANK =
            Quantile.withDefaults().with(Quantile.EstimationMethod.HF1).withCopy(false);

    private BootstrapRatioOfMedians() {}

    /** The interval for {@code median(candidate) / median(base)}; both medians must be positive. */
    public static ConfidenceInterval interval(
            double[] base, double[] candidate, int resamples, double level, long seed) {
        if (resamples < 100) {
            throw new IllegalArgumentException(
                    "resamples=" + resamples + " is too few for tail quantiles (need >= 100)");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level=" + level + " must lie strictly between 0 and 1");
        }
        double baseMedian = median(requirePositive("base", base));
        double candidateMedian = median(requirePositive("candidate", candidate));
        SplittableRandom random = new SplittableRandom(seed);
        double[] ratios = new double[resamples];
        double[] b = new double[base.length];
        double[] c = new double[candidate.length];
        for (int r = 0; r < resamples; r++) {
            ratios[r] = resampledMedian(candidate, c, random) / resampledMedian(base, b, random);
        }
        double tail = (1 - level) / 2;
        double[] bounds = NEAREST_RANK.evaluate(ratios, tail, 1 - tail);
        return new ConfidenceInterval(candidateMedian / baseMedian, bounds[0], bounds[1], level);
    }

    /** The median of {@code values} (mean of the middle two for an even count); does not modify it. */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values is empty; it has no median");
        }
        return MEDIAN.evaluate(values);
    }

    private static double resampledMedian(double[] from, double[] scratch, SplittableRandom random) {
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = from[random.nextInt(from.length)];
        }
        return MEDIAN_IN_PLACE.evaluate(scratch);
    }

    private static double[] requirePositive(String name, double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(name + " is empty; a median needs at least one value");
        }
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0) || Double.isInfinite(values[i])) {
                throw new IllegalArgumentException(
                        name + "[" + i + "]=" + values[i] + " must be a positive finite cost");
            }
        }
        return values;
    }
}
