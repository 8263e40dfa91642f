package org.devmirror.mm;

import static org.devmirror.notifier.MmuNotifierEvent.CLEAR;
import static org.devmirror.notifier.MmuNotifierEvent.EXCLUSIVE;
import static org.devmirror.notifier.MmuNotifierEvent.MIGRATE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.devmirror.notifier.MmuNotifierEvent.RELEASE;
import static org.devmirror.notifier.MmuNotifierEvent.SOFT_DIRTY;
import static org.devmirror.notifier.MmuNotifierEvent.UNMAP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/**
 * For every host operation, under the kernel's ranges ({@link InvalidationRanges#KERNEL}, the
 * default): the exact invalidations a subscriber sees (event, range, blockable, owner), each test
 * naming the kernel function whose {@code mmu_notifier_range_init} it checks, and the CPU
 * page-table entries afterwards. {@link NarrowedRangesTest} checks the narrowed ranges.
 */
class HostEventsTest extends HostFixture {
    /** The kernel's {@code ULONG_MAX} as an exclusive range end. */
    static final long ULONG_MAX = -1L;
    /** x86-64 {@code PUD_SIZE}. */
    static final long PUD = 1L << 30;

    /** unmap_vmas: one UNMAP over the whole munmap range, however little of it is populated. */
    @Test
    void unmapVmasUnmapsTheWholeRange() {
        long a = anon(16);
        writePages(mm, a + 4 * PAGE, 4, 1);
        assertEquals(List.of(), rec.events(), "mmap and anonymous faults raise nothing");
        // Unmap all 16 pages: only [4, 8) was populated, the UNMAP covers all 16.
        assertEquals(Errno.OK, mm.munmap(a, 16 * PAGE));
        assertEquals(List.of(ev(UNMAP, a, a + 16 * PAGE)), rec.events());
        assertEquals(rec.events(), rec.classicEvents());
        assertEquals(0, rec.openClassicRanges());
        assertEquals(0, pte(mm, a + 4 * PAGE));
        assertEquals(0, mm.populatedPages());
    }

