package org.devmirror.device.tlb;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.junit.jupiter.api.Test;

/** The device TLB: hits and misses, bounded replacement, ranged and full flushes and their counters. */
class DeviceTlbTest {
    static final long BASE = 1L << 32;

    static long sys(long pfn) {
        return DevicePteLayout.systemPage(pfn, true);
    }

    @Test
    void fillThenLookupHits() {
        DeviceTlb tlb = new DeviceTlb(16, 2);
        // A cold lookup misses; after a fill, any byte of the page hits.
        assertEquals(0, tlb.lookup(BASE));
        tlb.fill(BASE, sys(5));
        assertEquals(sys(5), tlb.lookup(BASE + 123));
        assertEquals(1, tlb.hits());
        assertEquals(1, tlb.misses());
    }

    @Test
    void refillUpdatesInPlace() {
        DeviceTlb tlb = new DeviceTlb(1, 4);
        tlb.fill(BASE, sys(5));
        tlb.fill(BASE, sys(6));
        assertEquals(sys(6), tlb.lookup(BASE));
        assertEquals(1, tlb.size());
    }

    @Test
    void aFullSetEvictsRoundRobin() {
        // Direct-mapped with 4 sets: pages 0 and 4 collide.
        DeviceTlb tlb = new DeviceTlb(4, 1);
        tlb.fill(BASE, sys(1));
        tlb.fill(BASE + 4 * PAGE_SIZE, sys(2));
        assertEquals(0, tlb.lookup(BASE));
        assertEquals(sys(2), tlb.lookup(BASE + 4 * PAGE_SIZE));
        // Two ways: the third colliding fill evicts the oldest.
        DeviceTlb twoWay = new DeviceTlb(4, 2);
        twoWay.fill(BASE, sys(1));
        twoWay.fill(BASE + 4 * PAGE_SIZE, sys(2));
        twoWay.fill(BASE + 8 * PAGE_SIZE, sys(3));
        assertEquals(0, twoWay.lookup(BASE));
        assertEquals(sys(2), twoWay.lookup(BASE + 4 * PAGE_SIZE));
        assertEquals(sys(3), twoWay.lookup(BASE + 8 * PAGE_SIZE));
        assertEquals(2, twoWay.size());
    }

    @Test
    void flushRangeDropsOnlyTheRangeAndCountsOneFlush() {
        DeviceTlb tlb = new DeviceTlb(64, 4);
        for (int n = 0; n < 10; n++) {
            tlb.fill(BASE + n * PAGE_SIZE, sys(n));
        }
        assertEquals(4, tlb.flushRange(BASE + 3 * PAGE_SIZE, BASE + 7 * PAGE_SIZE));
        assertEquals(1, tlb.flushes());
        assertEquals(4, tlb.entriesFlushed());
        assertEquals(sys(2), tlb.lookup(BASE + 2 * PAGE_SIZE));
        assertEquals(0, tlb.lookup(BASE + 3 * PAGE_SIZE));
        assertEquals(0, tlb.lookup(BASE + 6 * PAGE_SIZE));
        assertEquals(sys(7), tlb.lookup(BASE + 7 * PAGE_SIZE));
        // A flush of a range with nothing cached still counts as one invalidation.
        assertEquals(0, tlb.flushRange(0, PAGE_SIZE));
        assertEquals(2, tlb.flushes());
    }

    @Test
    void flushOverlappingAHugeLeafDropsIt() {
        DeviceTlb tlb = new DeviceTlb(64, 4);
        long leaf = DevicePteLayout.huge(sys(512));
        tlb.fill(BASE + 5 * PAGE_SIZE, leaf);
        // The flush misses the filled page but overlaps the leaf's 2 MiB.
        assertEquals(1, tlb.flushRange(BASE + HUGE_SIZE - PAGE_SIZE, BASE + HUGE_SIZE));
        assertEquals(0, tlb.lookup(BASE + 5 * PAGE_SIZE));
        // A flush outside the 2 MiB keeps it.
        tlb.fill(BASE + 5 * PAGE_SIZE, leaf);
        assertEquals(0, tlb.flushRange(BASE + HUGE_SIZE, BASE + 2 * HUGE_SIZE));
        assertEquals(leaf, tlb.lookup(BASE + 5 * PAGE_SIZE));
    }

    @Test
    void flushOfAnEmptyTlbCountsOneFlushAndDropsNothing() {
        DeviceTlb tlb = new DeviceTlb(64, 4);
        // Nothing cached: every flush, of any length, is one invalidation dropping nothing.
        assertEquals(0, tlb.flushRange(BASE, BASE + HUGE_SIZE));
        assertEquals(0, tlb.flushRange(0, VA_LIMIT));
        assertEquals(0, tlb.flushAll());
        assertEquals(3, tlb.flushes());
        assertEquals(0, tlb.entriesFlushed());
        // Filled then flushed, it is empty again and stays correct.
        tlb.fill(BASE, sys(1));
        assertEquals(1, tlb.flushRange(BASE, BASE + PAGE_SIZE));
        assertEquals(0, tlb.size());
        assertEquals(0, tlb.flushRange(BASE, BASE + PAGE_SIZE));
        assertEquals(5, tlb.flushes());
        assertEquals(1, tlb.entriesFlushed());
    }

