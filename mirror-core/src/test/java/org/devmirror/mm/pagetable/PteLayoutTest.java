package org.devmirror.mm.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every entry kind encodes and decodes to what it was built from. */
class PteLayoutTest {
    private static final long BIG_PFN = PteLayout.MAX_PFN;
    private static final long DEVICE_PFN = (1L << 32) + 5;

    /** Present entries keep PFN and permission bits; the modifiers flip exactly their bit. */
    @Test
    void presentEntryRoundTrips() {
        long e = PteLayout.present(BIG_PFN, true);
        assertEquals(PteLayout.TYPE_PRESENT, PteLayout.type(e));
        assertTrue(PteLayout.isPresent(e));
        assertTrue(PteLayout.isRead(e));
        assertTrue(PteLayout.isWrite(e));
        assertFalse(PteLayout.isHuge(e) || PteLayout.isSpecial(e) || PteLayout.isDirty(e) || PteLayout.isYoung(e));
        assertEquals(BIG_PFN, PteLayout.pfn(e));
        // Read-only, then the kernel's modifiers.
        long ro = PteLayout.present(42, false);
        assertFalse(PteLayout.isWrite(ro));
        assertTrue(PteLayout.isWrite(PteLayout.mkWrite(ro)));
        assertEquals(ro, PteLayout.wrProtect(PteLayout.mkWrite(ro)));
        long dirty = PteLayout.mkDirty(ro);
        assertTrue(PteLayout.isDirty(dirty) && PteLayout.isSoftDirty(dirty));
        assertFalse(PteLayout.isDirty(PteLayout.mkClean(dirty)));
        assertTrue(PteLayout.isSoftDirty(PteLayout.mkClean(dirty)));
        assertEquals(ro, PteLayout.clearSoftDirty(PteLayout.mkClean(dirty)));
        assertTrue(PteLayout.isYoung(PteLayout.mkYoung(ro)));
        assertEquals(ro, PteLayout.mkOld(PteLayout.mkYoung(ro)));
        assertEquals(42, PteLayout.pfn(dirty));
        // Explicit flags; no READ is PROT_NONE.
        long none = PteLayout.present(7, 0);
        assertTrue(PteLayout.isPresent(none) && PteLayout.isProtNone(none));
        assertFalse(PteLayout.isRead(none));
        assertEquals(PteLayout.present(7, true), PteLayout.present(7, PteLayout.READ | PteLayout.WRITE));
    }

    /** The zero-page entry is present, read-only and special. */
    @Test
    void zeroPageEntryIsSpecialReadOnly() {
        long e = PteLayout.zeroPage(3);
        assertTrue(PteLayout.isPresent(e) && PteLayout.isSpecial(e) && PteLayout.isRead(e));
        assertFalse(PteLayout.isWrite(e));
        assertEquals(3, PteLayout.pfn(e));
        assertFalse(PteLayout.isSpecial(PteLayout.present(3, false)));
    }