    /**
     * unmap_vmas over empty page tables: an untouched VMA is unmapped under UNMAP all the same, a
     * range over two VMAs and the hole between them gets one UNMAP over all of it, and only a
     * range with no VMA at all raises nothing (do_vmi_munmap returns before unmap_vmas).
     */
    @Test
    void unmapVmasOverEmptyPageTables() {
        long a = anon(8);
        assertEquals(Errno.OK, mm.munmap(a, 8 * PAGE));
        assertEquals(List.of(ev(UNMAP, a, a + 8 * PAGE)), rec.events());
        rec.clear();
        assertEquals(Errno.OK, mm.munmap(a, 8 * PAGE));
        assertEquals(List.of(), rec.events(), "no VMA in the range");
        // Two VMAs with a hole between them: one UNMAP over the whole range.
        long hi = anon(4);
        long lo = hi - 8 * PAGE;
        assertEquals(lo, mm.mmap(lo, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(Errno.OK, mm.munmap(lo, 12 * PAGE));
        assertEquals(List.of(ev(UNMAP, lo, lo + 12 * PAGE)), rec.events());
    }

    /**
     * change_pud_range: PROTECTION_VMA from the first PUD with a page table to the end of the
     * VMA's range, once per mprotect_fixup whose protection changes; a PUD populated outside the
     * range counts, a PUD with nothing below it does not, and an unchanged protection raises nothing.
     */
    @Test
    void changePudRangeRaisesFromTheFirstPopulatedPud() {
        long a = anon(8);
        long b = anon(8);
        writePages(mm, a + 2 * PAGE, 2, 1);
        // Read-only over a: its PUD has a table, so the range starts at a and covers the VMA.
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.READ));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 8 * PAGE)), rec.events());
        assertFalse(PteLayout.isWrite(pte(mm, a + 2 * PAGE)));
        assertEquals(Errno.EPERM, mm.cpuWrite(a + 2 * PAGE, new byte[1], 0, 1));
        rec.clear();
        // b is empty but shares a's PUD, which has a table: PROTECTION_VMA over b all the same.
        assertEquals(Errno.OK, mm.mprotect(b, 8 * PAGE, Prot.NONE));
        assertEquals(List.of(ev(PROTECTION_VMA, b, b + 8 * PAGE)), rec.events());
        rec.clear();
        // An unchanged protection raises nothing.
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.READ));
        assertEquals(List.of(), rec.events());
        // Back to read-write: the entries stay read-only until a write fault.
        assertEquals(Errno.OK, mm.mprotect(a, 8 * PAGE, Prot.RW));
        assertEquals(List.of(ev(PROTECTION_VMA, a, a + 8 * PAGE)), rec.events());
        assertEquals(Errno.OK, mm.cpuWrite(a + 2 * PAGE, new byte[] {9}, 0, 1));
        assertTrue(PteLayout.isWrite(pte(mm, a + 2 * PAGE)));
        rec.clear();
        // A VMA across a PUD boundary, populated only above it: the range starts at the boundary.
        long g = 16 * PUD;
        assertEquals(
                g - 4 * PAGE,
                mm.mmap(g - 4 * PAGE, 8 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        writePages(mm, g + PAGE, 1, 3);
        assertEquals(Errno.OK, mm.mprotect(g - 4 * PAGE, 8 * PAGE, Prot.READ));
        assertEquals(List.of(ev(PROTECTION_VMA, g, g + 4 * PAGE)), rec.events());
        rec.clear();
        // A VMA alone in its PUDs, never touched: no page table, no event.
        long e = 32 * PUD;
        assertEquals(e, mm.mmap(e, 8 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED));
        assertEquals(Errno.OK, mm.mprotect(e, 8 * PAGE, Prot.READ));
        assertEquals(List.of(), rec.events());
    }

    /** move_page_tables: UNMAP over the whole old range; the pages move with it. */
    @Test
    void movePageTablesUnmapsTheOldRange() {
        long a = anon(4);
        writePages(mm, a, 2, 10);
        long target = a - 64 * PAGE;
        long r = mm.mremap(a, 4 * PAGE, 4 * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, target);
        assertEquals(target, r);
        assertEquals(List.of(ev(UNMAP, a, a + 4 * PAGE)), rec.events());
        assertEquals(0, pte(mm, a));
        assertPages(mm, target, 2, 10);
        rec.clear();
        // Shrinking in place unmaps the tail.
        assertEquals(target, mm.mremap(target, 4 * PAGE, PAGE, 0, 0));
        assertEquals(List.of(ev(UNMAP, target + PAGE, target + 4 * PAGE)), rec.events());
    }

    /** zap_page_range_single (MADV_DONTNEED): CLEAR over the whole advised range, populated or not. */
    @Test
    void zapPageRangeSingleClearsTheAdvisedRange() {
        long a = anon(8);
        writePages(mm, a + PAGE, 3, 1);
        assertEquals(Errno.OK, mm.madvise(a, 8 * PAGE, Advice.DONTNEED));
        assertEquals(List.of(ev(CLEAR, a, a + 8 * PAGE)), rec.events());
        assertEquals(0, mm.populatedPages());
        assertPages(mm, a + PAGE, 1, 0);
        rec.clear();
        // Nothing populated in the upper half: the CLEAR is raised all the same.
        assertEquals(Errno.OK, mm.madvise(a + 4 * PAGE, 4 * PAGE, Advice.DONTNEED));
        assertEquals(List.of(ev(CLEAR, a + 4 * PAGE, a + 8 * PAGE)), rec.events());
    }

    /** madvise_free_single_vma: CLEAR over the VMA's part of the range; reclaim then discards the clean pages. */
    @Test
    void madviseFreeSingleVmaClearsAndReclaimDiscards() {
        long a = anon(4);
        writePages(mm, a, 2, 1);
        assertEquals(Errno.OK, mm.madvise(a, 4 * PAGE, Advice.FREE));
        assertEquals(List.of(ev(CLEAR, a, a + 4 * PAGE)), rec.events());
        // Rewrite page 1: it is dirty again and must survive.
        assertEquals(Errno.OK, mm.cpuWrite(a + PAGE, new byte[] {42}, 0, 1));
        rec.clear();
        assertEquals(2, mm.reclaim(a, 4 * PAGE));
        assertEquals(List.of(ev(CLEAR, a, a + PAGE), ev(CLEAR, a + PAGE, a + 2 * PAGE)), rec.events());
        assertEquals(0, pte(mm, a), "clean lazily freed page discarded");
        assertTrue(PteLayout.isSwap(pte(mm, a + PAGE)), "dirty page swapped");
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE, b, 0, 1));
        assertEquals(42, b[0]);
    }

    /** MADV_HUGEPAGE / NOHUGEPAGE change VMA flags only. */
    @Test
    void hugePageAdviceRaisesNothing() {
        long a = anon(8);
        writePages(mm, a, 8, 1);
        assertEquals(Errno.OK, mm.madvise(a, 8 * PAGE, Advice.HUGEPAGE));
        assertEquals(Errno.OK, mm.madvise(a, 4 * PAGE, Advice.NOHUGEPAGE));
        assertEquals(List.of(), rec.events());
    }

    /**
     * copy_page_range: PROTECTION_PAGE on the parent over [vm_start, vm_end) of each COW VMA that
     * has anonymous pages (vma_needs_copy), however sparse; the first write after it copies (CLEAR).
     */
    @Test
    void copyPageRangeProtectsTheWholeCowVma() {
        long untouched = mm.mmap(0, 4 * PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        long a = anon(8);
        writePages(mm, a, 4, 1);
        AddressSpace child = mm.fork();
        // Only a has an anon_vma: the untouched VMA is not copied and raises nothing.
        assertEquals(List.of(ev(PROTECTION_PAGE, a, a + 8 * PAGE)), rec.events());
        assertEquals(0, pte(child, untouched));
        assertFalse(PteLayout.isWrite(pte(mm, a)));
        assertFalse(PteLayout.isWrite(pte(child, a)));
        rec.clear();
        // The parent writes page 1: a private copy replaces the shared page.
        long before = PteLayout.pfn(pte(mm, a + PAGE));
        assertEquals(Errno.OK, mm.cpuWrite(a + PAGE, new byte[] {99}, 0, 1));
        assertEquals(List.of(ev(CLEAR, a + PAGE, a + 2 * PAGE)), rec.events());
        assertNotEquals(before, PteLayout.pfn(pte(mm, a + PAGE)));
        assertEquals(before, PteLayout.pfn(pte(child, a + PAGE)));
        assertPages(child, a, 4, 1);
        rec.clear();
        // A second fork of a read-only parent changes no entry: no event.
        AddressSpace second = child.fork();
        assertEquals(List.of(), rec.events());
        second.exit();
        child.exit();
    }

    /** Reclaim of a page shared after fork clears it in both address spaces, each notified. */
    @Test
    void reclaimClearsEveryMapping() {
        long a = anon(2);
        writePages(mm, a, 2, 5);
        AddressSpace child = mm.fork();
        RecordingSubscriber childRec = RecordingSubscriber.attach(child);
        rec.clear();
        assertEquals(2, mm.reclaim(a, 2 * PAGE));
        List<Event> expected = List.of(ev(CLEAR, a, a + PAGE), ev(CLEAR, a + PAGE, a + 2 * PAGE));
        assertEquals(expected, rec.events());
        assertEquals(expected, childRec.events());
        assertTrue(PteLayout.isSwap(pte(mm, a)));
        assertTrue(PteLayout.isSwap(pte(child, a)));
        rec.clear();
        // Swap-in raises nothing and brings back the data, in both.
        assertPages(mm, a, 2, 5);
        assertPages(child, a, 2, 5);
        assertEquals(List.of(), rec.events());
        assertEquals(0, host.swap().usedSlots());
        child.exit();
    }

    /** Compaction moves each page to another frame under one CLEAR per page and mapping. */
    @Test
    void compactionClearsAndMoves() {
        long a = anon(3);
        writePages(mm, a, 3, 7);
        long pfn = PteLayout.pfn(pte(mm, a));
        assertEquals(3, mm.compact(a, 3 * PAGE));
        assertEquals(
                List.of(
                        ev(CLEAR, a, a + PAGE),
                        ev(CLEAR, a + PAGE, a + 2 * PAGE),
                        ev(CLEAR, a + 2 * PAGE, a + 3 * PAGE)),
                rec.events());
        assertNotEquals(pfn, PteLayout.pfn(pte(mm, a)));
        assertTrue(PteLayout.isWrite(pte(mm, a)));
        assertPages(mm, a, 3, 7);
    }

    /**
     * try_to_merge_two_pages keeps the page being scanned (the second) and replaces the one found
     * in the unstable tree (the first): write_protect_page CLEARs the kept page, then
     * write_protect_page and replace_page each CLEAR every duplicate; a later write copies again.
     */
    @Test
    void tryToMergeTwoPagesKeepsTheScannedPage() {
        long a = anon(3);
        assertEquals(Errno.OK, mm.cpuFill(a, 3 * PAGE, (byte) 0x5A));
        long kept = PteLayout.pfn(pte(mm, a + PAGE));
        assertEquals(2, mm.ksmMerge(a, 3 * PAGE));
        assertEquals(
                List.of(
                        ev(CLEAR, a + PAGE, a + 2 * PAGE),
                        ev(CLEAR, a, a + PAGE),
                        ev(CLEAR, a, a + PAGE),
                        ev(CLEAR, a + 2 * PAGE, a + 3 * PAGE),
                        ev(CLEAR, a + 2 * PAGE, a + 3 * PAGE)),
                rec.events());
        long ksm = PteLayout.pfn(pte(mm, a));
        assertEquals(kept, ksm, "the second page's frame is the KSM page");
        assertEquals(ksm, PteLayout.pfn(pte(mm, a + PAGE)));
        assertEquals(ksm, PteLayout.pfn(pte(mm, a + 2 * PAGE)));
        assertEquals(3, host.memory().mapcount(ksm));
        rec.clear();
        assertEquals(Errno.OK, mm.cpuWrite(a + PAGE, new byte[] {1}, 0, 1));
        assertEquals(List.of(ev(CLEAR, a + PAGE, a + 2 * PAGE)), rec.events());
        byte[] b = new byte[2];
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE, b, 0, 2));
        assertEquals(1, b[0]);
        assertEquals(0x5A, b[1]);
        assertEquals(Errno.OK, mm.cpuRead(a + 2 * PAGE, b, 0, 1));
        assertEquals(0x5A, b[0]);
    }

    /** write_protect_page raises CLEAR before it looks at the entry: a read-only, clean entry gets one too. */
    @Test
    void writeProtectPageClearsWhateverTheEntry() {
        long a = anon(2);
        assertEquals(Errno.OK, mm.cpuFill(a, 2 * PAGE, (byte) 0x33));
        makeCleanReadOnly(a, 2);
        rec.clear();
        assertEquals(1, mm.ksmMerge(a, 2 * PAGE));
        assertEquals(
                List.of(ev(CLEAR, a + PAGE, a + 2 * PAGE), ev(CLEAR, a, a + PAGE), ev(CLEAR, a, a + PAGE)),
                rec.events());
    }

    /** MADV_COLLAPSE and a PMD split each raise CLEAR over the 2 MiB. */
    @Test
    void collapseAndSplitClearTheWholePmd() {
        long a = anon(512);
        assertEquals(0, a % PMD, "2 MiB mappings are 2 MiB aligned");
        writePages(mm, a, 1, 3);
        writePages(mm, a + 100 * PAGE, 1, 4);
        assertEquals(Errno.OK, mm.collapseHuge(a));
        assertEquals(List.of(ev(CLEAR, a, a + PMD)), rec.events());
        assertTrue(PteLayout.isHuge(pte(mm, a + 7 * PAGE)));
        assertPages(mm, a, 1, 3);
        assertPages(mm, a + 100 * PAGE, 1, 4);
        rec.clear();
        assertEquals(Errno.OK, mm.splitHuge(a + 5 * PAGE));
        assertEquals(List.of(ev(CLEAR, a, a + PMD)), rec.events());
        assertFalse(PteLayout.isHuge(pte(mm, a)));
        assertPages(mm, a, 1, 3);
        assertPages(mm, a + 100 * PAGE, 1, 4);
        assertEquals(512, mm.rssPages());
    }

    /**
     * page_vma_mkclean_one: PROTECTION_PAGE over a dirty mapped page in every shared VMA that
     * covers it, whether that VMA's entry maps it or not; the next write needs no event.
     */
    @Test
    void pageVmaMkcleanOneProtectsEverySharedMapping() {
        MemoryObject f = host.newFile("data", 4 * PAGE);
        long a = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        long other = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        writePages(mm, a + PAGE, 1, 8);
        assertEquals(Errno.OK, mm.cpuRead(a + 2 * PAGE, new byte[1], 0, 1));
        assertEquals(List.of(), rec.events());
        assertEquals(Errno.OK, mm.writeback(f));
        // The second mapping (below the first: top-down) never faulted the page in; it is visited all the same.
        assertTrue(other < a);
        assertEquals(
                List.of(
                        ev(PROTECTION_PAGE, other + PAGE, other + 2 * PAGE),
                        ev(PROTECTION_PAGE, a + PAGE, a + 2 * PAGE)),
                rec.events());
        long e = pte(mm, a + PAGE);
        assertFalse(PteLayout.isWrite(e));
        assertFalse(PteLayout.isDirty(e));
        rec.clear();
        // Nothing dirty: nothing raised.
        assertEquals(Errno.OK, mm.writeback(f));
        assertEquals(List.of(), rec.events());
        // wp_page_shared: the write makes it writable again without invalidation.
        writePages(mm, a + PAGE, 1, 9);
        assertEquals(List.of(), rec.events());
        assertTrue(PteLayout.isWrite(pte(mm, a + PAGE)));
        assertEquals(1, f.dirtyPages());
    }

    /** clear_refs_write: one SOFT_DIRTY over [0, ULONG_MAX), whether or not anything changes. */
    @Test
    void clearRefsWriteRaisesSoftDirtyOverEverything() {
        long a = anon(4);
        writePages(mm, a + PAGE, 2, 1);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(List.of(ev(SOFT_DIRTY, 0, ULONG_MAX)), rec.events());
        assertEquals(rec.events(), rec.classicEvents());
        assertFalse(PteLayout.isSoftDirty(pte(mm, a + PAGE)));
        rec.clear();
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(List.of(ev(SOFT_DIRTY, 0, ULONG_MAX)), rec.events(), "nothing changes: raised all the same");
        rec.clear();
        // The next write sets soft-dirty again without invalidation (wp_page_reuse).
        writePages(mm, a + PAGE, 1, 2);
        assertTrue(PteLayout.isSoftDirty(pte(mm, a + PAGE)));
        assertEquals(List.of(), rec.events());
    }

    /**
     * __oom_reap_task_mm: a non-blockable CLEAR over [vm_start, vm_end) of each private VMA, empty
     * or not; a refusal leaves the VMA untouched (EAGAIN).
     */
    @Test
    void oomReapTaskMmClearsEachPrivateVmaNonBlockably() {
        long empty = mm.mmap(0, 2 * PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        long a = anon(4);
        writePages(mm, a, 2, 1);
        rec.refuseNonBlockable(true);
        assertEquals(Errno.EAGAIN, mm.oomReap());
        assertEquals(List.of(), rec.events());
        assertEquals(2, mm.rssPages());
        assertPages(mm, a, 2, 1);
        rec.refuseNonBlockable(false);
        assertEquals(Errno.OK, mm.oomReap());
        assertTrue(a < empty);
        assertEquals(
                List.of(
                        new Event(CLEAR, a, a + 4 * PAGE, false, null),
                        new Event(CLEAR, empty, empty + 2 * PAGE, false, null)),
                rec.events());
        assertEquals(0, mm.rssPages());
        assertEquals(2, mm.vmas().size(), "the VMAs stay");
    }

    /** exit_mmap: RELEASE, then unmap_vmas raises one UNMAP over [0, ULONG_MAX). */
    @Test
    void exitMmapReleasesThenUnmapsEverything() {
        long a = anon(4);
        writePages(mm, a + PAGE, 2, 1);
        long free = host.memory().freeFrames();
        mm.exit();
        List<Event> events = rec.events();
        assertEquals(2, events.size(), events.toString());
        assertEquals(RELEASE, events.get(0).event());
        assertEquals(ev(UNMAP, 0, ULONG_MAX), events.get(1));
        assertEquals(1, rec.releases());
        assertEquals(free + 2, host.memory().freeFrames());
    }

    /**
     * migrate_vma_collect raises MIGRATE with the owner over the whole [start, end);
     * migrate_vma_pages from the first hole it fills to end; the CPU touching a page migrates it back.
     */
    @Test
    void migrateVmaCollectAndPagesRaiseMigrateWithOwner() {
        TestDevicePagemap dev = new TestDevicePagemap(host, 16);
        long a = anon(4);
        writePages(mm, a + PAGE, 1, 6);
        // Page 1 is present; pages 0, 2, 3 are holes filled by migrate_vma_pages, from a to the end.
        assertEquals(4, dev.migrateToDevice(mm, a, a + 4 * PAGE));
        assertEquals(
                List.of(new Event(MIGRATE, a, a + 4 * PAGE, true, dev), new Event(MIGRATE, a, a + 4 * PAGE, true, dev)),
                rec.events());
        for (int i = 0; i < 4; i++) {
            assertTrue(PteLayout.isDevicePrivate(pte(mm, a + i * PAGE)), describe(pte(mm, a + i * PAGE)));
        }
        assertEquals(0, mm.rssPages());
        rec.clear();
        // The CPU reads page 1: migrate_to_ram moves it back, MIGRATE with the device's owner.
        assertPages(mm, a + PAGE, 1, 6);
        assertEquals(List.of(new Event(MIGRATE, a + PAGE, a + 2 * PAGE, true, dev)), rec.events());
        assertTrue(PteLayout.isPresent(pte(mm, a + PAGE)));
        assertEquals(3, dev.usedPages());
        assertEquals(1, dev.frees());
        // Unmapping frees the device pages.
        assertEquals(Errno.OK, mm.munmap(a, 4 * PAGE));
        assertEquals(0, dev.usedPages());
    }

    /** make_device_exclusive raises EXCLUSIVE with its owner; a CPU access restores the page with CLEAR. */
    @Test
    void deviceExclusiveThenCpuRestores() {
        Object owner = "device-0";
        long a = anon(1);
        writePages(mm, a, 1, 4);
        long pfn = mm.makeDeviceExclusive(a, owner);
        assertEquals(PteLayout.pfn(pte(mm, a)), pfn);
        assertEquals(List.of(new Event(EXCLUSIVE, a, a + PAGE, true, owner)), rec.events());
        assertTrue(PteLayout.isDeviceExclusive(pte(mm, a)));
        rec.clear();
        assertPages(mm, a, 1, 4);
        assertEquals(List.of(ev(CLEAR, a, a + PAGE)), rec.events());
        assertTrue(PteLayout.isPresent(pte(mm, a)));
        assertEquals(pfn, PteLayout.pfn(pte(mm, a)));
    }

    /**
     * The owner of a device-exclusive entry is the device that made it last: a second device's
     * make_device_exclusive restores the entry (CLEAR) and makes it its own, and a CPU access
     * leaves it nobody's. The driver asks this under its lock before mapping atomics.
     */
    @Test
    void deviceExclusiveOwnerFollowsTheLastMake() {
        Object first = "device-0";
        Object second = "device-1";
        long a = anon(1);
        writePages(mm, a, 1, 4);
        assertFalse(mm.isDeviceExclusiveFor(a, first));
        long pfn = mm.makeDeviceExclusive(a, first);
        assertTrue(mm.isDeviceExclusiveFor(a, first));
        assertFalse(mm.isDeviceExclusiveFor(a, second));
        rec.clear();
        assertEquals(pfn, mm.makeDeviceExclusive(a, second));
        assertEquals(List.of(ev(CLEAR, a, a + PAGE), new Event(EXCLUSIVE, a, a + PAGE, true, second)), rec.events());
        assertFalse(mm.isDeviceExclusiveFor(a, first));
        assertTrue(mm.isDeviceExclusiveFor(a, second));
        assertPages(mm, a, 1, 4);
        assertFalse(mm.isDeviceExclusiveFor(a, second));
    }
}
