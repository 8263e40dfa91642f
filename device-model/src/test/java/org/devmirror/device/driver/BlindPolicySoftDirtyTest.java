package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceCommand;
import org.devmirror.device.DeviceFixture;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.junit.jupiter.api.Test;

/**
 * The one duty {@link BlindPolicy} keeps: it cannot tell clear_refs from any other invalidation,
 * so it marks soft-dirty, at the end of every blockable invalidation, the pages of its device's
 * own memory (the device writes them with no CPU fault).
 */
class BlindPolicySoftDirtyTest extends DeviceFixture {
    @Override
    protected MirrorOptions options() {
        return MirrorOptions.forPolicy(BlindPolicy.INSTANCE);
    }

    /** After clear_refs, every page in the device's memory reads soft-dirty again, before any device write. */
    @Test
    void clearRefsLeavesTheDevicesOwnMemorySoftDirty() {
        int n = 16;
        long a = anon(n, Prot.RW);
        cpuInit(mm, a, n, 0);
        assertEquals(new DeviceCommand(Errno.OK, n, 0), mirror.migrateToDevice(a, n));
        assertEquals(Errno.OK, mirror.read(a, n, new byte[n * (int) PAGE]).result()); // tracked again
        assertEquals(Errno.OK, mm.clearSoftDirty());
        for (int i = 0; i < n; i++) {
            long cpu = mm.pageTable().get(a + i * PAGE);
            assertTrue(PteLayout.isDevicePrivate(cpu) && PteLayout.isSoftDirty(cpu), PteLayout.describe(cpu));
        }
        assertOracle(mirror);
    }
}
