package org.devmirror.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.TestDevicePagemap;
import org.junit.jupiter.api.Test;

/**
 * A 2 MiB block mapped by another thread between a migration's pre-split and its collection.
 * {@code migrate_vma_setup} holds only the mmap read lock, so a THP fault (or another migration's
 * {@code remove_migration_pmd}) may map a PMD leaf over a block the collection then walks page by
 * page. Found by the concurrent stress test, where two device threads migrating the same huge
 * region left a leaf with map count 0. Here the leaf is mapped from the MIGRATE invalidation
 * itself, which runs between the two steps, so the interleaving is exact.
 */
class MigrateCollectRaceTest extends HostFixture {

    @Test
    void aLeafMappedAfterThePreSplitIsSkippedNotCollected() {
        // Step 1: an empty 2 MiB-aligned THP region, and a subscriber that maps it as one leaf
        // (a CPU write: do_huge_pmd_anonymous_page) when the migration's MIGRATE arrives.
        long a = mm.mmap(0, PMD, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGEPAGE);
        assertEquals(0, a & (PMD - 1));
        boolean[] mapped = {false};
        IntervalNotifier racer = new IntervalNotifier((sub, range, seq) -> {
            if (range.event() == MmuNotifierEvent.MIGRATE && !mapped[0]) {
                mapped[0] = true;
                assertEquals(Errno.OK, mm.cpuWrite(a, new byte[] {42}, 0, 1));
            }
            sub.setSeq(seq);
            return true;
        });
        mm.notifiers().insert(racer, a, PMD);

        // Step 2: a migration of 8 pages in the middle of the block: nothing is collected.
        TestDevicePagemap device = new TestDevicePagemap(host, 8);
        assertEquals(0, device.migrateToDevice(mm, a + 16 * PAGE, a + 24 * PAGE));

        // Step 3: the leaf is intact, still mapped once, and the CPU reads what it wrote.
        assertTrue(mapped[0], "the MIGRATE invalidation ran");
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isPresent(e), PteLayout.describe(e));
        assertEquals(1, host.memory().mapcount(PteLayout.pfn(e)));
        byte[] b = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(a, b, 0, 1));
        assertEquals(42, b[0]);
        assertEquals(0, device.usedPages());
    }
}
