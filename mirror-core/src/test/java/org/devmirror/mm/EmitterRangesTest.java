package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The userfaultfd, PAGEMAP_SCAN, NUMA-hinting and {@code unmap_mapping_range} emitters under both
 * {@link InvalidationRanges}: each test builds the same sparse mapping (a few populated pages in a
 * 4 MiB VMA at a 1 GiB boundary, so {@code change_pud_range} starts at the VMA) and asserts the
 * kernel's range under KERNEL and the populated part under NARROWED, with the same page-table
 * result either way.
 */
class EmitterRangesTest extends HostFixture {
    /** 4 MiB: two PMD blocks. */
    private static final long NPAGES = 1024;
    /** A 1 GiB-aligned address far from where mmap places other mappings. */
    private static final long BASE = 1L << 40;

    private InvalidationRanges ranges = InvalidationRanges.KERNEL;

    @Override
    HostConfig config() {
        return super.config().withRanges(ranges);
    }

    /** Boots a fresh host raising {@code mode}'s ranges. */
    private void reboot(InvalidationRanges mode) {
        shutdown();
        ranges = mode;
        boot();
    }

    /** The kernel's events under KERNEL, the narrowed ones under NARROWED. */
    private List<Event> expected(List<Event> kernel, List<Event> narrowed) {
        return switch (ranges) {
            case KERNEL -> kernel;
            case NARROWED -> narrowed;
        };
    }

