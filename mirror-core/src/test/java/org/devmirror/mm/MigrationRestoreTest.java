package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/**
 * A page a migration isolated but did not move (no destination: the device was out of memory) is
 * mapped again exactly as it was: migrate_vma_collect_pmd remembers the PTE's dirty and young
 * bits in the migration entry and remove_migration_pte puts them back (mm/migrate_device.c,
 * mm/migrate.c).
 */
class MigrationRestoreTest extends HostFixture {

    /**
     * Found by device-memory fault injection: a failed migration dropped the dirty bit of a
     * read-only page, so reclaim took a lazily freed page that had been written again for clean
     * and discarded the new data.
     */
    @Test
    void failedMigrationKeepsTheDirtyBitOfAWriteProtectedPage() {
        // Step 1: a page freed lazily (MADV_FREE), written again (dirty), then made read-only.
        long a = anon(1);
        writePages(mm, a, 1, 10);
        assertEquals(Errno.OK, mm.madvise(a, PAGE, Advice.FREE));
        writePages(mm, a, 1, 20);
        assertEquals(Errno.OK, mm.mprotect(a, PAGE, Prot.READ));
        long before = mm.pageTable().get(a);
        assertTrue(PteLayout.isDirty(before), PteLayout.describe(before));
        // Step 2: a migration to a device with no free page isolates it and puts it back.
        TestDevicePagemap device = new TestDevicePagemap(host, 1);
        long other = anon(1);
        writePages(mm, other, 1, 1);
        assertEquals(1, device.migrateToDevice(mm, other, other + PAGE)); // the device's only page
        assertEquals(0, device.migrateToDevice(mm, a, a + PAGE));
        assertEquals(
                before, mm.pageTable().get(a), PteLayout.describe(mm.pageTable().get(a)));
        // Step 3: reclaim must swap the dirty page out, not discard it; the CPU reads the new data.
        assertEquals(1, mm.reclaim(a, PAGE));
        assertPages(mm, a, 1, 20);
    }
}
