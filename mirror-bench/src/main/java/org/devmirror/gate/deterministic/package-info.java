/**
 * The deterministic gate, {@code ./devmirror gate}: allocation and work counters per operation of every hot path,
 * measured now by a {@link org.devmirror.gate.deterministic.DeterministicProbe} (devmirror's own is
 * {@link org.devmirror.gate.deterministic.SuiteProbe}) and compared exactly with {@code perf/baseline.json}
 * ({@link org.devmirror.gate.deterministic.DeterministicGate}). These values do not depend on the machine's speed, so
 * any difference is a change in behaviour.
 *
 * <p>May use: {@code org.devmirror.bench.probe} and {@code org.devmirror.json}.
 */
package org.devmirror.gate.deterministic;
