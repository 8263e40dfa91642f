package org.devmirror.device.driver;

import org.devmirror.mm.pagetable.PteLayout;

/**
 * What a CPU page-table entry grants at one address, in the terms a device translation is checked
 * against: which page (system frame or device-private page) and whether writing is allowed. Used by
 * the end-of-invalidation re-read (PROTECTION_PAGE) and by the {@code SafetyOracle}.
 */
public final class CpuMapping {
    /** Returned by {@link #pageAt} when the entry gives the device no page. */
    public static final long NO_PAGE = -1;

    private CpuMapping() {}

    /**
     * The PFN of the 4 KiB page {@code va} maps to through {@code cpuEntry} (the PTE, or the PMD
     * leaf covering {@code va}): a present readable entry's frame, a device-private entry's device
     * PFN, or a device-exclusive entry's frame; {@link #NO_PAGE} for none, PROT_NONE, swap and
     * migration entries.
     */
    public static long pageAt(long cpuEntry, long va) {
        long index = PteLayout.isHuge(cpuEntry) ? (va >>> 12) & 511 : 0;
        if (PteLayout.isRead(cpuEntry)) {
            return PteLayout.pfn(cpuEntry) + index;
        }
        if (PteLayout.isDevicePrivate(cpuEntry) || PteLayout.isDeviceExclusive(cpuEntry)) {
            return PteLayout.pfn(cpuEntry) + index;
        }
        return NO_PAGE;
    }

    /** Whether {@code cpuEntry} lets its page be written (present WRITE, or a writable device entry). */
    public static boolean grantsWrite(long cpuEntry) {
        return cpuEntry != 0 && PteLayout.isWrite(cpuEntry);
    }
}
