package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The {@link DevicePageTable} contract: every implementation passes these through a thin subclass.
 */
abstract class DevicePageTableContract {
    static final long GIB = 1L << 30;
    /** A 2 MiB-aligned address well inside the user range. */
    static final long BASE = 5 * GIB;

    DevicePageTable table;

    /** A new, empty table; with a lock, writers must hold it. */
    abstract DevicePageTable newTable(ReentrantLock driverLock);

    @BeforeEach
    void open() {
        table = newTable(null);
    }

    @AfterEach
    void close() {
        table.close();
    }

    static long sys(long pfn) {
        return DevicePteLayout.systemPage(pfn, true);
    }

    static long hugeSys(long pfn) {
        return DevicePteLayout.huge(DevicePteLayout.systemPage(pfn, true));
    }

    static long page(long n) {
        return BASE + n * PAGE_SIZE;
    }

    @Test
    void emptyTableTranslatesNothing() {
        assertEquals(0, table.get(0));
        assertEquals(0, table.get(VA_LIMIT - 1));
        assertEquals(0, table.populated());
        assertEquals(VA_LIMIT, table.nextPopulated(0, VA_LIMIT));
    }

    @Test
    void setThenGetReturnsTheEntry() {
        long device = DevicePteLayout.devicePrivatePage(DevicePteLayout.DEVICE_PFN_BASE + 7, false, true);
        table.set(page(0), sys(100));
        table.set(page(1), device);
        table.set(VA_LIMIT - PAGE_SIZE, sys(3));
        assertEquals(sys(100), table.get(page(0)));
        assertEquals(device, table.get(page(1)));
        assertEquals(sys(3), table.get(VA_LIMIT - PAGE_SIZE));
        assertEquals(0, table.get(page(2)));
        assertEquals(3, table.populated());
    }

    @Test
    void getOfAnyByteReturnsTheCoveringEntry() {
        table.set(page(4), sys(9));
        assertEquals(sys(9), table.get(page(4) + 1));
        assertEquals(sys(9), table.get(page(5) - 1));
        assertEquals(0, table.get(page(5)));
    }

    @Test
    void overwritingAnEntryDoesNotCountItTwice() {
        table.set(page(0), sys(1));
        table.set(page(0), DevicePteLayout.systemPage(2, false));
        assertEquals(DevicePteLayout.systemPage(2, false), table.get(page(0)));
        assertEquals(1, table.populated());
    }

    @Test
    void setZeroClearsOnePage() {
        table.set(page(0), sys(1));
        table.set(page(1), sys(2));
        table.set(page(0), 0);
        assertEquals(0, table.get(page(0)));
        assertEquals(sys(2), table.get(page(1)));
        assertEquals(1, table.populated());
    }

    @Test
    void hugeLeafCoversAll512Pages() {
        table.setHuge(BASE, hugeSys(1024));
        // Every page of the 2 MiB translates through the one leaf; pfnAt picks the subpage.
        for (long n = 0; n < HUGE_PAGES; n += 73) {
            assertEquals(hugeSys(1024), table.get(page(n)));
            assertEquals(1024 + n, DevicePteLayout.pfnAt(table.get(page(n)), page(n)));
        }
        assertEquals(0, table.get(BASE + HUGE_SIZE));
        assertEquals(0, table.get(BASE - PAGE_SIZE));
        assertEquals(HUGE_PAGES, table.populated());
    }

    @Test
    void setInsideHugeLeafSplitsIt() {
        table.setHuge(BASE, hugeSys(1024));
        table.set(page(10), sys(7));
        // The page set wins; the other 511 keep their subpage of the old leaf.
        assertEquals(sys(7), table.get(page(10)));
        assertEquals(DevicePteLayout.hugeSubpage(hugeSys(1024), 9), table.get(page(9)));
        assertEquals(sys(1024 + 511), table.get(page(511)));
        assertEquals(HUGE_PAGES, table.populated());
    }

