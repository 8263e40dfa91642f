package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * The bulk part of the {@link DevicePageTable} contract, {@link DevicePageTable#setBlock} and
 * {@link DevicePageTable#getBlock}: a block write leaves the table as the same writes one
 * {@code set} at a time would, a block read returns what {@code get} returns per page.
 */
abstract class DevicePageTableBlockContract extends DevicePageTableContract {

    /** {@code count} entries: pfn 100 + i, with every {@code zeroEvery}-th one 0 (never, if 0). */
    static long[] entries(int count, int zeroEvery) {
        long[] entries = new long[count];
        for (int i = 0; i < count; i++) {
            entries[i] = zeroEvery != 0 && i % zeroEvery == 0 ? 0 : sys(100 + i);
        }
        return entries;
    }

    @Test
    void setBlockOfAWholeTableWritesEveryPage() {
        // Step 1: a whole PTE table's worth, every third entry 0, into an empty table.
        long[] block = entries(HUGE_PAGES, 3);
        table.setBlock(BASE, block, 0, HUGE_PAGES);
        // Step 2: each page translates to its entry; only the non-zero ones count.
        for (int i = 0; i < HUGE_PAGES; i++) {
            assertEquals(block[i], table.get(page(i)), "page " + i);
        }
        assertEquals(HUGE_PAGES - (HUGE_PAGES + 2) / 3, table.populated());
        assertEquals(page(1), table.nextPopulated(BASE, VA_LIMIT));
    }

    @Test
    void setBlockOverLiveEntriesCountsOnlyWhatChanges() {
        // Pages 0..9 mapped; a block over pages 5..14 clears 5 and 8, rewrites 6, 7, 9, adds 10..14.
        for (int i = 0; i < 10; i++) {
            table.set(page(i), sys(i));
        }
        long[] block = {0, sys(6), sys(70), 0, sys(9), sys(10), sys(11), sys(12), sys(13), sys(14)};
        table.setBlock(page(5), block, 0, block.length);
        assertEquals(13, table.populated());
        assertEquals(sys(4), table.get(page(4)));
        assertEquals(0, table.get(page(5)));
        assertEquals(sys(70), table.get(page(7)));
        assertEquals(0, table.get(page(8)));
        assertEquals(sys(14), table.get(page(14)));
        assertEquals(0, table.get(page(15)));
    }

    @Test
    void setBlockReadsFromTheGivenOffset() {
        long[] array = entries(20, 0);
        table.setBlock(page(HUGE_PAGES - 4), array, 16, 4);
        assertEquals(sys(116), table.get(page(HUGE_PAGES - 4)));
        assertEquals(sys(119), table.get(page(HUGE_PAGES - 1)));
        assertEquals(4, table.populated());
    }

    @Test
    void setBlockOfZerosIsAZap() {
        for (int i = 0; i < 4; i++) {
            table.set(page(i), sys(i));
        }
        table.setBlock(page(1), new long[2], 0, 2);
        assertEquals(2, table.populated());
        assertEquals(sys(0), table.get(page(0)));
        assertEquals(0, table.get(page(1)));
        assertEquals(0, table.get(page(2)));
        // Clearing the rest leaves nothing; clearing nothing changes nothing.
        table.setBlock(BASE, new long[HUGE_PAGES], 0, HUGE_PAGES);
        assertEquals(0, table.populated());
        table.setBlock(BASE, new long[HUGE_PAGES], 0, HUGE_PAGES);
        assertEquals(0, table.populated());
        assertEquals(VA_LIMIT, table.nextPopulated(0, VA_LIMIT));
    }

    @Test
    void setBlockInsideAHugeLeafSplitsIt() {
        // Step 1: a HUGE leaf; a block of 3 pages in its middle, the middle one 0.
        table.setHuge(BASE, hugeSys(512));
        table.setBlock(page(10), new long[] {sys(7), 0, sys(9)}, 0, 3);
        // Step 2: the other pages keep the leaf's frames as 4 KiB entries; page 11 is gone.
        assertEquals(DevicePteLayout.hugeSubpage(hugeSys(512), 9), table.get(page(9)));
        assertEquals(sys(7), table.get(page(10)));
        assertEquals(0, table.get(page(11)));
        assertEquals(sys(9), table.get(page(12)));
        assertEquals(DevicePteLayout.hugeSubpage(hugeSys(512), 13), table.get(page(13)));
        assertEquals(HUGE_PAGES - 1, table.populated());
    }

    @Test
    void setBlockOfAWholeTableReplacesAHugeLeaf() {
        table.setHuge(BASE, hugeSys(512));
        long[] block = entries(HUGE_PAGES, 2);
        table.setBlock(BASE, block, 0, HUGE_PAGES);
        assertEquals(HUGE_PAGES / 2, table.populated());
        assertEquals(0, table.get(page(0)));
        assertEquals(block[1], table.get(page(1)));
        assertEquals(block[HUGE_PAGES - 1], table.get(page(HUGE_PAGES - 1)));
    }

    @Test
    void getBlockReturnsWhatGetReturnsPerPage() {
        // A 4 KiB entry at page 3 of the first block, a HUGE leaf over the second, nothing in the third.
        table.set(page(3), sys(3));
        table.setHuge(BASE + HUGE_SIZE, hugeSys(1024));
        long[] dst = new long[HUGE_PAGES + 2];
        Arrays.fill(dst, -1);
        table.getBlock(BASE, dst, 1, HUGE_PAGES);
        assertEquals(-1, dst[0]);
        assertEquals(0, dst[3]);
        assertEquals(sys(3), dst[4]);
        assertEquals(-1, dst[HUGE_PAGES + 1]);
        // The HUGE leaf is repeated for every page, as get returns it for every page.
        table.getBlock(BASE + HUGE_SIZE + 5 * PAGE_SIZE, dst, 0, 7);
        for (int i = 0; i < 7; i++) {
            assertEquals(hugeSys(1024), dst[i]);
        }
        table.getBlock(BASE + 2 * HUGE_SIZE, dst, 0, HUGE_PAGES);
        assertArrayEquals(new long[HUGE_PAGES], Arrays.copyOf(dst, HUGE_PAGES));
    }

    @Test
    void getBlockThenSetBlockRoundTrips() {
        long[] block = entries(HUGE_PAGES, 5);
        table.setBlock(BASE, block, 0, HUGE_PAGES);
        long[] read = new long[HUGE_PAGES];
        table.getBlock(BASE, read, 0, HUGE_PAGES);
        assertArrayEquals(block, read);
        // Writing back what was read changes nothing.
        long populated = table.populated();
        table.setBlock(BASE, read, 0, HUGE_PAGES);
        assertEquals(populated, table.populated());
    }

    // ---- misuse --------------------------------------------------------------------------

    @Test
    void setBlockRejectsBadPlacement() {
        long[] block = entries(HUGE_PAGES, 0);
        assertRejected("va=0x140001001 is not page aligned", () -> table.setBlock(page(1) + 1, block, 0, 1));
        assertRejected(
                "va=0x800000000000 is beyond VA_LIMIT=0x800000000000", () -> table.setBlock(VA_LIMIT, block, 0, 1));
        assertRejected("entries=null", () -> table.setBlock(page(1), null, 0, 1));
        assertRejected("count=0 is not in 1..512", () -> table.setBlock(page(1), block, 0, 0));
        assertRejected("count=513 is not in 1..512", () -> table.setBlock(page(1), new long[600], 0, 513));
        assertRejected("offset=-1 count=1 do not fit entries.length=512", () -> table.setBlock(page(1), block, -1, 1));
        assertRejected(
                "offset=500 count=13 do not fit entries.length=512", () -> table.setBlock(page(1), block, 500, 13));
        assertRejected(
                "count=512 pages from va=0x140001000 cross the 2 MiB boundary at 0x140200000",
                () -> table.setBlock(page(1), block, 0, HUGE_PAGES));
    }

    @Test
    void setBlockRejectsAMalformedEntryWritingNothing() {
        // The good entries before the bad one are not written: assertRejected checks page(1) stays empty.
        assertRejected(
                "entries[1]=0x2002 is not VALID", () -> table.setBlock(page(1), new long[] {sys(5), 0x2002}, 0, 2));
        assertRejected(
                "entries[2]=0x1021 is REMOTE but not DEVICE_PRIVATE",
                () -> table.setBlock(page(1), new long[] {sys(5), 0, 0x1021}, 0, 3));
        assertRejected(
                "entries[0]=0x20000b is HUGE; use setHuge",
                () -> table.setBlock(page(1), new long[] {hugeSys(512)}, 0, 1));
        // Even a block that would clear an entry first leaves it.
        assertRejected(
                "entries[1]=0x1081 has reserved bits 0x80", () -> table.setBlock(BASE, new long[] {0, 0x1081}, 0, 2));
    }

    @Test
    void getBlockRejectsBadPlacementLeavingDstUntouched() {
        long[] dst = new long[HUGE_PAGES];
        Arrays.fill(dst, 7);
        assertRejected("va=0x140000800 is not page aligned", () -> table.getBlock(BASE + 2048, dst, 0, 1));
        assertRejected("dst=null", () -> table.getBlock(BASE, null, 0, 1));
        assertRejected("count=0 is not in 1..512", () -> table.getBlock(BASE, dst, 0, 0));
        assertRejected("offset=1 count=512 do not fit dst.length=512", () -> table.getBlock(BASE, dst, 1, HUGE_PAGES));
        assertRejected(
                "count=2 pages from va=0x1401ff000 cross the 2 MiB boundary at 0x140200000",
                () -> table.getBlock(page(HUGE_PAGES - 1), dst, 0, 2));
        long[] sevens = new long[HUGE_PAGES];
        Arrays.fill(sevens, 7);
        assertArrayEquals(sevens, dst);
    }

    @Test
    void blockWritersMustHoldTheDriverLock() {
        ReentrantLock lock = new ReentrantLock();
        try (DevicePageTable locked = newTable(lock)) {
            lock.lock();
            try {
                locked.setBlock(page(0), new long[] {sys(1)}, 0, 1);
            } finally {
                lock.unlock();
            }
            // setBlock is refused without the lock; getBlock, a reader, is allowed.
            assertThrows(IllegalStateException.class, () -> locked.setBlock(page(1), new long[] {sys(2)}, 0, 1));
            long[] dst = new long[2];
            locked.getBlock(page(0), dst, 0, 2);
            assertArrayEquals(new long[] {sys(1), 0}, dst);
            assertEquals(1, locked.populated());
        }
    }

    @Test
    void closedTableRefusesBlocks() {
        table.close();
        assertThrows(IllegalStateException.class, () -> table.setBlock(page(0), new long[] {sys(1)}, 0, 1));
        assertThrows(IllegalStateException.class, () -> table.getBlock(page(0), new long[1], 0, 1));
    }
}
