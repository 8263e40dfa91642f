package org.devmirror.mm;

import org.devmirror.mm.pagetable.CpuPageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;
import org.devmirror.notifier.MmuNotifierEvent;

/**
 * Models {@code change_protection} (mm/mprotect.c) under the {@code cp_flags} that change the
 * entries of a VMA and leave the VMA itself as it is: {@code MM_CP_UFFD_WP} and
 * {@code MM_CP_UFFD_WP_RESOLVE} (userfaultfd write-protect, from {@code uffd_wp_range}) and
 * {@code MM_CP_PROT_NUMA} (NUMA hinting, from {@code change_prot_numa}). These are the callers
 * that raise PROTECTION_VMA while the VMA stays readable and writable: a subscriber that reads the
 * VMA's flags to decide what the event took away learns nothing; only the CPU page table says.
 *
 * <h2>The range</h2>
 * {@code change_pud_range} initialises its notifier lazily, at the first PUD-sized step whose PUD
 * entry is not none, and passes that step's start and the end of the whole call:
 * {@code [max(start, floor_1GiB(first populated)), end)}, with nothing raised when no PUD of the
 * range has a page table. devmirror frees a table with its last entry, so "the PUD is not none"
 * is "something within that 1 GiB is populated", inside the range or not. When uffd-wp uses PTE
 * markers, {@code change_prepare} allocates every table first, so the notifier starts at
 * {@code start}. A PMD leaf the range covers only partly is split first ({@code change_pmd_range}:
 * a CLEAR of its own, nested inside the PROTECTION_VMA).
 * Under {@link InvalidationRanges#NARROWED} the event covers only the populated part of the range
 * as it was before the change (a none entry that becomes a marker maps nothing a mirror could
 * hold), and nothing is raised where nothing is populated; the markers are written all the same.
 *
 * <h2>What each entry becomes ({@code change_pte_range}, {@code change_huge_pmd})</h2>
 * <ul>
 *   <li>UFFD_WP: present entries are write-protected with the uffd-wp bit; swap-style entries get
 *       the bit (writable migration and device-private entries become readable, as for every
 *       change_protection); none entries become uffd-wp markers when the VMA uses markers
 *       ({@code userfaultfd_wp_use_markers}: file and shmem always, anonymous memory with
 *       {@link Uffd#FEATURE_WP_UNPOPULATED}).</li>
 *   <li>UFFD_WP_RESOLVE: the bit is dropped and uffd-wp markers are cleared; with
 *       {@code MM_CP_TRY_CHANGE_WRITABLE} (a writable VMA) an entry is made writable again where
 *       {@code can_change_pte_writable} allows it.</li>
 *   <li>PROT_NUMA: present entries become {@code pte_protnone}, except the zero page, KSM pages,
 *       pages shared copy-on-write, dirty file pages and entries already protnone (the skips of
 *       {@code prot_numa_skip}). devmirror's host has no NUMA nodes, so the kernel's skip of a
 *       page already on the node of a single-threaded process does not apply: every other page is
 *       hinted, as in a multi-threaded process.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The caller holds the mmap lock (read, as {@code mwriteprotect_range} and
 * {@code task_numa_work} take it, or write); entries change under the page-table lock.
 */
final class ChangeProtection {
    /** The {@code cp_flags} modelled. */
    enum Mode {
        /** {@code MM_CP_UFFD_WP}. */
        UFFD_WP,
        /** {@code MM_CP_UFFD_WP_RESOLVE}, with {@code MM_CP_TRY_CHANGE_WRITABLE} on writable VMAs. */
        UFFD_WP_RESOLVE,
        /** {@code MM_CP_PROT_NUMA}. */
        PROT_NUMA
    }

    private ChangeProtection() {}

    /**
     * {@code change_protection} of {@code [start, end)}, which lies inside {@code vma}.
     *
     * @return the number of entries changed ({@code pages} of {@code change_protection})
     */
    static long change(AddressSpace mm, Vma vma, long start, long end, Mode mode) {
        CpuPageTable pt = mm.pageTable();
        boolean markers = mode == Mode.UFFD_WP && usesMarkers(mm, vma);
        long from = markers ? start : notifierStart(pt, start, end);
        if (from >= end) {
            return 0; // every PUD of the range is none: change_pud_range never starts its notifier
        }
        int slot = mm.notify.startOver(MmuNotifierEvent.PROTECTION_VMA, from, end, null);
        try {
            // A leaf that fails to split (no frame for a copy) is left whole and skipped below.
            HugeMemory.splitStraddling(mm, start);
            HugeMemory.splitStraddling(mm, end);
            mm.ptl.lock();
            try {
                return markers ? changeEveryPage(mm, vma, start, end) : changePopulated(mm, vma, start, end, mode);
            } finally {
                mm.ptl.unlock();
            }
        } finally {
            mm.notify.end(slot);
        }
    }

