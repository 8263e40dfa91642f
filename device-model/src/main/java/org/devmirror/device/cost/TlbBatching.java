package org.devmirror.device.cost;

import java.util.Locale;

/**
 * How a driver waits for one ranged TLB invalidation on a device with several GTs (or a process
 * mirrored on several GPUs): the difference drivers.md records between Xe and amdkfd.
 */
public enum TlbBatching {
    /**
     * Issue the invalidation on every GT, then wait for all: one invalidation's latency per callback
     * ({@code xe_vm_range_tilemask_tlb_inval} in drivers/gpu/drm/xe/xe_vm.c).
     */
    OVERLAPPED,
    /**
     * Invalidate and wait GT by GT: the latency once per GT ({@code svm_range_unmap_from_gpus} then
     * {@code kfd_flush_tlb} per GPU in drivers/gpu/drm/amd/amdkfd/kfd_svm.c).
     */
    SERIAL;

    /** Nanoseconds one ranged invalidation costs on {@code gts} GTs of {@code perGtNs} each. */
    double latencyNs(double perGtNs, int gts) {
        return switch (this) {
            case OVERLAPPED -> perGtNs;
            case SERIAL -> perGtNs * gts;
        };
    }

    /** The lower-case name profile files use. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The batching a profile file names, by {@link #label()}.
     *
     * @throws IllegalArgumentException naming the value and the labels when it is neither
     */
    public static TlbBatching ofLabel(String label) {
        for (TlbBatching b : values()) {
            if (b.label().equals(label)) {
                return b;
            }
        }
        throw new IllegalArgumentException("\"" + label + "\" is not overlapped or serial");
    }
}