    /** PMD leaves carry HUGE and a 512-aligned head PFN. */
    @Test
    void pmdLeafRoundTrips() {
        long e = PteLayout.pmdLeaf(1024, true);
        assertTrue(PteLayout.isPresent(e) && PteLayout.isHuge(e) && PteLayout.isWrite(e));
        assertEquals(1024, PteLayout.pfn(e));
        long flags = PteLayout.pmdLeaf(512, PteLayout.READ | PteLayout.DIRTY);
        assertTrue(PteLayout.isDirty(flags));
        assertFalse(PteLayout.isWrite(flags));
        assertEquals(
                "headPfn=513 is not 512-aligned",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.pmdLeaf(513, true))
                        .getMessage());
    }

    /** Each non-present kind keeps its offset, type and write bit, and is never 0. */
    @Test
    void nonPresentEntriesRoundTrip() {
        long swap = PteLayout.swapEntry(0);
        assertTrue(swap != 0 && PteLayout.isNonPresent(swap) && PteLayout.isSwap(swap));
        assertEquals(0, PteLayout.swapSlot(swap));
        assertEquals(BIG_PFN, PteLayout.swapSlot(PteLayout.swapEntry(BIG_PFN)));
        assertFalse(PteLayout.isWrite(swap));

        for (boolean write : new boolean[] {false, true}) {
            long mig = PteLayout.migrationEntry(BIG_PFN, write);
            long dev = PteLayout.devicePrivateEntry(DEVICE_PFN, write);
            long exc = PteLayout.deviceExclusiveEntry(0, write);
            assertEquals(PteLayout.TYPE_MIGRATION, PteLayout.type(mig));
            assertEquals(PteLayout.TYPE_DEVICE_PRIVATE, PteLayout.type(dev));
            assertEquals(PteLayout.TYPE_DEVICE_EXCLUSIVE, PteLayout.type(exc));
            assertTrue(
                    PteLayout.isMigration(mig) && PteLayout.isDevicePrivate(dev) && PteLayout.isDeviceExclusive(exc));
            assertEquals(BIG_PFN, PteLayout.pfn(mig));
            assertEquals(DEVICE_PFN, PteLayout.pfn(dev));
            assertEquals(0, PteLayout.pfn(exc));
            assertTrue(exc != 0 && !PteLayout.isPresent(exc));
            for (long e : new long[] {mig, dev, exc}) {
                assertEquals(write, PteLayout.isWrite(e));
                assertEquals(write ? e : PteLayout.mkWrite(e), PteLayout.mkWrite(e));
                assertFalse(PteLayout.isWrite(PteLayout.wrProtect(e)));
                assertFalse(PteLayout.isPresent(PteLayout.mkWrite(e)));
            }
        }
        assertEquals(PteLayout.TYPE_NONE, PteLayout.type(0));
    }

    /** Soft-dirty survives the conversion of a present entry to a migration entry and back. */
    @Test
    void softDirtyIsKeptAcrossConversion() {
        long pte = PteLayout.mkDirty(PteLayout.present(9, true));
        long mig = PteLayout.migrationEntry(PteLayout.pfn(pte), PteLayout.isWrite(pte));
        if (PteLayout.isSoftDirty(pte)) {
            mig = PteLayout.mkSoftDirty(mig);
        }
        assertTrue(PteLayout.isSoftDirty(mig));
        assertTrue(PteLayout.isMigration(mig) && PteLayout.isWrite(mig));
        assertEquals(PteLayout.TYPE_MIGRATION, PteLayout.type(PteLayout.clearSoftDirty(mig)));
        assertFalse(PteLayout.isSoftDirty(PteLayout.clearSoftDirty(mig)));
    }

    /** A migration entry remembers a dirty PTE and stays a migration entry of the same page. */
    @Test
    void migrationEntryRemembersDirty() {
        long dirty = PteLayout.migrationEntry(9, false, true);
        long clean = PteLayout.migrationEntry(9, false, false);
        assertTrue(PteLayout.isMigrationDirty(dirty));
        assertFalse(PteLayout.isMigrationDirty(clean));
        assertEquals(clean, PteLayout.migrationEntry(9, false));
        assertTrue(PteLayout.isMigration(dirty) && !PteLayout.isWrite(dirty) && !PteLayout.isPresent(dirty));
        assertEquals(9, PteLayout.pfn(dirty));
        assertFalse(PteLayout.isDirty(dirty)); // pte_dirty is for present entries
        assertFalse(PteLayout.isMigrationDirty(PteLayout.mkDirty(PteLayout.present(9, true))));
        assertEquals("migration pfn=0x9 D", PteLayout.describe(dirty));
    }

    /** PMD-level migration and device-private entries carry HUGE; other kinds cannot. */
    @Test
    void pmdNonPresentEntries() {
        long mig = PteLayout.toPmd(PteLayout.migrationEntry(512, true));
        assertTrue(PteLayout.isHuge(mig) && PteLayout.isMigration(mig) && PteLayout.isWrite(mig));
        assertEquals(512, PteLayout.pfn(mig));
        long dev = PteLayout.toPmd(PteLayout.devicePrivateEntry(1L << 32, false));
        assertTrue(PteLayout.isHuge(dev) && PteLayout.isDevicePrivate(dev));
        assertEquals(
                "entry=0x2 is not a migration or device-private entry",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.toPmd(PteLayout.swapEntry(0)))
                        .getMessage());
        assertEquals(
                "entry pfn=5 is not 512-aligned",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.toPmd(PteLayout.migrationEntry(5, false)))
                        .getMessage());
    }

    /** describe names the kind and its fields. */
    @Test
    void describeNamesEachKind() {
        assertEquals("none", PteLayout.describe(0));
        assertEquals(
                "present pfn=0x2a R W D A SD",
                PteLayout.describe(PteLayout.mkYoung(PteLayout.mkDirty(PteLayout.present(42, true)))));
        assertEquals("present pfn=0x1 R SPECIAL", PteLayout.describe(PteLayout.zeroPage(1)));
        assertEquals("pmd-leaf pfn=0x200 R", PteLayout.describe(PteLayout.pmdLeaf(512, false)));
        assertEquals("swap slot=7", PteLayout.describe(PteLayout.swapEntry(7)));
        assertEquals(
                "migration pfn=0x10 W SD",
                PteLayout.describe(PteLayout.mkSoftDirty(PteLayout.migrationEntry(16, true))));
        assertEquals(
                "device-private pfn=0x100000000 HUGE",
                PteLayout.describe(PteLayout.toPmd(PteLayout.devicePrivateEntry(1L << 32, false))));
        assertEquals("device-exclusive pfn=0x3", PteLayout.describe(PteLayout.deviceExclusiveEntry(3, false)));
        assertEquals("invalid 0xe", PteLayout.describe(0xe));
    }

    /** Values that do not fit are named and rejected. */
    @Test
    void badFieldsAreRejected() {
        assertEquals(
                "pfn=-1 does not fit the 40-bit PFN field",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.present(-1, true))
                        .getMessage());
        assertEquals(
                "slot=1099511627776 does not fit the 40-bit PFN field",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.swapEntry(1L << 40))
                        .getMessage());
        assertEquals(
                "devPfn=1099511627776 does not fit the 40-bit PFN field",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.devicePrivateEntry(1L << 40, true))
                        .getMessage());
        assertEquals(
                "flags=0x80 has bits outside PRESENT_FLAGS=0xc66",
                assertThrows(IllegalArgumentException.class, () -> PteLayout.present(1, PteLayout.HUGE))
                        .getMessage());
    }

    /** uffd-wp: the bit write-protects a present entry, rides on swap-style entries, and a marker stands for a none entry. */
    @Test
    void uffdWpBitAndMarkers() {
        long rw = PteLayout.present(42, true);
        long wp = PteLayout.mkUffdWp(rw);
        assertTrue(PteLayout.isUffdWp(wp));
        assertFalse(PteLayout.isWrite(wp), "pte_mkuffd_wp write-protects");
        assertEquals(PteLayout.wrProtect(rw), PteLayout.clearUffdWp(wp));
        long swap = PteLayout.mkUffdWp(PteLayout.swapEntry(9));
        assertTrue(PteLayout.isSwap(swap) && PteLayout.isUffdWp(swap));
        assertEquals(9, PteLayout.swapSlot(swap));
        long marker = PteLayout.uffdWpMarker();
        assertTrue(PteLayout.isMarker(marker) && PteLayout.isUffdWp(marker) && PteLayout.isNoneMostly(marker));
        assertFalse(PteLayout.isPresent(marker));
        assertEquals(0, PteLayout.clearUffdWp(marker), "resolving a uffd-wp marker clears it");
        assertEquals(marker, PteLayout.mkUffdWp(marker));
        assertEquals("marker uffd-wp", PteLayout.describe(marker));
        assertThrows(IllegalArgumentException.class, () -> PteLayout.mkUffdWp(0));
    }

    /** NUMA hinting: mkProtNone removes read and write and keeps the rest. */
    @Test
    void protNoneForNumaHinting() {
        long e = PteLayout.mkDirty(PteLayout.present(42, true));
        long hint = PteLayout.mkProtNone(e);
        assertTrue(PteLayout.isPresent(hint) && PteLayout.isProtNone(hint));
        assertFalse(PteLayout.isRead(hint) || PteLayout.isWrite(hint));
        assertTrue(PteLayout.isDirty(hint) && PteLayout.isSoftDirty(hint));
        assertEquals(42, PteLayout.pfn(hint));
        assertThrows(IllegalArgumentException.class, () -> PteLayout.mkProtNone(PteLayout.swapEntry(1)));
    }
}
