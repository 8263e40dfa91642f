package org.devmirror.scenario.model;

/**
 * A statement that does work and has a result: a host operation on an address space
 * ({@link HostOp}) or a device operation ({@link DeviceOp}). {@link Expectation}s check the
 * most recent one.
 */
public sealed interface Operation extends Statement permits HostOp, DeviceOp {
    /** The address space it applies to: {@code main} or a {@code fork} child's name. */
    String space();
}
