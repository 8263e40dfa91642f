/**
 * The JMH benchmarks and nothing else: one class per measured path, each opening with what it measures and the
 * pitfall it avoids, on the workloads of {@code org.devmirror.bench.workload}, and the abstract trial states
 * ({@link org.devmirror.bench.InvalidationBenchState}, {@link org.devmirror.bench.FaultBenchState}) those that build
 * the same workload share. Every class with a {@code @Benchmark} method has one entry in the suite's registry
 * ({@code org.devmirror.bench.suite.BenchRegistry}), which decides which run and how; docs/perf.md has the results.
 *
 * <p>May use: {@code org.devmirror.bench.workload}, mirror-core, device-model, and {@code org.devmirror.observe},
 * {@code .trace} and {@code .replay} for the trace replay benchmark. JMH's annotations appear in this package only.
 */
package org.devmirror.bench;
