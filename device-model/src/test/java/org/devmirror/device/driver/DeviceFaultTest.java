package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * What a device fault ({@code dmirror_fault()}, {@link DeviceFault}) reports and counts: the
 * errors a driver's statistics show, and the 2 MiB leaves it maps.
 */
class DeviceFaultTest extends DeviceFixture {
    /** A fault where nothing is mapped fails with -EFAULT and counts one fault error. */
    @Test
    void faultWhereNothingIsMappedCountsAnError() {
        long a = anon(4, Prot.RW);
        assertEquals(Errno.OK, mm.munmap(a, 4 * PAGE));
        DeviceStats stats = mirror.stats();
        assertEquals(Errno.EFAULT, mirror.fault(a, 4, false));
        assertEquals(1, stats.faultErrors());
        assertEquals(0, stats.deviceFaults());
        assertEquals(0, mirror.pageTable().populated());
    }

    /**
     * A write fault that gets a read-only page of the device's own memory (fork made the
     * device-private entries read-only, and {@code hmm_range_fault} reports the caller's own
     * pages as they are) fails with -EFAULT in {@code dmirror_do_fault}, maps nothing writable,
     * and counts one fault error.
     */
    @Test
    void writeFaultOnAReadOnlyOwnDevicePageCountsAnError() {
        int n = 8;
        long a = inDeviceMemory(n);
        AddressSpace child = mm.fork();
        DeviceStats stats = mirror.stats();
        stats.reset();
        assertEquals(Errno.EFAULT, mirror.fault(a, n, true));
        assertEquals(1, stats.faultErrors());
        for (int i = 0; i < n; i++) {
            assertTrue(!DevicePteLayout.isWrite(mirror.entry(a + i * PAGE)), "page " + i);
        }
        assertOracle(mirror);
        child.exit();
    }

    /**
     * A fault over a THP the CPU maps with one PMD counts one 2 MiB leaf; a fault over 4 KiB
     * mappings counts none.
     */
    @Test
    void hugeLeavesAreCountedOnlyForPmdMappings() {
        long thp = anonHuge(512);
        cpuInit(mm, thp, 512, 0);
        long small = anon(16, Prot.RW);
        cpuInit(mm, small, 16, 0);
        DeviceStats stats = mirror.stats();
        stats.reset();
        assertEquals(Errno.OK, mirror.fault(thp, 512, false));
        assertTrue(DevicePteLayout.isHuge(mirror.entry(thp)));
        assertEquals(1, stats.hugeLeavesFaulted());
        assertEquals(Errno.OK, mirror.fault(small, 16, false));
        assertEquals(1, stats.hugeLeavesFaulted());
        assertEquals(512 + 16, stats.pagesFaulted());
        assertOracle(mirror);
    }

    /**
     * A fault that maps pages of the device's own memory writable marks them soft-dirty: an
     * mremap moved them to a 2 MiB chunk no tracked range of the mirror covers, so clear_refs
     * cleaned them without reaching the mirror, and the device then writes them with no CPU fault.
     */
    @Test
    void faultMappingOwnMemoryWritableMarksItSoftDirty() {
        int n = 16;
        long a = inDeviceMemory(n);
        long raw = anon(1024, Prot.RW);
        long dest = (raw + PMD - 1) & -PMD; // a whole 2 MiB chunk inside raw, which the device never touched
        assertEquals(dest, mm.mremap(a, n * PAGE, n * PAGE, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, dest));
        assertEquals(Errno.OK, mm.clearSoftDirty());
        assertEquals(0, cpuSoftDirty(dest, n));
        assertEquals(new DeviceCommand(Errno.OK, n, 1), mirror.write(dest, n, ints(n, 5)));
        assertTrue(PteLayout.isDevicePrivate(mm.pageTable().get(dest)));
        assertEquals(n, cpuSoftDirty(dest, n));
        assertOracle(mirror);
    }

    /** {@code pages} pages filled by the CPU and migrated to this device's memory. */
    long inDeviceMemory(int pages) {
        long a = anon(pages, Prot.RW);
        cpuInit(mm, a, pages, 0);
        assertEquals(new DeviceCommand(Errno.OK, pages, 0), mirror.migrateToDevice(a, pages));
        return a;
    }
}
