package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models the range operations of mm/userfaultfd.c (linux-mm, December 2026):
 * {@code mwriteprotect_range} / {@code uffd_wp_range} behind {@code UFFDIO_WRITEPROTECT}, and
 * {@code move_pages} behind {@code UFFDIO_MOVE}.
 *
 * <h2>UFFDIO_WRITEPROTECT</h2>
 * For each VMA of the range, {@code change_protection} of its share with
 * {@code MM_CP_UFFD_WP} or {@code MM_CP_UFFD_WP_RESOLVE} ({@link ChangeProtection}): one
 * PROTECTION_VMA per VMA over the kernel's {@code change_pud_range} range, while the VMA keeps
 * {@code VM_WRITE}.
 *
 * <h2>UFFDIO_MOVE</h2>
 * Moves exclusive anonymous pages from {@code src} to {@code dst} (both private anonymous, same
 * protection, writable, {@code dst} registered with the userfaultfd) without copying, a PMD step
 * at a time:
 * <ul>
 *   <li>a 2 MiB leaf moves whole ({@code move_pages_huge_pmd}: CLEAR over the source 2 MiB) when
 *       both addresses are 2 MiB aligned, at least 2 MiB remain and the destination PMD is empty;
 *       otherwise it is split first ({@code split_huge_pmd}: CLEAR over the 2 MiB);</li>
 *   <li>otherwise {@code move_pages_ptes}, which raises CLEAR over {@code [src_addr, src_end)}
 *       (from the current source address to the end of the whole move, whatever the step moves)
 *       before looking at any entry, then moves one batch: present exclusive pages up to the next
 *       PMD boundary of either side ({@code move_present_ptes}), or one swap entry, zero page or
 *       (with {@link Uffd#MOVE_MODE_ALLOW_SRC_HOLES}) hole.</li>
 * </ul>
 * Under {@link InvalidationRanges#NARROWED} a {@code move_pages_ptes} step's CLEAR covers only
 * the run of populated source entries it may move (from {@code src_addr}, at most to the next
 * source PMD boundary) and is not raised for a hole step; a 2 MiB step raises the same either way.
 * Nothing is raised over the destination: its entries must be none ({@code pte_none}; a uffd-wp
 * marker is not none, so it is EEXIST), so no subscriber can hold a translation of it. A moved
 * page gets a new, writable, soft-dirty entry ("so userspace can notice the pte was moved"), dirty
 * if the source was; the source entry becomes none. Errors: ENOENT (no VMA, or a source hole
 * without ALLOW_SRC_HOLES), EEXIST (a destination entry or PMD leaf), EBUSY (a page shared with
 * a fork relative or KSM, a shared swap slot), EFAULT (a device-private, device-exclusive or
 * marker entry at the source), EINVAL (mappings that cannot move). The result is the number of
 * bytes moved, or {@code -errno} if nothing moved.
 *
 * <h2>Locking</h2>
 * The mmap read lock (the kernel may use per-VMA locks instead); entries change under the
 * page-table lock.
 */
final class UserfaultfdRange {
    private UserfaultfdRange() {}

    /** {@code mwriteprotect_range}; takes the mmap read lock. */
    static Errno mwriteprotectRange(AddressSpace mm, long start, long len, boolean enable) {
        long end = start + len;
        mm.lockForRead();
        try {
            Errno err = Errno.ENOENT;
            for (Vma v : mm.vmasIn(start, end)) {
                if (!v.isUffdWp()) {
                    return Errno.ENOENT;
                }
                ChangeProtection.change(
                        mm,
                        v,
                        Math.max(v.start, start),
                        Math.min(v.end, end),
                        enable ? ChangeProtection.Mode.UFFD_WP : ChangeProtection.Mode.UFFD_WP_RESOLVE);
                err = Errno.OK;
            }
            return err;
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** {@code move_pages}; takes the mmap read lock. */
    @SuppressWarnings(
            "ThreadPriorityCheck") // a migration entry is waited out as migration_entry_wait does; yielding lets the
    // migrating thread run on a loaded machine
    static long movePages(AddressSpace mm, long dst, long src, long len, int mode) {
        long srcEnd = UserRange.end("src", src, "length", len);
        UserRange.end("dst", dst, "length", len);
        if ((mode & ~(Uffd.MOVE_MODE_DONTWAKE | Uffd.MOVE_MODE_ALLOW_SRC_HOLES)) != 0) {
            return -Errno.EINVAL.code();
        }
        if (src < dst + len && dst < srcEnd) {
            return -Errno.EINVAL.code(); // userfaultfd_move: the ranges may not overlap
        }
        boolean holes = (mode & Uffd.MOVE_MODE_ALLOW_SRC_HOLES) != 0;
        mm.lockForRead();
        try {
            if (mm.userfaultfd() == null) {
                return -Errno.EINVAL.code();
            }
            Vma dstVma = mm.vmaAt(dst);
            Vma srcVma = mm.vmaAt(src);
            if (dstVma == null || srcVma == null) {
                return -Errno.ENOENT.code(); // find_vmas_mm_locked
            }
            Errno valid = validate(srcVma, dstVma, src, dst, len);
            if (!valid.isOk()) {
                return -valid.code();
            }
            MemoryFault.anonVmaPrepare(mm, dstVma);
            long moved = 0;
            Errno err = Errno.OK;
            long s = src;
            long d = dst;
            while (s < srcEnd) {
                long step = step(mm, srcVma, dstVma, d, s, srcEnd, holes);
                if (step == -Errno.EAGAIN.code()) {
                    Thread.onSpinWait(); // a migration entry: wait for it to go, then try again
                    Thread.yield();
                    continue;
                }
                if (step < 0) {
                    err = Errno.fromReturn(step);
                    break;
                }
                s += step;
                d += step;
                moved += step;
            }
            return moved > 0 ? moved : -err.code();
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** The checks of {@code move_pages} and {@code validate_move_areas}. */
    private static Errno validate(Vma srcVma, Vma dstVma, long src, long dst, long len) {
        if (srcVma.isShared() || dstVma.isShared() || src + len > srcVma.end || dst + len > dstVma.end) {
            return Errno.EINVAL;
        }
        if (srcVma.prot != dstVma.prot || !srcVma.canWrite()) {
            return Errno.EINVAL; // same access flags, and only between writable VMAs
        }
        if (!dstVma.isUffdWp()) {
            return Errno.EINVAL; // dst_vma must be registered with this userfaultfd
        }
        return srcVma.isPrivateAnon() && dstVma.isPrivateAnon() ? Errno.OK : Errno.EINVAL;
    }

    /** One iteration of the {@code move_pages} loop: bytes moved, or {@code -errno}. */
    private static long step(AddressSpace mm, Vma srcVma, Vma dstVma, long d, long s, long srcEnd, boolean holes) {
        CpuPageTable pt = mm.pageTable();
        long srcBlock = UserRange.pmdFloor(s);
        boolean srcTable = pt.nextPopulated(srcBlock, srcBlock + Host.PMD_SIZE) < srcBlock + Host.PMD_SIZE;
        if (!srcTable && !holes) {
            return -Errno.ENOENT.code(); // no source page table: mm_find_pmd or pmd_none
        }
        long dstPmd = pt.getPmd(d);
        if (PteLayout.isHuge(dstPmd)) {
            return -Errno.EEXIST.code();
        }
        long srcPmd = pt.getPmd(s);
        if (PteLayout.isHuge(srcPmd)) {
            long dstBlock = UserRange.pmdFloor(d);
            boolean dstEmpty = pt.nextPopulated(dstBlock, dstBlock + Host.PMD_SIZE) == dstBlock + Host.PMD_SIZE;
            boolean splits =
                    (s & (Host.PMD_SIZE - 1)) != 0 || (d & (Host.PMD_SIZE - 1)) != 0 || srcEnd - s < Host.PMD_SIZE;
            if (splits || !dstEmpty) {
                if (PteLayout.isPresent(srcPmd) && !isExclusive(mm, srcPmd)) {
                    return -Errno.EBUSY.code();
                }
                Errno r = HugeMemory.splitPmd(mm, srcVma, srcBlock);
                return r.isOk() ? 0 : -r.code(); // the loop looks at the same address again
            }
            return moveHugePmd(mm, dstVma, d, s, srcPmd);
        }
        return movePtes(mm, dstVma, d, s, srcEnd, holes);
    }

    /** {@code move_pages_huge_pmd}. */
    private static long moveHugePmd(AddressSpace mm, Vma dstVma, long d, long s, long srcPmd) {
        if (!PteLayout.isPresent(srcPmd)) {
            return PteLayout.isMigration(srcPmd) ? -Errno.EAGAIN.code() : -Errno.ENOENT.code();
        }
        if (!isExclusive(mm, srcPmd)) {
            return -Errno.EBUSY.code();
        }
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, s, s + Host.PMD_SIZE, null);
        mm.ptl.lock();
        try {
            if (pt.getPmd(s) != srcPmd
                    || PteLayout.isHuge(pt.getPmd(d))
                    || pt.nextPopulated(d, d + Host.PMD_SIZE) < d + Host.PMD_SIZE) {
                return -Errno.EAGAIN.code();
            }
            long head = PteLayout.pfn(srcPmd);
            pt.setPmd(s, 0);
            long idx = dstVma.linearIndex(d);
            for (int i = 0; i < Host.PMD_PAGES; i++) {
                mm.host().rmap().setAnon(head + i, dstVma.anonVma, idx + i); // folio_move_anon_rmap
            }
            // "follow mremap() behavior and treat the entry dirty after the move"
            pt.setPmd(
                    d,
                    PteLayout.mkDirty(PteLayout.pmdLeaf(head, PteLayout.READ | PteLayout.WRITE | PteLayout.ACCESSED)));
            return Host.PMD_SIZE;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /** {@code move_pages_ptes}: CLEAR over {@code [s, srcEnd)} (narrowed: what the step may move), then one batch. */
    private static long movePtes(AddressSpace mm, Vma dstVma, long d, long s, long srcEnd, boolean holes) {
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.narrowed()
                ? startNarrowedMove(mm, s, srcEnd)
                : mm.notify.start(MmuNotifierEvent.CLEAR, s, srcEnd, null);
        mm.ptl.lock();
        try {
            if (pt.get(d) != 0) {
                return -Errno.EEXIST.code();
            }
            long e = pt.get(s);
            if (e == 0) {
                return holes ? Host.PAGE_SIZE : -Errno.ENOENT.code();
            }
            if (PteLayout.isPresent(e)) {
                if (PteLayout.isSpecial(e)) {
                    pt.set(s, 0); // move_zeropage_pte
                    pt.set(d, PteLayout.zeroPage(mm.host().memory().zeroPfn()));
                    return Host.PAGE_SIZE;
                }
                return movePresent(mm, dstVma, d, s, srcEnd);
            }
            if (PteLayout.isMigration(e)) {
                return -Errno.EAGAIN.code();
            }
            if (!PteLayout.isSwap(e)) {
                return -Errno.EFAULT.code(); // device-private, device-exclusive, marker
            }
            SwapDevice swap = mm.host().swap();
            if (swap.slotRefcount(PteLayout.swapSlot(e)) != 1) {
                return -Errno.EBUSY.code(); // !pte_swp_exclusive
            }
            pt.set(s, 0); // move_swap_pte
            pt.set(d, PteLayout.mkSoftDirty(e));
            return Host.PAGE_SIZE;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /**
     * The CLEAR of a {@code move_pages_ptes} step under {@link InvalidationRanges#NARROWED}: over
     * the run of populated source entries from {@code s}, up to the next source PMD boundary (a
     * step moves no further, {@code move_present_ptes}); nothing when the entry at {@code s} is
     * none (a hole step moves nothing a mirror could hold).
     */
    private static int startNarrowedMove(AddressSpace mm, long s, long srcEnd) {
        if (!mm.notify.active()) {
            return MmuNotify.OFF;
        }
        CpuPageTable pt = mm.pageTable();
        long limit = Math.min(UserRange.pmdFloor(s) + Host.PMD_SIZE, srcEnd);
        long runEnd = s;
        while (runEnd < limit && pt.get(runEnd) != 0) {
            runEnd += Host.PAGE_SIZE;
        }
        return runEnd == s ? MmuNotify.OFF : mm.notify.start(MmuNotifierEvent.CLEAR, s, runEnd, null);
    }

    /** {@code move_present_ptes}: the first page and every following movable one, to the next PMD boundary. */
    private static long movePresent(AddressSpace mm, Vma dstVma, long d, long s, long srcEnd) {
        CpuPageTable pt = mm.pageTable();
        PageMapping rmap = mm.host().rmap();
        long len = Math.min(UserRange.pmdFloor(d) + Host.PMD_SIZE, d + (srcEnd - s)) - d;
        long end = Math.min(UserRange.pmdFloor(s) + Host.PMD_SIZE, s + len);
        long start = s;
        long e = pt.get(s);
        if (!isExclusive(mm, e)) {
            return -Errno.EBUSY.code();
        }
        while (true) {
            long pfn = PteLayout.pfn(e);
            pt.set(s, 0);
            rmap.setAnon(pfn, dstVma.anonVma, dstVma.linearIndex(d)); // folio_move_anon_rmap, folio->index
            long flags = PteLayout.READ
                    | PteLayout.WRITE
                    | PteLayout.ACCESSED
                    | PteLayout.SOFT_DIRTY
                    | (e & PteLayout.DIRTY);
            pt.set(d, PteLayout.present(pfn, flags));
            s += Host.PAGE_SIZE;
            d += Host.PAGE_SIZE;
            if (s == end) {
                break;
            }
            // check_ptes_for_batched_move
            e = pt.get(s);
            if (pt.get(d) != 0
                    || !PteLayout.isPresent(e)
                    || PteLayout.isSpecial(e)
                    || PteLayout.isHuge(e)
                    || !isExclusive(mm, e)) {
                break;
            }
        }
        return s - start;
    }

    /** {@code PageAnonExclusive}: an anonymous page (not KSM) that only this entry maps and references. */
    private static boolean isExclusive(AddressSpace mm, long e) {
        PhysicalMemory mem = mm.host().memory();
        long pfn = PteLayout.pfn(e);
        return mm.host().rmap().mappingOf(pfn) instanceof AnonVma && mem.mapcount(pfn) == 1 && mem.refcount(pfn) == 1;
    }
}