    @Test
    void setHugeReplacesSmallEntries() {
        table.set(page(0), sys(1));
        table.set(page(300), sys(2));
        table.set(BASE + HUGE_SIZE, sys(3));
        table.setHuge(BASE, hugeSys(512));
        assertEquals(hugeSys(512), table.get(page(300)));
        assertEquals(sys(3), table.get(BASE + HUGE_SIZE));
        assertEquals(HUGE_PAGES + 1, table.populated());
    }

    @Test
    void setHugeZeroClearsTheRange() {
        table.setHuge(BASE, hugeSys(512));
        table.setHuge(BASE, 0);
        assertEquals(0, table.get(BASE));
        assertEquals(0, table.populated());
    }

    @Test
    void zapCountsAHugeLeafAs512() {
        table.setHuge(BASE, hugeSys(512));
        table.set(BASE + HUGE_SIZE, sys(3));
        assertEquals(HUGE_PAGES + 1, table.zap(BASE, BASE + HUGE_SIZE + PAGE_SIZE));
        assertEquals(0, table.populated());
        assertEquals(0, table.get(BASE));
    }

    @Test
    void zapSplitsAPartlyCoveredHugeLeafKeepingTheRest() {
        table.setHuge(BASE, hugeSys(512));
        // Clear pages 100..199 of the leaf.
        assertEquals(100, table.zap(page(100), page(200)));
        assertEquals(0, table.get(page(100)));
        assertEquals(0, table.get(page(199)));
        assertEquals(sys(512 + 99), table.get(page(99)));
        assertEquals(sys(512 + 200), table.get(page(200)));
        assertEquals(HUGE_PAGES - 100, table.populated());
    }

    @Test
    void zapStraddlingTwoHugeLeavesSplitsBoth() {
        table.setHuge(BASE, hugeSys(512));
        table.setHuge(BASE + HUGE_SIZE, hugeSys(1024));
        assertEquals(2, table.zap(page(511), page(513)));
        assertEquals(sys(512 + 510), table.get(page(510)));
        assertEquals(sys(1024 + 1), table.get(page(513)));
        assertEquals(2 * HUGE_PAGES - 2, table.populated());
    }

    @Test
    void zapClearsOnlyItsRange() {
        for (long n = 0; n < 1100; n++) {
            table.set(page(n), sys(n));
        }
        assertEquals(1000, table.zap(page(50), page(1050)));
        assertEquals(sys(49), table.get(page(49)));
        assertEquals(0, table.get(page(50)));
        assertEquals(0, table.get(page(1049)));
        assertEquals(sys(1050), table.get(page(1050)));
        assertEquals(100, table.populated());
    }

    @Test
    void zapOfAnEmptyRangeClearsNothing() {
        table.set(page(0), sys(1));
        assertEquals(0, table.zap(page(1), page(1) + GIB));
        assertEquals(0, table.zap(0, BASE));
        assertEquals(1, table.populated());
    }

    @Test
    void zapOfTheWholeSpaceEmptiesTheTable() {
        table.set(0, sys(1));
        table.set(VA_LIMIT - PAGE_SIZE, sys(2));
        table.setHuge(BASE, hugeSys(512));
        assertEquals(HUGE_PAGES + 2, table.zap(0, VA_LIMIT));
        assertEquals(0, table.populated());
        assertEquals(VA_LIMIT, table.nextPopulated(0, VA_LIMIT));
    }

    @Test
    void writeProtectClearsWriteAndAtomic() {
        table.set(page(0), DevicePteLayout.exclusivePage(5));
        table.set(page(1), sys(6));
        table.set(page(2), DevicePteLayout.systemPage(7, false));
        // Only the two writable entries change.
        assertEquals(2, table.protect(page(0), page(3), false));
        assertEquals(DevicePteLayout.systemPage(5, false), table.get(page(0)));
        assertEquals(DevicePteLayout.systemPage(6, false), table.get(page(1)));
        assertEquals(DevicePteLayout.systemPage(7, false), table.get(page(2)));
        assertEquals(3, table.populated());
    }

