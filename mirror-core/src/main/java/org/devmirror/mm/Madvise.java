package org.devmirror.mm;

import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/madvise.c. Per VMA of the range: DONTNEED zaps (CLEAR over the VMA's part of the
 * range, whatever is populated, {@code zap_page_range_single}); FREE marks exclusive private
 * anonymous pages clean and lazily freeable and drops swap entries (CLEAR over the VMA's part,
 * {@code madvise_free_single_vma}). Under {@link InvalidationRanges#NARROWED} both CLEARs cover
 * only the populated part and are not raised over empty page tables.
 * HUGEPAGE, NOHUGEPAGE and MERGEABLE only change VMA flags (no event); COLLAPSE collapses every
 * 2 MiB region inside the range; PAGEOUT reclaims; REMOVE punches a hole in the file behind a
 * shared mapping ({@code madvise_remove}). As in the kernel, holes in the range do not
 * stop the advice being applied to the mapped parts, but the call then returns ENOMEM.
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock; REMOVE takes the read lock and drops it around each hole punch, as
 * {@code madvise_remove} does before {@code vfs_fallocate} (the file system takes
 * {@code i_rwsem}, which ranks above {@code mmap_lock}).
 */
final class Madvise {
    private Madvise() {}

    static Errno madvise(AddressSpace mm, long addr, long length, Advice advice) {
        long end = UserRange.end("addr", addr, "length", length);
        if (advice == null) {
            throw new IllegalArgumentException("advice=null");
        }
        if (advice == Advice.REMOVE) {
            return remove(mm, addr, end);
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
                case REMOVE -> throw new IllegalStateException("advice=REMOVE is handled without the write lock");
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

    /** MADV_DONTNEED: per VMA, CLEAR over its part of the range, then zap. */
    private static Errno dontNeed(AddressSpace mm, long start, long end) {
        Errno r = splitEnds(mm, start, end);
        if (!r.isOk()) {
            return r;
        }
        for (Vma v : mm.vmasIn(start, end)) {
            long s = Math.max(start, v.start);
            long e = Math.min(end, v.end);
            int slot = mm.notify.startOver(MmuNotifierEvent.CLEAR, s, e, null);
            try {
                Zap.rangeKeepingUffdWp(mm, v, s, e);
            } finally {
                mm.notify.end(slot);
            }
        }
        return Errno.OK;
    }

    /** One VMA's part of a MADV_REMOVE: the hole to punch in its file. */
    private record Hole(MemoryObject file, long offset, long length) {}

    /**
     * {@code madvise_remove} per VMA, in address order: the first VMA that is anonymous (EINVAL)
     * or not shared (EACCES) ends the call with that error, after the holes of the VMAs before
     * it were punched.
     */
    private static Errno remove(AddressSpace mm, long start, long end) {
        List<Hole> holes = new java.util.ArrayList<>();
        Errno result;
        mm.lockForRead();
        try {
            result = Mmap.fullyMapped(mm, start, end) ? Errno.OK : Errno.ENOMEM;
            for (Vma v : mm.vmasIn(start, end)) {
                if (v.object == null) {
                    result = Errno.EINVAL; // no vm_file
                    break;
                }
                if (!v.isShared()) {
                    result = Errno.EACCES; // !vma_is_shared_maywrite
                    break;
                }
                long s = Math.max(start, v.start);
                long e = Math.min(end, v.end);
                holes.add(new Hole(v.object, (s - v.start) + (v.pgoff << Host.PAGE_SHIFT), e - s));
            }
        } finally {
            mm.mmapReadUnlock();
        }
        for (Hole h : holes) {
            Errno r = Truncate.fallocate(
                    h.file(),
                    MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE,
                    h.offset(),
                    h.length());
            if (!r.isOk()) {
                return r;
            }
        }
        return result;
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
            int slot = mm.notify.startOver(MmuNotifierEvent.CLEAR, s, e, null);
            walk.reset(s, e);
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
                            mem.setDirty(pfn, false); // folio_clear_dirty, then folio_mark_lazyfree
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
