package org.devmirror.gate.stats;

/** What the timing gate concludes about a candidate build against its base, for one benchmark. */
public enum Verdict {
    /** Slower by more than the threshold, with the interval above 1 and a significant test. */
    REGRESSION,
    /** Faster by more than the threshold, with the interval below 1 and a significant test. */
    IMPROVEMENT,
    /** Neither: no change the gate can stand behind. */
    NO_CHANGE
}
