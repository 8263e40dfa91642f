package org.devmirror.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.Dmirror;
import org.devmirror.device.DmirrorDevice;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.MemoryObject;
import org.devmirror.mm.Prot;
import org.junit.jupiter.api.Test;

/**
 * Regression test for the minimal sequence the long random run found (seed 5): the device writes a
 * shared file mapping, then {@code clear_refs} clears soft-dirty, which write-protects the CPU
 * entries (clear_soft_dirty's pte_wrprotect) and raises SOFT_DIRTY. The event-aware policy skips
 * SOFT_DIRTY ("same page and same access flags"), so the device keeps WRITE over a read-only CPU
 * entry, and the safety oracle reports it. The two disagree: either the policy must downgrade the
 * device entries on SOFT_DIRTY, or the oracle must accept WRITE over an entry write-protected only
 * for soft-dirty tracking.
 */
class SoftDirtyWriteProtectTest {
    private static final long PAGE = Host.PAGE_SIZE;

    @Test
    void deviceWriteThenClearSoftDirtyKeepsTheOracleClean() {
        try (Host host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
                DmirrorDevice device = new DmirrorDevice(host, 0, 512)) {
            // Step 1: a shared file mapping the device writes.
            AddressSpace mm = host.newAddressSpace();
            MemoryObject f = host.newFile("f", 8 * PAGE);
            long buf = mm.mmap(0, 8 * PAGE, Prot.RW, MapFlags.SHARED, f, 0);
            Dmirror mirror = device.open(mm);
            assertEquals(
                    Errno.OK,
                    mirror.write(buf + PAGE, 3, new byte[3 * (int) PAGE]).result());
            // Step 2: clear_refs soft-dirty; the oracle must still find nothing.
            assertEquals(Errno.OK, mm.clearSoftDirty());
            OracleReport r = SafetyOracle.check(mirror);
            assertTrue(r.isClean(), r.toString());
            mirror.close();
        }
    }
}
