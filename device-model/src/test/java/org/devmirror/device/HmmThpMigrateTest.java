package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.testing.RecordingSubscriber;
import org.devmirror.testing.RecordingSubscriber.Event;
import org.junit.jupiter.api.Test;

/**
 * Ports the THP device-migration cases of tools/testing/selftests/mm/hmm-tests.c
 * ({@code migrate_anon_huge_*}): a 2 MiB folio moves whole with {@code MIGRATE_VMA_SELECT_COMPOUND}
 * to a device folio the CPU maps with one PMD-level device-private entry, and back; a failed folio
 * allocation falls back to base pages in either direction. Each case checks the events, the CPU
 * entry and the data.
 */
class HmmThpMigrateTest extends DeviceFixture {
    private static final int NPAGES = 512;

    /** A filled THP at a 2 MiB boundary: ptr[i] = i, mapped by one PMD leaf. */
    private long filledThp() {
        long a = anonHuge(NPAGES);
        cpuInit(mm, a, NPAGES, 0);
        assertTrue(
                PteLayout.isHuge(mm.pageTable().getPmd(a))
                        && PteLayout.isPresent(mm.pageTable().getPmd(a)),
                "THP expected");
        return a;
    }

    private static List<Event> only(List<Event> events, MmuNotifierEvent kind) {
        return events.stream().filter(e -> e.event() == kind).toList();
    }

