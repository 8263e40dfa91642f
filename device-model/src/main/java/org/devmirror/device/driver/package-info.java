/**
 * The driver half of the mirror: the interval notifiers it tracks ({@code TrackedRange},
 * {@code TrackedRanges}), the fault path ({@code DeviceFault}, {@code FaultCommit}: dmirror_range_fault and
 * dmirror_do_fault split as in lib/test_hmm.c) and the pluggable {@link org.devmirror.device.driver.InvalidationPolicy}
 * with its two implementations, {@link org.devmirror.device.driver.EventAwarePolicy} and
 * {@link org.devmirror.device.driver.BlindPolicy}, named on the command line through
 * {@link org.devmirror.device.driver.PolicyResolver}.
 *
 * <p>May use: mirror-core, {@code org.devmirror.device.pagetable}, {@code .tlb} and {@code .stats}; not
 * {@code org.devmirror.device} itself (the device uses the driver, not the reverse).
 */
package org.devmirror.device.driver;
