package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;

/**
 * A device write into pages freed lazily ({@code MADV_FREE}) must survive reclaim. The device
 * writes through its own mapping, so the CPU PTE stays clean; what tells reclaim the page was
 * written again is the folio's dirty flag, which the device sets ({@code set_page_dirty}) and
 * {@code try_to_unmap_one} checks before discarding a lazily freed folio. Found by the long run
 * (seed 9107591, event-aware, shortened to four operations): reclaim looked at the PTEs only and
 * threw the device's bytes away, so the CPU read zeros.
 */
class LazyFreeDeviceWriteTest {
    private static final long PAGE = Host.PAGE_SIZE;

    @Test
    void aDeviceWriteAfterMadvFreeSurvivesReclaim() {
        try (Host host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
                DmirrorDevice device = new DmirrorDevice(host, 0, 512)) {
            // Step 1: 16 written pages, freed lazily: clean PTEs, clean folios.
            AddressSpace mm = host.newAddressSpace();
            long a = mm.mmap(0, 16 * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            assertEquals(Errno.OK, mm.cpuFill(a, 16 * PAGE, (byte) 0x11));
            assertEquals(Errno.OK, mm.madvise(a, 16 * PAGE, Advice.FREE));
            // Step 2: the device writes four of them; then they are paged out.
            Dmirror mirror = device.open(mm);
            byte[] data = new byte[(int) (4 * PAGE)];
            Arrays.fill(data, (byte) 0x4d);
            assertEquals(Errno.OK, mirror.write(a + 7 * PAGE, 4, data).result());
            assertEquals(Errno.OK, mm.madvise(a, 16 * PAGE, Advice.PAGEOUT));
            // Step 3: the device's pages were swapped out, not discarded; the untouched ones may
            // have been discarded (zeros) as MADV_FREE allows.
            byte[] back = new byte[(int) (4 * PAGE)];
            assertEquals(Errno.OK, mm.cpuRead(a + 7 * PAGE, back, 0, back.length));
            assertArrayEquals(data, back, "the device's bytes");
            byte[] untouched = new byte[1];
            assertEquals(Errno.OK, mm.cpuRead(a, untouched, 0, 1));
            assertEquals(0, untouched[0], "a clean lazily freed page is discarded");
            mirror.close();
        }
    }
}
