package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/** Page contents survive fork, swap, compaction, KSM, THP collapse and split, and migration. */
class DataIntegrityTest extends HostFixture {

    /** After fork each side writes its own copy; neither sees the other's writes (anon_write_child). */
    @Test
    void forkIsCopyOnWrite() {
        long a = anon(8);
        writePages(mm, a, 8, 10);
        AddressSpace child = mm.fork();
        writePages(child, a, 4, 50);
        writePages(mm, a + 4 * PAGE, 4, 90);
        assertPages(mm, a, 4, 10);
        assertPages(mm, a + 4 * PAGE, 4, 90);
        assertPages(child, a, 4, 50);
        assertPages(child, a + 4 * PAGE, 4, 14);
        child.exit();
        assertPages(mm, a, 4, 10);
    }

    /** A MAP_SHARED mapping stays shared across fork (anon_write_child_shared). */
    @Test
    void sharedMappingIsSharedAfterFork() {
        long a = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        writePages(mm, a, 2, 1);
        AddressSpace child = mm.fork();
        writePages(child, a, 2, 70);
        assertPages(mm, a, 2, 70);
        child.exit();
    }

    /** A private file mapping reads the file and copies on write; the file is unchanged. */
    @Test
    void privateFileMappingCopiesOnWrite() {
        MemoryObject f = host.newFile("f", 2 * PAGE);
        assertEquals(Errno.OK, f.pwrite(PAGE, new byte[] {33}, 0, 1));
        long a = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.PRIVATE, f, 0);
        assertPages(mm, a + PAGE, 1, 33);
        writePages(mm, a + PAGE, 1, 44);
        byte[] b = new byte[1];
        f.pread(PAGE, b, 0, 1);
        assertEquals(33, b[0]);
        // A shared mapping writes through to the file.
        long s = mm.mmap(0, 2 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
        writePages(mm, s, 1, 55);
        f.pread(0, b, 0, 1);
        assertEquals(55, b[0]);
    }

    /** Swap-out and swap-in preserve contents, also for pages shared with a fork child. */
    @Test
    void swapRoundTrip() {
        long a = anon(16);
        for (int i = 0; i < 16; i++) {
            assertEquals(Errno.OK, mm.cpuFill(a + i * PAGE, PAGE, (byte) (i * 3)));
        }
        AddressSpace child = mm.fork();
        assertEquals(16, mm.reclaim(a, 16 * PAGE));
        assertEquals(0, mm.rssPages());
        assertEquals(16, host.swap().usedSlots());
        byte[] page = new byte[(int) PAGE];
        for (int i = 0; i < 16; i++) {
            assertEquals(Errno.OK, child.cpuRead(a + i * PAGE, page, 0, page.length));
            for (byte x : page) {
                assertEquals((byte) (i * 3), x);
            }
            assertEquals(Errno.OK, mm.cpuRead(a + i * PAGE + 100, page, 0, 1));
            assertEquals((byte) (i * 3), page[0]);
        }
        child.exit();
        assertEquals(0, host.swap().usedSlots());
    }

