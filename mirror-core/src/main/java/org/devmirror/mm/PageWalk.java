package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * Models the sparse part of mm/pagewalk.c that the host needs before raising an invalidation:
 * where in a range anything is populated. Host operations notify only over
 * {@code [firstPopulated, populatedEnd)} and not at all when nothing is there (the kernel's
 * {@code change_pud_range} likewise starts its notifier only at the first populated PUD).
 *
 * <p>Both walks cost one {@code nextPopulated} per populated entry or PMD leaf plus the
 * upper-level skips of the page table; they allocate nothing.
 */
final class PageWalk {
    private PageWalk() {}

    /** The first populated page address in {@code [start, end)}, or {@code end}. */
    static long firstPopulated(CpuPageTable pt, long start, long end) {
        return start >= end ? end : pt.nextPopulated(start, end);
    }

    /**
     * One past the last populated byte of {@code [start, end)} (a PMD leaf counts whole, clipped to
     * the range), or {@code start} when nothing is populated.
     */
    static long populatedEnd(CpuPageTable pt, long start, long end) {
        long last = start;
        long va = start;
        while (va < end) {
            va = pt.nextPopulated(va, end);
            if (va >= end) {
                break;
            }
            long next = PteLayout.isHuge(pt.get(va)) ? Math.min(UserRange.pmdFloor(va) + Host.PMD_SIZE, end) : va + Host.PAGE_SIZE;
            last = next;
            va = next;
        }
        return last;
    }

    /** The address after the entry at va: the end of its PMD leaf, or the next page. */
    static long nextEntry(long va, long entry) {
        return PteLayout.isHuge(entry) ? UserRange.pmdFloor(va) + Host.PMD_SIZE : va + Host.PAGE_SIZE;
    }
}
