package org.devmirror.notifier;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Test fixture modelled on lib/test_hmm.c's {@code dmirror_interval_invalidate}: takes the driver
 * lock (try-lock when the range is non-blockable), calls {@code setSeq}, and records what it was
 * told. Allocation-free, so it can sit under allocation measurements.
 */
public class RecordingIntervalOps implements IntervalNotifierOps {
    /** The driver lock ("user_lock") held around setSeq here and around readRetry by faults. */
    public final ReentrantLock driverLock = new ReentrantLock();

    private volatile int calls;
    private volatile MmuNotifierEvent lastEvent;
    private volatile long lastStart;
    private volatile long lastEnd;
    private volatile long lastSeq;
    private volatile boolean lastBlockable;

    /** A fixture that has been told nothing yet. */
    public RecordingIntervalOps() {}

    @Override
    @SuppressWarnings(
            "NonAtomicVolatileUpdate") // written under the driver lock only; volatile so the test thread reads it
    public boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (range.isBlockable()) {
            driverLock.lock();
        } else if (!driverLock.tryLock()) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
            lastEvent = range.event();
            lastStart = range.start();
            lastEnd = range.end();
            lastSeq = curSeq;
            lastBlockable = range.isBlockable();
            calls = calls + 1; // written under the driver lock only
            onInvalidate(sub, range, curSeq);
        } finally {
            driverLock.unlock();
        }
        return true;
    }

    /** Hook for tests that act inside the callback; runs under the driver lock. */
    protected void onInvalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {}

    public int calls() {
        return calls;
    }

    public MmuNotifierEvent lastEvent() {
        return lastEvent;
    }

    public long lastStart() {
        return lastStart;
    }

    public long lastEnd() {
        return lastEnd;
    }

    public long lastSeq() {
        return lastSeq;
    }

    public boolean lastBlockable() {
        return lastBlockable;
    }
}
