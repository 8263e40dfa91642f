package org.devmirror.scenario.model;

/**
 * An operation a declared device performs on its mirror of {@link #space()} (the commands of
 * lib/test_hmm.c's {@code hmm_dmirror} device). The first device operation issued in a space
 * opens that device's mirror of the space, as {@code open("/dev/hmm_dmirror0")} in that process
 * would. Lengths are positive multiples of 4 KiB.
 */
public sealed interface DeviceOp extends Operation {
    /** The declared device that performs it. */
    String device();

    /** {@code DEV read ADDR SIZE}: HMM_DMIRROR_READ, faulting missing pages in. */
    record Read(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV write ADDR SIZE DATA}: HMM_DMIRROR_WRITE of {@code data}, faulting for write. */
    record Write(int line, String space, String device, Address addr, long length, DataPattern data)
            implements DeviceOp {}

    /**
     * {@code DEV atomic ADDR SIZE [add N]}: the device adds {@code addend} (default 1) to every
     * 32-bit little-endian word of the range atomically, which needs device-exclusive access.
     */
    record Atomic(int line, String space, String device, Address addr, long length, long addend) implements DeviceOp {}

    /** {@code DEV snapshot ADDR SIZE}: HMM_DMIRROR_SNAPSHOT, one {@link DmirrorProt} byte per page. */
    record Snapshot(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV migrate ADDR SIZE}: HMM_DMIRROR_MIGRATE_TO_DEV. */
    record MigrateToDevice(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV migrate-back ADDR SIZE}: HMM_DMIRROR_MIGRATE_TO_SYS. */
    record MigrateToSystem(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV exclusive ADDR SIZE}: HMM_DMIRROR_EXCLUSIVE (make_device_exclusive). */
    record Exclusive(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV check-exclusive ADDR SIZE}: HMM_DMIRROR_CHECK_EXCLUSIVE, EPERM if any page is still exclusive. */
    record CheckExclusive(int line, String space, String device, Address addr, long length) implements DeviceOp {}

    /** {@code DEV release}: evict all of the device's memory back to system RAM. */
    record Release(int line, String space, String device) implements DeviceOp {}

    /**
     * {@code DEV lock}: another thread takes the device's driver lock (of its mirror of the space)
     * and holds it until {@code DEV unlock}. Meanwhile a non-blockable invalidation is refused,
     * and an operation that would have to wait for the lock is reported as blocked.
     */
    record HoldLock(int line, String space, String device) implements DeviceOp {}

    /** {@code DEV unlock}: the thread holding the driver lock since {@code DEV lock} releases it. */
    record ReleaseLock(int line, String space, String device) implements DeviceOp {}

    /** {@code DEV fail-alloc [COUNT]}: the next {@code count} device-memory allocations fail (default 1). */
    record FailAlloc(int line, String space, String device, int count) implements DeviceOp {}
}
