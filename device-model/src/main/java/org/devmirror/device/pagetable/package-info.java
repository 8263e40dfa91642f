/**
 * The device page table: what the simulated device translates through, the counterpart of
 * lib/test_hmm.c's {@code dmirror->pt} and a GPU's page-table tree.
 *
 * <p>{@link org.devmirror.device.pagetable.DevicePteLayout} is the one place that knows the entry
 * bits and the off-heap layout. {@link org.devmirror.device.pagetable.DevicePageTable} is the
 * contract; {@link org.devmirror.device.pagetable.OffHeapDevicePageTable} is the radix tree the
 * driver uses, {@link org.devmirror.device.pagetable.OnHeapDevicePageTable} the TreeMap reference it
 * is measured and differentially tested against.
 *
 * <h2>Memory model</h2>
 * A device page table is a lock-protected structure: the driver lock (test_hmm's
 * {@code dmirror->mutex}, drm_gpusvm's notifier lock) is held around every write, and the oracle
 * reads at quiescent points. Every off-heap access is therefore a plain {@code VarHandle} get/set:
 * happens-before comes from the lock or the join, and no read races a write.
 */
package org.devmirror.device.pagetable;
