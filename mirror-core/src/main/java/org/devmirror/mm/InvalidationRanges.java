package org.devmirror.mm;

/**
 * Which range a host operation passes to {@code mmu_notifier_range_init}: the kernel's own, or
 * devmirror's narrowed one. A {@link HostConfig} option; the kernel's ranges are the default.
 *
 * <p>The kernel initialises most ranges from what the caller asked for, not from what the page
 * table holds: {@code unmap_vmas} raises UNMAP over the whole munmap range even where no page
 * table exists, {@code copy_page_range} raises PROTECTION_PAGE over a whole COW VMA,
 * {@code clear_refs_write} raises SOFT_DIRTY over {@code [0, ULONG_MAX)}. A driver sees those
 * ranges and pays for them (a tree walk, a device TLB flush over the span, a dropped tracked
 * range). {@link #NARROWED} exists so that cost can be measured: every invalidation is cut down to
 * the populated part of its range and none is raised where nothing is populated. Operations whose
 * kernel range is already a single page or folio (faults, reclaim, compaction, THP split and
 * collapse, {@code make_device_exclusive}) raise the same range in both modes.
 */
public enum InvalidationRanges {
    /** The range the kernel passes, on the kernel's conditions (Linux 6.15, mm-stable). */
    KERNEL,
    /** The populated part of the kernel's range; nothing when nothing is populated. */
    NARROWED;

    /** The name command lines and reports use: {@code kernel} or {@code narrowed}. */
    public String label() {
        return switch (this) {
            case KERNEL -> "kernel";
            case NARROWED -> "narrowed";
        };
    }

    /**
     * The mode named {@code label} ({@link #label()}).
     *
     * @throws IllegalArgumentException naming the label when it is neither {@code kernel} nor {@code narrowed}
     */
    public static InvalidationRanges ofLabel(String label) {
        for (InvalidationRanges r : values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("ranges=" + label + " is not kernel or narrowed");
    }
}
