package org.devmirror.gate.stats;

import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.ContinuityCorrection;
import org.apache.commons.statistics.inference.MannWhitneyUTest;
import org.apache.commons.statistics.inference.PValueMethod;
import org.devmirror.gate.ab.ForkNormalisation;

/**
 * Decides whether a candidate build made one benchmark slower or faster than a base build, from
 * normalised fork scores of both builds measured in one interleaved run (see
 * {@link ForkNormalisation}).
 *
 * <h2>Verdict</h2>
 * With {@code r = median(candidate) / median(base)}, threshold {@code t} (from
 * {@link ThresholdRule}), bootstrap interval {@code [lo, hi]} of {@code r}
 * ({@link BootstrapRatioOfMedians}) and the two-sided Mann-Whitney U (Wilcoxon rank-sum) p-value
 * {@code p} ({@link #RANK_SUM_TEST}):
 * <ul>
 *   <li>{@link Verdict#REGRESSION} when {@code r > 1 + t} and {@code lo > 1} and {@code p < alpha};</li>
 *   <li>{@link Verdict#IMPROVEMENT} when {@code r < 1 - t} and {@code hi < 1} and {@code p < alpha};</li>
 *   <li>{@link Verdict#NO_CHANGE} when neither, and {@code 1 - t < lo} and {@code hi < 1 + t} and the
 *       run's minimum detectable effect is at most {@code t} ({@link PowerAnalysis}): any change is
 *       smaller than the threshold, and the run was sharp enough to have seen one of that size;</li>
 *   <li>{@link Verdict#INCONCLUSIVE} otherwise: the run could not resolve the threshold. The row
 *       says how many forks would ({@link PowerAnalysis.Power#forksToResolve}).</li>
 * </ul>
 * The three conditions answer different questions: the threshold, whether the change is large
 * enough to matter; the interval, whether the size estimate excludes "no change"; the test,
 * whether the two samples differ at all, without assuming their shape. A regression fails the
 * gate only when a rerun confirms it ({@link Confirmation}).
 *
 * <h2>False-alarm arithmetic</h2>
 * Under the null hypothesis (both builds the same, an A/A run) with 9 forks per side and no
 * ties, the exact Mann-Whitney test at alpha = 0.05 rejects with probability
 * {@code 2 P(U <= 17) = 0.040}, half of it in the "slower" direction. A {@code REGRESSION} needs
 * that rejection, so its probability per benchmark and run is at most 0.020, before the threshold
 * and the interval remove most of the rest. The seeded A/A simulation in the tests (1000 runs,
 * 5% Gaussian noise per fork, 9 forks per side, 5% threshold) measures it: 18 runs significant in
 * the slower direction, 7 {@code REGRESSION} verdicts (0.7%), 1 of them confirmed by a rerun. A confirmed regression needs a second, independent run to agree: at most
 * {@code 0.020^2 = 4e-4} per benchmark, so for a suite of 40 timed benchmarks at most
 * {@code 40 * 4e-4 = 1.6%} of A/A gate runs fail (union bound), against the one-in-eight false
 * alert rate of a gate that compares single runs with a t-test. The price is power: a change must
 * exceed the threshold and show in at least 9 forks per side, and a real regression is missed
 * when the rerun happens to fall under the threshold.
 *
 * <h2>The rank-sum test</h2>
 * Commons Statistics' {@link MannWhitneyUTest}: it assumes nothing about the shape of the
 * distributions, which matters for benchmark scores (skewed, with outliers such as a fork that
 * lost its CPU to a neighbour) where a t-test's normality assumption fails. Without ties and with
 * fewer than 50 values in all the p-value is exact (the null distribution of U, Mann and Whitney
 * 1947); otherwise U is approximated by a normal with the tie-corrected variance and a continuity
 * correction of one half, as SciPy's {@code mannwhitneyu(method="asymptotic")} does.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class TimingComparator {
    /** The test the verdict uses: two-sided, exact where possible, with continuity correction. */
    static final MannWhitneyUTest RANK_SUM_TEST = MannWhitneyUTest.withDefaults()
            .with(AlternativeHypothesis.TWO_SIDED)
            .with(PValueMethod.AUTO)
            .with(ContinuityCorrection.ENABLED);

    private final GateSettings settings;

    public TimingComparator(GateSettings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("settings=null");
        }
        this.settings = settings;
    }

    public GateSettings settings() {
        return settings;
    }

    /**
     * Compares normalised fork scores ({@code base}, {@code candidate}: costs, lower is faster)
     * of {@code benchmark} with relative threshold {@code threshold}.
     */
    public Comparison compare(String benchmark, double[] base, double[] candidate, double threshold) {
        if (benchmark == null || benchmark.isBlank()) {
            throw new IllegalArgumentException("benchmark=" + benchmark + " must name a benchmark");
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold=" + threshold + " must lie strictly between 0 and 1");
        }
        requireForks("base", base);
        requireForks("candidate", candidate);
        // Each benchmark gets its own reproducible random stream, whatever order they are compared in.
        long seed = settings.seed() ^ (benchmark.hashCode() * 0x9E3779B97F4A7C15L);
        ConfidenceInterval ci =
                BootstrapRatioOfMedians.interval(base, candidate, settings.resamples(), settings.level(), seed);
        double pValue = rankSumPValue(candidate, base);
        double ratio = ci.estimate();
        boolean significant = pValue < settings.alpha();
        PowerAnalysis.Power power = PowerAnalysis.of(base, candidate, threshold, settings);
        return new Comparison(
                benchmark,
                BootstrapRatioOfMedians.median(base),
                BootstrapRatioOfMedians.median(candidate),
                ratio,
                ci,
                pValue,
                threshold,
                power,
                verdict(ratio, ci, significant, threshold, power));
    }

    /** The rule of the class comment. */
    static Verdict verdict(
            double ratio, ConfidenceInterval ci, boolean significant, double threshold, PowerAnalysis.Power power) {
        if (ratio > 1 + threshold && ci.lower() > 1 && significant) {
            return Verdict.REGRESSION;
        }
        if (ratio < 1 - threshold && ci.upper() < 1 && significant) {
            return Verdict.IMPROVEMENT;
        }
        if (ci.lower() > 1 - threshold && ci.upper() < 1 + threshold && power.resolves(threshold)) {
            return Verdict.NO_CHANGE;
        }
        return Verdict.INCONCLUSIVE;
    }

    /**
     * The two-sided p-value of {@link #RANK_SUM_TEST} for {@code x} against {@code y}. When every
     * value of both samples is equal U has no variance and the library answers NaN; there is no
     * evidence of any difference then, so the p-value is 1.
     */
    static double rankSumPValue(double[] x, double[] y) {
        double p = RANK_SUM_TEST.test(x, y).getPValue();
        return Double.isNaN(p) ? 1.0 : p;
    }

    private void requireForks(String name, double[] scores) {
        if (scores == null || scores.length < settings.minForks()) {
            throw new IllegalArgumentException(name + " has " + (scores == null ? 0 : scores.length)
                    + " fork scores; the gate needs at least minForks=" + settings.minForks());
        }
    }
}
