package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.mm.phys.SwapDevice;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models mm/huge_memory.c and mm/khugepaged.c: anonymous 2 MiB pages (THP) mapped by one PMD
 * leaf. {@code __split_huge_pmd} turns a leaf into 512 PTEs and {@code collapse_huge_page}
 * ({@code MADV_COLLAPSE}) does the reverse; both raise CLEAR over the 2 MiB, blockable, before
 * the entries change.
 *
 * <p>devmirror keeps one invariant the kernel does not: a huge folio is only ever mapped by PMD
 * leaves. Splitting the mapping of a folio that only this address space maps also splits the
 * folio ({@code split_folio}, each page keeps its reference and map count); splitting the mapping
 * of a folio shared with a fork relative gives this address space its own copy of the 512 pages
 * instead, which the kernel would do page by page on the next write (COW). Either way the
 * contents are preserved.
 *
 * <h2>Locking</h2>
 * The caller holds the mmap lock (read or write); entry changes are made under the page-table
 * lock after re-checking the leaf.
 */
final class HugeMemory {
    private HugeMemory() {}

    /** {@code MADV_COLLAPSE} of one aligned region; takes the mmap write lock. */
    static Errno collapse(AddressSpace mm, long addr) {
        UserRange.checkAddress("addr", addr);
        if ((addr & (Host.PMD_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("addr=0x" + Long.toHexString(addr) + " is not 2 MiB aligned");
        }
        mm.lockForWrite();
        try {
            return collapseLocked(mm, addr);
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** {@code split_huge_pmd_address}; takes the mmap write lock. */
    static Errno split(AddressSpace mm, long addr) {
        UserRange.checkAddress("addr", addr);
        mm.lockForWrite();
        try {
            Vma vma = mm.vmaAt(addr);
            if (vma == null) {
                return Errno.EFAULT;
            }
            return splitPmd(mm, vma, UserRange.pmdFloor(addr));
        } finally {
            mm.mmapWriteUnlock();
        }
    }

    /** Splits the PMD leaf around addr when addr is not 2 MiB aligned ({@code vma_adjust_trans_huge}). */
    static Errno splitStraddling(AddressSpace mm, long addr) {
        if ((addr & (Host.PMD_SIZE - 1)) == 0 || addr >= Host.TASK_SIZE) {
            return Errno.OK;
        }
        long haddr = UserRange.pmdFloor(addr);
        Vma at = mm.vmaAt(addr);
        if (at != null && at.isHugetlb() && at.start < addr) {
            return Errno.EINVAL; // hugetlb_vm_op_split: a hugetlb VMA is cut only at huge page boundaries
        }
        long e = mm.pageTable().getPmd(haddr);
        if (!PteLayout.isHuge(e)) {
            return Errno.OK;
        }
        return splitPmd(mm, mm.vmaAt(haddr), haddr);
    }

    /** Splits every PMD leaf and PMD-level device-private entry in {@code [start, end)}. */
    static Errno splitAll(AddressSpace mm, Vma vma, long start, long end) {
        CpuPageTable pt = mm.pageTable();
        for (long h = UserRange.pmdFloor(start); h < end; h += Host.PMD_SIZE) {
            if (PteLayout.isHuge(pt.getPmd(h))) {
                Errno r = splitPmd(mm, vma, h);
                if (!r.isOk()) {
                    return r;
                }
            }
        }
        return Errno.OK;
    }

    /**
     * {@code __split_huge_pmd}: replaces the leaf (or the PMD-level device-private entry, see
     * {@link #splitEntryPmd}) at haddr by 512 PTEs (CLEAR over the 2 MiB).
     *
     * @return OK (also when there is no leaf), or ENOMEM when a shared folio could not be copied
     *         (nothing changed)
     */
    static Errno splitPmd(AddressSpace mm, Vma vma, long haddr) {
        CpuPageTable pt = mm.pageTable();
        PhysicalMemory mem = mm.host().memory();
        long[] copies = null;
        for (; ; ) {
            long e = pt.getPmd(haddr);
            if (!PteLayout.isHuge(e)) {
                freeCopies(mem, copies);
                return Errno.OK;
            }
            if (!PteLayout.isPresent(e)) {
                freeCopies(mem, copies);
                splitEntryPmd(mm, haddr, e);
                return Errno.OK;
            }
            long head = PteLayout.pfn(e);
            if (copies == null && !isExclusive(mem, head)) {
                // Frames are taken before the notifier and the lock, as a sleeping allocation
                // never runs under the page-table spinlock; whether they are needed is decided
                // again under it.
                copies = allocCopies(mem);
                if (copies == null) {
                    return Errno.ENOMEM;
                }
            }
            int slot = mm.notify.start(MmuNotifierEvent.CLEAR, haddr, haddr + Host.PMD_SIZE, null);
            mm.ptl.lock();
            try {
                // The leaf, its map count and its references are read again under the lock: a
                // migration on another thread may have collected and restored the folio since.
                if (pt.getPmd(haddr) != e) {
                    continue; // raced with a fault, a migration or a collapse: look again
                }
                boolean exclusive = isExclusive(mem, head);
                if (!exclusive && copies == null) {
                    continue; // shared since the first look: take frames for the copy and retry
                }
                splitLeafLocked(mm, vma, haddr, e, exclusive ? null : copies);
                if (exclusive) {
                    freeCopies(mem, copies);
                }
                return Errno.OK;
            } finally {
                mm.ptl.unlock();
                mm.notify.end(slot);
            }
        }
    }

    /** Whether the folio at head is mapped and referenced by this one leaf only, so it may be split in place. */
    private static boolean isExclusive(PhysicalMemory mem, long head) {
        return mem.mapcount(head) == 1 && mem.refcount(head) == 1;
    }

    /**
     * The body of {@code __split_huge_pmd_locked}: the leaf e at haddr becomes 512 PTEs, naming
     * the folio's own pages (copies null: the folio is split) or this address space's copies of
     * them (the folio is shared and keeps the relative's mapping). Caller holds the page-table
     * lock and has checked that the leaf is still e.
     */
    private static void splitLeafLocked(AddressSpace mm, Vma vma, long haddr, long e, long[] copies) {
        CpuPageTable pt = mm.pageTable();
        PhysicalMemory mem = mm.host().memory();
        long head = PteLayout.pfn(e);
        long flags = e
                & (PteLayout.READ
                        | PteLayout.WRITE
                        | PteLayout.DIRTY
                        | PteLayout.ACCESSED
                        | PteLayout.SOFT_DIRTY
                        | PteLayout.UFFD_WP);
        pt.setPmd(haddr, 0);
        if (copies == null) {
            mem.splitHuge(head);
            for (int i = 0; i < Host.PMD_PAGES; i++) {
                pt.set(haddr + ((long) i << Host.PAGE_SHIFT), PteLayout.present(head + i, flags));
            }
            return;
        }
        if ((flags & PteLayout.READ) != 0 && (flags & PteLayout.UFFD_WP) == 0 && vma.canWrite()) {
            flags |= PteLayout.WRITE | PteLayout.DIRTY | PteLayout.SOFT_DIRTY; // our own copy: no COW left
        }
        AnonVma anon = vma.anonVma;
        long idx = vma.linearIndex(haddr);
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            // copied under the lock, after the leaf is gone, so no write through it is missed
            mem.copyFrame(head + i, copies[i]);
            mm.host().rmap().setAnon(copies[i], anon, idx + i);
            mem.setAnon(copies[i], true);
            mem.incMapcount(copies[i]);
            pt.set(haddr + ((long) i << Host.PAGE_SHIFT), PteLayout.present(copies[i], flags));
        }
        mem.decMapcount(head);
        mem.put(head);
    }

    /**
     * {@code hugetlb_wp}: a write to a hugetlb page that a fork relative also maps copies the whole
     * 2 MiB into a new huge page (hugetlb pages are never split): CLEAR over the 2 MiB
     * ({@code mmu_notifier_range_init(MMU_NOTIFY_CLEAR, haddr, haddr + huge_page_size)}), then the
     * new page mapped writable in place of the old one.
     *
     * @return null to retry the access, or ENOMEM without a free huge page ({@code VM_FAULT_OOM})
     */
    static Errno hugetlbCopy(AddressSpace mm, Vma vma, long haddr, long e) {
        CpuPageTable pt = mm.pageTable();
        PhysicalMemory mem = mm.host().memory();
        long head = PteLayout.pfn(e);
        long copy = mem.allocHuge();
        if (copy == PhysicalMemory.NO_FRAME) {
            return Errno.ENOMEM;
        }
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            mem.copyFrame(head + i, copy + i);
        }
        AnonVma anon = MemoryFault.anonVmaPrepare(mm, vma);
        long idx = vma.linearIndex(haddr);
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            mm.host().rmap().setAnon(copy + i, anon, idx + i);
        }
        mem.setAnon(copy, true);
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, haddr, haddr + Host.PMD_SIZE, null);
        mm.ptl.lock();
        try {
            if (pt.getPmd(haddr) != e) {
                mem.put(copy); // raced: the access looks again
                return null;
            }
            long flags = (e & (PteLayout.ACCESSED | PteLayout.SOFT_DIRTY))
                    | PteLayout.READ
                    | PteLayout.WRITE
                    | PteLayout.DIRTY;
            mem.incMapcount(copy);
            pt.setPmd(haddr, PteLayout.pmdLeaf(copy, flags));
            mem.decMapcount(head);
            mem.put(head);
            return null;
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    /**
     * {@code __split_huge_pmd} of a PMD-level device-private or migration entry: CLEAR over the
     * 2 MiB, then 512 PTE entries of the same kind naming the folio's pages in turn. The device
     * pages keep the references the PMD entry held for each of them; a migrating folio is split by
     * its migration ({@code migrate_vma_split_unmapped_folio}), not here.
     */
    static void splitEntryPmd(AddressSpace mm, long haddr, long e) {
        CpuPageTable pt = mm.pageTable();
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, haddr, haddr + Host.PMD_SIZE, null);
        mm.ptl.lock();
        try {
            if (pt.getPmd(haddr) != e) {
                return; // raced with a fault or a finalize; the caller looks again
            }
            pt.setPmd(haddr, 0);
            for (int i = 0; i < Host.PMD_PAGES; i++) {
                pt.set(haddr + ((long) i << Host.PAGE_SHIFT), PteLayout.subpageEntry(e, i));
            }
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
    }

    private static long[] allocCopies(PhysicalMemory mem) {
        long[] copies = new long[Host.PMD_PAGES];
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            long pfn = mem.allocFrame();
            if (pfn == PhysicalMemory.NO_FRAME) {
                for (int j = 0; j < i; j++) {
                    mem.put(copies[j]);
                }
                return null;
            }
            copies[i] = pfn;
        }
        return copies;
    }

    private static void freeCopies(PhysicalMemory mem, long[] copies) {
        if (copies != null) {
            for (long pfn : copies) {
                mem.put(pfn);
            }
        }
    }

    /**
     * {@code madvise_collapse} of the region at haddr (2 MiB aligned): copies its pages (swapped
     * ones read back, holes and zero pages as zeros) into a new huge page and maps it with one
     * leaf. EINVAL when the region is not collapsible (not private anonymous, THP off or
     * forbidden, device or migration entries, nothing populated), ENOMEM without a huge page
     * (nothing changed), OK when done or already huge.
     */
    static Errno collapseLocked(AddressSpace mm, long haddr) {
        Host host = mm.host();
        CpuPageTable pt = mm.pageTable();
        PhysicalMemory mem = host.memory();
        SwapDevice swap = host.swap();
        Vma vma = mm.vmaAt(haddr);
        long hend = haddr + Host.PMD_SIZE;
        if (vma == null || hend > vma.end) {
            return Errno.ENOMEM;
        }
        if (!vma.isPrivateAnon() || !host.config().thpEnabled() || (vma.flags & Vma.NOHUGEPAGE) != 0) {
            return Errno.EINVAL;
        }
        if (PteLayout.isHuge(pt.getPmd(haddr))) {
            return Errno.OK;
        }
        boolean any = false;
        for (long va = pt.nextPopulated(haddr, hend); va < hend; va = pt.nextPopulated(va + Host.PAGE_SIZE, hend)) {
            long e = pt.get(va);
            int type = PteLayout.type(e);
            if (type != PteLayout.TYPE_PRESENT && type != PteLayout.TYPE_SWAP) {
                return Errno.EINVAL; // SCAN_PTE_NON_PRESENT: device, migration or marker entries stay
            }
            if (PteLayout.isUffdWp(e)) {
                return Errno.EINVAL; // SCAN_PTE_UFFD_WP: the huge page would lose the protection
            }
            if (type == PteLayout.TYPE_PRESENT && !PteLayout.isSpecial(e) && mem.isZoneDevice(PteLayout.pfn(e))) {
                return Errno.EINVAL; // SCAN_PAGE_NULL: vm_normal_page gives no LRU page for device-coherent memory
            }
            any = true;
        }
        if (!any) {
            return Errno.EINVAL; // SCAN_PMD_NULL: nothing to collapse
        }
        long head = mem.allocHuge();
        if (head == PhysicalMemory.NO_FRAME) {
            return Errno.ENOMEM;
        }
        AnonVma anon = MemoryFault.anonVmaPrepare(mm, vma);
        long idx = vma.linearIndex(haddr);
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            long va = haddr + ((long) i << Host.PAGE_SHIFT);
            long e = pt.get(va);
            if (PteLayout.isPresent(e) && !PteLayout.isSpecial(e)) {
                mem.copyFrame(PteLayout.pfn(e), head + i);
            } else if (PteLayout.isSwap(e)) {
                swap.readInto(PteLayout.swapSlot(e), mem, head + i);
            }
            host.rmap().setAnon(head + i, anon, idx + i);
        }
        mem.setAnon(head, true);
        int slot = mm.notify.start(MmuNotifierEvent.CLEAR, haddr, hend, null);
        mm.ptl.lock();
        try {
            for (long va = pt.nextPopulated(haddr, hend); va < hend; va = pt.nextPopulated(va + Host.PAGE_SIZE, hend)) {
                long e = pt.get(va);
                pt.set(va, 0);
                Zap.dropEntry(host, vma, e);
            }
            long flags = PteLayout.DIRTY
                    | PteLayout.ACCESSED
                    | PteLayout.SOFT_DIRTY
                    | (vma.canRead() ? PteLayout.READ : 0)
                    | (vma.canWrite() ? PteLayout.WRITE : 0);
            mem.incMapcount(head);
            pt.setPmd(haddr, PteLayout.pmdLeaf(head, flags));
        } finally {
            mm.ptl.unlock();
            mm.notify.end(slot);
        }
        return Errno.OK;
    }