    @Test
    void writeUnprotectSetsWriteButNeverAtomic() {
        table.set(page(0), DevicePteLayout.systemPage(5, false));
        table.set(page(1), DevicePteLayout.exclusivePage(6));
        assertEquals(1, table.protect(page(0), page(2), true));
        assertEquals(sys(5), table.get(page(0)));
        assertEquals(DevicePteLayout.exclusivePage(6), table.get(page(1)));
    }

    @Test
    void protectOfAWholeHugeLeafChangesItInPlace() {
        table.setHuge(BASE, hugeSys(512));
        assertEquals(HUGE_PAGES, table.protect(BASE, BASE + HUGE_SIZE, false));
        assertEquals(DevicePteLayout.huge(DevicePteLayout.systemPage(512, false)), table.get(page(77)));
    }

    @Test
    void protectOfPartOfAHugeLeafSplitsIt() {
        table.setHuge(BASE, hugeSys(512));
        assertEquals(10, table.protect(page(20), page(30), false));
        assertEquals(DevicePteLayout.systemPage(512 + 20, false), table.get(page(20)));
        assertEquals(sys(512 + 30), table.get(page(30)));
        assertEquals(HUGE_PAGES, table.populated());
    }

    @Test
    void protectThatChangesNothingLeavesAHugeLeafWhole() {
        table.setHuge(BASE, hugeSys(512));
        assertEquals(0, table.protect(page(20), page(30), true));
        assertEquals(hugeSys(512), table.get(page(20)));
    }

    @Test
    void nextPopulatedFindsTheNextTranslation() {
        table.set(page(3), sys(1));
        table.set(BASE + 7 * GIB, sys(2));
        assertEquals(page(3), table.nextPopulated(0, VA_LIMIT));
        assertEquals(page(3), table.nextPopulated(page(3), VA_LIMIT));
        assertEquals(BASE + 7 * GIB, table.nextPopulated(page(4), VA_LIMIT));
        assertEquals(BASE + 7 * GIB, table.nextPopulated(page(4), BASE + 7 * GIB), "end is exclusive");
        assertEquals(VA_LIMIT, table.nextPopulated(BASE + 7 * GIB + PAGE_SIZE, VA_LIMIT));
        assertEquals(page(9), table.nextPopulated(page(9), page(9)), "an empty walk returns end");
    }

    @Test
    void nextPopulatedInsideAHugeLeafReturnsTheAddressItself() {
        table.setHuge(BASE, hugeSys(512));
        assertEquals(page(200), table.nextPopulated(page(200), VA_LIMIT));
        assertEquals(BASE, table.nextPopulated(0, VA_LIMIT));
        assertEquals(VA_LIMIT, table.nextPopulated(BASE + HUGE_SIZE, VA_LIMIT));
    }

    @Test
    void clearRemovesEverything() {
        table.set(page(0), sys(1));
        table.setHuge(BASE + HUGE_SIZE, hugeSys(512));
        table.clear();
        assertEquals(0, table.populated());
        assertEquals(0, table.get(page(0)));
        assertEquals(0, table.get(BASE + HUGE_SIZE));
        assertEquals(0, table.tablePages());
        // The table is still usable.
        table.set(page(0), sys(2));
        assertEquals(sys(2), table.get(page(0)));
    }

    // ---- misuse --------------------------------------------------------------------------

    /** Asserts {@code op} throws IllegalArgumentException with {@code message} and leaves the table unchanged. */
    void assertRejected(String message, Executable op) {
        table.set(page(0), sys(1));
        table.setHuge(BASE + HUGE_SIZE, hugeSys(512));
        long populated = table.populated();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
        assertEquals(message, e.getMessage());
        assertEquals(populated, table.populated());
        assertEquals(sys(1), table.get(page(0)));
        assertEquals(hugeSys(512), table.get(BASE + HUGE_SIZE + 5 * PAGE_SIZE));
        assertEquals(0, table.get(page(1)));
    }

    @Test
    void setRejectsAnUnalignedAddress() {
        assertRejected("va=0x140001001 is not page aligned", () -> table.set(page(1) + 1, sys(2)));
    }

