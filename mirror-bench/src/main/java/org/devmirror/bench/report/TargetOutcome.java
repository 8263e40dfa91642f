package org.devmirror.bench.report;

import java.util.OptionalDouble;

/**
 * Where one run stands against a {@link Target}.
 *
 * <p>A cost target is decided only when the run measured its value precisely enough: met or
 * missed when the 99.9% error half-width of the value is under {@link #DECISIVE_RELATIVE_ERROR}
 * of the value, otherwise undecided, whichever side of the bound the point estimate lies. A ratio
 * of 1.4 +- 0.9 against a bound of 1.5 says nothing about the bound; the report shows it as
 * undecided rather than as met.
 *
 * @param target   the target
 * @param measured the measured ratio or bytes per operation; empty when not measured
 * @param shown    the measured value as the report prints it (with its error), or why it is missing
 * @param status   met, missed, undecided, or not measured in this run
 */
public record TargetOutcome(Target target, OptionalDouble measured, String shown, Status status) {

    /** The largest error, as a fraction of the measured value, at which a cost target is decided. */
    public static final double DECISIVE_RELATIVE_ERROR = 0.30;

    /** Whether the run meets the target. */
    public enum Status {
        MET,
        MISSED,
        /** Measured, but with an error of {@link #DECISIVE_RELATIVE_ERROR} of the value or more (or unknown). */
        UNDECIDED,
        NOT_MEASURED
    }

    /**
     * The status of {@code value} against a bound that {@code holds} or not: undecided when the
     * error is unknown ({@code NaN}) or at least {@link #DECISIVE_RELATIVE_ERROR} of the value.
     */
    static Status decide(Estimate value, boolean holds) {
        if (!(value.error() < DECISIVE_RELATIVE_ERROR * Math.abs(value.value()))) {
            return Status.UNDECIDED;
        }
        return holds ? Status.MET : Status.MISSED;
    }

    static TargetOutcome notMeasured(Target target, String why) {
        return new TargetOutcome(target, OptionalDouble.empty(), why, Status.NOT_MEASURED);
    }
}
