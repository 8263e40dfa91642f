/**
 * The benchmark report: results read from JMH ({@link org.devmirror.bench.report.JmhResults},
 * {@link org.devmirror.bench.report.BenchResult}), ratios to references measured in the same run
 * ({@link org.devmirror.bench.report.ReferenceMapping}, {@link org.devmirror.bench.report.Estimate}), targets
 * ({@link org.devmirror.bench.report.Target}), and the Markdown report itself
 * ({@link org.devmirror.bench.report.BenchReport}).
 *
 * <p>May use: {@code org.devmirror.json}, JMH's result API and the JDK; nothing of the benchmarks themselves.
 */
package org.devmirror.bench.report;
