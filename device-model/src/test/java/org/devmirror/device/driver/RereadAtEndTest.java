package org.devmirror.device.driver;

import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE;
import static org.devmirror.notifier.MmuNotifierEvent.PROTECTION_VMA;
import static org.devmirror.notifier.MmuNotifierEvent.SOFT_DIRTY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.junit.jupiter.api.Test;

/**
 * The end-of-invalidation work of the mirror's classic notifier ({@link RereadAtEnd}): the
 * re-read of the CPU PTEs after PROTECTION_VMA and PROTECTION_PAGE (the kernel-doc: the mirror
 * must read the CPU page table in {@code invalidate_range_end}) over the mappings the common
 * 4 KiB case does not cover (2 MiB device leaves, 4 KiB device entries of a THP, device-private
 * pages), the soft-dirty mark over several 2 MiB blocks, the bounded queue of requests and the
 * release of the address space. The oracle checks every device translation after each case.
 */
class RereadAtEndTest extends DeviceFixture {
    DeviceStats stats;

    /** {@code blocks} THPs, filled by the CPU and mapped by the device with one 2 MiB leaf each. */
    long deviceLeaves(int blocks) {
        int n = blocks * 512;
        long a = anonHuge(n);
        cpuInit(mm, a, n, 0);
        assertEquals(Errno.OK, mirror.write(a, n, ints(n, 1)).result());
        for (int b = 0; b < blocks; b++) {
            assertTrue(DevicePteLayout.isHuge(mirror.entry(a + b * PMD)), "block " + b);
            assertTrue(DevicePteLayout.isWrite(mirror.entry(a + b * PMD)), "block " + b);
        }
        resetStats();
        return a;
    }

    /** {@code pages} 4 KiB pages the CPU filled and the device wrote: writable device entries. */
    long deviceWritten(int pages) {
        long a = anon(pages, Prot.RW);
        cpuInit(mm, a, pages, 0);
        assertEquals(Errno.OK, mirror.write(a, pages, ints(pages, 1)).result());
        resetStats();
        return a;
    }

    /** A THP the device maps with 4 KiB entries over its first {@code pages} pages only (a smaller fault). */
    long smallEntriesOfAThp(int pages) {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        assertTrue(PteLayout.isHuge(mm.pageTable().getPmd(a)), "THP expected");
        assertEquals(Errno.OK, mirror.write(a, pages, ints(pages, 1)).result());
        assertFalse(DevicePteLayout.isHuge(mirror.entry(a)));
        assertEquals(pages, countWritable(a, pages));
        resetStats();
        return a;
    }

    /** {@code pages} pages migrated to this device's memory, which the device maps DEVICE_PRIVATE. */
    long devicePrivatePages(int pages) {
        long a = anon(pages, Prot.RW);
        cpuInit(mm, a, pages, 0);
        assertEquals(new DeviceCommand(Errno.OK, pages, 0), mirror.migrateToDevice(a, pages));
        for (int i = 0; i < pages; i++) {
            assertTrue(DevicePteLayout.isDevicePrivate(mirror.entry(a + i * PAGE)), "page " + i);
        }
        resetStats();
        return a;
    }

    void resetStats() {
        stats = mirror.stats();
        stats.reset();
    }

    int countWritable(long a, int pages) {
        int n = 0;
        for (int i = 0; i < pages; i++) {
            n += DevicePteLayout.isWrite(mirror.entry(a + i * PAGE)) ? 1 : 0;
        }
        return n;
    }

