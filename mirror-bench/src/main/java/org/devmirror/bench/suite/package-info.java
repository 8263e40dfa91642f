/**
 * What {@code ./devmirror bench} runs and how: the profiles ({@link org.devmirror.bench.suite.BenchProfile}), the
 * references and targets of the suite ({@link org.devmirror.bench.suite.BenchSuite}), the net figures of benchmarks
 * whose restore does work ({@link org.devmirror.bench.suite.NetResults}), the plots
 * ({@link org.devmirror.bench.suite.SuitePlots}) and the runner ({@link org.devmirror.bench.suite.SuiteRunner}).
 *
 * <p>May use: {@code org.devmirror.bench} (benchmark classes by name), {@code .bench.report}, {@code .bench.report.plot},
 * {@code .bench.workload}, JMH's runner API, and what the replay benchmark needs ({@code .trace}, {@code .replay},
 * {@code .observe}).
 */
package org.devmirror.bench.suite;
