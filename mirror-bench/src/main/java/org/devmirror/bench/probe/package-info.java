/**
 * The deterministic side of the benchmarks: {@link org.devmirror.bench.probe.WorkProbe} runs every hot path outside
 * JMH on the benchmarks' own workloads and measures allocation (with device-model's
 * {@code AllocationMeter}) and work counters per operation; {@link org.devmirror.bench.probe.Baseline},
 * {@link org.devmirror.bench.probe.BaselineEntry} and {@link org.devmirror.bench.probe.BaselineDiff} are
 * {@code perf/baseline.json} and what changed against it.
 *
 * <p>May use: {@code org.devmirror.bench.workload}, {@code .bench.report}, {@code org.devmirror.json}, mirror-core and
 * device-model. The gate uses this package, never the reverse.
 */
package org.devmirror.bench.probe;
