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

    /**
     * The bulk read equals get() per page for every kind of entry a PTE table holds, at every
     * index of the table (the copy must neither shift, drop nor tear an entry), from every start.
     */
    @Test
    void blockReadEqualsGetForEveryEntryKind() {
        long[] kinds = {
            0,
            PteLayout.present(21, true),
            PteLayout.present(22, false),
            PteLayout.mkSoftDirty(PteLayout.present(23, true)),
            PteLayout.swapEntry(5),
            PteLayout.migrationEntry(24, true),
            PteLayout.devicePrivateEntry(25, true),
            PteLayout.deviceExclusiveEntry(26, false),
            PteLayout.uffdWpMarker(),
            PteLayout.hwpoisonEntry(27),
            -1L & ~PteLayout.HUGE // every other bit set: a torn or shifted copy would show
        };
        long base = 9 * PMD;
        for (int i = 0; i < 512; i++) {
            pt.set(base + i * PAGE, kinds[(i * 7) % kinds.length]);
        }
        long[] dst = new long[512];
        for (int start : new int[] {0, 1, 255, 511}) {
            int n = pt.getBlock(base + start * PAGE, dst, 0, 512);
            assertEquals(512 - start, n);
            for (int i = 0; i < n; i++) {
                assertEquals(pt.get(base + (start + i) * PAGE), dst[i], "page " + (start + i));
            }
        }
        // A PMD leaf over the next block reads as get() does on each of its pages.
        pt.setPmd(base + PMD, PteLayout.pmdLeaf(2048, true));
        assertEquals(512, pt.getBlock(base + PMD, dst, 0, 512));
        for (int i = 0; i < 512; i++) {
            assertEquals(pt.get(base + PMD + i * PAGE), dst[i]);
        }
    }

    @Test
    void setBitsBlockChangesOnlyEntriesStillAsExpected() {
        long base = 11 * PMD;
        for (int i = 0; i < 8; i++) {
            pt.set(base + i * PAGE, PteLayout.present(100 + i, true));
        }
        long[] expected = new long[8];
        pt.getBlock(base, expected, 0, 8);
        expected[1] = 0; // not asked
        expected[2] = PteLayout.mkSoftDirty(expected[2]); // already has the bit: nothing to do
        pt.set(base + 3 * PAGE, PteLayout.present(200, true)); // changed since the read: pte_same fails
        long bitmapBefore = pt.nextPopulated(base, base + PMD);

        assertEquals(5, pt.setBitsBlock(base, expected, 0, 8, PteLayout.SOFT_DIRTY));

        for (int i = 0; i < 8; i++) {
            long e = pt.get(base + i * PAGE);
            boolean marked = i != 1 && i != 2 && i != 3;
            assertEquals(marked, PteLayout.isSoftDirty(e), "page " + i);
        }
        assertEquals(PteLayout.present(200, true), pt.get(base + 3 * PAGE));
        assertEquals(bitmapBefore, pt.nextPopulated(base, base + PMD));
        // A block mapped by a PMD leaf, or with no PTE table, has no 4 KiB entry to change.
        pt.setPmd(base + PMD, PteLayout.pmdLeaf(4096, true));
        long[] leaf = {PteLayout.pmdLeaf(4096, true)};
        assertEquals(0, pt.setBitsBlock(base + PMD, leaf, 0, 1, PteLayout.SOFT_DIRTY));
        assertEquals(0, pt.setBitsBlock(base + 2 * PMD, expected, 0, 8, PteLayout.SOFT_DIRTY));
        assertThrows(IllegalArgumentException.class, () -> pt.setBitsBlock(base, expected, 4, 8, PteLayout.SOFT_DIRTY));
        assertThrows(IllegalArgumentException.class, () -> pt.setBitsBlock(base, expected, 0, 8, PteLayout.HUGE));
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
