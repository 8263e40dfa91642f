package org.devmirror.scenario.run;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Host;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * The CPU page-table entries of a range, one character per page, as the trace of a
 * {@code watch}ed range prints them: what the host's page table holds under each page the
 * device mirrors, read straight from the PTEs ({@link PteLayout}).
 */
final class PteStrip {
    /** What each character means, printed beside the strip. */
    static final String LEGEND = "w rw, r ro, z zero page, H 2M, s swap, d device, x exclusive, P hwpoison, - none";

    private PteStrip() {}

    /** One character per page of {@code [addr, addr + pages * 4 KiB)} of {@code mm}. */
    static String of(AddressSpace mm, long addr, long pages) {
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < pages; i++) {
            sb.append(pteChar(mm.pageTable().get(addr + i * Host.PAGE_SIZE)));
        }
        return sb.toString();
    }

    private static char pteChar(long e) {
        if (PteLayout.isNone(e)) {
            return '-';
        }
        if (PteLayout.isSwap(e)) {
            return 's';
        }
        if (PteLayout.isDevicePrivate(e) || PteLayout.isMigration(e)) {
            return 'd';
        }
        if (PteLayout.isDeviceExclusive(e)) {
            return 'x';
        }
        if (PteLayout.isHwpoison(e)) {
            return 'P';
        }
        if (PteLayout.isHuge(e)) {
            return 'H';
        }
        if (PteLayout.isSpecial(e)) {
            return 'z';
        }
        return PteLayout.isWrite(e) ? 'w' : 'r';
    }
}
