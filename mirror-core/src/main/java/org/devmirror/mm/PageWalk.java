package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;

/**
 * Models the sparse walk of mm/pagewalk.c ({@code walk_page_range} with its {@code pte_entry}
 * and {@code pmd_entry} callbacks) as a cursor: every host operation that visits the populated
 * entries of a range (zap, mprotect, mremap, madvise, reclaim, compaction, KSM, fork, clear_refs)
 * steps through them with one {@link PageWalk} instead of its own copy of the loop. A PMD leaf is
 * visited once; {@link #set} writes the entry back at the level it was found.
 *
 * <p>The static helpers answer where in a range anything is populated: under
 * {@link InvalidationRanges#NARROWED}, {@link MmuNotify#startOver} raises only over
 * {@code [firstPopulated, populatedEnd)} and not at all when nothing is there. Under the kernel's
 * ranges operations raise over the range the kernel passes, whatever is populated.
 *
 * <p>A step costs one {@code nextPopulated} plus one entry read; the cursor allocates nothing
 * after construction and can be {@link #reset} for the next VMA.
 *
 * <h2>Locking</h2>
 * The caller holds the mmap lock; it takes the page-table lock itself around steps whose
 * entries it changes. An entry changed by {@link #set} is not revisited: the walk resumes after
 * the entry as it was read.
 */
final class PageWalk {
    private final CpuPageTable pt;
    // end of the range being walked (exclusive, page aligned)
    private long end;
    // where the next step searches from; >= end once the walk is over
    private long resume;
    // the page address nextPopulated returned for the current entry (inside a PMD leaf for a huge one)
    private long va;
    // the current entry as read at this step
    private long entry;

    PageWalk(CpuPageTable pt) {
        this.pt = pt;
    }

    /** A walk over {@code [start, end)} of {@code pt}. */
    static PageWalk over(CpuPageTable pt, long start, long end) {
        return new PageWalk(pt).reset(start, end);
    }

    /** Restarts the walk over {@code [start, end)}. */
    PageWalk reset(long start, long end) {
        this.end = end;
        this.resume = start;
        return this;
    }

    /** Steps to the next populated entry; false when the range holds no more. */
    boolean next() {
        if (resume >= end) {
            return false;
        }
        va = pt.nextPopulated(resume, end);
        if (va >= end) {
            resume = end;
            return false;
        }
        entry = pt.get(va);
        resume = nextEntry(va, entry);
        return true;
    }

    /** The page address of the current entry (inside the leaf when it is a PMD leaf). */
    long va() {
        return va;
    }

    /** The current entry, as read by {@link #next}. */
    long entry() {
        return entry;
    }

    /** Whether the current entry is a PMD leaf. */
    boolean isHuge() {
        return PteLayout.isHuge(entry);
    }

    /** The first address the current entry maps: its PMD floor for a leaf, else {@link #va}. */
    long entryStart() {
        return isHuge() ? UserRange.pmdFloor(va) : va;
    }

    /** One past the last address the current entry maps (a PMD leaf may extend past the range). */
    long entryEnd() {
        return nextEntry(va, entry);
    }

    /** Writes {@code e} over the current entry at the level it was found ({@code set_pte}/{@code set_pmd_at}). */
    void set(long e) {
        setAt(0, e);
    }

    /** Writes {@code e} at the current entry's position moved by {@code delta}, at the same level (mremap). */
    void setAt(long delta, long e) {
        if (isHuge()) {
            pt.setPmd(UserRange.pmdFloor(va) + delta, e);
        } else {
            pt.set(va + delta, e);
        }
    }

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
        PageWalk w = over(pt, start, end);
        while (w.next()) {
            last = Math.min(w.entryEnd(), end);
        }
        return last;
    }

    /** The address after the entry at va: the end of its PMD leaf, or the next page. */
    static long nextEntry(long va, long entry) {
        return PteLayout.isHuge(entry) ? UserRange.pmdFloor(va) + Host.PMD_SIZE : va + Host.PAGE_SIZE;
    }
}
