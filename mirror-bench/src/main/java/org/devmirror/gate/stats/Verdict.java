package org.devmirror.gate.stats;

/**
 * What the timing gate concludes about a candidate build against its base, for one benchmark. The
 * four answers keep apart "the change is small" and "the run could not tell": a run whose noise
 * hides changes of the threshold's size says {@link #INCONCLUSIVE}, never {@link #NO_CHANGE}.
 */
public enum Verdict {
    /** Slower by more than the threshold, with the interval above 1 and a significant test. */
    REGRESSION,
    /** Faster by more than the threshold, with the interval below 1 and a significant test. */
    IMPROVEMENT,
    /**
     * Any change is smaller than the threshold: the interval lies inside {@code (1 - t, 1 + t)} and
     * the run's minimum detectable effect is at most {@code t} (see {@link PowerAnalysis}).
     */
    NO_CHANGE,
    /** Neither a change beyond the threshold nor one below it can be stood behind: more forks, or a quieter machine. */
    INCONCLUSIVE
}
