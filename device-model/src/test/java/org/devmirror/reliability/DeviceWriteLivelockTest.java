package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for a livelock the stress test found: a device write (or atomic) to a page the
 * CPU maps as a read-only device-private entry of this very device. Range fault reports such a
 * page VALID without WRITE and does not fault it (as hmm_vma_handle_pte does), the fault commit
 * maps it read-only, and the device command faults again, forever, at full speed. A driver must
 * make progress here, e.g. by migrating the page back to system memory and faulting it writable
 * (what a CPU write does through migrate_to_ram), or fail the command.
 */
class DeviceWriteLivelockTest {
    private static final long PAGE = Host.PAGE_SIZE;
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private Host host;
    private DmirrorDevice device;
    private AddressSpace mm;
    private Dmirror mirror;
    private long buf;

    @BeforeEach
    void boot() {
        host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
        device = new DmirrorDevice(host, 0, 512);
        mm = host.newAddressSpace();
        mirror = device.open(mm);
        buf = mm.mmap(0, 4 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    }

    @AfterEach
    void shutdown() {
        mirror.close();
        host.close();
        device.close();
    }

    /** A page only ever read maps the zero page; migrated, it becomes a read-only device page; the device then writes it. */
    @Test
    void deviceWriteToReadOnlyOwnDevicePageTerminates() {
        // Step 1: the CPU reads the page (zero page, read-only), the device migrates it.
        byte[] one = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(buf, one, 0, 1));
        assertEquals(Errno.OK, mirror.migrateToDevice(buf, 1).result());
        // Step 2: the device writes it; this must return, and the CPU must then see the write.
        byte[] data = new byte[(int) PAGE];
        Arrays.fill(data, (byte) 0x5a);
        DeviceCommand c = assertTimeoutPreemptively(
                LIMIT,
                () -> mirror.write(buf, 1, data),
                "device write livelocks on a read-only device-private page of its own device");
        assertEquals(Errno.OK, c.result());
        byte[] back = new byte[(int) PAGE];
        assertEquals(Errno.OK, mm.cpuRead(buf, back, 0, back.length));
        assertArrayEquals(data, back);
    }

    /** hmm-tests.c hmm_cow_in_device, with the write made by the device instead of the CPU. */
    @Test
    void deviceWriteAfterForkOfDevicePagesTerminates() {
        // Step 1: pages written by the CPU, migrated to the device, then the process forks
        // (copy_nonpresent_pte write-protects the device-private entries in both).
        assertEquals(Errno.OK, mm.cpuFill(buf, 4 * PAGE, (byte) 1));
        assertEquals(4, mirror.migrateToDevice(buf, 4).cpages());
        AddressSpace child = mm.fork();
        // Step 2: the parent's device writes one page. Range fault reports the device's own
        // read-only device-private page without faulting it, and the write fault refuses a
        // read-only page (dmirror_do_fault's -EFAULT): the command returns, with EFAULT.
        byte[] data = new byte[(int) PAGE];
        Arrays.fill(data, (byte) 2);
        DeviceCommand c = assertTimeoutPreemptively(
                LIMIT, () -> mirror.write(buf, 1, data), "device write livelocks on a COW-shared device-private page");
        assertEquals(Errno.EFAULT, c.result());
        // Step 3: nothing was written; parent and child both still read the old bytes.
        byte[] back = new byte[1];
        assertEquals(Errno.OK, child.cpuRead(buf, back, 0, 1));
        assertEquals(1, back[0]);
        assertEquals(Errno.OK, mm.cpuRead(buf, back, 0, 1));
        assertEquals(1, back[0]);
        // Step 4: once the CPU has touched the page (migrate_to_ram, COW broken on write), the
        // device write goes through and only the parent sees it.
        assertEquals(Errno.OK, mm.cpuFill(buf, PAGE, (byte) 1));
        assertEquals(Errno.OK, mirror.write(buf, 1, data).result());
        assertEquals(Errno.OK, mm.cpuRead(buf, back, 0, 1));
        assertEquals(2, back[0]);
        assertEquals(Errno.OK, child.cpuRead(buf, back, 0, 1));
        assertEquals(1, back[0]);
        child.exit();
    }

    /**
     * The long random run's seed 2380812807: a page the CPU maps read-only for copy-on-write is
     * migrated after the fork, so its device-private entry is read-only too
     * (migrate_vma_collect_pmd takes MIGRATE_PFN_WRITE from pte_write) even once the other side
     * has gone; the device write then fails with EFAULT like the one above, and writes nothing.
     */
    @Test
    void deviceWriteToACopyOnWritePageMigratedAfterForkFails() {
        // Step 1: the CPU writes the pages, the process forks, and the child exits: the parent
        // owns the pages alone but its entries stay write-protected until its next write fault.
        assertEquals(Errno.OK, mm.cpuFill(buf, 4 * PAGE, (byte) 1));
        mm.fork().exit();
        // Step 2: the device migrates them; their device-private entries are read-only.
        assertEquals(4, mirror.migrateToDevice(buf, 4).cpages());
        long cpu = mm.pageTable().get(buf);
        assertTrue(PteLayout.isDevicePrivate(cpu) && !PteLayout.isWrite(cpu), PteLayout.describe(cpu));
        // Step 3: the device write returns EFAULT and nothing is written.
        byte[] data = new byte[(int) PAGE];
        Arrays.fill(data, (byte) 2);
        DeviceCommand c = assertTimeoutPreemptively(
                LIMIT, () -> mirror.write(buf, 1, data), "device write livelocks on a read-only device-private page");
        assertEquals(Errno.EFAULT, c.result());
        assertEquals(0, c.cpages());
        byte[] back = new byte[1];
        assertEquals(Errno.OK, mm.cpuRead(buf, back, 0, 1));
        assertEquals(1, back[0]);
        // Step 4: a CPU write reuses the page (the parent is its only user); the device write then succeeds.
        assertEquals(Errno.OK, mm.cpuFill(buf, PAGE, (byte) 1));
        assertEquals(Errno.OK, mirror.write(buf, 1, data).result());
        assertEquals(Errno.OK, mm.cpuRead(buf, back, 0, 1));
        assertEquals(2, back[0]);
    }
}
