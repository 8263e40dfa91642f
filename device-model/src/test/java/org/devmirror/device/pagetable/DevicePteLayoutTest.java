package org.devmirror.device.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The device PTE encoding: constructors, predicates and the checks that reject malformed entries. */
class DevicePteLayoutTest {
    @Test
    void systemPageRoundTrips() {
        long e = DevicePteLayout.systemPage(0xFFFF_FFFFL, true);
        assertEquals(0xFFFF_FFFFL, DevicePteLayout.pfn(e));
        assertTrue(DevicePteLayout.isValid(e));
        assertTrue(DevicePteLayout.isWrite(e));
        assertFalse(DevicePteLayout.isAtomic(e));
        assertFalse(DevicePteLayout.isDevicePrivate(e));
        assertFalse(DevicePteLayout.isHuge(e));
    }

    @Test
    void devicePrivatePageHoldsAFortyBitPfn() {
        long pfn = (1L << 40) - 1;
        long e = DevicePteLayout.devicePrivatePage(pfn, false, true);
        assertEquals(pfn, DevicePteLayout.pfn(e));
        assertTrue(DevicePteLayout.isDevicePrivate(e));
        assertTrue(DevicePteLayout.isRemote(e));
        assertFalse(DevicePteLayout.isWrite(e));
        DevicePteLayout.checkEntry("e", e);
    }

    @Test
    void exclusivePageIsWritableAndAtomic() {
        long e = DevicePteLayout.exclusivePage(9);
        assertTrue(DevicePteLayout.isAtomic(e));
        assertTrue(DevicePteLayout.isWrite(e));
        assertEquals(DevicePteLayout.systemPage(9, false), DevicePteLayout.withWrite(e, false));
    }

    @Test
    void hugeLeafTranslatesEachSubpage() {
        long leaf = DevicePteLayout.huge(DevicePteLayout.systemPage(1024, true));
        long va = DevicePteLayout.HUGE_SIZE * 3 + 17 * DevicePteLayout.PAGE_SIZE + 5;
        assertEquals(1024 + 17, DevicePteLayout.pfnAt(leaf, va));
        assertEquals(DevicePteLayout.systemPage(1024 + 17, true), DevicePteLayout.hugeSubpage(leaf, 17));
    }

    @Test
    void constructorsRejectPfnsOnTheWrongSide() {
        assertEquals(
                "pfn=0x100000000 is at or above DEVICE_PFN_BASE=0x100000000",
                assertThrows(IllegalArgumentException.class, () -> DevicePteLayout.systemPage(1L << 32, false))
                        .getMessage());
        assertEquals(
                "pfn=0x5 is below DEVICE_PFN_BASE=0x100000000",
                assertThrows(IllegalArgumentException.class, () -> DevicePteLayout.devicePrivatePage(5, false, false))
                        .getMessage());
        assertEquals(
                "pfn=0x100000000000 is outside 0..0xfffffffffff",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> DevicePteLayout.devicePrivatePage(1L << 44, false, false))
                        .getMessage());
        assertEquals(
                "pfn=0x201 is not aligned to 512",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> DevicePteLayout.huge(DevicePteLayout.systemPage(513, false)))
                        .getMessage());
    }

    @Test
    void tablePointersAreNeverValidEntries() {
        long pointer = DevicePteLayout.tablePointer(12345);
        assertTrue(DevicePteLayout.isTable(pointer));
        assertFalse(DevicePteLayout.isValid(pointer));
        assertEquals(12345, DevicePteLayout.tablePage(pointer));
        assertThrows(
                IllegalArgumentException.class,
                () -> DevicePteLayout.checkEntry("entry", pointer | DevicePteLayout.VALID));
    }

    @Test
    void describeNamesTheFlags() {
        assertEquals("none", DevicePteLayout.describe(0));
        assertEquals("pfn=0x9 VALID|WRITE|ATOMIC", DevicePteLayout.describe(DevicePteLayout.exclusivePage(9)));
    }

    @Test
    void smallEntryDefectsAgreesWithTheEntryCheck() {
        // Every entry a bulk write accepts is one set accepts: 0, or well formed without HUGE.
        // Random words are nearly all malformed, so bias them towards the interesting bits.
        SplittableRandom random = new SplittableRandom(11);
        long[] interesting = {
            0,
            1,
            DevicePteLayout.VALID | DevicePteLayout.HUGE,
            DevicePteLayout.systemPage(5, true),
            DevicePteLayout.devicePrivatePage(DevicePteLayout.DEVICE_PFN_BASE, false, true),
            DevicePteLayout.TABLE | 1,
            DevicePteLayout.VALID | DevicePteLayout.DEVICE_PRIVATE,
            DevicePteLayout.VALID | DevicePteLayout.REMOTE,
            DevicePteLayout.VALID | (DevicePteLayout.MAX_PFN << DevicePteLayout.PFN_SHIFT),
            -1L,
            Long.MIN_VALUE | 1
        };
        for (int n = 0; n < 200_000; n++) {
            long entry = n < interesting.length
                    ? interesting[n]
                    : random.nextLong() & (random.nextBoolean() ? 0x3fL | DevicePteLayout.PFN_MASK : -1L);
            boolean accepted;
            long word = entry;
            try {
                if (entry != 0) {
                    DevicePteLayout.checkEntry("entry", entry);
                }
                accepted = !DevicePteLayout.isHuge(entry);
            } catch (IllegalArgumentException e) {
                accepted = false;
            }
            assertEquals(
                    accepted, DevicePteLayout.smallEntryDefects(word) == 0, () -> "entry=0x" + Long.toHexString(word));
            // The fast check accepts a subset: 0 and plain system pages, never a defect.
            boolean plainSystem = word == 0
                    || (accepted && !DevicePteLayout.isDevicePrivate(word) && !DevicePteLayout.isRemote(word));
            assertEquals(
                    plainSystem,
                    DevicePteLayout.plainSystemEntryDefects(word) == 0,
                    () -> "entry=0x" + Long.toHexString(word));
        }
    }
}
