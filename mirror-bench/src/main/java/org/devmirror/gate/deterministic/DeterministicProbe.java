package org.devmirror.gate.deterministic;

import org.devmirror.bench.probe.Baseline;

/**
 * Measures, now and in this JVM, the deterministic values of every hot path the gate guards:
 * bytes allocated per operation and work counters per operation, keyed by the same check names
 * as {@code perf/baseline.json}. The values must not depend on the machine's speed or load, so
 * that any difference from the recorded baseline is a change in behaviour.
 *
 * <p>Implementations run each hot path many times outside JMH (allocation from
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}, work from the model's own
 * counters) and must finish in seconds: the deterministic gate runs in every CI build.
 */
@FunctionalInterface
public interface DeterministicProbe {

    /** The values measured now, one entry per check. */
    Baseline measure();
}