    /** Whether an anonymous fault at addr may map a THP ({@code thp_vma_allowable_order} + {@code do_huge_pmd_anonymous_page}). */
    static boolean faultEligible(AddressSpace mm, Vma vma, long addr) {
        if (vma.isHugetlb()) {
            return true; // hugetlb_fault: every fault of a hugetlb VMA maps a whole huge page
        }
        if (!mm.host().config().thpEnabled() || !vma.isHugeHint() || !vma.isPrivateAnon()) {
            return false;
        }
        long haddr = UserRange.pmdFloor(addr);
        long hend = haddr + Host.PMD_SIZE;
        return haddr >= vma.start && hend <= vma.end && mm.pageTable().nextPopulated(haddr, hend) == hend;
    }

    /**
     * {@code do_huge_pmd_anonymous_page}: maps a new zeroed THP over the empty region at addr.
     *
     * @return true if mapped (or the region was populated meanwhile), false to fall back to 4 KiB
     */
    static boolean faultHuge(AddressSpace mm, Vma vma, long addr) {
        PhysicalMemory mem = mm.host().memory();
        long head = mem.allocHuge();
        if (head == PhysicalMemory.NO_FRAME) {
            return false;
        }
        AnonVma anon = MemoryFault.anonVmaPrepare(mm, vma);
        long haddr = UserRange.pmdFloor(addr);
        long idx = vma.linearIndex(haddr);
        for (int i = 0; i < Host.PMD_PAGES; i++) {
            mm.host().rmap().setAnon(head + i, anon, idx + i);
        }
        mem.setAnon(head, true);
        CpuPageTable pt = mm.pageTable();
        mm.ptl.lock();
        try {
            if (pt.nextPopulated(haddr, haddr + Host.PMD_SIZE) != haddr + Host.PMD_SIZE) {
                mem.put(head); // another fault populated the region first
                return true;
            }
            long flags = PteLayout.READ
                    | PteLayout.DIRTY
                    | PteLayout.ACCESSED
                    | PteLayout.SOFT_DIRTY
                    | (vma.canWrite() ? PteLayout.WRITE : 0);
            mem.incMapcount(head);
            pt.setPmd(haddr, PteLayout.pmdLeaf(head, flags));
            return true;
        } finally {
            mm.ptl.unlock();
        }
    }
}