    private void assertDevicePmd(long a, boolean write) {
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isDevicePrivate(e), PteLayout.describe(e));
        assertEquals(write, PteLayout.isWrite(e), PteLayout.describe(e));
        assertTrue(dev0.ownsPfn(PteLayout.pfn(e)));
    }

    private void assertSnapshot(Dmirror m, long a, int expected) {
        byte[] prot = new byte[NPAGES];
        assertEquals(Errno.OK, m.snapshot(a, NPAGES, prot).result());
        for (byte b : prot) {
            assertEquals(expected & 0xFF, b & 0xFF, SnapshotProt.describe(b));
        }
    }

    /** Ports migrate_anon_huge_fault: the THP migrates whole (one MIGRATE, a PMD device entry) and a CPU touch brings all of it back as a THP. */
    @Test
    void migrateAnonHugeFault() {
        long a = filledThp();
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        // collect: one MIGRATE over the 2 MiB with the device as owner; no split (no CLEAR)
        assertEquals(List.of(new Event(MmuNotifierEvent.MIGRATE, a, a + PMD, true, dev0)), rec.events());
        assertDevicePmd(a, true);
        assertEquals(NPAGES, dev0.usedPages());
        long head = PteLayout.pfn(mm.pageTable().getPmd(a));
        assertEquals(1, host.devicePageMapcount(head)); // one reference per page of the folio
        assertEquals(1, host.devicePageMapcount(head + NPAGES - 1));
        // the device maps the folio with one 2 MiB leaf and reads it without a fault
        assertTrue(DevicePteLayout.isHuge(mirror.entry(a)), DevicePteLayout.describe(mirror.entry(a)));
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.read(a, NPAGES, buf));
        assertInts(buf, NPAGES, 0);
        assertSnapshot(mirror, a, SnapshotProt.DEV_PRIVATE_LOCAL | SnapshotProt.WRITE | SnapshotProt.PMD);
        // a CPU read of one page in the middle migrates the whole folio back into a new THP
        byte[] one = new byte[4];
        assertEquals(Errno.OK, mm.cpuRead(a + 300 * PAGE, one, 0, 4));
        long back = mm.pageTable().getPmd(a);
        assertTrue(
                PteLayout.isHuge(back) && PteLayout.isPresent(back) && PteLayout.isWrite(back),
                PteLayout.describe(back));
        assertEquals(0, dev0.usedPages());
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports migrate_anon_huge_empty: an untouched PROT_READ THP region migrates as one empty folio, read-only, and reads 0. */
    @Test
    void migrateAnonHugeEmpty() {
        long a = anonHuge(NPAGES);
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertDevicePmd(a, false);
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.read(a, NPAGES, buf));
        assertArrayEquals(new byte[buf.length], buf);
        assertSnapshot(mirror, a, SnapshotProt.DEV_PRIVATE_LOCAL | SnapshotProt.READ | SnapshotProt.PMD);
        assertOracle(mirror);
    }

    /**
     * Ports migrate_anon_huge_zero: a THP region first read (devmirror maps a zeroed THP where the
     * kernel maps the huge zero page, which migrate_vma_collect_huge_pmd collects as a hole; either
     * way one compound entry) migrates whole and reads back 0 on the CPU.
     */
    @Test
    void migrateAnonHugeZero() {
        long a = anonHuge(NPAGES);
        assertEquals(Errno.OK, mm.cpuRead(a, new byte[4], 0, 4));
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertDevicePmd(a, true);
        byte[] all = new byte[NPAGES * (int) PAGE];
        assertEquals(Errno.OK, mm.cpuRead(a, all, 0, all.length));
        assertArrayEquals(new byte[all.length], all);
        assertOracle(mirror);
    }

    /** Ports migrate_anon_huge_free: MADV_FREE of a migrated THP succeeds and leaves the device folio and its data alone. */
    @Test
    void migrateAnonHugeFree() {
        long a = filledThp();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertEquals(Errno.OK, mm.madvise(a, PMD, org.devmirror.mm.Advice.FREE));
        assertDevicePmd(a, true);
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /**
     * Ports migrate_anon_huge_err: a failed device folio allocation falls back to 512 device pages
     * (the host splits the THP: a CLEAR over the 2 MiB, then 512 PTE device entries); after a clean
     * THP migration, a failed system folio allocation on the way back falls back to 512 base
     * pages. Data survives both ways.
     */
    @Test
    void migrateAnonHugeErr() {
        long a = filledThp();
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        dev0.failNextAllocation();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertEquals(
                List.of(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null)),
                only(rec.events(), MmuNotifierEvent.CLEAR));
        assertEquals(0, mm.pageTable().getPmd(a), "split into PTEs");
        long pte = mm.pageTable().get(a + 2048 * 4);
        assertTrue(PteLayout.isDevicePrivate(pte) && !PteLayout.isHuge(pte), PteLayout.describe(pte));
        assertSnapshot(mirror, a, SnapshotProt.DEV_PRIVATE_LOCAL | SnapshotProt.WRITE);
        byte[] one = new byte[4];
        assertEquals(Errno.OK, mm.cpuRead(a + 2048 * 4, one, 0, 4)); // ptr[2048]: a single page comes back
        assertEquals(NPAGES - 1, dev0.usedPages());
        assertCpuInts(mm, a, NPAGES, 0);
        assertEquals(Errno.OK, mm.munmap(a, PMD));

        long b = filledThp();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(b, NPAGES));
        assertDevicePmd(b, true);
        dev0.failNextAllocation(); // HMM_DMIRROR_FLAG_FAIL_ALLOC, now met by the system folio allocation
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToSystem(b, NPAGES));
        assertEquals(0, mm.pageTable().getPmd(b), "back as base pages");
        assertTrue(PteLayout.isPresent(mm.pageTable().get(b)));
        assertEquals(0, dev0.usedPages());
        assertCpuInts(mm, b, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports migrate_anon_huge_zero_err: the same fallback with a THP region that was only read: all zeros. */
    @Test
    void migrateAnonHugeZeroErr() {
        long a = anonHuge(NPAGES);
        assertEquals(Errno.OK, mm.cpuRead(a, new byte[4], 0, 4));
        dev0.failNextAllocation();
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertFalse(PteLayout.isHuge(mm.pageTable().get(a)));
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(Errno.OK, mirror.read(a, NPAGES, buf).result());
        assertArrayEquals(new byte[buf.length], buf);
        byte[] all = new byte[buf.length];
        assertEquals(Errno.OK, mm.cpuRead(a, all, 0, all.length));
        assertArrayEquals(new byte[all.length], all);
        assertOracle(mirror);
    }

    /** A whole-folio migration back with MIGRATE_TO_SYS counts the folio once in cpages, as dmirror_successful_migrated_pages does. */
    @Test
    void migrateToSystemCountsTheFolioOnce() {
        long a = filledThp();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        assertEquals(new DeviceCommand(Errno.OK, 1, 0), mirror.migrateToSystem(a, NPAGES));
        long e = mm.pageTable().getPmd(a);
        assertTrue(PteLayout.isHuge(e) && PteLayout.isPresent(e), PteLayout.describe(e));
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /**
     * Range fault of another device over a PMD-level device-private entry: a snapshot (no fault)
     * reports ERROR, as hmm_vma_handle_absent_pmd fills it; a read faults the folio home first.
     */
    @Test
    void otherDeviceSeesErrorThenFaultsTheFolioHome() {
        Dmirror mirror1 = dev1.open(mm);
        long a = filledThp();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        assertSnapshot(mirror1, a, SnapshotProt.ERROR);
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror1.read(a, NPAGES, buf));
        assertInts(buf, NPAGES, 0);
        assertTrue(PteLayout.isPresent(mm.pageTable().getPmd(a)));
        assertAllOracles();
    }

    /** Fork shares a PMD-level device entry read-only in both (copy_huge_non_present_pmd); each side's write gets its own copy. */
    @Test
    void forkSharesTheDeviceFolioReadOnly() {
        long a = filledThp();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        AddressSpace child = mm.fork();
        assertDevicePmd(a, false);
        long ce = child.pageTable().getPmd(a);
        assertTrue(
                PteLayout.isDevicePrivate(ce) && PteLayout.isHuge(ce) && !PteLayout.isWrite(ce),
                PteLayout.describe(ce));
        assertEquals(2, host.devicePageMapcount(PteLayout.pfn(ce) + 7));
        cpuInit(mm, a, NPAGES, 1);
        assertCpuInts(child, a, NPAGES, 0);
        assertCpuInts(mm, a, NPAGES, 1);
        child.exit();
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }

    /**
     * Ports the unaligned offsets of migrate_remap_fault: mremap of a migrated folio to an address
     * 512 KiB off a 2 MiB boundary splits its PMD device entry first (CLEAR over the old 2 MiB),
     * moves 512 device PTEs (UNMAP), and the data faults back at the new address page by page.
     */
    @Test
    void remapToUnalignedAddressSplitsTheDeviceEntry() {
        long a = filledThp();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        long target = a - 4 * PMD + PMD / 4;
        int flags = org.devmirror.mm.MapFlags.MREMAP_MAYMOVE | org.devmirror.mm.MapFlags.MREMAP_FIXED;
        assertEquals(target, mm.mremap(a, PMD, PMD, flags, target));
        List<Event> events = rec.events();
        assertEquals(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null), events.get(0));
        assertEquals(MmuNotifierEvent.UNMAP, events.get(events.size() - 1).event());
        long moved = mm.pageTable().get(target);
        assertTrue(PteLayout.isDevicePrivate(moved) && !PteLayout.isHuge(moved), PteLayout.describe(moved));
        assertCpuInts(mm, target, NPAGES, 0);
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }

    /** munmap of half a migrated folio splits its PMD device entry (CLEAR over the 2 MiB, then UNMAP); the other half faults back. */
    @Test
    void partialUnmapSplitsTheDeviceEntry() {
        long a = filledThp();
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        RecordingSubscriber rec = RecordingSubscriber.attach(mm);
        assertEquals(Errno.OK, mm.munmap(a + PMD / 4, PMD / 2));
        List<Event> events = rec.events();
        assertEquals(new Event(MmuNotifierEvent.CLEAR, a, a + PMD, true, null), events.get(0));
        assertEquals(MmuNotifierEvent.UNMAP, events.get(1).event());
        assertEquals(NPAGES / 2, dev0.usedPages());
        assertCpuInts(mm, a, NPAGES / 4, 0);
        byte[] tail = new byte[(int) (PMD / 4)];
        assertEquals(Errno.OK, mm.cpuRead(a + 3 * PMD / 4, tail, 0, tail.length));
        assertArrayEquals(java.util.Arrays.copyOfRange(ints(NPAGES, 0), (int) (3 * PMD / 4), (int) PMD), tail);
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }
}
