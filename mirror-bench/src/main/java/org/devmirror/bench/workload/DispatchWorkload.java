package org.devmirror.bench.workload;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.IntervalNotifierOps;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * The notifier core with {@code n} interval notifiers registered, for measuring dispatch alone:
 * one invalidation through {@link MmuNotifierSubscriptions#invalidateRangeStart} and
 * {@link MmuNotifierSubscriptions#invalidateRangeEnd}, hitting either one notifier or none.
 *
 * <p>Notifier {@code i} covers the 2 MiB at {@link #intervalStart intervalStart(i)}; intervals are
 * {@link #STRIDE} apart, so each is followed by a 2 MiB gap no notifier covers. A hit invalidates
 * the first page of the middle interval, a miss the first page of the gap after it. The callback
 * is the least a correct driver does (lib/test_hmm.c's {@code dmirror_interval_invalidate}
 * without the zap): take the driver lock, {@link IntervalNotifier#setSeq}, unlock. What a real
 * policy does on top is measured by the invalidation benchmarks.
 *
 * <h2>Assumptions and Guarantees</h2>
 * One thread uses an instance at a time. {@link #invalidate} allocates nothing: both ranges are
 * initialised once and reused, as the host reuses its range object.
 */
public final class DispatchWorkload implements AutoCloseable {
    /** Length of every interval (one 2 MiB tracking chunk, as drm_gpusvm ranges are). */
    public static final long INTERVAL_LENGTH = 2L << 20;
    /** Distance between interval starts: an interval, then a gap of the same size. */
    public static final long STRIDE = 2 * INTERVAL_LENGTH;
    /** The lowest interval start, away from address 0. */
    public static final long BASE = 1L << 32;

    private static final long PAGE_SIZE = 4096;

    private final MmuNotifierSubscriptions subscriptions;
    private final IntervalNotifier[] notifiers;
    private final ReentrantLock driverLock = new ReentrantLock();
    private final MmuNotifierRange hit = new MmuNotifierRange();
    private final MmuNotifierRange miss = new MmuNotifierRange();
    /** Callbacks made; written under driverLock. */
    private long callbacks;

    /**
     * @param notifiers how many interval notifiers to register, at least 1
     * @throws IllegalArgumentException if {@code notifiers < 1}
     */
    public DispatchWorkload(int notifiers) {
        if (notifiers < 1) {
            throw new IllegalArgumentException("notifiers=" + notifiers + " must be at least 1");
        }
        Object mm = new Object();
        subscriptions = new MmuNotifierSubscriptions(mm);
        this.notifiers = new IntervalNotifier[notifiers];
        // One ops instance shared by every notifier, as a driver registers one ops table.
        IntervalNotifierOps ops = (sub, range, curSeq) -> {
            driverLock.lock();
            try {
                sub.setSeq(curSeq);
                callbacks++;
            } finally {
                driverLock.unlock();
            }
            return true;
        };
        for (int i = 0; i < notifiers; i++) {
            IntervalNotifier n = new IntervalNotifier(ops);
            subscriptions.insert(n, intervalStart(i), INTERVAL_LENGTH);
            this.notifiers[i] = n;
        }
        long h = hitAddress(notifiers);
        long m = missAddress(notifiers);
        hit.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, h, h + PAGE_SIZE, null);
        miss.init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, m, m + PAGE_SIZE, null);
    }

    /** Start of interval {@code i}. */
    public static long intervalStart(int i) {
        return BASE + i * STRIDE;
    }

    /** The address a hit invalidates: the first page of the middle interval. */
    public static long hitAddress(int notifiers) {
        return intervalStart(notifiers / 2);
    }

    /** The address a miss invalidates: the first page of the gap after the middle interval. */
    public static long missAddress(int notifiers) {
        return intervalStart(notifiers / 2) + INTERVAL_LENGTH;
    }

    /**
     * Raises one invalidation, as the host does around a page-table change, and returns the
     * sequence afterwards (even) so that callers have a result to sink.
     */
    public long invalidate(boolean hitOne) {
        MmuNotifierRange range = hitOne ? hit : miss;
        if (!subscriptions.invalidateRangeStart(range)) {
            throw new IllegalStateException("a blockable range was refused: " + range);
        }
        subscriptions.invalidateRangeEnd(range);
        InjectedWork.perOperation();
        return subscriptions.sequence();
    }

    /** Tree nodes the latest invalidation visited (the gate's work counter). */
    public int visitedNodesLastInvalidation() {
        return subscriptions.visitedNodesLastInvalidation();
    }

    /** Callbacks made so far. */
    public long callbacks() {
        driverLock.lock();
        try {
            return callbacks;
        } finally {
            driverLock.unlock();
        }
    }

    public int notifierCount() {
        return notifiers.length;
    }

    /** Removes every notifier (waiting for nothing: no invalidation is in flight). */
    @Override
    public void close() {
        for (IntervalNotifier n : notifiers) {
            if (n.isInserted()) {
                n.remove();
            }
        }
    }
}