    int countMapped(long a, int pages) {
        int n = 0;
        for (int i = 0; i < pages; i++) {
            n += mirror.entry(a + i * PAGE) != 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * A PROTECTION_PAGE over {@code [a, a + pages)} that changes no CPU PTE, as page_mkclean raises
     * it without the mmap lock: the start downgrades, the end re-reads.
     */
    MmuNotifierRange protectionPageStart(long a, int pages) {
        MmuNotifierRange r = new MmuNotifierRange()
                .init(mm, PROTECTION_PAGE, MmuNotifierRange.FLAG_BLOCKABLE, a, a + pages * PAGE, null);
        assertTrue(mm.notifiers().invalidateRangeStart(r));
        assertEquals(0, countWritable(a, pages));
        return r;
    }

    /** {@link #protectionPageStart} and its end. */
    void protectionPage(long a, int pages) {
        mm.notifiers().invalidateRangeEnd(protectionPageStart(a, pages));
    }

    /** After {@code event}: every page still mapped, writable or not as said, nothing zapped, the oracle clean. */
    void assertKept(long a, int pages, MmuNotifierEvent event, boolean writable) {
        assertEquals(0, stats.ptesZapped(event));
        assertEquals(pages, countMapped(a, pages));
        assertEquals(writable ? pages : 0, countWritable(a, pages));
        assertOracle(mirror);
    }

    /** After {@code event}: every page zapped and counted, the oracle clean. */
    void assertZapped(long a, int pages, MmuNotifierEvent event) {
        assertEquals(pages, stats.ptesZapped(event));
        assertEquals(0, countMapped(a, pages));
        assertOracle(mirror);
    }

    /** Asserts the entry at {@code va} is a 2 MiB leaf, device-private or not, writable or not, as said. */
    void assertLeaf(long va, boolean devicePrivate, boolean writable) {
        long e = mirror.entry(va);
        assertTrue(DevicePteLayout.isHuge(e), DevicePteLayout.describe(e));
        assertEquals(devicePrivate, DevicePteLayout.isDevicePrivate(e), DevicePteLayout.describe(e));
        assertEquals(writable, DevicePteLayout.isWrite(e), DevicePteLayout.describe(e));
    }

    // ---- 2 MiB device leaves

    /**
     * mprotect(PROT_READ) over two THPs the device maps with one leaf each: both leaves stay,
     * read-only, re-read whole (1024 pages counted), nothing zapped; the device reads on without a
     * fault.
     */
    @Test
    void readOnlyMprotectKeepsHugeLeavesOfEveryBlock() {
        long a = deviceLeaves(2);
        assertEquals(Errno.OK, mm.mprotect(a, 2 * PMD, Prot.READ));
        assertEquals(1024, stats.ptesReread(PROTECTION_VMA));
        assertKept(a, 1024, PROTECTION_VMA, false);
        assertLeaf(a, false, false);
        assertLeaf(a + PMD, false, false);
        assertEquals(0, mirror.read(a, 1024, new byte[1024 * (int) PAGE]).faults());
    }

    /** mprotect(PROT_NONE) over a THP the device maps with one leaf zaps the leaf (512 PTEs) at the end. */
    @Test
    void protNoneMprotectZapsAHugeLeaf() {
        long a = deviceLeaves(1);
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.NONE));
        assertEquals(512, stats.ptesReread(PROTECTION_VMA));
        assertZapped(a, 512, PROTECTION_VMA);
        assertEquals(0, mirror.pageTable().populated());
    }

