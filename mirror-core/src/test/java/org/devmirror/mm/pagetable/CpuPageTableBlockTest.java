package org.devmirror.mm.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** getBlock reads along one PTE table what get would read page by page, and stops at the 2 MiB edge. */
class CpuPageTableBlockTest {
    private static final long PAGE = CpuPageTable.PAGE_SIZE;
    private static final long PMD = CpuPageTable.PMD_SIZE;

    private final CpuPageTable pt = new CpuPageTable();

    @AfterEach
    void close() {
        pt.close();
    }

    @Test
    void blockReadMatchesPageByPageReads() {
        // Step 1: a PTE table with a few entries, a PMD leaf in the next block, nothing after.
        long base = 7 * PMD;
        pt.set(base + 3 * PAGE, PteLayout.present(10, true));
        pt.set(base + 511 * PAGE, PteLayout.swapEntry(4));
        pt.setPmd(base + PMD, PteLayout.pmdLeaf(1024, false));

        // Step 2: reading from page 2 with room for 600 stops at the block's end: 510 entries.
        long[] dst = new long[600];
        int n = pt.getBlock(base + 2 * PAGE, dst, 0, 600);
        assertEquals(510, n);
        for (int i = 0; i < n; i++) {
            assertEquals(pt.get(base + (2 + i) * PAGE), dst[i], "page " + (2 + i));
        }

        // Step 3: a PMD leaf repeats for each page asked; an empty block reads as zeros.
        dst[3] = -1;
        assertEquals(3, pt.getBlock(base + PMD + 5 * PAGE, dst, 0, 3));
        for (int i = 0; i < 3; i++) {
            assertEquals(PteLayout.pmdLeaf(1024, false), dst[i]);
        }
        assertEquals(-1, dst[3], "nothing past max is written");
        assertEquals(4, pt.getBlock(base + 2 * PMD, dst, 1, 4));
        assertEquals(0, dst[1] | dst[2] | dst[3] | dst[4]);
    }

    @Test
    void badBufferArgumentsAreRejected() {
        long[] dst = new long[8];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pt.getBlock(0, dst, 4, 8));
        assertEquals("dstOffset=4 max=8 do not fit dst.length=8", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pt.getBlock(0, dst, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> pt.getBlock(PAGE + 1, dst, 0, 1));
    }
}
