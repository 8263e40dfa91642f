package org.devmirror.gate.ab;

import org.devmirror.bench.report.BenchResult;

/**
 * Divides each fork's score by its reference benchmark's score from the same fork index, so that
 * what the gate compares is "how many fills of 4 KiB" or "how many TreeMap lookups" an operation
 * costs, not nanoseconds.
 *
 * <p>Why: on a shared machine the speed of the whole JVM drifts between forks (frequency scaling,
 * a neighbour's build). The interleaved runner measures round {@code i} of the base build, then
 * round {@code i} of the candidate, each round being one fork of every benchmark, subject and
 * reference alike; fork {@code i} of the reference is therefore the measurement closest in time
 * and conditions to fork {@code i} of the subject, and their ratio cancels the drift they share.
 */
public final class ForkNormalisation {
    private ForkNormalisation() {}

    /** {@code subject[i] / reference[i]} for every fork {@code i}. */
    public static double[] divide(double[] subject, double[] reference) {
        if (subject.length != reference.length) {
            throw new IllegalArgumentException("subject has " + subject.length + " forks but reference has "
                    + reference.length + "; forks are paired by index");
        }
        double[] out = new double[subject.length];
        for (int i = 0; i < out.length; i++) {
            if (!(reference[i] > 0) || Double.isInfinite(reference[i])) {
                throw new IllegalArgumentException(
                        "reference[" + i + "]=" + reference[i] + " must be a positive finite score");
            }
            out[i] = subject[i] / reference[i];
        }
        return out;
    }

    /** Each fork's nanoseconds per operation of {@code subject} over those of {@code reference}. */
    public static double[] normalise(BenchResult subject, BenchResult reference) {
        double[] s = subject.forkNanosPerOp();
        double[] r = reference.forkNanosPerOp();
        if (s.length != r.length) {
            throw new IllegalArgumentException(subject.label() + " has " + s.length + " forks but its reference "
                    + reference.label() + " has " + r.length + "; forks are paired by index");
        }
        return divide(s, r);
    }
}