    @Test
    void setRejectsAnAddressBeyondTheUserRange() {
        assertRejected("va=0x800000000000 is beyond VA_LIMIT=0x800000000000", () -> table.set(VA_LIMIT, sys(2)));
        assertRejected("va=0xfffffffffffff000 is beyond VA_LIMIT=0x800000000000", () -> table.set(-PAGE_SIZE, sys(2)));
    }

    @Test
    void setRejectsMalformedEntries() {
        assertRejected("entry=0x2002 is not VALID", () -> table.set(page(1), 0x2002));
        assertRejected("entry=0x1081 has reserved bits 0x80", () -> table.set(page(1), 0x1081));
        assertRejected("entry=0x1041 has reserved bits 0x40", () -> table.set(page(1), 0x1041));
        assertRejected("entry=0x1021 is REMOTE but not DEVICE_PRIVATE", () -> table.set(page(1), 0x1021));
        assertRejected("entry=0x1011 has pfn=0x1 below DEVICE_PFN_BASE", () -> table.set(page(1), 0x1011));
        assertRejected("entry=0x20000b is HUGE; use setHuge", () -> table.set(page(1), hugeSys(512)));
    }

    @Test
    void setHugeRejectsBadInput() {
        assertRejected("va2M=0x140001000 is not 2 MiB aligned", () -> table.setHuge(page(1), hugeSys(512)));
        assertRejected("entry=0x3 is not HUGE; use set", () -> table.setHuge(BASE, sys(0)));
        assertRejected(
                "entry=0x100b is HUGE with pfn not aligned to 512",
                () -> table.setHuge(BASE, sys(1) | DevicePteLayout.HUGE));
    }

    @Test
    void rangeOperationsRejectBadRanges() {
        assertRejected("end=0x140000000 is not above start=0x140000000", () -> table.zap(BASE, BASE));
        assertRejected(
                "end=0x13ffff000 is not above start=0x140000000", () -> table.protect(BASE, BASE - PAGE_SIZE, false));
        assertRejected("start=0x140000800 is not page aligned", () -> table.zap(BASE + 2048, page(3)));
        assertRejected("end=0x140000800 is not page aligned", () -> table.zap(0, BASE + 2048));
        assertRejected(
                "end=0x800000001000 is beyond VA_LIMIT=0x800000000000", () -> table.zap(0, VA_LIMIT + PAGE_SIZE));
        assertRejected("end=0x13ffff000 is below va=0x140000000", () -> table.nextPopulated(BASE, BASE - PAGE_SIZE));
    }

    @Test
    void getRejectsAnAddressBeyondTheUserRange() {
        assertRejected("va=0x800000000000 is beyond VA_LIMIT=0x800000000000", () -> table.get(VA_LIMIT));
    }

    @Test
    void writersMustHoldTheDriverLock() {
        ReentrantLock lock = new ReentrantLock();
        try (DevicePageTable locked = newTable(lock)) {
            lock.lock();
            try {
                locked.set(page(0), sys(1));
            } finally {
                lock.unlock();
            }
            // Without the lock every writer is refused and nothing changes; readers are allowed.
            assertThrows(IllegalStateException.class, () -> locked.set(page(1), sys(2)));
            assertThrows(IllegalStateException.class, () -> locked.setHuge(BASE + HUGE_SIZE, hugeSys(512)));
            assertThrows(IllegalStateException.class, () -> locked.zap(0, VA_LIMIT));
            assertThrows(IllegalStateException.class, () -> locked.protect(0, VA_LIMIT, false));
            assertThrows(IllegalStateException.class, locked::clear);
            assertEquals(sys(1), locked.get(page(0)));
            assertEquals(1, locked.populated());
            assertEquals(page(0), locked.nextPopulated(0, VA_LIMIT));
        }
    }

    @Test
    void closedTableRefusesUse() {
        table.set(page(0), sys(1));
        table.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> table.get(page(0)));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> table.set(page(0), sys(1)));
        assertThrows(IllegalStateException.class, () -> table.zap(0, VA_LIMIT));
    }
}
