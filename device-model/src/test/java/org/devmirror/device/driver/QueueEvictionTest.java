package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.devmirror.device.DeviceFixture;
import org.devmirror.device.oracle.OracleReport;
import org.devmirror.device.oracle.SafetyOracle;
import org.devmirror.device.pagetable.DevicePteLayout;
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

    /** The device's entry at page {@code i} of {@code a}. */
    long entry(long a, int i) {
        return mirror.entry(a + i * PAGE);
    }

    /** Every eviction until the restore is one burst: only the first stops the queues. */
    @Test
    void onlyTheFirstEvictionOfABurstStopsTheQueues() {
        QueueEviction q = new QueueEviction();
        assertFalse(q.stopped());
        assertTrue(q.add(0x10_000, 0x20_000), "the first of a burst");
        assertFalse(q.add(0x40_000, 0x50_000));
        assertFalse(q.add(0x80_000, 0x90_000));
        assertTrue(q.stopped());
        q.clear(); // the restore
        assertFalse(q.stopped());
        assertEquals(0, q.intervals());
        assertTrue(q.add(0x40_000, 0x50_000), "the next burst stops them again");
    }

    /** Evicted ranges that overlap or touch are one interval; a gap of a page keeps them apart. */
    @Test
    void touchingEvictionsMergeAndSeparateOnesStayApart() {
        QueueEviction q = new QueueEviction();
        q.add(4 * PAGE, 8 * PAGE);
        q.add(8 * PAGE, 10 * PAGE); // touches the end
        q.add(2 * PAGE, 4 * PAGE); // touches the start
        assertEquals(1, q.intervals());
        assertEquals(2 * PAGE, q.start(0));
        assertEquals(10 * PAGE, q.end(0));
        q.add(11 * PAGE, 12 * PAGE);
        assertEquals(2, q.intervals(), "a one-page gap");
        // Half open: the first byte is evicted, the end is not, nor the gap.
        assertTrue(q.contains(2 * PAGE));
        assertTrue(q.contains(10 * PAGE - 1));
        assertFalse(q.contains(10 * PAGE));
        assertFalse(q.contains(2 * PAGE - 1));
        assertTrue(q.contains(11 * PAGE));
        assertFalse(q.contains(12 * PAGE));
    }

    /**
     * Past {@link QueueEviction#MAX_INTERVALS} disjoint intervals they collapse into their bounding
     * interval: the restore re-validates more, and forgets nothing stale.
     */
    @Test
    void aSeventeenthSeparateEvictionCollapsesThemIntoTheirBoundingInterval() {
        QueueEviction q = new QueueEviction();
        for (int i = 0; i < QueueEviction.MAX_INTERVALS; i++) {
            q.add((2L * i + 1) * PAGE, (2L * i + 2) * PAGE);
        }
        assertEquals(QueueEviction.MAX_INTERVALS, q.intervals());
        assertFalse(q.contains(2 * PAGE), "a gap is not evicted yet");
        q.add(40 * PAGE, 41 * PAGE);
        assertEquals(1, q.intervals());
        assertEquals(PAGE, q.start(0));
        assertEquals(41 * PAGE, q.end(0));
        assertTrue(q.contains(2 * PAGE), "widened over the gaps");
        assertTrue(q.contains(40 * PAGE));
    }

    /**
     * Sixteen evictions of single pages in one burst, kept apart: the restore re-faults each page
     * the device held there, once, and nothing else.
     */
    @Test
    void sixteenSeparateEvictionsAreEachRestoredOnce() {
        long a = anon(2 * N, Prot.RW);
        cpuInit(mm, a, 2 * N, 0);
        assertEquals(
                Errno.OK, mirror.read(a, 2 * N, new byte[(int) (2 * N * PAGE)]).result());
        DeviceStats s = mirror.stats();
        long faulted = s.pagesFaulted();
        for (int i = 0; i < N; i++) {
            assertEquals(Errno.OK, mm.mprotect(a + 2L * i * PAGE, PAGE, Prot.READ));
        }
        assertEquals(1, s.queueEvictions());
        mirror.driver().restoreQueues();
        assertEquals(1, s.queueRestores());
        assertEquals(faulted + N, s.pagesFaulted(), "the 16 evicted pages, once each");
        assertEquals(2 * N, mirror.pageTable().populated());
        assertFalse(mirror.driver().queuesStopped());
        assertClean("restored");
    }

    /**
     * The restore re-faults the runs of pages the device held, not the holes between them nor the
     * rest of the VMA: pages 8-11 and 13 of a read-only 32-page VMA come back read-only, page 12
     * and pages 0-7 stay unmapped.
     */
    @Test
    void theRestoreRefaultsExactlyThePagesTheDeviceHeld() {
        long a = anon(2 * N, Prot.RW);
        cpuInit(mm, a, 2 * N, 0);
        assertEquals(Errno.OK, mirror.write(a + 8 * PAGE, 4, ints(4, 1)).result());
        assertEquals(Errno.OK, mirror.write(a + 13 * PAGE, 1, ints(1, 1)).result());
        DeviceStats s = mirror.stats();
        long faulted = s.pagesFaulted();
        assertEquals(Errno.OK, mm.mprotect(a, 2 * N * PAGE, Prot.READ));
        assertTrue(mirror.driver().queuesStopped());
        mirror.driver().restoreQueues();
        assertEquals(faulted + 5, s.pagesFaulted());
        assertEquals(5, mirror.pageTable().populated());
        for (int i = 0; i < 2 * N; i++) {
            long e = entry(a, i);
            boolean held = (i >= 8 && i < 12) || i == 13;
            assertEquals(held, DevicePteLayout.isValid(e), "page " + i);
            assertFalse(DevicePteLayout.isWrite(e), "read-only after mprotect: page " + i);
        }
        assertClean("restored");
    }

    /**
     * Where the VMA still allows write, the restore asks for write exactly where the device held
     * it: the pages it wrote come back writable, the zero pages it only read come back read-only.
     */
    @Test
    void theRestoreAsksForWriteWhereTheDeviceHeldIt() {
        long a = anon(8, Prot.RW);
        assertEquals(Errno.OK, mirror.write(a, 4, ints(4, 1)).result());
        assertEquals(
                Errno.OK,
                mirror.read(a + 4 * PAGE, 4, new byte[(int) (4 * PAGE)]).result());
        for (int i = 0; i < 8; i++) {
            assertEquals(i < 4, DevicePteLayout.isWrite(entry(a, i)), "before: page " + i);
        }
        assertEquals(Errno.OK, mm.clearSoftDirty()); // SOFT_DIRTY: evicted, VMA unchanged
        assertTrue(mirror.driver().queuesStopped());
        mirror.driver().restoreQueues();
        for (int i = 0; i < 8; i++) {
            assertTrue(DevicePteLayout.isValid(entry(a, i)), "page " + i);
            assertEquals(i < 4, DevicePteLayout.isWrite(entry(a, i)), "after: page " + i);
        }
        assertClean("restored");
    }

    /**
     * A current ATOMIC entry (over this device's writable device-exclusive CPU entry) is neither
     * dropped nor re-faulted by the restore: re-faulting it would take the exclusive access back.
     * (clear_refs, which would evict too, drops it instead: {@code SoftDirtyKernelLossTest}.)
     */
    @Test
    void theRestoreKeepsACurrentAtomicEntry() {
        long a = anon(8, Prot.RW);
        cpuInit(mm, a, 8, 0);
        assertEquals(Errno.OK, mirror.write(a, 8, ints(8, 1)).result());
        assertEquals(Errno.OK, mirror.exclusive(a + 3 * PAGE, 1).result());
        assertTrue(DevicePteLayout.isAtomic(entry(a, 3)));
        DeviceStats s = mirror.stats();
        assertTrue(mm.changeProtNuma(a, 8 * PAGE) >= 0); // NUMA hinting: evicted; it skips the exclusive entry
        assertTrue(mirror.driver().queuesStopped());
        long faulted = s.pagesFaulted();
        mirror.driver().restoreQueues();
        assertEquals(faulted + 7, s.pagesFaulted(), "every page but the ATOMIC one");
        assertTrue(DevicePteLayout.isAtomic(entry(a, 3)), "kept");
        assertEquals(8, mirror.pageTable().populated());
        assertClean("restored");
    }
}
