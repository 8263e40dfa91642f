package org.devmirror.gate.deterministic;

import org.devmirror.bench.probe.Baseline;
import org.devmirror.bench.probe.WorkProbe;

/**
 * The deterministic probe over devmirror's own hot paths: the suite's {@link WorkProbe}, which
 * runs dispatch, every event's invalidation (event-aware and blind policy), and the device fault
 * path outside JMH on the benchmarks' own workloads, and reports allocation and work counters per
 * operation under check names such as {@code invalidate event=UNMAP policy=aware size=2M}.
 *
 * <p>{@link #ROUNDS} rounds per path keep the probe short enough for every CI build, while
 * spreading any one-off allocation (class initialisation, a lazily grown array) to under one byte
 * per operation.
 */
public final class SuiteProbe implements DeterministicProbe {
    /** Rounds per hot path: a round is one operation, or one batch of invalidations over every region. */
    static final int ROUNDS = 20;

    @Override
    public Baseline measure() {
        return WorkProbe.baseline(ROUNDS);
    }
}
