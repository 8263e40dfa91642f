package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Invalidation dispatch allocates nothing: measured with the JVM's per-thread allocation counter
 * over 100 000 invalidations that alternately hit and miss intervals, with a classic subscriber.
 */
@Tag("allocation") // PIT leaves it out: its coverage probes allocate
class NoAllocationTest extends NotifierFixture {
    private static final int INTERVALS = 1024;
    private static final int OPS = 100_000;

    /** One invalidation, blockable, hitting interval {@code i % INTERVALS} on even i and a gap on odd i. */
    private void invalidate(int i) {
        long base = (long) (i % INTERVALS) * 2 * PAGE;
        long start = (i & 1) == 0 ? base : base + PAGE; // odd i: the unsubscribed page after it
        range.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, start, start + PAGE, null);
        subs.invalidateRangeStart(range);
        subs.invalidateRangeEnd(range);
    }

    /** Average allocation per invalidation is below one byte. */
    @Test
    void dispatchAllocatesNothing() {
        // Step 1: every other page is subscribed; a classic subscriber listens too.
        RecordingIntervalOps[] ops = new RecordingIntervalOps[INTERVALS];
        for (int i = 0; i < INTERVALS; i++) {
            ops[i] = new RecordingIntervalOps();
            subs.insert(new IntervalNotifier(ops[i]), (long) i * 2 * PAGE, PAGE);
        }
        RecordingMmuNotifier classic = new RecordingMmuNotifier(false);
        subs.register(classic);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Step 2: warm up so that class loading and the first compilations are out of the way.
        for (int i = 0; i < 20_000; i++) {
            invalidate(i);
        }
        // Step 3: measure.
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < OPS; i++) {
            invalidate(i);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // Step 4: below one byte per invalidation on average, and the work really happened.
        assertTrue(allocated < OPS, "allocated " + allocated + " bytes over " + OPS + " invalidations");
        assertEquals(120_000, classic.starts());
        // Interval 0 is hit whenever i is a multiple of INTERVALS (always even), in both loops.
        assertEquals((20_000 + INTERVALS - 1) / INTERVALS + (OPS + INTERVALS - 1) / INTERVALS, ops[0].calls());
        assertEquals(0, subs.sequence() & 1);
    }
}
