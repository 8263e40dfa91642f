package org.devmirror.device.pagetable;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.VA_LIMIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Applies the same seeded random operations (single entries, HUGE leaves, blocks, zaps, protects,
 * walks) to the off-heap table and the TreeMap reference and requires identical results: every
 * return value and block read, and every translation in the windows touched.
 */
class DevicePageTableDifferentialTest {
    /** Windows of 4 MiB (two HUGE leaves) far apart, including both ends of the user range. */
    static final long[] WINDOWS = {0, 1L << 30, (1L << 39) - HUGE_SIZE, 1L << 40, VA_LIMIT - 2 * HUGE_SIZE};

    static final long WINDOW_PAGES = 2 * HUGE_PAGES;
    static final int OPERATIONS = 3000;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 0xdecafL})
    void offHeapTableMatchesTheReference(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try (DevicePageTable offHeap = new OffHeapDevicePageTable();
                DevicePageTable reference = new OnHeapDevicePageTable()) {
            for (int op = 0; op < OPERATIONS; op++) {
                String where = "seed=" + seed + " op=" + op;
                long a = randomPage(random);
                long b = randomPage(random);
                long start = Math.min(a, b);
                long end = Math.max(a, b) + PAGE_SIZE;
                switch (random.nextInt(12)) {
                    case 0, 1, 2, 3 -> {
                        long entry = randomEntry(random);
                        offHeap.set(a, entry);
                        reference.set(a, entry);
                    }
                    case 4 -> {
                        long leaf = random.nextInt(8) == 0
                                ? 0
                                : DevicePteLayout.huge(
                                        DevicePteLayout.systemPage(512L * random.nextInt(1000), random.nextBoolean()));
                        offHeap.setHuge(a & -HUGE_SIZE, leaf);
                        reference.setHuge(a & -HUGE_SIZE, leaf);
                    }
                    case 5, 6 -> assertEquals(reference.zap(start, end), offHeap.zap(start, end), where);
                    case 7, 8 -> {
                        boolean write = random.nextBoolean();
                        assertEquals(reference.protect(start, end, write), offHeap.protect(start, end, write), where);
                    }
                    case 9 -> {
                        // A block from page a to at most the end of its 2 MiB, some entries 0.
                        int count = 1 + random.nextInt((int) (((a | (HUGE_SIZE - 1)) + 1 - a) / PAGE_SIZE));
                        long[] block = new long[count + 1];
                        for (int i = 1; i <= count; i++) {
                            block[i] = randomEntry(random);
                        }
                        offHeap.setBlock(a, block, 1, count);
                        reference.setBlock(a, block, 1, count);
                    }
                    case 10 -> {
                        int count = 1 + random.nextInt((int) (((a | (HUGE_SIZE - 1)) + 1 - a) / PAGE_SIZE));
                        long[] want = new long[count];
                        long[] got = new long[count];
                        reference.getBlock(a, want, 0, count);
                        offHeap.getBlock(a, got, 0, count);
                        assertArrayEquals(want, got, where);
                    }
                    default -> {
                        assertEquals(reference.nextPopulated(start, end), offHeap.nextPopulated(start, end), where);
                        assertEquals(
                                reference.nextPopulated(start, VA_LIMIT),
                                offHeap.nextPopulated(start, VA_LIMIT),
                                where);
                    }
                }
                assertEquals(reference.populated(), offHeap.populated(), where);
                if (op % 100 == 99) {
                    assertSameTranslations(reference, offHeap, where);
                }
            }
            assertSameTranslations(reference, offHeap, "seed=" + seed + " end");
            // Emptying both leaves the off-heap table with no table pages at all.
            assertEquals(reference.zap(0, VA_LIMIT), offHeap.zap(0, VA_LIMIT));
            assertEquals(0, offHeap.tablePages());
        }
    }

    static void assertSameTranslations(DevicePageTable expected, DevicePageTable actual, String where) {
        for (long window : WINDOWS) {
            for (long n = 0; n < WINDOW_PAGES; n++) {
                long va = window + n * PAGE_SIZE;
                long want = expected.get(va);
                long got = actual.get(va);
                if (want != got) {
                    assertEquals(
                            DevicePteLayout.describe(want),
                            DevicePteLayout.describe(got),
                            where + " va=0x" + Long.toHexString(va));
                }
            }
        }
    }

    /** A page in one of the windows; most operations stay within one window so ranges stay local. */
    static long randomPage(SplittableRandom random) {
        return WINDOWS[random.nextInt(WINDOWS.length)] + random.nextLong(WINDOW_PAGES) * PAGE_SIZE;
    }

    static long randomEntry(SplittableRandom random) {
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> DevicePteLayout.exclusivePage(random.nextLong(1L << 20));
            case 2 ->
                DevicePteLayout.devicePrivatePage(
                        DevicePteLayout.DEVICE_PFN_BASE + random.nextLong(1L << 20),
                        random.nextBoolean(),
                        random.nextBoolean());
            default -> DevicePteLayout.systemPage(random.nextLong(1L << 20), random.nextBoolean());
        };
    }
}
