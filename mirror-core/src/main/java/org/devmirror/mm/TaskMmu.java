package org.devmirror.mm;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models the pagemap side of fs/proc/task_mmu.c: a read of {@code /proc/PID/pagemap}
 * ({@code pte_to_pagemap_entry}, {@code pagemap_pmd_range}, {@code pagemap_pte_hole}; bits in
 * {@link Pagemap}) and the {@code PAGEMAP_SCAN} ioctl ({@code do_pagemap_scan}).
 *
 * <h2>PAGEMAP_SCAN with PM_SCAN_WP_MATCHING</h2>
 * {@code do_pagemap_scan} raises one PROTECTION_VMA over the whole scanned range
 * {@code [start, end)}, whatever it holds and however many VMAs it spans, before walking it
 * under the mmap read lock; every VMA keeps its flags. The walk skips VMAs not registered for
 * async uffd-wp with markers ({@code pagemap_scan_test_walk}; EPERM instead with
 * {@code PM_SCAN_CHECK_WPASYNC}), reports the pages whose categories match, and write-protects
 * the matching pages that were written ({@code make_uffd_wp_pte}, {@code make_uffd_wp_pmd}; a
 * PMD leaf the range covers only partly is split first, a CLEAR of its own). An absent page table
 * whose VMA categories alone match ({@code pagemap_scan_pte_hole}) is write-protected with
 * {@code uffd_wp_range}: a second PROTECTION_VMA, nested in the first, over the hole (the range
 * an absent PGD, PUD or PMD entry covers, clipped to the VMA and the scan). devmirror always
 * passes an output vector, so the kernel's fast path without one is not modelled. Under
 * {@link InvalidationRanges#NARROWED} the outer event covers only the populated part of the scan
 * and a hole raises nothing (it holds nothing to narrow to); its markers are still written.
 *
 * <h2>Locking</h2>
 * The mmap read lock; entries change under the page-table lock.
 */
final class TaskMmu {
    private TaskMmu() {}

    /** {@code pagemap_read} of the page at {@code addr}; takes the mmap read lock. */
    static long pagemap(AddressSpace mm, long addr, boolean showPfn) {
        UserRange.checkAligned("addr", addr);
        UserRange.checkAddress("addr", addr);
        mm.lockForRead();
        try {
            Vma vma = mm.vmaAt(addr);
            if (vma == null) {
                return 0; // pagemap_pte_hole outside any VMA
            }
            long e = mm.pageTable().get(addr);
            long flags = entryFlags(mm, vma, e);
            long frame = 0;
            if (showPfn && e != 0) {
                long index = PteLayout.isHuge(e) ? (addr >>> Host.PAGE_SHIFT) & (Host.PMD_PAGES - 1) : 0;
                if (PteLayout.isPresent(e)) {
                    frame = PteLayout.pfn(e) + index;
                } else {
                    frame = (PteLayout.pfn(e) + index) << Pagemap.SWAP_TYPE_BITS; // swap type 0 | offset << 5
                }
            }
            return flags | (frame & Pagemap.PFRAME_MASK);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** The flag bits of {@code pte_to_pagemap_entry} (and its PMD and hole forms) for entry {@code e} of {@code vma}. */
    private static long entryFlags(AddressSpace mm, Vma vma, long e) {
        long flags = vma.isSoftDirty() ? Pagemap.SOFT_DIRTY : 0;
        if (e == 0) {
            return flags;
        }
        if (PteLayout.isSoftDirty(e)) {
            flags |= Pagemap.SOFT_DIRTY;
        }
        if (PteLayout.isUffdWp(e)) {
            flags |= Pagemap.UFFD_WP;
        }
        if (!PteLayout.isPresent(e)) {
            flags |= Pagemap.SWAP; // every non-present entry, markers included (is_swap_pte)
            if ((PteLayout.isMigration(e) || PteLayout.isDeviceExclusive(e)) && !isAnon(mm, PteLayout.pfn(e))) {
                flags |= Pagemap.FILE;
            }
            return flags;
        }
        flags |= Pagemap.PRESENT;
        if (PteLayout.isSpecial(e)) {
            return flags; // vm_normal_page: no page behind the zero page
        }
        long pfn = PteLayout.pfn(e);
        if (!isAnon(mm, pfn)) {
            flags |= Pagemap.FILE;
        }
        if (mm.host().memory().mapcount(pfn) == 1) {
            flags |= Pagemap.MMAP_EXCLUSIVE;
        }
        return flags;
    }

    /** {@code folio_test_anon}: private anonymous and KSM pages; page-cache (file and shmem) pages are not. */
    private static boolean isAnon(AddressSpace mm, long pfn) {
        return !(mm.host().rmap().mappingOf(pfn) instanceof MemoryObject);
    }

    /** {@code do_pagemap_scan}; takes the mmap read lock. */
    static PagemapScan.Result scan(AddressSpace mm, PagemapScan arg) {
        boolean wp = (arg.flags() & PagemapScan.WP_MATCHING) != 0;
        List<PagemapScan.Region> out = new ArrayList<>();
        mm.lockForRead();
        try {
            int slot = wp
                    ? mm.notify.startOver(MmuNotifierEvent.PROTECTION_VMA, arg.start(), arg.end(), null)
                    : MmuNotify.OFF;
            try {
                for (Vma v : mm.vmasIn(arg.start(), arg.end())) {
                    long from = Math.max(v.start, arg.start());
                    long to = Math.min(v.end, arg.end());
                    boolean wpAllowed = wpAllowed(mm, v);
                    if (!wpAllowed && (arg.flags() & PagemapScan.CHECK_WPASYNC) != 0) {
                        return new PagemapScan.Result(Errno.EPERM, from, out);
                    }
                    if (!wpAllowed && wp) {
                        continue; // pagemap_scan_test_walk: unsupported VMAs are skipped silently
                    }
                    long vmaCategory = (wpAllowed ? PagemapScan.PAGE_IS_WPALLOWED : 0)
                            | (v.isSoftDirty() ? PagemapScan.PAGE_IS_SOFT_DIRTY : 0);
                    scanVma(mm, v, from, to, vmaCategory, arg, out);
                }
                return new PagemapScan.Result(Errno.OK, arg.end(), out);
            } finally {
                mm.notify.end(slot);
            }
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** {@code userfaultfd_wp_async(vma) && userfaultfd_wp_use_markers(vma)}. */
    private static boolean wpAllowed(AddressSpace mm, Vma v) {
        Userfaultfd ctx = mm.userfaultfd();
        return ctx != null && ctx.wpAsync() && ChangeProtection.usesMarkers(mm, v);
    }

    private static void scanVma(
            AddressSpace mm,
            Vma v,
            long from,
            long to,
            long vmaCategory,
            PagemapScan arg,
            List<PagemapScan.Region> out) {
        CpuPageTable pt = mm.pageTable();
        boolean wp = (arg.flags() & PagemapScan.WP_MATCHING) != 0;
        long a = from;
        while (a < to) {
            long holeEnd = holeEnd(pt, a, to);
            if (holeEnd > a) {
                // pagemap_scan_pte_hole
                if (interesting(vmaCategory, arg)) {
                    output(out, a, holeEnd, vmaCategory, arg);
                    if (wp) {
                        ChangeProtection.change(mm, v, a, holeEnd, ChangeProtection.Mode.UFFD_WP);
                    }
                }
                a = holeEnd;
                continue;
            }
            long pmd = pt.getPmd(a);
            if (PteLayout.isHuge(pmd)) {
                long h = UserRange.pmdFloor(a);
                long category = categories(mm, pmd) | PagemapScan.PAGE_IS_HUGE | vmaCategory;
                long leafEnd = Math.min(h + Host.PMD_SIZE, to);
                if (interesting(category, arg)) {
                    boolean protect = wp && (category & PagemapScan.PAGE_IS_WRITTEN) != 0;
                    if (protect && (a != h || leafEnd != h + Host.PMD_SIZE)) {
                        if (HugeMemory.splitPmd(mm, v, h).isOk() && !PteLayout.isHuge(pt.getPmd(h))) {
                            continue; // ACTION_AGAIN: walk the 512 PTEs
                        }
                        protect = false;
                    }
                    output(out, a, leafEnd, category, arg);
                    if (protect) {
                        mm.ptl.lock();
                        try {
                            if (pt.getPmd(h) == pmd) {
                                pt.setPmd(h, PteLayout.mkUffdWp(pmd)); // make_uffd_wp_pmd
                            }
                        } finally {
                            mm.ptl.unlock();
                        }
                    }
                }
                a = leafEnd;
                continue;
            }
            long tableEnd = Math.min(UserRange.pmdFloor(a) + Host.PMD_SIZE, to);
            for (; a < tableEnd; a += Host.PAGE_SIZE) {
                long e = pt.get(a);
                long category = categories(mm, e) | vmaCategory;
                if (!interesting(category, arg)) {
                    continue;
                }
                output(out, a, a + Host.PAGE_SIZE, category, arg);
                if (wp && (category & PagemapScan.PAGE_IS_WRITTEN) != 0) {
                    mm.pageTable()
                            .compareAndSet(
                                    a,
                                    e,
                                    e == 0 ? PteLayout.uffdWpMarker() : PteLayout.mkUffdWp(e)); // make_uffd_wp_pte
                }
            }
        }
    }

    /**
     * Where the hole at {@code a} ends: the end (clipped to {@code limit}) of the highest-level
     * absent table entry covering {@code a} (PGD, PUD or PMD, as {@code walk_page_range} calls
     * {@code pte_hole}), or {@code a} when a PTE table or PMD leaf is there.
     */
    private static long holeEnd(CpuPageTable pt, long a, long limit) {
        for (long span : new long[] {Host.PGDIR_SIZE, Host.PUD_SIZE, Host.PMD_SIZE}) {
            long floor = a & -span;
            long end = Math.min(floor + span, Host.TASK_SIZE);
            if (pt.nextPopulated(floor, end) == end) {
                return Math.min(end, limit);
            }
        }
        return a;
    }

    /** {@code pagemap_page_category} / {@code pagemap_thp_category} of an entry (0 for none). */
    private static long categories(AddressSpace mm, long e) {
        if (e == 0) {
            return 0;
        }
        long c = 0;
        if (PteLayout.isPresent(e)) {
            c |= PagemapScan.PAGE_IS_PRESENT;
            if (PteLayout.isSpecial(e)) {
                c |= PagemapScan.PAGE_IS_PFNZERO;
            } else if (!isAnon(mm, PteLayout.pfn(e))) {
                c |= PagemapScan.PAGE_IS_FILE;
            }
        } else {
            c |= PagemapScan.PAGE_IS_SWAPPED;
        }
        if (!PteLayout.isUffdWp(e)) {
            c |= PagemapScan.PAGE_IS_WRITTEN;
        }
        if (PteLayout.isSoftDirty(e)) {
            c |= PagemapScan.PAGE_IS_SOFT_DIRTY;
        }
        return c;
    }

    /** {@code pagemap_scan_is_interesting_page}. */
    private static boolean interesting(long categories, PagemapScan arg) {
        categories ^= arg.categoryInverted();
        if ((categories & arg.categoryMask()) != arg.categoryMask()) {
            return false;
        }
        return arg.categoryAnyofMask() == 0 || (categories & arg.categoryAnyofMask()) != 0;
    }

    /** {@code pagemap_scan_output}: extends the last region when it ends here with the same categories. */
    private static void output(List<PagemapScan.Region> out, long start, long end, long categories, PagemapScan arg) {
        long c = categories & arg.returnMask();
        if (!out.isEmpty()) {
            PagemapScan.Region last = out.get(out.size() - 1);
            if (last.end() == start && last.categories() == c) {
                out.set(out.size() - 1, new PagemapScan.Region(last.start(), end, c));
                return;
            }
        }
        out.add(new PagemapScan.Region(start, end, c));
    }
}