    @Test
    void shortFlushStillDropsAHugeLeafCachedInAnotherSet() {
        // The leaf is cached in the set of page 5; the one-page flush probes page 9's set only if
        // no HUGE leaf is cached, so this checks the flush still finds the leaf.
        DeviceTlb tlb = new DeviceTlb(64, 2);
        long leaf = DevicePteLayout.huge(sys(512));
        tlb.fill(BASE + 5 * PAGE_SIZE, leaf);
        tlb.fill(BASE + HUGE_SIZE + 9 * PAGE_SIZE, sys(3));
        assertEquals(1, tlb.flushRange(BASE + 9 * PAGE_SIZE, BASE + 10 * PAGE_SIZE));
        assertEquals(0, tlb.lookup(BASE + 5 * PAGE_SIZE));
        assertEquals(sys(3), tlb.lookup(BASE + HUGE_SIZE + 9 * PAGE_SIZE));
        // Refilling the leaf's slot with a 4 KiB entry leaves no HUGE leaf cached: short flushes probe.
        tlb.fill(BASE + 5 * PAGE_SIZE, leaf);
        tlb.fill(BASE + 5 * PAGE_SIZE, sys(5));
        assertEquals(0, tlb.flushRange(BASE + 9 * PAGE_SIZE, BASE + 10 * PAGE_SIZE));
        assertEquals(1, tlb.flushRange(BASE + 5 * PAGE_SIZE, BASE + 6 * PAGE_SIZE));
        assertEquals(1, tlb.size());
    }

    @Test
    void everyFlushDropsExactlyTheOverlappingTranslations() {
        // Random fills (4 KiB and HUGE, with evictions) and flushes of every length, each checked
        // against a scan of every slot made before the flush.
        SplittableRandom random = new SplittableRandom(7);
        DeviceTlb tlb = new DeviceTlb(16, 2);
        for (int op = 0; op < 5000; op++) {
            long page = BASE + random.nextLong(4 * HUGE_PAGES) * PAGE_SIZE;
            if (random.nextInt(3) != 0) {
                tlb.fill(page, random.nextInt(8) == 0 ? DevicePteLayout.huge(sys(512)) : sys(op));
                continue;
            }
            long end = Math.min(
                    page + (1 + random.nextLong(random.nextBoolean() ? 8 : 2 * HUGE_PAGES)) * PAGE_SIZE,
                    BASE + 4 * HUGE_SIZE);
            boolean[] overlaps = new boolean[tlb.capacity()];
            long[] tagsBefore = new long[tlb.capacity()];
            int expected = 0;
            int cachedBefore = 0;
            for (int slot = 0; slot < tlb.capacity(); slot++) {
                long tag = tlb.cachedPage(slot);
                tagsBefore[slot] = tag;
                if (tag == -1) {
                    continue;
                }
                cachedBefore++;
                boolean huge = DevicePteLayout.isHuge(tlb.cachedEntry(slot));
                long first = huge ? tag & -HUGE_SIZE : tag;
                long last = first + (huge ? HUGE_SIZE : PAGE_SIZE);
                overlaps[slot] = first < end && page < last;
                expected += overlaps[slot] ? 1 : 0;
            }
            assertEquals(cachedBefore, tlb.size(), "op=" + op);
            assertEquals(expected, tlb.flushRange(page, end), "op=" + op);
            for (int slot = 0; slot < tlb.capacity(); slot++) {
                assertEquals(
                        overlaps[slot] ? -1 : tagsBefore[slot], tlb.cachedPage(slot), "op=" + op + " slot=" + slot);
            }
            assertEquals(cachedBefore - expected, tlb.size(), "op=" + op);
        }
    }

    @Test
    void flushAllEmptiesTheTlb() {
        DeviceTlb tlb = new DeviceTlb(8, 2);
        for (int n = 0; n < 5; n++) {
            tlb.fill(BASE + n * PAGE_SIZE, sys(n));
        }
        assertEquals(5, tlb.flushAll());
        assertEquals(0, tlb.size());
        assertEquals(1, tlb.flushes());
        assertEquals(5, tlb.entriesFlushed());
    }

    @Test
    void resetCountersKeepsTheEntries() {
        DeviceTlb tlb = new DeviceTlb(8, 2);
        tlb.fill(BASE, sys(1));
        tlb.lookup(BASE);
        tlb.lookup(BASE + PAGE_SIZE);
        tlb.flushRange(BASE + PAGE_SIZE, BASE + 2 * PAGE_SIZE);
        tlb.resetCounters();
        assertEquals(0, tlb.hits() + tlb.misses() + tlb.flushes() + tlb.entriesFlushed());
        assertEquals(sys(1), tlb.lookup(BASE));
    }

    @Test
    void badInputIsRejectedAndChangesNothing() {
        assertEquals(
                "sets=3 is not a power of two",
                assertThrows(IllegalArgumentException.class, () -> new DeviceTlb(3, 1))
                        .getMessage());
        assertEquals(
                "ways=0 is below 1",
                assertThrows(IllegalArgumentException.class, () -> new DeviceTlb(4, 0))
                        .getMessage());
        DeviceTlb tlb = new DeviceTlb(8, 2);
        tlb.fill(BASE, sys(1));
        assertEquals(
                "entry=0x2 is not VALID",
                assertThrows(IllegalArgumentException.class, () -> tlb.fill(BASE, 2))
                        .getMessage());
        assertEquals(
                "va=0x800000000000 is beyond VA_LIMIT=0x800000000000",
                assertThrows(IllegalArgumentException.class, () -> tlb.lookup(VA_LIMIT))
                        .getMessage());
        assertEquals(
                "end=0x100000000 is not above start=0x100000000",
                assertThrows(IllegalArgumentException.class, () -> tlb.flushRange(BASE, BASE))
                        .getMessage());
        assertEquals(
                "start=0x100000001 is not a page-aligned user address",
                assertThrows(IllegalArgumentException.class, () -> tlb.flushRange(BASE + 1, BASE + PAGE_SIZE))
                        .getMessage());
        // Nothing was flushed, counted or replaced.
        assertEquals(0, tlb.flushes());
        assertEquals(0, tlb.hits() + tlb.misses());
        assertEquals(sys(1), tlb.lookup(BASE));
    }
}
