package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ports the {@code hmm_device_coherent} and {@code hmm2_device_coherent} variants of
 * tools/testing/selftests/mm/hmm-tests.c whose behaviour differs from the device-private ones:
 * devices 2 and 3 ({@code HMM_DMIRROR_MEMORY_DEVICE_COHERENT}) hold pages the CPU maps with
 * present entries and accesses in place, so no CPU access migrates anything back.
 */
class HmmCoherentTest extends DeviceFixture {
    private static final int NPAGES = 64;
    /** Coherent memory per device: 1024 pages, frames of the host's 64 MiB. */
    private static final long COHERENT_PAGES = 1024;

    private DmirrorDevice dev2;
    private DmirrorDevice dev3;
    private Dmirror mirror2;

    @BeforeEach
    void bootCoherentDevices() {
        dev2 = new DmirrorDevice(host, 2, COHERENT_PAGES, DeviceMemoryKind.COHERENT);
        dev3 = new DmirrorDevice(host, 3, COHERENT_PAGES, DeviceMemoryKind.COHERENT);
        mirror2 = dev2.open(mm);
    }

    @AfterEach
    void closeCoherentDevices() {
        for (Dmirror m : dev2.mirrors()) {
            m.close();
        }
        for (Dmirror m : dev3.mirrors()) {
            m.close();
        }
    }

