/**
 * The simulated device and its mirror of one address space, after lib/test_hmm.c:
 * {@link org.devmirror.device.DmirrorDevice} (struct dmirror_device), {@link org.devmirror.device.Dmirror}
 * (struct dmirror), and the device-side commands of the HMM selftests: access and fault
 * ({@code DeviceAccess}), snapshot ({@code DeviceSnapshot}, {@code SnapshotProt}), migration to device memory
 * ({@code DeviceMigration}) and exclusive access ({@code DeviceExclusive}).
 *
 * <p>May use: every package of mirror-core and the other {@code org.devmirror.device} packages; nothing of
 * mirror-bench.
 */
package org.devmirror.device;
