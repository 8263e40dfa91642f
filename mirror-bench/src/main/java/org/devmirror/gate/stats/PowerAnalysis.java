package org.devmirror.gate.stats;

import org.apache.commons.statistics.descriptive.Median;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * What one timing comparison could have detected: the fork-to-fork spread it saw, the minimum
 * detectable effect (MDE) at that spread, and how many forks would resolve the gate's threshold.
 *
 * <h2>The spread</h2>
 * Timing noise is multiplicative (a busy core makes every operation of a fork slower by a factor),
 * so the spread is taken on the log scale: {@code s} = 1.4826 times the median absolute deviation
 * of {@code ln(score)} about each side's own median, pooled over both sides. The median absolute
 * deviation, like the gate's medians and ranks, ignores the odd fork that lost its CPU, which a
 * standard deviation would let decide the answer; 1.4826 makes it estimate the standard
 * deviation when the logs are normal.
 *
 * <h2>The minimum detectable effect</h2>
 * The verdict stands on the interval of the ratio of medians (a change excludes 1, a
 * {@link Verdict#NO_CHANGE} excludes the threshold), so the MDE is that of the log ratio of two
 * medians: its standard error is {@code se = s * sqrt(pi/2 * (1/m + 1/n))} for {@code m} and
 * {@code n} forks (the sample median's asymptotic variance under normal noise is
 * {@code pi/2 * s^2 / n}, an efficiency of {@code 2/pi = 0.64} against the mean), and
 * <pre>  MDE = exp((z(1 - alpha/2) + z(power)) * se) - 1</pre>
 * is the true relative change whose interval excludes "no change" in {@code power} of runs, at
 * the gate's {@code alpha}. The Mann-Whitney test's asymptotic relative efficiency is higher
 * ({@code 3/pi = 0.95}), so at a change of the MDE the test is not what fails: the interval binds.
 * By the same symmetry, when {@code MDE <= t} a build that did not change gets an interval below
 * {@code 1 + t} in at least {@code power} of runs: the run can tell "below the threshold" from
 * "above it", which is what {@link Verdict#NO_CHANGE} requires.
 *
 * <p>Why the formula and not a simulation per row: a simulation with the gate's bootstrap costs
 * seconds per benchmark (thousands of comparisons of 10,000 resamples), the formula nothing. The
 * formula is calibrated against the gate's own bootstrap instead, once, by a seeded simulation in
 * {@code PowerAnalysisTest}: with 9 forks per side and Gaussian log noise of 5%, a true change of
 * the MDE (8.6%) gives an interval excluding 1 in 76.8% of 600 seeded runs (80% asked; the
 * percentile bootstrap of a median of 9 is slightly conservative). The spread estimate of 9 forks
 * per side is within 5% of the true spread on average.
 *
 * <h2>Forks to resolve the threshold</h2>
 * Solving {@code MDE <= t} for equal forks per side:
 * {@code n >= pi * s^2 * (z(1 - alpha/2) + z(power))^2 / ln(1 + t)^2}, rounded up, and never
 * fewer than the gate's minimum. It assumes the noise stays as it was; a quieter machine needs
 * fewer. It is the count at which resolving becomes likely, not certain: a run of that many forks
 * estimates its own spread, which falls below or above this one about equally often, so an A/A run
 * of {@code n} forks says {@link Verdict#NO_CHANGE} in about half the runs (simulated: 149 of 300
 * at 10% noise and a 10% threshold, n = 28; 6 of 300 with 9 forks).
 */
public final class PowerAnalysis {
    /** The power the MDE is stated at: a change of the MDE is detected in 80% of runs. */
    public static final double POWER = 0.80;
    /** 1 / Phi^-1(3/4): scales a median absolute deviation to a normal standard deviation. */
    static final double MAD_TO_SD = 1.482602218505602;

    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);
    private static final Median MEDIAN_IN_PLACE = Median.withDefaults().withCopy(false);

    /**
     * What a comparison could detect.
     *
     * @param logSpread      the pooled robust standard deviation of the log fork scores
     * @param mde            the minimum detectable relative effect at {@link #POWER} (0.2: 20%)
     * @param forksToResolve forks per side at which the MDE would be at most the threshold, at
     *                       this spread ({@code Integer.MAX_VALUE} when no count would do)
     */
    public record Power(double logSpread, double mde, int forksToResolve) {

        /** Whether this run could tell a change of {@code threshold} from none. */
        public boolean resolves(double threshold) {
            return mde <= threshold;
        }
    }

    private PowerAnalysis() {}

    /** The power of comparing {@code base} with {@code candidate} (positive scores) at {@code threshold}. */
    public static Power of(double[] base, double[] candidate, double threshold, GateSettings settings) {
        double s = logSpread(base, candidate);
        return new Power(
                s,
                mde(s, base.length, candidate.length, settings.alpha()),
                forksToResolve(s, threshold, settings.alpha(), settings.minForks()));
    }

    /** The pooled, robust standard deviation of the log scores of both sides (see the class comment). */
    public static double logSpread(double[] base, double[] candidate) {
        double[] deviations = new double[informative(base.length) + informative(candidate.length)];
        int next = logDeviations(base, deviations, 0);
        logDeviations(candidate, deviations, next);
        return MAD_TO_SD * MEDIAN_IN_PLACE.evaluate(deviations);
    }

    /**
     * Deviations about a side's median that carry information: an odd count's median is one of its
     * values, whose deviation is zero by construction (as the mean's residuals sum to zero, which is
     * why a variance divides by {@code n - 1}); counting it biases the spread of 9 forks low by 11%.
     */
    private static int informative(int forks) {
        return forks % 2 == 1 && forks > 1 ? forks - 1 : forks;
    }

    /** The minimum detectable relative effect of {@code m} against {@code n} forks at log spread {@code s}. */
    public static double mde(double s, int m, int n, double alpha) {
        if (m < 1 || n < 1) {
            throw new IllegalArgumentException("m=" + m + ", n=" + n + ": each side needs a fork");
        }
        double se = s * Math.sqrt(Math.PI / 2 * (1.0 / m + 1.0 / n));
        return Math.expm1(zSum(alpha) * se);
    }

    /** Forks per side whose MDE at log spread {@code s} is at most {@code threshold}. */
    public static int forksToResolve(double s, double threshold, double alpha, int minForks) {
        double logT = Math.log1p(threshold);
        double n = Math.ceil(Math.PI * s * s * square(zSum(alpha)) / (logT * logT));
        return n >= Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(minForks, (int) n);
    }

    /** {@code z(1 - alpha/2) + z(POWER)}: 1.96 + 0.84 = 2.80 at alpha 0.05. */
    private static double zSum(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha=" + alpha + " must lie strictly between 0 and 1");
        }
        return STANDARD_NORMAL.inverseCumulativeProbability(1 - alpha / 2)
                + STANDARD_NORMAL.inverseCumulativeProbability(POWER);
    }

    /** Writes the informative deviations of {@code scores} from {@code out[from]} on; returns the next free index. */
    private static int logDeviations(double[] scores, double[] out, int from) {
        double[] logs = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            if (!(scores[i] > 0) || Double.isInfinite(scores[i])) {
                throw new IllegalArgumentException("score[" + i + "]=" + scores[i] + " must be a positive finite cost");
            }
            logs[i] = Math.log(scores[i]);
        }
        double centre = BootstrapRatioOfMedians.median(logs);
        boolean skipCentre = informative(logs.length) < logs.length;
        int at = from;
        for (double l : logs) {
            if (skipCentre && l == centre) {
                skipCentre = false; // the median value itself, once
                continue;
            }
            out[at++] = Math.abs(l - centre);
        }
        return at;
    }

    private static double square(double x) {
        return x * x;
    }
}
