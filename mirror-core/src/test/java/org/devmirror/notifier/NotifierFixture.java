package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared setup: one address space's subscriptions and a reusable range, as the host keeps them. */
abstract class NotifierFixture {
    static final long PAGE = 4096;

    final Object mm = new Object() {
        @Override
        public String toString() {
            return "mm#test";
        }
    };
    final MmuNotifierSubscriptions subs = new MmuNotifierSubscriptions(mm);
    final MmuNotifierRange range = new MmuNotifierRange();

    /** Inserts a recording notifier over [start, start + length). */
    RecordingIntervalOps insert(IntervalNotifier[] out, long start, long length) {
        RecordingIntervalOps ops = new RecordingIntervalOps();
        out[0] = new IntervalNotifier(ops);
        subs.insert(out[0], start, length);
        return ops;
    }

    /** Starts a blockable CLEAR of [start, end) and asserts it was accepted. */
    void start(long start, long end) {
        assertTrue(subs.invalidateRangeStart(
                range.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, start, end, null)));
    }

    /** Ends the range last started by {@link #start} (re-initialised: only start/end matter here). */
    void end(long start, long end) {
        subs.invalidateRangeEnd(
                range.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, start, end, null));
    }

    /** Waits (bounded by the test's @Timeout) until {@code t} is parked. */
    static void awaitParked(Thread t) {
        while (t.getState() != Thread.State.WAITING) {
            assertTrue(t.isAlive(), t.getName() + " ended instead of waiting");
            Thread.onSpinWait();
        }
    }
}
