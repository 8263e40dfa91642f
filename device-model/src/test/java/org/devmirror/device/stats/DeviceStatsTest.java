package org.devmirror.device.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;

/** A snapshot copies every counter, sums add counter by counter, and a difference is what happened in between. */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
class DeviceStatsTest {
    private static final int CLEAR = MmuNotifierEvent.CLEAR.ordinal();
    private static final int SOFT_DIRTY = MmuNotifierEvent.SOFT_DIRTY.ordinal();

    /**
     * One CLEAR that zapped 16 PTEs, one skipped SOFT_DIRTY, one SOFT_DIRTY ignored before the lock,
     * one refusal and one fault of 16 pages.
     */
    private static DeviceStats someWork() {
        DeviceStats s = new DeviceStats();
        s.addInvalidation(CLEAR);
        s.addZapped(CLEAR, 16);
        s.addTlbFlush(CLEAR);
        s.addInvalidation(SOFT_DIRTY);
        s.addSkipped(SOFT_DIRTY);
        s.addIgnored(SOFT_DIRTY);
        s.addRefused(CLEAR);
        s.addDowngraded(CLEAR, 2);
        s.addReread(CLEAR, 3);
        s.addFault(1, 16);
        s.addQueueEviction();
        s.addQueueRestore();
        return s;
    }

    @Test
    void snapshotCopiesEveryCounterAndStaysPut() {
        DeviceStats live = someWork();
        DeviceStats snap = live.snapshot();
        assertNotSame(live, snap);
        assertEquals(live.format(), snap.format());
        // Later work on the live counters does not reach the snapshot.
        live.addZapped(CLEAR, 5);
        assertEquals(16, snap.ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(21, live.ptesZapped(MmuNotifierEvent.CLEAR));
    }

    @Test
    void addSumsCounterByCounter() {
        DeviceStats sum = someWork().snapshot().add(someWork());
        assertEquals(6, sum.totalInvalidations());
        assertEquals(32, sum.totalZapped());
        assertEquals(4, sum.totalDowngraded());
        assertEquals(6, sum.totalReread());
        assertEquals(4, sum.totalSkipped());
        assertEquals(2, sum.ignored(MmuNotifierEvent.SOFT_DIRTY));
        assertEquals(2, sum.totalRefused());
        assertEquals(2, sum.totalTlbFlushes());
        assertEquals(2, sum.deviceFaults());
        assertEquals(2, sum.faultRetries());
        assertEquals(32, sum.pagesFaulted());
        assertEquals(2, sum.queueEvictions());
        assertEquals(2, sum.queueRestores());
    }

    @Test
    void queueCountersFollowSnapshotMinusAndReset() {
        DeviceStats live = someWork();
        DeviceStats before = live.snapshot();
        live.addQueueEviction();
        DeviceStats delta = live.minus(before);
        assertEquals(1, delta.queueEvictions());
        assertEquals(0, delta.queueRestores());
        live.reset();
        assertEquals(0, live.queueEvictions());
        assertEquals(0, live.queueRestores());
    }

    @Test
    void minusIsTheWorkInBetween() {
        DeviceStats live = someWork();
        DeviceStats before = live.snapshot();
        // Steps: one more CLEAR zapping 8 and one failed fault after the first reading.
        live.addInvalidation(CLEAR);
        live.addZapped(CLEAR, 8);
        live.addFaultError(2);
        live.addIgnored(SOFT_DIRTY);
        DeviceStats delta = live.snapshot().minus(before);
        assertEquals(1, delta.invalidations(MmuNotifierEvent.CLEAR));
        assertEquals(8, delta.ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(1, delta.skipped(MmuNotifierEvent.SOFT_DIRTY));
        assertEquals(1, delta.ignored(MmuNotifierEvent.SOFT_DIRTY));
        assertEquals(1, delta.invalidations(MmuNotifierEvent.SOFT_DIRTY));
        assertEquals(0, delta.refused(MmuNotifierEvent.CLEAR));
        assertEquals(1, delta.faultErrors());
        assertEquals(2, delta.faultRetries());
        assertEquals(0, delta.deviceFaults());
        // Neither operand changed.
        assertEquals(16, before.ptesZapped(MmuNotifierEvent.CLEAR));
        assertEquals(24, live.ptesZapped(MmuNotifierEvent.CLEAR));
    }
}
