package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.DEVICE_PFN_BASE;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.pagetable.DevicePageTable;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.pagetable.OffHeapDevicePageTable;
import org.devmirror.device.tlb.DeviceTlb;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.notifier.UserLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FaultCommit}, {@code dmirror_do_fault()}, on its own: which device PTEs a commit of a
 * {@code hmm_range_fault} output writes, what it returns, when it refuses a write fault with
 * -EFAULT and when it flushes the TLB. The output words are built by hand as
 * {@code hmm_range_fault} reports them (VALID, WRITE, the map order, the PFN).
 */
class FaultCommitTest {
    /** This device's memory: device-private PFNs from DEVICE_PFN_BASE; above OWN_END another device's. */
    static final long OWN_END = DEVICE_PFN_BASE + 1024;

    final UserLock lock = new UserLock("fault commit test driver lock");
    final DevicePageTable pt = new OffHeapDevicePageTable(lock);
    final DeviceTlb tlb = new DeviceTlb(
            MirrorOptions.defaults().tlbSets(), MirrorOptions.defaults().tlbWays());
    final FaultCommit commit = new FaultCommit(pt, tlb, pfn -> pfn >= DEVICE_PFN_BASE && pfn < OWN_END);

    @BeforeEach
    void takeDriverLock() {
        lock.lock(); // dmirror_do_fault runs under the driver lock; the table checks it
    }

    @AfterEach
    void release() {
        pt.close();
        lock.unlock();
    }

    /** An {@code hmm_range_fault} output word for a 4 KiB mapping of {@code pfn}. */
    static long word(long pfn, boolean write) {
        return HmmPfn.VALID | (write ? HmmPfn.WRITE : 0) | pfn;
    }

    /** {@code n} consecutive 4 KiB output words from {@code firstPfn}. */
    static long[] words(long firstPfn, int n, boolean write) {
        long[] w = new long[n];
        for (int i = 0; i < n; i++) {
            w[i] = word(firstPfn + i, write);
        }
        return w;
    }

    /** The 512 output words of a PMD mapping of the aligned frame {@code firstPfn} (map order 9). */
    static long[] hugeWords(long firstPfn, boolean write) {
        long[] w = words(firstPfn, HUGE_PAGES, write);
        for (int i = 0; i < HUGE_PAGES; i++) {
            w[i] |= HmmPfn.order(9);
        }
        return w;
    }

    /**
     * A write fault across a 2 MiB boundary whose last page came back read-only fails with
     * -EFAULT before anything is written: the first block, which is writable, is not mapped
     * either, and nothing is flushed. The range starts in the first 2 MiB of the address space
     * (as a mapping at a low address does).
     */
    @Test
    void writeFaultAcrossBlocksWithOneReadOnlyPageWritesNothing() {
        long start = HUGE_SIZE - 4 * PAGE_SIZE;
        long[] pfns = words(100, 8, true);
        pfns[7] = word(107, false);
        assertEquals(FaultCommit.NOT_WRITABLE, commit.commit(start, start + 8 * PAGE_SIZE, pfns, true));
        assertEquals(0, pt.populated());
        assertEquals(0, tlb.flushes());
    }

    /** A write fault across a 2 MiB boundary over writable pages maps every page, in both blocks, with one flush. */
    @Test
    void writeFaultAcrossBlocksMapsEveryPage() {
        long start = 3 * HUGE_SIZE - 4 * PAGE_SIZE;
        long[] pfns = words(100, 8, true); // exactly the range: a word past it would be read out of bounds
        assertEquals(8, commit.commit(start, start + 8 * PAGE_SIZE, pfns, true));
        for (int i = 0; i < 8; i++) {
            assertEquals(DevicePteLayout.systemPage(100 + i, true), pt.get(start + i * PAGE_SIZE), "page " + i);
        }
        assertEquals(8, pt.populated());
        assertEquals(1, tlb.flushes());
    }