    /** A private anonymous VMA of {@link #NPAGES} at {@link #BASE} with pages 100..103 written. */
    private long sparse() {
        long a = mm.mmap(BASE, NPAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        assertEquals(BASE, a);
        writePages(mm, a + 100 * PAGE, 4, 1);
        return a;
    }

    /** UFFDIO_WRITEPROTECT without markers: the PUD step's range, or the four populated pages. */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void uffdWriteProtect(InvalidationRanges mode) {
        reboot(mode);
        long a = sparse();
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(a, NPAGES * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, NPAGES * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, NPAGES * PAGE, 0));
        List<Event> whole = List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE), ev(PROTECTION_VMA, a, a + NPAGES * PAGE));
        List<Event> populated = List.of(
                ev(PROTECTION_VMA, a + 100 * PAGE, a + 104 * PAGE), ev(PROTECTION_VMA, a + 100 * PAGE, a + 104 * PAGE));
        assertEquals(expected(whole, populated), rec.events());
        assertTrue(PteLayout.isWrite(pte(mm, a + 100 * PAGE)), "un-protect made the exclusive page writable again");
    }

    /**
     * UFFDIO_WRITEPROTECT with markers (WP_UNPOPULATED): protect narrows to the populated pages
     * (the none entries that become markers map nothing), un-protect covers the whole range because
     * every entry now holds a marker or a page.
     */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void uffdWriteProtectWithMarkers(InvalidationRanges mode) {
        reboot(mode);
        long a = sparse();
        assertEquals(Errno.OK, mm.uffdApi(Uffd.FEATURE_WP_UNPOPULATED));
        assertEquals(Errno.OK, mm.uffdRegister(a, NPAGES * PAGE, Uffd.REGISTER_MODE_WP));
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, NPAGES * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(PteLayout.uffdWpMarker(), pte(mm, a), "markers are written in both modes");
        assertEquals(
                expected(
                        List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE)),
                        List.of(ev(PROTECTION_VMA, a + 100 * PAGE, a + 104 * PAGE))),
                rec.events());
        rec.clear();
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, NPAGES * PAGE, 0));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE)), rec.events());
        assertEquals(0, pte(mm, a));
    }

    /** NUMA hinting: the PUD step's range, or the populated pages; the same entries become protnone. */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void changeProtNuma(InvalidationRanges mode) {
        reboot(mode);
        long a = sparse();
        assertEquals(4, mm.changeProtNuma(a, NPAGES * PAGE));
        assertEquals(
                expected(
                        List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE)),
                        List.of(ev(PROTECTION_VMA, a + 100 * PAGE, a + 104 * PAGE))),
                rec.events());
        assertTrue(PteLayout.isProtNone(pte(mm, a + 103 * PAGE)), describe(pte(mm, a + 103 * PAGE)));
    }

    /**
     * PAGEMAP_SCAN with WP_MATCHING over a VMA registered for async write-protect with markers and
     * protected whole, then written sparsely: one event over the whole scan in both modes, since
     * the markers around the written pages are populated entries too.
     */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void pagemapScanWriteProtect(InvalidationRanges mode) {
        reboot(mode);
        long a = mm.mmap(BASE, NPAGES * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        assertEquals(Errno.OK, mm.uffdApi(Uffd.FEATURE_WP_ASYNC | Uffd.FEATURE_WP_UNPOPULATED));
        assertEquals(Errno.OK, mm.uffdRegister(a, NPAGES * PAGE, Uffd.REGISTER_MODE_WP));
        // Protecting the empty VMA writes a marker in every entry: the kernel raises over it, narrowed raises nothing.
        assertEquals(Errno.OK, mm.uffdWriteProtect(a, NPAGES * PAGE, Uffd.WRITEPROTECT_MODE_WP));
        assertEquals(expected(List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE)), List.of()), rec.events());
        // Every page holds a marker now; write four of them.
        assertEquals(PteLayout.uffdWpMarker(), pte(mm, a + 500 * PAGE));
        writePages(mm, a + 100 * PAGE, 4, 1);
        rec.clear();
        PagemapScan.Result second = mm.pagemapScan(PagemapScan.writtenAndProtect(a, a + NPAGES * PAGE));
        assertEquals(
                List.of(new PagemapScan.Region(a + 100 * PAGE, a + 104 * PAGE, PagemapScan.PAGE_IS_WRITTEN)),
                second.regions());
        assertEquals(
                List.of(ev(PROTECTION_VMA, a, a + NPAGES * PAGE)),
                rec.events(),
                "markers make the whole range populated");
        assertTrue(PteLayout.isUffdWp(pte(mm, a + 102 * PAGE)));
    }

    /** PAGEMAP_SCAN with WP_MATCHING over a sparsely written VMA without markers in it: the scan, or the written pages. */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void pagemapScanOverSparsePages(InvalidationRanges mode) {
        reboot(mode);
        long a = sparse();
        assertEquals(Errno.OK, mm.uffdApi(Uffd.FEATURE_WP_ASYNC | Uffd.FEATURE_WP_UNPOPULATED));
        assertEquals(Errno.OK, mm.uffdRegister(a, NPAGES * PAGE, Uffd.REGISTER_MODE_WP));
        rec.clear();
        PagemapScan.Result r = mm.pagemapScan(PagemapScan.writtenAndProtect(a + 64 * PAGE, a + 128 * PAGE));
        assertEquals(Errno.OK, r.result());
        // The holes around the written pages are not PAGE_IS_WRITTEN, so no nested event in either mode.
        assertEquals(
                expected(
                        List.of(ev(PROTECTION_VMA, a + 64 * PAGE, a + 128 * PAGE)),
                        List.of(ev(PROTECTION_VMA, a + 100 * PAGE, a + 104 * PAGE))),
                rec.events());
        assertTrue(PteLayout.isUffdWp(pte(mm, a + 100 * PAGE)), describe(pte(mm, a + 100 * PAGE)));
    }

    /**
     * UFFDIO_MOVE with source holes: every step's CLEAR over {@code [src_addr, src_end)} in the
     * kernel; narrowed, one CLEAR over the populated run the batch moves and none for hole steps.
     */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void uffdMove(InvalidationRanges mode) {
        reboot(mode);
        long src = anon(16);
        long dst = anon(16);
        assertEquals(Errno.OK, mm.uffdApi(0));
        assertEquals(Errno.OK, mm.uffdRegister(dst, 16 * PAGE, Uffd.REGISTER_MODE_WP));
        writePages(mm, src + 4 * PAGE, 2, 7);
        rec.clear();
        assertEquals(16 * PAGE, mm.uffdMove(dst, src, 16 * PAGE, Uffd.MOVE_MODE_ALLOW_SRC_HOLES));
        List<Event> kernel = new ArrayList<>();
        for (long s = src; s < src + 16 * PAGE; s += PAGE) {
            if (s != src + 5 * PAGE) { // pages 4 and 5 move in one batch
                kernel.add(ev(CLEAR, s, src + 16 * PAGE));
            }
        }
        assertEquals(expected(kernel, List.of(ev(CLEAR, src + 4 * PAGE, src + 6 * PAGE))), rec.events());
        assertPages(mm, dst + 4 * PAGE, 2, 7);
        assertEquals(0, pte(mm, src + 4 * PAGE));
    }

    /** Reboots in {@code mode} and maps a shared file of {@link #NPAGES} with pages 100..103 written. */
    private MemoryObject sparseFile(InvalidationRanges mode) {
        reboot(mode);
        MemoryObject file = host.newFile("data", NPAGES * PAGE);
        long a = mm.mmap(0, NPAGES * PAGE, Prot.RW, MapFlags.SHARED, file, 0);
        writePages(mm, a + 100 * PAGE, 4, 1);
        rec.clear();
        return file;
    }

    /** truncate to 0 of a sparsely mapped shared file: twice over the whole VMA, or once over its populated pages. */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void truncate(InvalidationRanges mode) {
        MemoryObject file = sparseFile(mode);
        long a = mm.vmas().getFirst().start;
        assertEquals(Errno.OK, file.truncate(0));
        Event whole = ev(CLEAR, a, a + NPAGES * PAGE);
        assertEquals(expected(List.of(whole, whole), List.of(ev(CLEAR, a + 100 * PAGE, a + 104 * PAGE))), rec.events());
        assertEquals(0, mm.populatedPages());
    }

    /** fallocate(PUNCH_HOLE) and MADV_REMOVE: the hole's share of the VMA, or its populated pages; nothing over an empty hole when narrowed. */
    @ParameterizedTest
    @EnumSource(InvalidationRanges.class)
    void punchHoleAndMadviseRemove(InvalidationRanges mode) {
        MemoryObject file = sparseFile(mode);
        long a = mm.vmas().getFirst().start;
        assertEquals(
                Errno.OK,
                file.fallocate(
                        MemoryObject.FALLOC_FL_PUNCH_HOLE | MemoryObject.FALLOC_FL_KEEP_SIZE, 64 * PAGE, 64 * PAGE));
        assertEquals(Errno.OK, mm.madvise(a + 512 * PAGE, 64 * PAGE, Advice.REMOVE));
        assertEquals(
                expected(
                        List.of(ev(CLEAR, a + 64 * PAGE, a + 128 * PAGE), ev(CLEAR, a + 512 * PAGE, a + 576 * PAGE)),
                        List.of(ev(CLEAR, a + 100 * PAGE, a + 104 * PAGE))),
                rec.events());
        assertEquals(0, mm.populatedPages());
    }
}
