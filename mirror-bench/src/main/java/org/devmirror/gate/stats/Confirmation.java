package org.devmirror.gate.stats;

/**
 * The confirmation step of the timing gate: a {@link Verdict#REGRESSION} fails the gate only when
 * an independent rerun of the same comparison says {@code REGRESSION} too. Requiring two
 * independent significant results squares the false-alarm probability (see
 * {@link TimingComparator}) at the cost of one more run, and only for benchmarks that flagged.
 */
public final class Confirmation {
    private Confirmation() {}

    /** Whether {@code first} needs a rerun before the gate may act on it. */
    public static boolean needsRerun(Comparison first) {
        return first.verdict() == Verdict.REGRESSION;
    }

    /**
     * The confirmed verdict: the runs' verdict when they agree, {@code INCONCLUSIVE} otherwise (one
     * run saw a change beyond the threshold, the other did not: together they cannot tell).
     */
    public static Verdict confirm(Comparison first, Comparison rerun) {
        if (!first.benchmark().equals(rerun.benchmark())) {
            throw new IllegalArgumentException(
                    "rerun is of " + rerun.benchmark() + " but first is of " + first.benchmark());
        }
        return first.verdict() == rerun.verdict() ? first.verdict() : Verdict.INCONCLUSIVE;
    }
}