    /** A PROTECTION_PAGE that leaves the THP writable gives the downgraded leaf WRITE back at the end, as a leaf. */
    @Test
    void protectionPageGivesAHugeLeafWriteBack() {
        long a = deviceLeaves(1);
        protectionPage(a, 512);
        assertLeaf(a, false, true);
        assertKept(a, 512, PROTECTION_PAGE, true);
        assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.write(a, 512, ints(512, 2)));
    }

    // ---- 4 KiB device entries of a THP (each decided against the PMD)

    /** mprotect(PROT_READ) of a THP keeps the device's 4 KiB entries of it, read-only, each naming its subpage. */
    @Test
    void readOnlyMprotectKeepsSmallEntriesOfAThp() {
        long a = smallEntriesOfAThp(16);
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertEquals(16, stats.ptesReread(PROTECTION_VMA));
        assertKept(a, 16, PROTECTION_VMA, false);
        assertEquals(0, mirror.read(a, 16, new byte[16 * (int) PAGE]).faults());
    }

    /** A PROTECTION_PAGE that leaves the THP writable gives the device's 4 KiB entries of it WRITE back. */
    @Test
    void protectionPageGivesSmallEntriesOfAThpWriteBack() {
        long a = smallEntriesOfAThp(16);
        protectionPage(a, 16);
        assertEquals(16, stats.ptesReread(PROTECTION_PAGE));
        assertKept(a, 16, PROTECTION_PAGE, true);
    }

    // ---- device-private pages: the CPU entry keeps the page, only the VMA tells

    /** mprotect(PROT_NONE) over pages in device memory zaps the device's entries: the VMA denies reading. */
    @Test
    void protNoneMprotectZapsDevicePrivateEntries() {
        long a = devicePrivatePages(16);
        assertEquals(Errno.OK, mm.mprotect(a, 16 * PAGE, Prot.NONE));
        assertZapped(a, 16, PROTECTION_VMA);
    }

    /** mprotect(PROT_READ) over pages in device memory keeps the device's entries, read-only. */
    @Test
    void readOnlyMprotectKeepsDevicePrivateEntries() {
        long a = devicePrivatePages(16);
        assertEquals(Errno.OK, mm.mprotect(a, 16 * PAGE, Prot.READ));
        assertKept(a, 16, PROTECTION_VMA, false);
        assertTrue(DevicePteLayout.isDevicePrivate(mirror.entry(a)));
    }

    /**
     * A PROTECTION_PAGE raised without the mmap lock (page_mkclean) cannot have changed a VMA: the
     * device keeps its device-private entries and gets WRITE back.
     */
    @Test
    void protectionPageWithoutTheMmapLockKeepsDevicePrivateEntries() {
        long a = devicePrivatePages(16);
        assertFalse(mm.isMmapLocked());
        protectionPage(a, 16);
        assertKept(a, 16, PROTECTION_PAGE, true);
        assertTrue(DevicePteLayout.isDevicePrivate(mirror.entry(a)));
    }

    /** mprotect(PROT_NONE) over a THP in device memory zaps the device's 2 MiB device-private leaf. */
    @Test
    void protNoneMprotectZapsADevicePrivateLeaf() {
        long a = devicePrivateLeaf();
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.NONE));
        assertZapped(a, 512, PROTECTION_VMA);
    }

    /** mprotect(PROT_READ) over a THP in device memory keeps the device's 2 MiB device-private leaf, read-only. */
    @Test
    void readOnlyMprotectKeepsADevicePrivateLeaf() {
        long a = devicePrivateLeaf();
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertLeaf(a, true, false);
        assertKept(a, 512, PROTECTION_VMA, false);
    }

    long devicePrivateLeaf() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.migrateToDevice(a, 512));
        assertLeaf(a, true, true);
        resetStats();
        return a;
    }

    /**
     * The end callback that carried out a re-read gives the driver lock back: the device's fault
     * path, which takes it to commit, is not shut out once the host operation has returned.
     */
    @Test
    void theEndCallbackReleasesTheDriverLock() {
        long a = deviceWritten(16);
        assertEquals(Errno.OK, mm.mprotect(a, 16 * PAGE, Prot.READ));
        assertEquals(16, stats.ptesReread(PROTECTION_VMA));
        assertFalse(mirror.lock().isLocked());
    }

    // ---- 4 KiB system pages: a device entry the CPU does not back

    /**
     * A device entry naming a frame the CPU PTE does not map (a stale translation, installed here
     * between start and end, alone in its block) is zapped by the re-read, not given WRITE back.
     */
    @Test
    void rereadZapsAnEntryNamingAnotherFrame() {
        long a = deviceWritten(1);
        MmuNotifierRange r = protectionPageStart(a, 1);
        long cpuPfn = PteLayout.pfn(mm.pageTable().get(a));
        long other = ~cpuPfn & 0xFFFFF; // no PFN bit in common with the CPU's frame
        mirror.lock().lock();
        try {
            mirror.pageTable().set(a, DevicePteLayout.systemPage(other == 0 ? 0x100000 : other, false));
        } finally {
            mirror.lock().unlock();
        }
        mm.notifiers().invalidateRangeEnd(r);
        assertZapped(a, 1, PROTECTION_PAGE);
    }

    // ---- soft-dirty over several blocks

    /** clear_refs over 4 MiB the device can write: every page of every 2 MiB block reads soft-dirty at the end. */
    @Test
    void softDirtyMarksEveryBlockTheDeviceCanWrite() {
        int n = 1024;
        long a = deviceWritten(n);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(n, stats.ptesReread(SOFT_DIRTY));
        assertEquals(n, cpuSoftDirty(a, n));
        assertOracle(mirror);
    }

    /**
     * Pages of the device's own memory are marked soft-dirty by clear_refs even where the device
     * maps nothing now (mprotect(PROT_NONE) and back made it let go; the CPU entries still name
     * them): its next fault maps them again without a CPU fault.
     */
    @Test
    void softDirtyMarksDeviceMemoryTheDeviceNoLongerMaps() {
        int n = 16;
        long a = devicePrivatePages(n);
        assertEquals(Errno.OK, mm.mprotect(a, n * PAGE, Prot.NONE));
        assertEquals(Errno.OK, mm.mprotect(a, n * PAGE, Prot.RW));
        assertEquals(0, countMapped(a, n));
        assertTrue(PteLayout.isDevicePrivate(mm.pageTable().get(a)));
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(n, cpuSoftDirty(a, n));
        assertOracle(mirror);
    }

    /**
     * A shared file page the device wrote after clear_refs, then emptied by the host, comes back
     * clean on the next CPU fault, as in the kernel (the zap took its soft-dirty bit): the end
     * callback of the blockable CLEAR (MADV_DONTNEED) or UNMAP (munmap, then the file mapped
     * again) forgets the device's write, so the oracle reports no lost write.
     */
    @Test
    void pagesTheHostEmptiedOweNoSoftDirty() {
        int n = 4;
        MemoryObject file = host.newFile("shared", n * PAGE);
        long a = map(n, Prot.RW, MapFlags.SHARED, file);
        cpuInit(mm, a, n, 0);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(Errno.OK, mirror.write(a, n, ints(n, 1)).result());
        assertOracle(mirror);
        // Step 1: MADV_DONTNEED (CLEAR); the CPU reads the pages back from the page cache, clean.
        assertEquals(Errno.OK, mm.madvise(a, n * PAGE, Advice.DONTNEED));
        assertCpuInts(mm, a, n, 1);
        assertEquals(0, cpuSoftDirty(a, n));
        assertOracle(mirror);
        // Step 2: the device writes again; munmap (UNMAP), the file mapped at the same place again.
        assertEquals(Errno.OK, mirror.write(a, n, ints(n, 2)).result());
        assertEquals(Errno.OK, mm.munmap(a, n * PAGE));
        assertEquals(a, mm.mmap(a, n * PAGE, Prot.RW, MapFlags.SHARED | MapFlags.FIXED, file, 0));
        assertCpuInts(mm, a, n, 2);
        assertEquals(0, cpuSoftDirty(a, n));
        assertOracle(mirror);
    }

    long map(int pages, int prot, int flags, MemoryObject file) {
        long a = mm.mmap(0, pages * PAGE, prot, flags, file, 0);
        assertEquals(Errno.OK, Errno.fromReturn(a));
        return a;
    }

    // ---- the queue of end requests

    /**
     * A driver's own policy that, on PROTECTION_PAGE, downgrades, asks for a soft-dirty mark and
     * then twice for a re-read of the same pages (once per tracked range it would have met);
     * every other event as the event-aware policy.
     */
    static final class MarkThenRereadPolicy implements InvalidationPolicy {
        @Override
        public String name() {
            return "mark-then-reread";
        }

        @Override
        public void invalidate(
                MirrorActions mirror, TrackedRange tracked, MmuNotifierRange range, long start, long end) {
            if (range.event() != PROTECTION_PAGE) {
                EventAwarePolicy.INSTANCE.invalidate(mirror, tracked, range, start, end);
                return;
            }
            mirror.downgrade(start, end);
            mirror.flushBatched();
            mirror.softDirtyAtEnd(start, end);
            mirror.rereadAtEnd(start, end);
            mirror.rereadAtEnd(start, end);
        }
    }

    /**
     * Requests of one kind for one range merge (the two re-reads are carried out once), requests
     * of different kinds stay apart (the mark is carried out too): the end gives WRITE back to
     * every page and counts each entry once for the re-read and once for the mark.
     */
    @Test
    void rereadRequestsMergeAndAMarkRequestStaysApart() {
        mirror.close();
        mirror = dev0.open(mm, MirrorOptions.forPolicy(new MarkThenRereadPolicy()));
        int n = 16;
        long a = deviceWritten(n);
        protectionPage(a, n);
        assertEquals(2L * n, stats.ptesReread(PROTECTION_PAGE));
        assertKept(a, n, PROTECTION_PAGE, true);
    }

    /**
     * The queue holds 64 requests. With 64 other invalidations of this thread still waiting for
     * their end, a re-read cannot be queued and the policy falls back to zapping (always safe):
     * the device refaults. Once those invalidations end, requests are queued again.
     */
    @Test
    @SuppressWarnings("EnumOrdinal") // the queue takes the event as the ordinal its counters are indexed by
    void aFullQueueFallsBackToZappingUntilItDrains() {
        int n = 16;
        long a = deviceWritten(n);
        RereadAtEnd reread = mirror.driver().reread();
        int ev = PROTECTION_PAGE.ordinal();
        long far = 1L << 40; // nothing is mapped there
        MmuNotifierRange[] inFlight = new MmuNotifierRange[64];
        mirror.lock().lock();
        try {
            for (int i = 0; i < inFlight.length; i++) {
                long s = far + i * PMD;
                inFlight[i] = new MmuNotifierRange()
                        .init(mm, PROTECTION_PAGE, MmuNotifierRange.FLAG_BLOCKABLE, s, s + PMD, null);
                assertTrue(reread.queue(RereadAtEnd.REREAD, ev, s, s + PMD, s, s + PAGE), "request " + i);
            }
            assertFalse(reread.queue(RereadAtEnd.REREAD, ev, far - PMD, far, far - PAGE, far));
        } finally {
            mirror.lock().unlock();
        }
        // Step 1: mprotect(PROT_READ) cannot queue its re-read: every device PTE is zapped.
        assertEquals(Errno.OK, mm.mprotect(a, n * PAGE, Prot.READ));
        assertEquals(n, stats.ptesZapped(PROTECTION_VMA));
        assertEquals(0, stats.ptesReread(PROTECTION_VMA));
        assertEquals(0, countMapped(a, n));
        assertOracle(mirror);
        assertEquals(1, mirror.read(a, n, new byte[n * (int) PAGE]).faults());
        // Step 2: the 64 invalidations end; the next mprotect is re-read, nothing zapped.
        for (MmuNotifierRange r : inFlight) {
            reread.invalidateRangeEnd(r);
        }
        resetStats();
        assertEquals(Errno.OK, mm.mprotect(a, n * PAGE, Prot.RW));
        assertEquals(n, stats.ptesReread(PROTECTION_VMA));
        assertEquals(0, stats.ptesZapped(PROTECTION_VMA));
        assertEquals(n, countMapped(a, n));
        assertOracle(mirror);
    }

    // ---- the release of the address space

    /** The address space's release reaches a mirror that tracks nothing yet: it is released, and a fault fails. */
    @Test
    void releaseMarksAMirrorThatTracksNothing() {
        long a = anon(1, Prot.RW);
        assertFalse(mirror.driver().isReleased());
        mm.exit();
        assertTrue(mirror.driver().isReleased());
        assertEquals(Errno.EFAULT, mirror.fault(a, 1, false));
    }
}
