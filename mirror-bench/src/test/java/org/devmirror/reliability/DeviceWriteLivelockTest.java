package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceMirror;
import org.devmirror.device.MirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
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
    private MirrorDevice device;
    private AddressSpace mm;
    private DeviceMirror mirror;
    private long buf;

    @BeforeEach
    void boot() {
        host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
        device = new MirrorDevice(host, 0, 512);
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
        DeviceCommand c = assertTimeoutPreemptively(LIMIT, () -> mirror.write(buf, 1, data),
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
        // Step 2: the parent's device writes one page; the child keeps the old contents.
        byte[] data = new byte[(int) PAGE];
        Arrays.fill(data, (byte) 2);
        DeviceCommand c = assertTimeoutPreemptively(LIMIT, () -> mirror.write(buf, 1, data),
                "device write livelocks on a COW-shared device-private page");
        assertEquals(Errno.OK, c.result());
        byte[] back = new byte[1];
        assertEquals(Errno.OK, child.cpuRead(buf, back, 0, 1));
        assertEquals(1, back[0]);
        child.exit();
    }
}