    /** Compaction of a page shared after fork moves it for both; KSM pages keep their contents. */
    @Test
    void compactionAndKsmPreserveContents() {
        long a = anon(4);
        writePages(mm, a, 4, 1);
        AddressSpace child = mm.fork();
        assertEquals(4, mm.compact(a, 4 * PAGE));
        assertEquals(PteLayout.pfn(pte(mm, a)), PteLayout.pfn(pte(child, a)));
        assertPages(child, a, 4, 1);
        child.exit();
        long b = anon(4);
        assertEquals(Errno.OK, mm.cpuFill(b, 4 * PAGE, (byte) 9));
        assertEquals(3, mm.ksmMerge(b, 4 * PAGE));
        assertEquals(1, mm.compact(b, PAGE), "the KSM page moves once for all four mappings");
        long ksm = PteLayout.pfn(pte(mm, b));
        for (int i = 1; i < 4; i++) {
            assertEquals(ksm, PteLayout.pfn(pte(mm, b + i * PAGE)));
        }
        byte[] x = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(b + 3 * PAGE + 7, x, 0, 1));
        assertEquals(9, x[0]);
    }

    /** A THP shared with a fork child splits into a private copy on write; both keep their data. */
    @Test
    void hugePageCowAfterFork() {
        long a = mm.mmap(0, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        writePages(mm, a, 512, 0);
        assertTrue(PteLayout.isHuge(pte(mm, a)));
        AddressSpace child = mm.fork();
        assertTrue(PteLayout.isHuge(pte(child, a)));
        writePages(child, a + 3 * PAGE, 1, 77);
        assertFalse(PteLayout.isHuge(pte(child, a)));
        assertTrue(PteLayout.isHuge(pte(mm, a)));
        assertPages(mm, a, 512, 0);
        assertPages(child, a + 3 * PAGE, 1, 77);
        assertPages(child, a + 4 * PAGE, 1, 4);
        child.exit();
        // The parent is the only user again: a write reuses the huge page in place.
        writePages(mm, a, 1, 5);
        assertTrue(PteLayout.isHuge(pte(mm, a)));
    }

    /** Migration to the device and back preserves contents; fork shares the device page read-only. */
    @Test
    void migrationRoundTripAndFork() {
        TestDevicePagemap dev = new TestDevicePagemap(host, 8);
        long a = anon(2);
        writePages(mm, a, 2, 20);
        assertEquals(2, dev.migrateToDevice(mm, a, a + 2 * PAGE));
        AddressSpace child = mm.fork();
        assertTrue(PteLayout.isDevicePrivate(pte(child, a)));
        assertFalse(PteLayout.isWrite(pte(mm, a)));
        assertEquals(2, host.devicePageMapcount(PteLayout.pfn(pte(mm, a))));
        assertPages(child, a, 2, 20);
        assertPages(mm, a, 2, 20);
        child.exit();
        assertEquals(0, dev.usedPages());
    }

    /** A device-exclusive page survives fork: both sides see their own writes (exclusive_cow). */
    @Test
    void exclusiveThenFork() {
        long a = anon(1);
        writePages(mm, a, 1, 1);
        assertTrue(mm.makeDeviceExclusive(a, null) > 0);
        AddressSpace child = mm.fork();
        writePages(mm, a, 1, 2);
        writePages(child, a, 1, 3);
        assertPages(mm, a, 1, 2);
        assertPages(child, a, 1, 3);
        child.exit();
    }

    /** Out of frames: the fault returns ENOMEM and changes nothing; a later fault succeeds. */
    @Test
    void outOfFramesIsEnomemWithNothingHalfDone() {
        long a = anon(2);
        writePages(mm, a, 1, 1);
        AddressSpace child = mm.fork();
        List<Vma> layout = mm.vmas();
        long e = pte(mm, a);
        host.memory().failNextAllocations(1);
        assertEquals(Errno.ENOMEM, mm.cpuWrite(a, new byte[] {9}, 0, 1));
        assertEquals(e, pte(mm, a));
        assertEquals(layout.size(), mm.vmas().size());
        assertPages(mm, a, 1, 1);
        host.memory().failNextAllocations(1);
        assertEquals(Errno.ENOMEM, mm.cpuFault(a + PAGE, true));
        assertEquals(0, pte(mm, a + PAGE));
        assertEquals(Errno.OK, mm.cpuWrite(a, new byte[] {9}, 0, 1));
        assertPages(child, a, 1, 1);
        child.exit();
        // A collapse without a huge page: ENOMEM, the small pages and the data stay, no event.
        long h = mm.mmap(0, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        writePages(mm, h + 9 * PAGE, 1, 6);
        rec.clear();
        host.memory().failNextAllocations(1);
        assertEquals(Errno.ENOMEM, mm.collapseHuge(h));
        assertFalse(PteLayout.isHuge(pte(mm, h + 9 * PAGE)));
        assertEquals(List.of(), rec.events());
        assertPages(mm, h + 9 * PAGE, 1, 6);
    }

    /** Exit frees every frame and swap slot the address space held. */
    @Test
    void exitFreesEverything() {
        long free = host.memory().freeFrames();
        long a = anon(8);
        writePages(mm, a, 8, 1);
        assertEquals(4, mm.reclaim(a, 4 * PAGE));
        mm.exit();
        assertEquals(free, host.memory().freeFrames());
        assertEquals(0, host.swap().usedSlots());
    }
}
