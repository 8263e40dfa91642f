package org.devmirror.mm;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.mm.phys.PhysicalMemory;

/**
 * Models {@code zap_pte_range}/{@code zap_huge_pmd} (mm/memory.c): clears every entry of a range
 * and drops what each one held: a mapped frame's map count and reference (freeing it with the
 * last one), a swap slot's use, a device-private page's mapping (the last one frees the device
 * page). A dirty shared page dirties its page-cache page. Raises no invalidation: callers wrap it
 * in UNMAP (munmap, exit) or CLEAR (MADV_DONTNEED, OOM reaper).
 *
 * <h2>Locking</h2>
 * The caller holds the mmap lock (read or write) and has split every PMD leaf that the range
 * covers only partly; the zap takes the page-table lock itself.
 */
final class Zap {
    private Zap() {}

    /**
     * Clears {@code [start, end)} of {@code vma} (the range lies inside the VMA), uffd-wp markers
     * included ({@code ZAP_FLAG_DROP_MARKER}, as {@code unmap_vmas} zaps).
     */
    static void range(AddressSpace mm, Vma vma, long start, long end) {
        range(mm, vma, start, end, true, false);
    }

    /**
     * As {@link #range(AddressSpace, Vma, long, long)} for {@code MADV_DONTNEED}, which does not
     * drop markers: in a uffd-wp file or shmem VMA a write-protected entry is replaced by a uffd-wp
     * marker and markers stay ({@code zap_install_uffd_wp_if_needed}), since the page cache still
     * holds the page and its protection must survive; anonymous memory loses everything.
     */
    static void rangeKeepingUffdWp(AddressSpace mm, Vma vma, long start, long end) {
        range(mm, vma, start, end, true, keepsUffdWp(vma));
    }

    /**
     * The zap of {@code unmap_mapping_range} (truncate, hole punch): markers stay as for
     * {@code MADV_DONTNEED}; with {@code evenCows} false (a hole punch's {@code zap_details}) only
     * page-cache pages and the zero page go: anonymous pages (a private mapping's copy-on-write
     * copies, on RAM, swap, device or poisoned) stay, as {@code should_zap_folio} and
     * {@code should_zap_cows} decide.
     */
    static void mappingRange(AddressSpace mm, Vma vma, long start, long end, boolean evenCows) {
        range(mm, vma, start, end, evenCows, keepsUffdWp(vma));
    }

    private static boolean keepsUffdWp(Vma vma) {
        return vma.isUffdWp() && !vma.isPrivateAnon();
    }

    private static void range(AddressSpace mm, Vma vma, long start, long end, boolean evenCows, boolean keepUffdWp) {
        Host host = mm.host();
        PageWalk walk = PageWalk.over(mm.pageTable(), start, end);
        mm.ptl.lock();
        try {
            while (walk.next()) {
                long e = walk.entry();
                if (!evenCows && isCow(host, e)) {
                    continue;
                }
                if (keepUffdWp && PteLayout.isMarker(e)) {
                    continue;
                }
                walk.set(keepUffdWp && PteLayout.isUffdWp(e) && !walk.isHuge() ? PteLayout.uffdWpMarker() : 0);
                dropEntry(host, vma, e);
            }
        } finally {
            mm.ptl.unlock();
        }
    }

    /** Whether entry e holds an anonymous page (or a swapped or poisoned one), which a hole punch keeps. */
    private static boolean isCow(Host host, long e) {
        return switch (PteLayout.type(e)) {
            case PteLayout.TYPE_PRESENT ->
                !PteLayout.isSpecial(e) && host.memory().isAnon(PteLayout.pfn(e));
            case PteLayout.TYPE_MIGRATION, PteLayout.TYPE_DEVICE_EXCLUSIVE ->
                host.memory().isAnon(PteLayout.pfn(e));
            case PteLayout.TYPE_SWAP, PteLayout.TYPE_DEVICE_PRIVATE, PteLayout.TYPE_HWPOISON -> true;
            default -> false;
        };
    }

    /** Drops what a just-cleared entry held (the entry is no longer in any page table). */
    static void dropEntry(Host host, Vma vma, long e) {
        PhysicalMemory mem = host.memory();
        switch (PteLayout.type(e)) {
            case PteLayout.TYPE_PRESENT -> {
                if (PteLayout.isSpecial(e)) {
                    return; // the zero page is not counted
                }
                long pfn = PteLayout.pfn(e);
                if (PteLayout.isDirty(e) && vma != null && vma.isShared() && vma.object != null) {
                    vma.object.markDirty(host.rmap().indexOf(pfn)); // zap_present_folio_ptes: folio_mark_dirty
                }
                mem.decMapcount(pfn);
                mem.put(pfn);
            }
            case PteLayout.TYPE_SWAP -> host.swap().freeSlot(PteLayout.swapSlot(e));
            case PteLayout.TYPE_DEVICE_PRIVATE ->
                host.devicePut(PteLayout.pfn(e), PteLayout.isHuge(e) ? Host.PMD_PAGES : 1);
            case PteLayout.TYPE_DEVICE_EXCLUSIVE -> {
                long pfn = PteLayout.pfn(e);
                mem.decMapcount(pfn);
                mem.put(pfn);
            }
            default -> {
                // A migration entry holds nothing: the migrating thread holds the page and
                // finalize finds the entry gone.
            }
        }
    }
}
