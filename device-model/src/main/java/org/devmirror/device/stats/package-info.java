/**
 * What the device did, counted: per-event statistics ({@link org.devmirror.device.stats.DeviceStats}), the JFR
 * event of one invalidation ({@link org.devmirror.device.stats.InvalidationJfrEvent}), and the allocation meter
 * behind the no-allocation rule on the hot paths ({@link org.devmirror.device.stats.AllocationMeter}).
 *
 * <p>May use: {@code org.devmirror.notifier} and the JDK.
 */
package org.devmirror.device.stats;
