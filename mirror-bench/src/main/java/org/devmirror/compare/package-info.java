/**
 * {@code ./devmirror compare}: every trace replayed under every policy with the oracle on, each
 * result priced as modelled device time by one cost profile, and the report that answers "which
 * policy for this workload" in its first table ({@link org.devmirror.compare.PolicyComparison},
 * {@link org.devmirror.compare.ComparisonReport}).
 *
 * <p>May use: {@code org.devmirror.replay} and the trace it reads, {@code .observe},
 * {@code .bench.report} (its Markdown table and plots), {@code .json}, and device-model's
 * {@code org.devmirror.device.cost} and {@code org.devmirror.device.driver}.
 */
package org.devmirror.compare;
