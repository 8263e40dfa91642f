/**
 * The driver half of the mirror: the interval notifiers it tracks ({@code TrackedRange},
 * {@code TrackedRanges}), the fault path ({@code DeviceFault}, {@code FaultCommit}: dmirror_range_fault and
 * dmirror_do_fault split as in lib/test_hmm.c) and the pluggable {@link org.devmirror.device.driver.InvalidationPolicy}
 * with its two implementations, {@link org.devmirror.device.driver.EventAwarePolicy} and
 * {@link org.devmirror.device.driver.BlindPolicy}, named on the command line through
 * {@link org.devmirror.device.driver.PolicyResolver}.
 *
 * <p><b>The driver zoo.</b> Real drivers' invalidation policies, each written from the driver's
 * source (Linux 6.15 unless a class says otherwise) so that devmirror can run, check and count
 * what they do: {@link org.devmirror.device.driver.TestHmmPolicy} (lib/test_hmm.c),
 * {@link org.devmirror.device.driver.NouveauPolicy}, {@link org.devmirror.device.driver.AmdKfdSvmPolicy}
 * (XNACK on and off), {@link org.devmirror.device.driver.XeSvmPolicy} (drm_gpusvm and Xe),
 * {@link org.devmirror.device.driver.Mlx5OdpPolicy} and {@link org.devmirror.device.driver.KvmPolicy}.
 * Each names the kernel functions it follows and states its reaction per event, its tracking
 * granularity ({@code InvalidationPolicy.trackChunk}), its TLB batching and its non-blockable
 * behaviour ({@code InvalidationPolicy.nonBlockable}). None is a recommendation: no production
 * driver specialises PROTECTION_VMA, PROTECTION_PAGE or SOFT_DIRTY, so they zap (or evict) where
 * the event-aware policy downgrades or marks; docs/guide/zoo.md compares them. They live in this
 * package, not a sub-package, because {@code PolicyResolver}'s registry lists them and packages
 * may not depend on each other in a cycle.
 *
 * <p>May use: mirror-core, {@code org.devmirror.device.pagetable}, {@code .tlb} and {@code .stats}; not
 * {@code org.devmirror.device} itself (the device uses the driver, not the reverse).
 */
package org.devmirror.device.driver;
