package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceFixture;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/**
 * amdkfd without XNACK ({@link AmdKfdSvmPolicy#XNACK_OFF}): an eviction keeps the device's PTEs
 * and stops its queues once per burst; the restore, before the device runs again, re-faults what
 * the device held, once per burst, and never lets a stale translation be used. THP is off so that
 * every count is in 4 KiB pages.
 */
class QueueEvictionTest extends DeviceFixture {
    static final int N = 16;

    @Override
    protected HostConfig hostConfig() {
        return super.hostConfig().withThpEnabled(false);
    }

    @Override
    protected MirrorOptions options() {
        return MirrorOptions.forPolicy(AmdKfdSvmPolicy.XNACK_OFF);
    }

    void assertClean(String when) {
        OracleReport r = SafetyOracle.check(mirror);
        assertTrue(r.isClean(), () -> when + ": " + r);
    }

    @Test
    void aBurstOfEvictionsStopsTheQueuesOnceAndOneRestoreRefaultsWhatTheDeviceHeld() {
        long a = anon(2 * N, Prot.RW);
        cpuInit(mm, a, 2 * N, 0);
        assertEquals(Errno.OK, mirror.write(a, N, ints(N, 5)).result());
        DeviceStats s = mirror.stats();
        long faulted = s.pagesFaulted();

        // Nothing mapped on the device in the upper half: svm_range_evict has nothing to evict.
        assertEquals(Errno.OK, mm.madvise(a + N * PAGE, N * PAGE, Advice.DONTNEED));
        assertEquals(0, s.queueEvictions());
        assertTrue(s.invalidations(MmuNotifierEvent.CLEAR) > 0);
        assertEquals(s.invalidations(MmuNotifierEvent.CLEAR), s.skipped(MmuNotifierEvent.CLEAR));

        // Two invalidations before the device runs again: one burst.
        assertEquals(Errno.OK, mm.mprotect(a, 2 * N * PAGE, Prot.READ));
        assertEquals(Errno.OK, mm.madvise(a, N / 2 * PAGE, Advice.DONTNEED));
        assertEquals(1, s.queueEvictions());
        assertEquals(0, s.queueRestores());
        assertEquals(
                0,
                s.ptesZapped(MmuNotifierEvent.CLEAR) + s.ptesZapped(MmuNotifierEvent.PROTECTION_VMA),
                "the PTEs stay while the queues are stopped");
        assertEquals(N, mirror.pageTable().populated());
        assertTrue(mirror.driver().queuesStopped());
        assertClean("evicted"); // stale, but the device runs nothing

        // The device's next command restores first: every page it held is faulted again, once.
        byte[] back = new byte[(int) (N * PAGE)];
        assertEquals(Errno.OK, mirror.read(a, N, back).result());
        assertEquals(1, s.queueRestores());
        assertEquals(faulted + N, s.pagesFaulted(), "the restore re-faults the 16 pages the device held");
        assertEquals(N, mirror.pageTable().populated(), "all mapped again");
        byte[] zero = new byte[(int) (N / 2 * PAGE)];
        assertEquals(
                -1, java.util.Arrays.mismatch(zero, 0, zero.length, back, 0, zero.length), "DONTNEED's zero pages");
        assertEquals(Errno.EPERM, mirror.write(a, 1, new byte[(int) PAGE]).result(), "read-only after the restore");
        assertClean("restored");
    }
}
