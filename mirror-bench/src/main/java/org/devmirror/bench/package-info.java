/**
 * The JMH benchmarks and nothing else: one class per measured path, each opening with what it measures and the
 * pitfall it avoids, on the workloads of {@code org.devmirror.bench.workload}. The suite
 * ({@code org.devmirror.bench.suite}) decides which run and how; docs/perf.md has the results.
 *
 * <p>May use: {@code org.devmirror.bench.workload}, mirror-core, device-model, and {@code org.devmirror.observe},
 * {@code .trace} and {@code .replay} for the trace replay benchmark. JMH's annotations appear in this package only.
 */
package org.devmirror.bench;
