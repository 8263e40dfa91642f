package org.devmirror.bench.report;

import java.util.OptionalDouble;

/**
 * Where one run stands against a {@link Target}.
 *
 * @param target   the target
 * @param measured the measured ratio or bytes per operation; empty when not measured
 * @param shown    the measured value as the report prints it (with its error), or why it is missing
 * @param status   met, missed, or not measured in this run
 */
public record TargetOutcome(Target target, OptionalDouble measured, String shown, Status status) {

    /** Whether the run meets the target. */
    public enum Status {
        MET,
        MISSED,
        NOT_MEASURED
    }

    static TargetOutcome notMeasured(Target target, String why) {
        return new TargetOutcome(target, OptionalDouble.empty(), why, Status.NOT_MEASURED);
    }
}
