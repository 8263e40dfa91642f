package org.devmirror.device.driver;

import java.util.Arrays;

/**
 * The mirror's set of live tracked ranges, sorted and disjoint, in parallel primitive arrays so
 * that the fault path finds the range covering an address by binary search without allocating
 * (a {@code TreeMap} would box the key). Also keeps a pool of dead ranges for reuse once their
 * notifiers are fully removed, so splitting and re-tracking allocate nothing in steady state. The
 * pool keeps up to as many ranges as the mirror ever tracked at once, as a slab cache keeps freed
 * objects of a size in use: an unmap of a 1 GiB mirrored region drops 512 ranges, and the refault
 * that tracks them again reuses all 512 instead of allocating the ones a fixed-size pool dropped.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Ranges added never overlap a range already in the set (the caller removes or splits first).
 *
 * <h2>Locking</h2>
 * Every method is called with the driver lock held.
 */
final class TrackedRanges {
    private static final int INITIAL_POOL = 32;

    /** starts[i] = ranges[i].start, ascending; valid for i &lt; count. */
    private long[] starts = new long[16];
    private TrackedRange[] ranges = new TrackedRange[16];
    private int count;
    /** The largest {@link #count} so far: the pool grows up to it and no further. */
    private int peak;
    /** Dead ranges waiting for reuse; valid for i &lt; pooled. */
    private TrackedRange[] pool = new TrackedRange[INITIAL_POOL];
    private int pooled;

    int count() {
        return count;
    }

    TrackedRange at(int i) {
        return ranges[i];
    }

    /** The live range containing {@code va}, or null. */
    TrackedRange find(long va) {
        int i = floor(va);
        if (i < 0) {
            return null;
        }
        TrackedRange t = ranges[i];
        return va < t.end ? t : null;
    }

    /** Index of the first range ending after {@code va}, or {@code count}. */
    int firstEndingAfter(long va) {
        int i = floor(va);
        if (i < 0) {
            return 0;
        }
        return va < ranges[i].end ? i : i + 1;
    }

    void add(TrackedRange t) {
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
            ranges = Arrays.copyOf(ranges, count * 2);
        }
        int i = floor(t.start) + 1;
        System.arraycopy(starts, i, starts, i + 1, count - i);
        System.arraycopy(ranges, i, ranges, i + 1, count - i);
        starts[i] = t.start;
        ranges[i] = t;
        count++;
        peak = Math.max(peak, count);
    }

    void remove(TrackedRange t) {
        int i = floor(t.start);
        if (i < 0 || ranges[i] != t) {
            throw new IllegalStateException(t + " is not in the set");
        }
        System.arraycopy(starts, i + 1, starts, i, count - i - 1);
        System.arraycopy(ranges, i + 1, ranges, i, count - i - 1);
        count--;
        ranges[count] = null;
    }

    /** A range object whose notifier is not inserted anywhere, from the pool or new. */
    TrackedRange obtain(MirrorDriver driver) {
        for (int i = 0; i < pooled; i++) {
            TrackedRange t = pool[i];
            if (!t.notifier().isInserted()) {
                pool[i] = pool[--pooled];
                pool[pooled] = null;
                return t;
            }
        }
        return new TrackedRange(driver);
    }

    /**
     * Offers a dead range for reuse once its notifier is removed; dropped when the pool already
     * holds as many ranges as were ever live at once.
     */
    void recycle(TrackedRange t) {
        if (pooled == pool.length) {
            if (pool.length >= peak) {
                return;
            }
            pool = Arrays.copyOf(pool, Math.min(pool.length * 2, peak));
        }
        pool[pooled++] = t;
    }

    /** Index of the last range starting at or below {@code va}, or -1. */
    private int floor(long va) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= va) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }
}
