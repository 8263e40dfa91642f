/**
 * What {@code ./devmirror bench} runs and how, from one list: the benchmark registry
 * ({@link org.devmirror.bench.suite.BenchRegistry}, one {@link org.devmirror.bench.suite.BenchEntry} per benchmark
 * class: timing, quick and full parameters, references, targets, plots, net figure). Derived from it: the profiles
 * ({@link org.devmirror.bench.suite.BenchProfile}), the references and targets of the report
 * ({@link org.devmirror.bench.suite.BenchSuite}), the net figures of benchmarks whose restore does work
 * ({@link org.devmirror.bench.suite.NetResults}), the plots ({@link org.devmirror.bench.suite.SuitePlots}) and the
 * timing gate's references ({@code org.devmirror.gate.ab.GateReferences}). The runner is
 * {@link org.devmirror.bench.suite.SuiteRunner}.
 *
 * <p>May use: {@code org.devmirror.bench} (benchmark classes), {@code .bench.report}, {@code .bench.report.plot},
 * {@code .bench.workload}, JMH's runner API, and what the replay benchmark needs ({@code .trace}, {@code .replay},
 * {@code .observe}).
 */
package org.devmirror.bench.suite;