    /** An RW buffer of NPAGES holding ptr[i] = i, migrated to dev2. */
    private long migrated() {
        long a = anon(NPAGES, Prot.RW);
        cpuInit(mm, a, NPAGES, 0);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror2.migrateToDevice(a, NPAGES));
        return a;
    }

    private void assertCoherentPresent(AddressSpace as, long va, DmirrorDevice owner) {
        long e = as.pageTable().get(va);
        assertTrue(PteLayout.isPresent(e), PteLayout.describe(e));
        assertTrue(owner.ownsCoherentPfn(PteLayout.pfn(e)), PteLayout.describe(e));
    }

    /**
     * Ports migrate (coherent): the pages move to device memory the CPU maps with present entries;
     * the CPU reads them in place, with no migration and no invalidation.
     */
    @Test
    void migrateIsMappedPresentAndReadInPlace() {
        long a = migrated();
        for (int i = 0; i < NPAGES; i++) {
            assertCoherentPresent(mm, a + i * PAGE, dev2);
        }
        assertEquals(NPAGES, dev2.usedPages());
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertCpuInts(mm, a, NPAGES, 0);
        cpuInit(mm, a, NPAGES, 7); // an exclusive anonymous page: wp_page_reuse, in place
        assertEquals(List.of(), rec.events(), "a CPU access to coherent memory raises nothing");
        assertCoherentPresent(mm, a, dev2);
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(Errno.OK, mirror2.read(a, NPAGES, buf).result());
        assertInts(buf, NPAGES, 7);
        assertOracle(mirror2);
    }

    /**
     * Ports migrate_multiple (coherent): the pages come back only with an explicit
     * MIGRATE_TO_SYS (cpages = npages); afterwards they are system RAM and the device is empty.
     */
    @Test
    void migrateMultipleNeedsAnExplicitMigrationBack() {
        for (int c = 0; c < 10; c++) {
            long a = migrated();
            assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror2.migrateToSystem(a, NPAGES));
            long e = mm.pageTable().get(a);
            assertTrue(PteLayout.isPresent(e) && !host.memory().isZoneDevice(PteLayout.pfn(e)), PteLayout.describe(e));
            assertCpuInts(mm, a, NPAGES, 0);
            assertEquals(0, dev2.usedPages(), "round " + c);
            assertEquals(Errno.OK, mm.munmap(a, NPAGES * PAGE));
        }
        assertOracle(mirror2);
    }

    /**
     * Ports migrate_fault (coherent): a CPU read of half the buffer migrates nothing back, so a
     * second migration to the device finds every page already there (cpages = npages).
     */
    @Test
    void migrateFaultLeavesPagesOnTheDevice() {
        long a = migrated();
        assertCpuInts(mm, a, NPAGES / 2, 0);
        assertEquals(NPAGES, dev2.usedPages());
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror2.migrateToDevice(a, NPAGES));
        assertEquals(NPAGES, dev2.usedPages(), "SELECT_SYSTEM does not collect coherent pages");
        assertCpuInts(mm, a, NPAGES, 0);
    }

    /**
     * Ports hmm2.snapshot (coherent): a page on the snapshotting device is DEV_COHERENT_LOCAL, one
     * on the other device DEV_COHERENT_REMOTE, both WRITE (the private variant reports NONE for the
     * other device's page).
     */
    @Test
    void snapshotReportsLocalAndRemoteCoherentPages() {
        Dmirror mirror3 = dev3.open(mm);
        long a = anon(2, Prot.RW);
        cpuInit(mm, a, 2, 0);
        assertEquals(Errno.OK, mirror2.migrateToDevice(a, 1).result());
        assertEquals(Errno.OK, mirror3.migrateToDevice(a + PAGE, 1).result());
        byte[] prot = new byte[2];
        assertEquals(new DeviceCommand(Errno.OK, 2, 0), mirror2.snapshot(a, 2, prot));
        assertEquals(SnapshotProt.DEV_COHERENT_LOCAL | SnapshotProt.WRITE, prot[0], SnapshotProt.describe(prot[0]));
        assertEquals(SnapshotProt.DEV_COHERENT_REMOTE | SnapshotProt.WRITE, prot[1], SnapshotProt.describe(prot[1]));
    }

    /**
     * Ports hmm_cow_in_device (coherent): after fork the parent's write copies each page straight
     * from device memory (CLEAR per page, wp_page_copy), and its snapshot shows system pages; the
     * child keeps the coherent pages.
     */
    @Test
    void cowCopiesStraightFromDeviceMemory() {
        long a = migrated();
        AddressSpace child = mm.fork();
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        cpuInit(mm, a, NPAGES, 0);
        List<Event> clears = rec.events().stream()
                .filter(e -> e.event() == MmuNotifierEvent.CLEAR)
                .toList();
        assertEquals(NPAGES, clears.size(), rec.events()::toString);
        assertTrue(rec.events().stream().noneMatch(e -> e.event() == MmuNotifierEvent.MIGRATE), "no migration back");
        byte[] prot = new byte[NPAGES];
        assertEquals(Errno.OK, mirror2.snapshot(a, NPAGES, prot).result());
        for (byte b : prot) {
            assertEquals(SnapshotProt.WRITE, b, SnapshotProt.describe(b));
        }
        assertCoherentPresent(child, a, dev2);
        assertCpuInts(child, a, NPAGES, 0);
        child.exit();
        assertEquals(0, dev2.usedPages(), "the child's exit dropped the last references: page_free");
    }

    /**
     * Ports migrate_release (coherent): RELEASE evicts the device's pages with
     * migrate_device_pfns: one CLEAR per mapped page, and the CPU then reads system RAM.
     */
    @Test
    void releaseEvictsToSystemMemory() {
        long a = migrated();
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror2.release());
        assertEquals(
                NPAGES,
                rec.events().stream()
                        .filter(e -> e.event() == MmuNotifierEvent.CLEAR)
                        .count());
        assertEquals(
                new Event(MmuNotifierEvent.CLEAR, a, a + PAGE, true, null),
                rec.events().getFirst());
        long e = mm.pageTable().get(a + 3 * PAGE);
        assertTrue(PteLayout.isPresent(e) && !host.memory().isZoneDevice(PteLayout.pfn(e)), PteLayout.describe(e));
        assertEquals(0, dev2.usedPages());
        assertCpuInts(mm, a, NPAGES, 0);
    }

    /** Reclaim and KSM leave coherent pages alone; munmap hands them back to the device (page_free). */
    @Test
    void reclaimSkipsAndMunmapFrees() {
        long a = migrated();
        assertEquals(0, mm.reclaim(a, NPAGES * PAGE));
        assertCoherentPresent(mm, a, dev2);
        assertEquals(0, mm.ksmMerge(a, NPAGES * PAGE));
        assertEquals(Errno.OK, mm.munmap(a, NPAGES * PAGE));
        assertEquals(0, dev2.usedPages());
        assertEquals(NPAGES, dev2.freedPages());
        assertFalse(dev2.ownsPfn(0), "a coherent device has no device-private PFNs");
    }
}
