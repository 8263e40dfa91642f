/**
 * The workloads the benchmarks time and the probe measures, outside JMH so both share them: dispatch through the
 * notifier core, invalidation of populated tracked ranges, device faults, host operations, the work counters they
 * read, and the test-only work injection ({@link org.devmirror.bench.workload.InjectedWork}) that proves the gate sees
 * a change.
 *
 * <p>May use: mirror-core, device-model and the JDK; nothing of JMH.
 */
package org.devmirror.bench.workload;
