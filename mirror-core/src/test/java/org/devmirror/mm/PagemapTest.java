package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * /proc/PID/pagemap (pte_to_pagemap_entry) and PAGEMAP_SCAN (do_pagemap_scan): the per-page bits
 * follow soft-dirty and uffd-wp state, and a WP_MATCHING scan raises one PROTECTION_VMA over the
 * whole range, across VMAs, while every VMA keeps its protection.
 */
class PagemapTest extends HostFixture {

    /** New mappings are soft-dirty (VM_SOFTDIRTY) even unpopulated; clear_refs clears it; a write sets it on the entry. */
    @Test
    void softDirtyFollowsVmaFlagAndWrites() {
        long a = anon(2);
        assertEquals(Pagemap.SOFT_DIRTY, mm.pagemap(a, false), "a new VMA reads soft-dirty, nothing present");
        writePages(mm, a, 1, 1);
        assertEquals(Pagemap.PRESENT | Pagemap.MMAP_EXCLUSIVE | Pagemap.SOFT_DIRTY, mm.pagemap(a, false));
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Pagemap.PRESENT | Pagemap.MMAP_EXCLUSIVE, mm.pagemap(a, false));
        assertEquals(0, mm.pagemap(a + PAGE, false), "no VM_SOFTDIRTY after clear_refs");
        writePages(mm, a, 1, 2);
        assertEquals(Pagemap.PRESENT | Pagemap.MMAP_EXCLUSIVE | Pagemap.SOFT_DIRTY, mm.pagemap(a, false));
        assertEquals(0, mm.pagemap(0x1000, false), "outside any VMA");
    }

    /** The frame bits appear only when asked; a swapped page is SWAP with the slot above 5 type bits; file pages are FILE. */
    @Test
    void frameSwapAndFileBits() {
        long a = anon(1);
        writePages(mm, a, 1, 1);
        long pfn = PteLayout.pfn(pte(mm, a));
        assertEquals(pfn, mm.pagemap(a, true) & Pagemap.PFRAME_MASK);
        assertEquals(0, mm.pagemap(a, false) & Pagemap.PFRAME_MASK);
        assertEquals(1, mm.reclaim(a, PAGE));
        long swapped = mm.pagemap(a, true);
        assertTrue((swapped & Pagemap.SWAP) != 0 && (swapped & Pagemap.PRESENT) == 0, Pagemap.describe(swapped));
        assertEquals(PteLayout.swapSlot(pte(mm, a)) << Pagemap.SWAP_TYPE_BITS, swapped & Pagemap.PFRAME_MASK);
        long s = mm.mmap(0, PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        writePages(mm, s, 1, 1);
        assertTrue((mm.pagemap(s, false) & Pagemap.FILE) != 0, "shared anonymous memory is a page-cache page");
        // The zero page: present, no struct page to be exclusive or file.
        long z = anon(1);
        assertPages(mm, z, 1, 0);
        assertEquals(Pagemap.PRESENT | Pagemap.SOFT_DIRTY, mm.pagemap(z, false));
    }

    /** uffd-wp shows as bit 57 on present entries and markers (which also read as SWAP). */
    @Test
    void uffdWpBit() {
        long a = anon(2);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.uffdApi(Uffd.FEATURE_WP_UNPOPULATED));
        assertEquals(Errno.OK, mm.uffdRegister(a, 2 * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 2 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertTrue((mm.pagemap(a, false) & (Pagemap.UFFD_WP | Pagemap.PRESENT)) == (Pagemap.UFFD_WP | Pagemap.PRESENT));
        long marker = mm.pagemap(a + PAGE, false);
        assertEquals(Pagemap.UFFD_WP | Pagemap.SWAP | Pagemap.SOFT_DIRTY, marker, Pagemap.describe(marker));
    }

    /**
     * The async dirty tracker: PAGEMAP_SCAN(WP_MATCHING) over two VMAs raises one PROTECTION_VMA
     * over the whole range, reports the written pages and write-protects them; a later write is
     * reported by the next scan.
     */
    @Test
    void wpMatchingScanSpansVmasWithOneEvent() {
        long a = anon(16);
        assertEquals(Errno.OK, mm.mprotect(a + 8 * PAGE, 8 * PAGE, Prot.READ | Prot.WRITE | Prot.EXEC));
        assertEquals(2, mm.vmas().size());
        assertEquals(Errno.OK, mm.uffdApi(Uffd.FEATURE_WP_ASYNC));
        assertEquals(Errno.OK, mm.uffdRegister(a, 16 * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, 16 * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        writePages(mm, a + 6 * PAGE, 4, 1); // async: the kernel drops the bit on each write
        rec.clear();
        PagemapScan.Result r = mm.pagemapScan(PagemapScan.writtenAndProtect(a, a + 16 * PAGE));
        assertEquals(Errno.OK, r.result());
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
        assertEquals(
                List.of(new PagemapScan.Region(a + 6 * PAGE, a + 10 * PAGE, PagemapScan.PAGE_IS_WRITTEN)), r.regions());
        assertTrue(PteLayout.isUffdWp(pte(mm, a + 6 * PAGE)) && PteLayout.isUffdWp(pte(mm, a + 9 * PAGE)));
        assertEquals(Prot.RW, mm.vmas().get(0).prot(), "the VMAs keep their protection");
        // Nothing written since: the next scan reports nothing, but still raises its event.
        rec.clear();
        assertEquals(
                List.of(),
                mm.pagemapScan(PagemapScan.writtenAndProtect(a, a + 16 * PAGE)).regions());
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 16 * PAGE)), rec.events());
        writePages(mm, a, 1, 5);
        assertEquals(
                List.of(new PagemapScan.Region(a, a + PAGE, PagemapScan.PAGE_IS_WRITTEN)),
                mm.pagemapScan(PagemapScan.writtenAndProtect(a, a + 16 * PAGE)).regions());
    }

    /** WP_MATCHING needs async uffd-wp: CHECK_WPASYNC makes an unregistered VMA EPERM, without it the VMA is skipped. */
    @Test
    void scanNeedsAsyncWriteProtect() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        PagemapScan.Result r = mm.pagemapScan(PagemapScan.writtenAndProtect(a, a + 4 * PAGE));
        assertEquals(Errno.EPERM, r.result());
        PagemapScan skip = new PagemapScan(
                a,
                a + 4 * PAGE,
                PagemapScan.WP_MATCHING,
                PagemapScan.PAGE_IS_WRITTEN,
                0,
                0,
                PagemapScan.PAGE_IS_WRITTEN);
        rec.clear();
        r = mm.pagemapScan(skip);
        assertEquals(Errno.OK, r.result());
        assertEquals(List.of(), r.regions());
        assertEquals(
                List.of(ev(PROTECTION_VMA, a, a + 4 * PAGE)),
                rec.events(),
                "raised before the walk, whatever it finds");
        assertTrue(PteLayout.isWrite(pte(mm, a)));
        // Without WP_MATCHING the scan only reports: present pages, no event.
        rec.clear();
        r = mm.pagemapScan(
                new PagemapScan(a, a + 4 * PAGE, 0, PagemapScan.PAGE_IS_PRESENT, 0, 0, PagemapScan.PAGE_IS_PRESENT));
        assertEquals(List.of(new PagemapScan.Region(a, a + 4 * PAGE, PagemapScan.PAGE_IS_PRESENT)), r.regions());
        assertEquals(List.of(), rec.events());
    }
}