    /**
     * {@code userfaultfd_wp_use_markers}: write-protecting also protects none entries, with
     * markers. File and shmem memory always needs them (its page cache may hold the page);
     * anonymous memory only with {@code UFFD_FEATURE_WP_UNPOPULATED}.
     */
    static boolean usesMarkers(AddressSpace mm, Vma vma) {
        if (!vma.isUffdWp()) {
            return false;
        }
        if (!vma.isPrivateAnon()) {
            return true;
        }
        Userfaultfd ctx = mm.userfaultfd();
        return ctx != null && ctx.wpUnpopulated();
    }

    /**
     * Where {@code change_pud_range} starts its notifier for {@code [start, end)}: the start of
     * the first PUD-sized step whose 1 GiB holds anything, or {@code end}.
     */
    static long notifierStart(CpuPageTable pt, long start, long end) {
        long a = start;
        while (a < end) {
            long pud = a & -Host.PUD_SIZE;
            long pudEnd = Math.min(pud + Host.PUD_SIZE, Host.TASK_SIZE);
            if (pt.nextPopulated(pud, pudEnd) < pudEnd) {
                return a;
            }
            a = pudEnd;
        }
        return end;
    }

    private static long changePopulated(AddressSpace mm, Vma vma, long start, long end, Mode mode) {
        long pages = 0;
        PageWalk walk = PageWalk.over(mm.pageTable(), start, end);
        while (walk.next()) {
            if (walk.isHuge() && (walk.entryStart() < start || walk.entryEnd() > end)) {
                continue; // a leaf that could not be split
            }
            long e = walk.entry();
            long n = changed(mm, vma, e, mode);
            if (n != e) {
                walk.set(n);
                pages++;
            }
        }
        return pages;
    }

    /** UFFD_WP with markers: every page of the range, none entries included. */
    private static long changeEveryPage(AddressSpace mm, Vma vma, long start, long end) {
        CpuPageTable pt = mm.pageTable();
        long pages = 0;
        for (long a = start; a < end; ) {
            long pmd = pt.getPmd(a);
            if (PteLayout.isHuge(pmd)) {
                long h = UserRange.pmdFloor(a);
                if (h >= start && h + Host.PMD_SIZE <= end) {
                    long n = changed(mm, vma, pmd, Mode.UFFD_WP);
                    if (n != pmd) {
                        pt.setPmd(h, n);
                        pages++;
                    }
                }
                a = h + Host.PMD_SIZE;
                continue;
            }
            long e = pt.get(a);
            long n = e == 0 ? PteLayout.uffdWpMarker() : changed(mm, vma, e, Mode.UFFD_WP);
            if (n != e) {
                pt.set(a, n);
                pages++;
            }
            a += Host.PAGE_SIZE;
        }
        return pages;
    }

    /** The new value of the nonzero entry {@code e} of {@code vma}. */
    private static long changed(AddressSpace mm, Vma vma, long e, Mode mode) {
        return switch (mode) {
            case UFFD_WP -> PteLayout.mkUffdWp(readableIfSwapStyle(e));
            case UFFD_WP_RESOLVE -> {
                long n = PteLayout.clearUffdWp(readableIfSwapStyle(e));
                if (n != 0
                        && PteLayout.isPresent(n)
                        && !PteLayout.isWrite(n)
                        && vma.canWrite()
                        && MemoryFault.canChangePteWritable(mm, vma, n)) {
                    n = PteLayout.mkWrite(n); // MM_CP_TRY_CHANGE_WRITABLE
                }
                yield n;
            }
            case PROT_NUMA -> numaSkips(mm, vma, e) ? e : PteLayout.mkProtNone(e);
        };
    }

    /**
     * A writable migration or device-private entry becomes readable ("a protection check is
     * difficult so just be safe and disable write"); other entries are returned as they are.
     */
    private static long readableIfSwapStyle(long e) {
        return PteLayout.isMigration(e) || PteLayout.isDevicePrivate(e) ? PteLayout.wrProtect(e) : e;
    }

    /** {@code prot_numa_skip} and the checks before it: entries NUMA hinting leaves alone. */
    private static boolean numaSkips(AddressSpace mm, Vma vma, long e) {
        if (!PteLayout.isPresent(e) || PteLayout.isProtNone(e) || PteLayout.isSpecial(e)) {
            return true; // not present, already hinted, or the zero page
        }
        Host host = mm.host();
        PhysicalMemory mem = host.memory();
        long pfn = PteLayout.pfn(e);
        if (host.rmap().isKsm(pfn) || mem.isZoneDevice(pfn)) {
            return true; // KSM pages; folio_is_zone_device (device-coherent memory)
        }
        if (vma.isCow() && mem.mapcount(pfn) > 1) {
            return true; // "also skip shared copy-on-write pages"
        }
        return vma.file() != null && PteLayout.isDirty(e); // a dirty file folio migration may not move
    }
}
