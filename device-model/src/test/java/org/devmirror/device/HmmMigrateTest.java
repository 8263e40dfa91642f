package org.devmirror.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;

/** Ports of the migration, snapshot and exclusive-access cases of tools/testing/selftests/mm/hmm-tests.c. */
class HmmMigrateTest extends DeviceFixture {
    static final int NPAGES = 256;

    long filled(int npages) {
        long a = anon(npages, Prot.RW);
        cpuInit(mm, a, npages, 0);
        return a;
    }

    /** Ports migrate: the pages move to the device and read back correctly. */
    @Test
    void migrate() {
        long a = filled(NPAGES);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertEquals(NPAGES, dev0.usedPages());
        assertEquals(NPAGES, mirror.stats().pagesMigratedToDevice()); // the cost model prices these copies
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports migrate_fault: the CPU faults half back, and the whole range migrates again. */
    @Test
    void migrateFault() {
        long a = filled(NPAGES);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertCpuInts(mm, a, NPAGES / 2, 0);
        // each CPU fault copied its page back, charged to the mirror of that address space
        assertEquals(NPAGES / 2, mirror.stats().pagesMigratedToSystem());
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        // only the half in system memory moved again
        assertEquals(NPAGES + NPAGES / 2, mirror.stats().pagesMigratedToDevice());
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports migrate_release: after RELEASE the CPU reads correct data from system memory. */
    @Test
    void migrateRelease() {
        long a = filled(NPAGES);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.release());
        assertEquals(0, dev0.usedPages());
        assertCpuInts(mm, a, NPAGES, 0);
        assertOracle(mirror);
    }

    /** Ports migrate_shared: shared anonymous memory does not migrate (-ENOENT). */
    @Test
    void migrateShared() {
        long a = map(NPAGES, Prot.RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
        assertEquals(Errno.ENOENT, mirror.migrateToDevice(a, NPAGES).result());
        assertOracle(mirror);
    }

    /** Ports migrate_multiple: ten round trips to the device and back through CPU faults. */
    @Test
    void migrateMultiple() {
        for (int i = 0; i < 10; i++) {
            long a = filled(NPAGES);
            assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.migrateToDevice(a, NPAGES));
            assertCpuInts(mm, a, NPAGES, 0);
            assertEquals(Errno.OK, mm.munmap(a, NPAGES * PAGE));
        }
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }

    /** Ports hmm2.migrate_mixed: PROT_NONE and holes are -EINVAL; mixed pages migrate; another device's page is -ENOENT. */
    @Test
    void migrateMixed() {
        Dmirror mirror1 = dev1.open(mm);
        long a = anon(6, Prot.RW);
        // A PROT_NONE page and a hole refuse the whole request.
        assertEquals(Errno.OK, mm.mprotect(a, PAGE, Prot.NONE));
        assertEquals(Errno.EINVAL, mirror1.migrateToDevice(a, 2).result());
        assertEquals(Errno.OK, mm.munmap(a + 5 * PAGE, PAGE));
        assertEquals(Errno.EINVAL, mirror1.migrateToDevice(a + 4 * PAGE, 2).result());
        // Pages {zero, read-only, read-write, read-write} move to device 1.
        long p = a + PAGE;
        assertEquals(Errno.OK, mm.cpuRead(p, new byte[1], 0, 1)); // zero page
        cpuInit(mm, p + PAGE, 3, 0);
        assertEquals(Errno.OK, mm.mprotect(p + PAGE, PAGE, Prot.READ));
        assertEquals(new DeviceCommand(Errno.OK, 4, 0), mirror1.migrateToDevice(p, 4));
        // Device 0 cannot migrate a page that lives on device 1.
        assertEquals(Errno.ENOENT, mirror.migrateToDevice(p + 3 * PAGE, 1).result());
        assertAllOracles();
    }

    /** Ports hmm2.snapshot: the PROT byte of each kind of page, seen from device 0. */
    @Test
    void snapshot() {
        Dmirror mirror1 = dev1.open(mm);
        long a = anon(7, Prot.RW);
        assertEquals(Errno.OK, mm.munmap(a + PAGE, PAGE)); // p1: hole
        assertEquals(Errno.OK, mm.mprotect(a, PAGE, Prot.NONE)); // p0: PROT_NONE
        assertEquals(Errno.OK, mm.cpuRead(a + 2 * PAGE, new byte[1], 0, 1)); // p2: zero page
        cpuInit(mm, a + 3 * PAGE, 4, 0);
        assertEquals(Errno.OK, mm.mprotect(a + 3 * PAGE, PAGE, Prot.READ)); // p3: read-only
        assertEquals(new DeviceCommand(Errno.OK, 1, 0), mirror.migrateToDevice(a + 5 * PAGE, 1)); // p5: dev0
        assertEquals(new DeviceCommand(Errno.OK, 1, 0), mirror1.migrateToDevice(a + 6 * PAGE, 1)); // p6: dev1
        byte[] prot = new byte[7];
        assertEquals(new DeviceCommand(Errno.OK, 7, 0), mirror.snapshot(a, 7, prot));
        assertArrayEquals(
                new byte[] {
                    SnapshotProt.ERROR,
                    SnapshotProt.ERROR,
                    (byte) (SnapshotProt.ZERO | SnapshotProt.READ),
                    SnapshotProt.READ,
                    SnapshotProt.WRITE,
                    (byte) (SnapshotProt.DEV_PRIVATE_LOCAL | SnapshotProt.WRITE),
                    SnapshotProt.NONE
                },
                prot);
        assertAllOracles();
    }

    /** Ports compound for a THP mapping: every page WRITE|PMD, then READ|PMD after mprotect(READ). */
    @Test
    void hugeSnapshot() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        byte[] prot = new byte[512];
        assertEquals(Errno.OK, mirror.snapshot(a, 512, prot).result());
        for (byte b : prot) {
            assertEquals(SnapshotProt.WRITE | SnapshotProt.PMD, b, SnapshotProt.describe(b));
        }
        assertEquals(Errno.OK, mm.mprotect(a, PMD, Prot.READ));
        assertEquals(Errno.OK, mirror.snapshot(a, 512, prot).result());
        for (byte b : prot) {
            assertEquals(SnapshotProt.READ | SnapshotProt.PMD, b, SnapshotProt.describe(b));
        }
    }

