package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Runs the {@link DevicePageTable} contract (single entries and blocks) against the off-heap radix
 * tree, and checks that its memory follows what is mapped rather than the size of the address
 * space, and that table pages freed dirty are never read dirty.
 */
class OffHeapDevicePageTableTest extends DevicePageTableBlockContract {
    static final long TIB = 1L << 40;

    @Override
    DevicePageTable newTable(ReentrantLock driverLock) {
        return new OffHeapDevicePageTable(driverLock);
    }

    @Test
    void sparseTerabyteMirrorCostsAFewTablePages() {
        // Three pages spread over 1 TiB: each needs its own path below the root.
        table.set(TIB, sys(1));
        table.set(TIB + TIB / 2, sys(2));
        table.set(2 * TIB - PAGE_SIZE, sys(3));
        // root + two level-2 tables (the 1 TiB boundary splits them) + 3 PMD + 3 PTE tables.
        assertEquals(9, table.tablePages());
        assertTrue(table.memoryBytes() < 128 * 1024, "memoryBytes=" + table.memoryBytes());
        // Zapping the whole terabyte frees every table, the root included.
        assertEquals(3, table.zap(TIB, 2 * TIB));
        assertEquals(0, table.tablePages());
        assertEquals(0, table.populated());
    }

    @Test
    void zappingAWholePteTableFreesIt() {
        for (long n = 0; n < HUGE_PAGES; n++) {
            table.set(BASE + n * PAGE_SIZE, sys(n));
        }
        assertEquals(4, table.tablePages());
        assertEquals(HUGE_PAGES, table.zap(BASE, BASE + HUGE_SIZE));
        assertEquals(0, table.tablePages());
    }

    @Test
    void partialZapFreesOnlyEmptiedTables() {
        table.set(BASE, sys(1));
        table.set(BASE + HUGE_SIZE, sys(2));
        assertEquals(5, table.tablePages());
        // Emptying the second PTE table frees it; the PMD table keeps the first.
        assertEquals(1, table.zap(BASE + PAGE_SIZE, BASE + 2 * HUGE_SIZE));
        assertEquals(4, table.tablePages());
        assertEquals(sys(1), table.get(BASE));
    }

    @Test
    void hugeLeafNeedsNoPteTableAndItsSplitTakesOne() {
        table.setHuge(BASE, hugeSys(512));
        assertEquals(3, table.tablePages());
        table.zap(BASE, BASE + PAGE_SIZE);
        assertEquals(4, table.tablePages());
        // Replacing the split pages by a leaf again frees the PTE table.
        table.setHuge(BASE, hugeSys(1024));
        assertEquals(3, table.tablePages());
        assertEquals(HUGE_PAGES, table.populated());
    }

    @Test
    void freedTablePagesAreReusedBeforeThePoolGrows() {
        table.set(BASE, sys(1));
        long bytes = table.memoryBytes();
        for (int round = 0; round < 100; round++) {
            table.zap(0, VA_LIMIT);
            table.set(BASE + round * HUGE_SIZE * 512, sys(round));
        }
        assertEquals(bytes, table.memoryBytes());
        assertEquals(4, table.tablePages());
    }

    @Test
    void reusedTablePagesStartEmpty() {
        // Fill a PTE table, free it, and check a new path through the reused pages maps nothing else.
        for (long n = 0; n < HUGE_PAGES; n++) {
            table.set(BASE + n * PAGE_SIZE, sys(n));
        }
        table.zap(BASE, BASE + HUGE_SIZE);
        table.set(3 * GIB, sys(7));
        assertEquals(1, table.populated());
        assertEquals(3 * GIB, table.nextPopulated(0, VA_LIMIT));
        assertEquals(VA_LIMIT, table.nextPopulated(3 * GIB + PAGE_SIZE, VA_LIMIT));
    }

    @Test
    void setBlockTakesTheTablePagesSetWouldAndAZeroBlockFreesThem() {
        table.setBlock(BASE, DevicePageTableBlockContract.entries(HUGE_PAGES, 0), 0, HUGE_PAGES);
        assertEquals(4, table.tablePages());
        table.setBlock(BASE, new long[HUGE_PAGES], 0, HUGE_PAGES);
        assertEquals(0, table.tablePages());
        assertEquals(0, table.populated());
    }

    @Test
    void blocksWrittenIntoReusedDirtyTablesHoldOnlyTheirEntries() {
        // Step 1: a full PTE table zapped whole goes back to the pool dirty (not zeroed on free).
        table.setBlock(BASE, DevicePageTableBlockContract.entries(HUGE_PAGES, 0), 0, HUGE_PAGES);
        table.zap(BASE, BASE + HUGE_SIZE);
        // Step 2: a short block elsewhere reuses the dirty pages: only its 3 entries are there.
        table.setBlock(3 * GIB + 7 * PAGE_SIZE, new long[] {sys(1), sys(2), sys(3)}, 0, 3);
        assertEquals(3, table.populated());
        assertEquals(3 * GIB + 7 * PAGE_SIZE, table.nextPopulated(0, VA_LIMIT));
        assertEquals(VA_LIMIT, table.nextPopulated(3 * GIB + 10 * PAGE_SIZE, VA_LIMIT));
        long[] read = new long[HUGE_PAGES];
        table.getBlock(3 * GIB, read, 0, HUGE_PAGES);
        assertEquals(3, Arrays.stream(read).filter(e -> e != 0).count());
        // Step 3: a whole block over a freed dirty table overwrites every slot, zeros included.
        table.zap(0, VA_LIMIT);
        table.setBlock(BASE, DevicePageTableBlockContract.entries(HUGE_PAGES, 0), 0, HUGE_PAGES);
        table.zap(BASE, BASE + HUGE_SIZE);
        long[] sparse = DevicePageTableBlockContract.entries(HUGE_PAGES, 1);
        sparse[100] = sys(9);
        table.setBlock(BASE + HUGE_SIZE, sparse, 0, HUGE_PAGES);
        assertEquals(1, table.populated());
        assertEquals(BASE + HUGE_SIZE + 100 * PAGE_SIZE, table.nextPopulated(0, VA_LIMIT));
        assertEquals(VA_LIMIT, table.nextPopulated(BASE + HUGE_SIZE + 101 * PAGE_SIZE, VA_LIMIT));
    }
}
