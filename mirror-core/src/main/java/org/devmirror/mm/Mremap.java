package org.devmirror.mm;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/mremap.c: shrinking (an munmap of the tail: UNMAP), growing in place (no event),
 * and moving ({@code move_vma}/{@code move_page_tables}: one UNMAP over the whole old range,
 * its populated part under {@link InvalidationRanges#NARROWED}, then the entries move to the new
 * range, which was empty and needs none). A
 * moved VMA keeps its {@code vm_pgoff} and fork family, so the reverse map still finds its pages.
 * With {@code MREMAP_DONTUNMAP} the old VMA stays, empty.
 *
 * <h2>Locking</h2>
 * Takes the mmap write lock.
 */
final class Mremap {
    private static final int KNOWN = MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED | MapFlags.MREMAP_DONTUNMAP;

    private Mremap() {}

    static long mremap(AddressSpace mm, long oldAddr, long oldLength, long newLength, int flags, long newAddr) {
        long oldEnd = UserRange.end("oldAddr", oldAddr, "oldLength", oldLength);
        long newLen = UserRange.pageAlign("newLength", newLength);
        if ((flags & ~KNOWN) != 0) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags) + " has unknown bits");
        }
        boolean mayMove = (flags & MapFlags.MREMAP_MAYMOVE) != 0;
        boolean fixed = (flags & MapFlags.MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & MapFlags.MREMAP_DONTUNMAP) != 0;
        if ((fixed || dontUnmap) && !mayMove) {
            throw new IllegalArgumentException("flags=0x" + Integer.toHexString(flags)
                    + " has MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE");
        }
        if (dontUnmap && newLen != oldEnd - oldAddr) {
            throw new IllegalArgumentException("newLength=0x" + Long.toHexString(newLength)
                    + " differs from oldLength=0x" + Long.toHexString(oldLength) + " with MREMAP_DONTUNMAP");
        }
        if (fixed) {
            long newEnd = UserRange.end("newAddr", newAddr, "newLength", newLength);
            if (newAddr < oldEnd && oldAddr < newEnd) {
                throw new IllegalArgumentException(
                        "newAddr=0x" + Long.toHexString(newAddr) + " overlaps the old range [0x"
                                + Long.toHexString(oldAddr) + ", 0x" + Long.toHexString(oldEnd) + ")");
            }
        }
        mm.lockForWrite();
        try {
            Vma vma = mm.vmaAt(oldAddr);
            if (vma == null || oldEnd > vma.end) {
                return -Errno.EFAULT.code(); // the old range must lie in one VMA
            }
            if (dontUnmap && !vma.isPrivateAnon()) {
                return -Errno.EINVAL.code();
            }
            long oldLen = oldEnd - oldAddr;
            if (!fixed && !dontUnmap) {
                if (newLen <= oldLen) {
                    if (newLen < oldLen) {
                        Errno r = Mmap.unmapLocked(mm, oldAddr + newLen, oldEnd);
                        if (!r.isOk()) {
                            return -r.code();
                        }
                    }
                    return oldAddr;
                }
                long newEnd = oldAddr + newLen;
                if (oldEnd == vma.end && newEnd <= Host.TASK_SIZE) {
                    Vma next = mm.nextVma(vma);
                    if (next == null || next.start >= newEnd) {
                        vma.end = newEnd; // vma_expand
                        Mmap.mergeAround(mm, vma);
                        return oldAddr;
                    }
                }
                if (!mayMove) {
                    return -Errno.ENOMEM.code();
                }
            }
            return move(mm, oldAddr, oldEnd, newLen, fixed ? newAddr : -1, dontUnmap);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    private static long move(
            AddressSpace mm, long oldAddr, long oldEnd, long newLen, long fixedAddr, boolean dontUnmap) {
        long target;
        if (fixedAddr >= 0) {
            target = fixedAddr;
            Errno r = Mmap.unmapLocked(mm, target, target + newLen);
            if (!r.isOk()) {
                return -r.code();
            }
        } else {
            target = Mmap.unmappedArea(mm, 0, newLen);
            if (target < 0) {
                return -Errno.ENOMEM.code();
            }
        }
        if (newLen < oldEnd - oldAddr) {
            Errno r = Mmap.unmapLocked(mm, oldAddr + newLen, oldEnd);
            if (!r.isOk()) {
                return -r.code();
            }
            oldEnd = oldAddr + newLen;
        }
        Errno r = Mmap.splitAt(mm, oldAddr, oldEnd);
        if (!r.isOk()) {
            return -r.code();
        }
        Vma src = mm.vmaAt(oldAddr);
        long delta = target - oldAddr;
        if ((delta & (Host.PMD_SIZE - 1)) != 0) {
            // a 2 MiB leaf can only move to a 2 MiB aligned place (move_pgt_entry HPAGE_PMD)
            r = HugeMemory.splitAll(mm, src, oldAddr, oldEnd);
            if (!r.isOk()) {
                return -r.code();
            }
        }
        // move_page_tables: mmu_notifier_range_init(MMU_NOTIFY_UNMAP, old_addr, old_end)
        int slot = mm.notify.startOver(MmuNotifierEvent.UNMAP, oldAddr, oldEnd, null);
        // vma_has_uffd_without_event_remap: without UFFD_FEATURE_EVENT_REMAP the moved range
        // is unregistered and loses its uffd-wp bits and markers (mremap_userfaultfd_prep)
        boolean clearUffdWp = src.isUffdWp();
        try {
            moveEntries(mm, oldAddr, oldEnd, delta, clearUffdWp);
        } finally {
            mm.notify.end(slot);
        }
        Vma moved = src.copy();
        moved.flags &= ~Vma.UFFD_WP;
        moved.start = target;
        moved.end = target + newLen;
        if (!dontUnmap) {
            mm.removeVma(src);
        }
        mm.insertVma(moved);
        Mmap.mergeAround(mm, moved);
        if (!dontUnmap) {
            Mmap.mergeRange(mm, oldAddr, oldAddr);
        }
        return target;
    }

    /**
     * {@code move_ptes}/{@code move_huge_pmd}: every entry of the old range moves by delta, with
     * what it holds, soft-dirty ({@code move_soft_dirty_pte}: the new place reads as written);
     * with {@code clearUffdWp}, without its uffd-wp bit, and markers are dropped.
     */
    private static void moveEntries(AddressSpace mm, long start, long end, long delta, boolean clearUffdWp) {
        PageMapping rmap = mm.host().rmap();
        PageWalk walk = PageWalk.over(mm.pageTable(), start, end);
        mm.ptl.lock();
        try {
            while (walk.next()) {
                long e = walk.entry();
                walk.set(0);
                long n = clearUffdWp ? PteLayout.clearUffdWp(e) : e;
                if (n == 0) {
                    continue; // a dropped uffd-wp marker
                }
                walk.setAt(delta, PteLayout.isMarker(n) ? n : PteLayout.mkSoftDirty(n));
                if (!walk.isHuge()
                        && PteLayout.isPresent(e)
                        && !PteLayout.isSpecial(e)
                        && rmap.mappingOf(PteLayout.pfn(e)) instanceof KsmStable node) {
                    node.add(mm, walk.va() + delta); // the stable node lists mappings by address
                }
            }
        } finally {
            mm.ptl.unlock();
        }
    }
}