    /** Ports hmm2.double_map: both devices read read-only memory; after a migration to device 1, device 0 still reads it. */
    @Test
    void doubleMap() {
        Dmirror mirror1 = dev1.open(mm);
        long a = filled(NPAGES);
        assertEquals(Errno.OK, mm.mprotect(a, NPAGES * PAGE, Prot.READ));
        byte[] buf = new byte[NPAGES * (int) PAGE];
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror.read(a, NPAGES, buf));
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 1), mirror1.read(a, NPAGES, buf));
        assertInts(buf, NPAGES, 0);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror1.migrateToDevice(a, NPAGES));
        assertEquals(Errno.OK, mirror.read(a, NPAGES, buf).result());
        assertInts(buf, NPAGES, 0);
        assertAllOracles();
    }

    /** Ports exclusive: exclusive access is granted, CPU writes revoke it, CHECK_EXCLUSIVE then succeeds. */
    @Test
    void exclusive() {
        long a = filled(NPAGES);
        assertEquals(new DeviceCommand(Errno.OK, NPAGES, 0), mirror.exclusive(a, NPAGES));
        assertEquals(Errno.EPERM, mirror.checkExclusive(a, NPAGES));
        cpuInit(mm, a, NPAGES, 1); // ptr[i]++
        assertCpuInts(mm, a, NPAGES, 1);
        assertEquals(Errno.OK, mirror.checkExclusive(a, NPAGES));
        assertOracle(mirror);
    }

    /** Ports exclusive_mprotect: after mprotect(READ) the exclusive pages cannot be written by the device. */
    @Test
    void exclusiveMprotect() {
        long a = filled(NPAGES);
        assertEquals(Errno.OK, mirror.exclusive(a, NPAGES).result());
        assertEquals(Errno.OK, mm.mprotect(a, NPAGES * PAGE, Prot.READ));
        assertEquals(Errno.EPERM, mirror.write(a, NPAGES, ints(NPAGES, 5)).result());
        assertOracle(mirror);
    }

    /** Ports exclusive_cow: exclusive pages then fork; parent and child each write and see their own data. */
    @Test
    void exclusiveCow() {
        long a = filled(NPAGES);
        assertEquals(Errno.OK, mirror.exclusive(a, NPAGES).result());
        AddressSpace child = mm.fork();
        cpuInit(child, a, NPAGES, 1);
        cpuInit(mm, a, NPAGES, 2);
        assertCpuInts(child, a, NPAGES, 1);
        assertCpuInts(mm, a, NPAGES, 2);
        assertOracle(mirror);
        child.exit();
    }

    /** Ports hmm_cow_in_device: migrate, fork, the parent writes; SNAPSHOT shows every page WRITE. */
    @Test
    void cowInDevice() {
        long a = filled(NPAGES);
        assertEquals(Errno.OK, mirror.migrateToDevice(a, NPAGES).result());
        AddressSpace child = mm.fork();
        cpuInit(mm, a, NPAGES, 3);
        byte[] prot = new byte[NPAGES];
        assertEquals(Errno.OK, mirror.snapshot(a, NPAGES, prot).result());
        for (byte b : prot) {
            assertEquals(SnapshotProt.WRITE, b & SnapshotProt.WRITE, SnapshotProt.describe(b));
        }
        assertCpuInts(child, a, NPAGES, 0);
        assertOracle(mirror);
        child.exit();
    }

    /** Ports migrate_partial_unmap_fault: unmap part of a migrated 2 MiB block; the rest faults back correctly. */
    @Test
    void migratePartialUnmapFault() {
        for (long offset : new long[] {0, PMD / 4, PMD / 2}) {
            long a = anonHuge(512);
            cpuInit(mm, a, 512, 0);
            assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.migrateToDevice(a, 512));
            assertEquals(Errno.OK, mm.munmap(a + offset, PMD / 2));
            byte[] all = ints(512, 0);
            for (long va = a; va < a + PMD; va += PAGE) {
                if (va >= a + offset && va < a + offset + PMD / 2) {
                    continue;
                }
                byte[] page = new byte[(int) PAGE];
                assertEquals(Errno.OK, mm.cpuRead(va, page, 0, page.length));
                assertArrayEquals(java.util.Arrays.copyOfRange(all, (int) (va - a), (int) (va - a + PAGE)), page);
            }
            assertOracle(mirror);
            assertEquals(Errno.OK, mm.munmap(a, PMD));
        }
    }

    /** Ports migrate_remap_fault: mremap a migrated block (with and without DONTUNMAP); data is correct after the move. */
    @Test
    void migrateRemapFault() {
        for (int flags : new int[] {
            MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED,
            MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED | MapFlags.MREMAP_DONTUNMAP
        }) {
            long a = anonHuge(512);
            cpuInit(mm, a, 512, 0);
            assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.migrateToDevice(a, 512));
            long target = a - 4 * PMD;
            long b = mm.mremap(a, PMD, PMD, flags, target);
            assertEquals(target, b);
            assertCpuInts(mm, b, 512, 0);
            assertOracle(mirror);
            mm.munmap(b, PMD);
            mm.munmap(a, PMD);
        }
    }

    /** Ports migrate_anon_huge_err: a failed device folio allocation falls back to base pages; data survives both ways. */
    @Test
    void migrateAnonHugeErr() {
        long a = anonHuge(512);
        cpuInit(mm, a, 512, 0);
        dev0.failNextAllocation();
        assertEquals(new DeviceCommand(Errno.OK, 512, 0), mirror.migrateToDevice(a, 512));
        // A failed system-memory allocation on the way back leaves that page on the device
        // (devmirror migrates back page by page); a CPU touch later brings it home.
        host.memory().failNextAllocations(1);
        assertEquals(new DeviceCommand(Errno.OK, 511, 0), mirror.migrateToSystem(a, 512));
        assertCpuInts(mm, a, 512, 0);
        assertEquals(0, dev0.usedPages());
        assertOracle(mirror);
    }
}
