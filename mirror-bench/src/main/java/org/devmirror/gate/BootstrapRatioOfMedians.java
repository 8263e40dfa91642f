package org.devmirror.gate;

import java.util.Arrays;
import java.util.SplittableRandom;

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
    private BootstrapRatioOfMedians() {}

    /** The interval for {@code median(candidate) / median(base)}; both medians must be positive. */
    public static ConfidenceInterval interval(double[] base, double[] candidate, int resamples, double level,
                                              long seed) {
        if (resamples < 100) {
            throw new IllegalArgumentException("resamples=" + resamples + " is too few for tail quantiles (need >= 100)");
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
        Arrays.sort(ratios);
        double tail = (1 - level) / 2;
        // Nearest-rank quantiles: the smallest ratio with at least the tail's share at or below it.
        int lo = Math.max(0, (int) Math.ceil(tail * resamples) - 1);
        int hi = Math.min(resamples - 1, (int) Math.ceil((1 - tail) * resamples) - 1);
        return new ConfidenceInterval(candidateMedian / baseMedian, ratios[lo], ratios[hi], level);
    }

    /** The median of {@code values} (mean of the middle two for an even count); does not modify it. */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("values is empty; it has no median");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return medianOfSorted(sorted);
    }

    private static double resampledMedian(double[] from, double[] scratch, SplittableRandom random) {
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = from[random.nextInt(from.length)];
        }
        Arrays.sort(scratch);
        return medianOfSorted(scratch);
    }

    private static double medianOfSorted(double[] s) {
        int mid = s.length >>> 1;
        return (s.length & 1) == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    private static double[] requirePositive(String name, double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(name + " is empty; a median needs at least one value");
        }
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0) || Double.isInfinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "]=" + values[i]
                        + " must be a positive finite cost");
            }
        }
        return values;
    }
}
