package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * The reuse test of do_wp_page, as the safety oracle asks it: a page write-protected only for
 * soft-dirty tracking would be written in place, a copy-on-write page would not.
 */
class WriteWouldReuseTest extends HostFixture {

    private boolean reuse(AddressSpace as, long addr) {
        as.mmapReadLock();
        try {
            return as.writeWouldReuse(addr);
        } finally {
            as.mmapReadUnlock();
        }
    }

    @Test
    void softDirtyWriteProtectedPageIsReused() {
        // Step 1: a written page is writable; after clear_refs it is read-only but still exclusive.
        long a = anon(2);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertFalse(PteLayout.isWrite(pte(mm, a)), describe(pte(mm, a)));
        assertTrue(reuse(mm, a));

        // Step 2: the CPU write indeed keeps the frame.
        long pfn = PteLayout.pfn(pte(mm, a));
        writePages(mm, a, 1, 7);
        assertEquals(pfn, PteLayout.pfn(pte(mm, a)));
    }

    @Test
    void forkAfterSoftDirtyStillRaisesProtectionPage() {
        // A page write-protected by clear_refs becomes shared by fork all the same: mirrors must
        // hear PROTECTION_PAGE for it, or a device kept writable would write into the child's copy.
        long a = anon(1);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        rec.clear();
        AddressSpace child = mm.fork();
        assertEquals(
                java.util.List.of(ev(org.devmirror.notifier.MmuNotifierEvent.PROTECTION_PAGE, a, a + PAGE)),
                rec.events());
        assertFalse(reuse(mm, a));
        child.exit();
    }

    @Test
    void forkSharedPageIsNotReused() {
        // A page shared with a fork child would be copied on write.
        long a = anon(1);
        writePages(mm, a, 1, 1);
        AddressSpace child = mm.fork();
        assertFalse(reuse(mm, a));
        assertFalse(reuse(child, a));
    }

    @Test
    void zeroPageUnpopulatedAndReadOnlyVmaAreNotReused() {
        long a = anon(3);
        // Page 0 is never touched, page 1 is the zero page after a read.
        assertEquals(Errno.OK, mm.cpuRead(a + PAGE, new byte[1], 0, 1));
        assertFalse(reuse(mm, a));
        assertFalse(reuse(mm, a + PAGE));
        // Page 2 is written, then its VMA made read-only.
        writePages(mm, a + 2 * PAGE, 1, 1);
        assertEquals(Errno.OK, mm.mprotect(a + 2 * PAGE, PAGE, Prot.READ));
        assertFalse(reuse(mm, a + 2 * PAGE));
    }

    @Test
    void dirtySharedPageWriteProtectedForSoftDirtyIsReused() {
        // clear_refs write-protects a dirty shared page; the CPU's next write lands in place.
        MemoryObject file = host.newFile("f", PAGE);
        long a = mm.mmap(0, PAGE, Prot.RW, MapFlags.SHARED, file, 0);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertFalse(PteLayout.isWrite(pte(mm, a)), describe(pte(mm, a)));
        assertTrue(reuse(mm, a));
    }

    @Test
    void cleanSharedFilePageIsNotReused() {
        // Write-protection after writeback tracks dirtiness: the device must not write behind it.
        MemoryObject file = host.newFile("f", PAGE);
        long a = mm.mmap(0, PAGE, Prot.RW, MapFlags.SHARED, file, 0);
        writePages(mm, a, 1, 1);
        assertEquals(Errno.OK, mm.writeback(file));
        assertFalse(reuse(mm, a));
    }
}
