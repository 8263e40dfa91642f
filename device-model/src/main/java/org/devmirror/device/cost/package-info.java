/**
 * A device cost model: what the work a mirroring driver makes its device do would cost on real
 * hardware, in modelled device time. The emulator counts work exactly ({@code DeviceStats}: device
 * faults, pages faulted, PTEs zapped, downgraded and re-read, TLB invalidations, pages migrated,
 * user-queue evictions); a
 * {@link org.devmirror.device.cost.CostProfile} prices each unit from published driver
 * measurements, and {@link org.devmirror.device.cost.DeviceTime} is the result, broken down by
 * component so that a reader sees which kind of work dominates.
 *
 * <p>The counts weigh very differently on a device: a GPU page fault costs microseconds, a device
 * PTE write nanoseconds. A uniform count of work units therefore ranks policies wrongly on
 * workloads where one policy trades PTE writes for faults; modelled time does not.
 *
 * <p>Uses {@code org.devmirror.device.stats} and the page sizes of
 * {@code org.devmirror.device.pagetable} only; nothing here touches a mirror or the host.
 */
package org.devmirror.device.cost;
