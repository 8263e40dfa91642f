/**
 * The timing gate's statistics: how the normalised fork scores of two builds are compared and judged. The ratio of
 * medians with its percentile-bootstrap interval ({@link org.devmirror.gate.stats.BootstrapRatioOfMedians}), the
 * two-sided Mann-Whitney U test (Commons Statistics, configured in
 * {@link org.devmirror.gate.stats.TimingComparator}), the threshold per benchmark
 * ({@link org.devmirror.gate.stats.ThresholdRule}), what a run could detect at its own noise
 * ({@link org.devmirror.gate.stats.PowerAnalysis}), the verdict and its confirmation by a rerun
 * ({@link org.devmirror.gate.stats.Confirmation}).
 *
 * <p>May use: Commons Statistics and the JDK; nothing of the benchmarks, the forks or the baseline.
 */
package org.devmirror.gate.stats;
