package org.devmirror.mm;

import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/madvise.c. Per VMA of the range: DONTNEED zaps (CLEAR over the populated part,
 * {@code zap_page_range_single}); FREE marks exclusive private anonymous pages clean and lazily
 * freeable and drops swap entries (CLEAR over the populated part, {@code madvise_free_single_vma});
 * HUGEPAGE, NOHUGEPAGE and MERGEABLE only change VMA flags (no event); COLLAPSE collapses every
 * 2 MiB region inside the range; PAGEOUT reclaims. As in the kernel, holes in the range do not
 * stop the advice being applied to the mapped parts, but the call then returns ENOMEM.
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock.
 */
final class Madvise {
    private Madvise() {}

    static Errno madvise(AddressSpace mm, long addr, long length, Advice advice) {
        long end = UserRange.end("addr", addr, "length", length);
        if (advice == null) {
            throw new IllegalArgumentException("advice=null");
        }
        mm.lockForWrite();
        try {
            Errno unmapped = Mmap.fullyMapped(mm, addr, end) ? Errno.OK : Errno.ENOMEM;
            Errno r = switch (advice) {
                case DONTNEED -> dontNeed(mm, addr, end);
                case FREE -> free(mm, addr, end);
                case HUGEPAGE -> updateFlags(mm, addr, end, MapFlags.HUGEPAGE, Vma.NOHUGEPAGE, false);
                case NOHUGEPAGE -> updateFlags(mm, addr, end, Vma.NOHUGEPAGE, MapFlags.HUGEPAGE, false);
                case COLLAPSE -> collapse(mm, addr, end);
                case PAGEOUT -> {
                    Reclaim.reclaimLocked(mm, addr, end);
                    yield Errno.OK;
                }
                case MERGEABLE -> {
                    Errno f = updateFlags(mm, addr, end, Vma.MERGEABLE, 0, true);
                    if (f.isOk()) {
                        Ksm.mergeLocked(mm, addr, end);
                    }
                    yield f;
                }
            };
            return r.isOk() ? unmapped : r;
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** MADV_DONTNEED: per VMA, CLEAR over the populated part, then zap. */
    private static Errno dontNeed(AddressSpace mm, long start, long end) {
        Errno r = splitEnds(mm, start, end);
        if (!r.isOk()) {
            return r;
        }
        CpuPageTable pt = mm.pageTable();
        for (Vma v : mm.vmasIn(start, end)) {
            long s = Math.max(start, v.start);
            long e = Math.min(end, v.end);
            long from = PageWalk.firstPopulated(pt, s, e);
            if (from >= e) {
                continue;
            }
            int slot = mm.notify.start(MmuNotifierEvent.CLEAR, from, PageWalk.populatedEnd(pt, from, e), null);
            try {
                Zap.rangeKeepingUffdWp(mm, v, from, e);
            } finally {
                mm.notify.end(slot);
            }
        }
        return Errno.OK;
    }

    /** MADV_FREE: private anonymous VMAs only (EINVAL otherwise, nothing changed). */
    private static Errno free(AddressSpace mm, long start, long end) {
        List<Vma> vmas = mm.vmasIn(start, end);
        for (Vma v : vmas) {
            if (!v.isPrivateAnon()) {
                return Errno.EINVAL;
            }
        }
        Errno r = splitEnds(mm, start, end);
        if (!r.isOk()) {
            return r;
        }
        CpuPageTable pt = mm.pageTable();
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        PageWalk walk = new PageWalk(pt);
        for (Vma v : mm.vmasIn(start, end)) {
            long s = Math.max(start, v.start);
            long e = Math.min(end, v.end);
            long from = PageWalk.firstPopulated(pt, s, e);
            if (from >= e) {
                continue;
            }
            int slot = mm.notify.start(MmuNotifierEvent.CLEAR, from, PageWalk.populatedEnd(pt, from, e), null);
            walk.reset(from, e);
            mm.ptl.lock();
            try {
                while (walk.next()) {
                    long pte = walk.entry();
                    if (PteLayout.isSwap(pte)) {
                        walk.set(0); // madvise_free_pte_range: free_swap_and_cache
                        host.swap().freeSlot(PteLayout.swapSlot(pte));
                    } else if (PteLayout.isPresent(pte) && !PteLayout.isSpecial(pte)) {
                        long pfn = PteLayout.pfn(pte);
                        if (mem.mapcount(pfn) == 1 && host.rmap().mappingOf(pfn) instanceof AnonVma) {
                            walk.set(PteLayout.mkOld(PteLayout.mkClean(pte)));
                            host.rmap().setLazyFree(pfn, true);
                        }
                    }
                }
            } finally {
                mm.ptl.unlock();
                mm.notify.end(slot);
            }
        }
        return Errno.OK;
    }

    /** {@code madvise_update_vma}: sets and clears VMA flags, splitting and merging VMAs. */
    private static Errno updateFlags(AddressSpace mm, long start, long end, int set, int clear, boolean privateOnly) {
        boolean changes = false;
        for (Vma v : mm.vmasIn(start, end)) {
            if (!(privateOnly && v.isShared()) && ((v.flags | set) & ~clear) != v.flags) {
                changes = true;
            }
        }
        if (!changes) {
            return Errno.OK;
        }
        Errno r = Mmap.splitAt(mm, start, end);
        if (!r.isOk()) {
            return r;
        }
        for (Vma v : mm.vmasIn(start, end)) {
            if (!(privateOnly && v.isShared())) {
                v.flags = (v.flags | set) & ~clear;
            }
        }
        Mmap.mergeRange(mm, start, end);
        return Errno.OK;
    }

    /** MADV_COLLAPSE: every 2 MiB region fully inside the range; the last failure wins. */
    private static Errno collapse(AddressSpace mm, long start, long end) {
        Errno result = Errno.OK;
        long h = (start + Host.PMD_SIZE - 1) & -Host.PMD_SIZE;
        for (; h + Host.PMD_SIZE <= end; h += Host.PMD_SIZE) {
            if (mm.vmaAt(h) == null) {
                continue;
            }
            Errno r = HugeMemory.collapseLocked(mm, h);
            if (!r.isOk()) {
                result = r;
            }
        }
        return result;
    }

    private static Errno splitEnds(AddressSpace mm, long start, long end) {
        Errno r = HugeMemory.splitStraddling(mm, start);
        return r.isOk() ? HugeMemory.splitStraddling(mm, end) : r;
    }
}