    /**
     * A PMD mapping wholly inside the range becomes one 2 MiB device leaf, counted as 512 PTEs
     * written; committing the same output again writes nothing and flushes nothing.
     */
    @Test
    void hugeMappingBecomesOneLeafWrittenOnce() {
        long start = 2 * HUGE_SIZE;
        long[] pfns = hugeWords(3 * HUGE_PAGES, true);
        assertEquals(HUGE_PAGES, commit.commit(start, start + HUGE_SIZE, pfns, true));
        assertEquals(DevicePteLayout.huge(DevicePteLayout.systemPage(3 * HUGE_PAGES, true)), pt.get(start));
        assertEquals(1, tlb.flushes());
        // Step 2: a refault of the same mapping is the steady state: nothing written, no flush.
        assertEquals(0, commit.commit(start, start + HUGE_SIZE, pfns, true));
        assertEquals(1, tlb.flushes());
    }

    /**
     * A commit over two blocks reads the second block's words from past index 0: committed again
     * unchanged it writes nothing, and one page changed in the second block is the one entry
     * written. The blocks' unchanged test has a loop for each case.
     */
    @Test
    void secondBlockOfACommitIsComparedFromItsOffset() {
        long block = 6 * HUGE_SIZE;
        long start = block - 100 * PAGE_SIZE;
        long end = block + 200 * PAGE_SIZE;
        long[] pfns = new long[300];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = word(20_000 + i, true);
        }
        assertEquals(300, commit.commit(start, end, pfns, true));
        assertEquals(0, commit.commit(start, end, pfns, true), "unchanged: nothing written");
        pfns[100 + 7] = word(90_000, true);
        assertEquals(1, commit.commit(start, end, pfns, true));
        assertEquals(DevicePteLayout.systemPage(90_000, true), pt.get(block + 7 * PAGE_SIZE));
        assertEquals(DevicePteLayout.systemPage(20_000 + 108, true), pt.get(block + 8 * PAGE_SIZE));
    }

    /**
     * A PMD mapping that the range covers only in part (300 of its 512 pages, after 256 pages of
     * the block before) is mapped with 4 KiB entries: a device leaf would map pages the fault did
     * not ask for.
     */
    @Test
    void hugeMappingOnlyPartlyInsideTheRangeGetsSmallEntries() {
        long block = 4 * HUGE_SIZE;
        long start = block - 256 * PAGE_SIZE;
        long[] pfns = new long[256 + 300];
        for (int i = 0; i < 256; i++) {
            pfns[i] = word(10_000 + i, false);
        }
        for (int i = 0; i < 300; i++) {
            pfns[256 + i] = word(5 * HUGE_PAGES + i, false) | HmmPfn.order(9);
        }
        assertEquals(556, commit.commit(start, block + 300 * PAGE_SIZE, pfns, false));
        assertFalse(DevicePteLayout.isHuge(pt.get(block)));
        assertEquals(DevicePteLayout.systemPage(5 * HUGE_PAGES + 299, false), pt.get(block + 299 * PAGE_SIZE));
        assertEquals(0, pt.get(block + 300 * PAGE_SIZE));
        assertEquals(556, pt.populated());
    }

    /**
     * A write fault over read-only pages the device already maps read-only is refused (-EFAULT),
     * not taken as "nothing to change": the device must not go on as if it could write.
     */
    @Test
    void writeFaultOverMappedReadOnlyPagesIsRefused() {
        long start = 8 * HUGE_SIZE;
        assertEquals(4, commit.commit(start, start + 4 * PAGE_SIZE, words(200, 4, false), false));
        assertEquals(FaultCommit.NOT_WRITABLE, commit.commit(start, start + 4 * PAGE_SIZE, words(200, 4, false), true));
        for (int i = 0; i < 4; i++) {
            assertEquals(DevicePteLayout.systemPage(200 + i, false), pt.get(start + i * PAGE_SIZE));
        }
    }

    /** A refault after the CPU page changed (frame 0 then frame 5) replaces the device entry. */
    @Test
    void refaultReplacesAnEntryNamingAnotherFrame() {
        long va = 9 * HUGE_SIZE;
        pt.set(va, DevicePteLayout.systemPage(0, true));
        assertEquals(1, commit.commit(va, va + PAGE_SIZE, new long[] {word(5, true)}, true));
        assertEquals(DevicePteLayout.systemPage(5, true), pt.get(va));
        assertEquals(1, tlb.flushes());
    }

    /**
     * An exclusive-access (ATOMIC) entry is not what {@code hmm_range_fault} reports for the
     * page: a commit over it installs the plain writable entry, so the device no longer claims
     * exclusive access the CPU page table does not give it.
     */
    @Test
    void commitOverAnExclusiveEntryInstallsThePlainEntry() {
        long va = 10 * HUGE_SIZE;
        pt.set(va, DevicePteLayout.exclusivePage(42));
        assertEquals(1, commit.commit(va, va + PAGE_SIZE, new long[] {word(42, true)}, true));
        assertEquals(DevicePteLayout.systemPage(42, true), pt.get(va));
    }

    /**
     * Device-private pages become DEVICE_PRIVATE entries: local for this device's memory (its
     * very first page included), REMOTE for another device's. Only a writable local one counts as
     * "mapped own writable" (the pages the driver must mark soft-dirty itself).
     */
    @Test
    void devicePrivatePagesAreLocalOrRemoteByOwner() {
        long va = 11 * HUGE_SIZE;
        long foreign = OWN_END + 7;
        assertEquals(
                2,
                commit.commit(
                        va, va + 2 * PAGE_SIZE, new long[] {word(DEVICE_PFN_BASE, true), word(foreign, true)}, true));
        assertEquals(DevicePteLayout.devicePrivatePage(DEVICE_PFN_BASE, true, false), pt.get(va));
        assertEquals(DevicePteLayout.devicePrivatePage(foreign, true, true), pt.get(va + PAGE_SIZE));
        assertTrue(commit.mappedOwnWritable());
        // Another device's page alone is not this device's memory.
        long next = 12 * HUGE_SIZE;
        assertEquals(1, commit.commit(next, next + PAGE_SIZE, new long[] {word(foreign, true)}, true));
        assertFalse(commit.mappedOwnWritable());
    }

    /**
     * A commit of 4 KiB pages inside a 2 MiB device leaf splits it: the pages the output has no
     * VALID word for keep the leaf's subpage (its frame plus their index), the others get what was
     * reported.
     */
    @Test
    void smallCommitInsideALeafKeepsTheUnreportedSubpages() {
        long block = 13 * HUGE_SIZE;
        long leafPfn = 7 * HUGE_PAGES;
        pt.setHuge(block, DevicePteLayout.huge(DevicePteLayout.systemPage(leafPfn, true)));
        long va = block + 8 * PAGE_SIZE;
        long[] pfns = {word(9000, true), 0, word(9002, true), word(9003, true)};
        assertEquals(3, commit.commit(va, va + 4 * PAGE_SIZE, pfns, false));
        assertEquals(DevicePteLayout.systemPage(9000, true), pt.get(va));
        assertEquals(DevicePteLayout.systemPage(leafPfn + 9, true), pt.get(va + PAGE_SIZE));
        assertEquals(DevicePteLayout.systemPage(9003, true), pt.get(va + 3 * PAGE_SIZE));
        assertEquals(1, tlb.flushes());
    }

    /** A 2 MiB leaf of the device's own memory mapped writable is "mapped own writable". */
    @Test
    void ownDevicePrivateLeafMappedWritableIsOwnWritable() {
        long start = 14 * HUGE_SIZE;
        assertEquals(HUGE_PAGES, commit.commit(start, start + HUGE_SIZE, hugeWords(DEVICE_PFN_BASE, true), true));
        assertEquals(
                DevicePteLayout.huge(DevicePteLayout.devicePrivatePage(DEVICE_PFN_BASE, true, false)), pt.get(start));
        assertTrue(commit.mappedOwnWritable());
    }
}
