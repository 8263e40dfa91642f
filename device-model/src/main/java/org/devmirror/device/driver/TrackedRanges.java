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
 * <p>It also keeps the garbage collector's list of ranges an invalidation marked
 * {@link TrackedRange#UNMAPPED}, linked through the ranges themselves, and does the set's part of
 * splitting such a range into the pieces still mapped ({@link #preparePieces}, {@link #commitPieces},
 * as {@code xe_svm_garbage_collector} replaces a partially unmapped range) and of merging the
 * pieces of a chunk into one range again ({@link #mergeChunk}). Inserting and removing the
 * pieces' interval notifiers, and zapping device PTEs, stay with {@link MirrorState}: they may not
 * run under the driver lock, or are device work.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Ranges added never overlap a range already in the set (the caller removes or splits first).
 *
 * <h2>Locking</h2>
 * Every method but {@link #mayHaveUnmapped} is called with the driver lock held. The pieces of a split are kept from
 * {@link #preparePieces} to {@link #commitPieces}, across a release of the driver lock: one
 * collector at a time splits (the driver's {@code gcLock}).
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
    /** Ranges marked UNMAPPED, waiting for the collector; linked through nextUnmapped. */
    private TrackedRange unmappedHead;
    /**
     * {@code unmappedHead != null}, written under the driver lock and read without it by
     * {@link #mayHaveUnmapped}: volatile so that a reader that took the lock after the writer, or is
     * the writer, sees it.
     */
    private volatile boolean unmappedHint;
    /** The split in progress: [bounds[2i], bounds[2i+1]) for each piece; guarded by the driver's gcLock. */
    private final long[] pieceBounds = new long[2 * (TrackedRange.MAX_UNMAPPED + 1)];
    /** The split in progress: its pieces, valid for i &lt; the count preparePieces returned; guarded by gcLock. */
    private final TrackedRange[] pieces = new TrackedRange[TrackedRange.MAX_UNMAPPED + 1];

    int count() {
        return count;
    }

    TrackedRange at(int i) {
        return ranges[i];
    }

    /**
     * The range {@link #find} returned last, while it is in the set (null once {@link #remove}
     * takes it out): a one-entry cache in front of the binary search, as the kernel's per-thread
     * {@code vmacache} was in front of the VMA tree. A range's bounds never change while it is in
     * the set (an object is {@link TrackedRange#reset} only after it left), so a hit is exactly
     * what the search would find.
     */
    private TrackedRange lastFound;

    /** The range in the set (live or waiting for the collector) containing {@code va}, or null. */
    TrackedRange find(long va) {
        TrackedRange last = lastFound;
        if (last != null && last.start <= va && va < last.end) {
            return last;
        }
        int i = floor(va);
        if (i < 0) {
            return null;
        }
        TrackedRange t = ranges[i];
        if (va < t.end) {
            lastFound = t;
            return t;
        }
        return null;
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
        if (lastFound == t) {
            lastFound = null;
        }
    }

    /** A range object whose notifier is not inserted anywhere, from the pool or new. */
    TrackedRange obtain(MirrorState driver) {
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

    /**
     * Marks the live or already unmapped range {@code t} as having lost {@code [from, to)}, and puts
     * it on the collector's list the first time. Allocation-free.
     */
    void markUnmapped(TrackedRange t, long from, long to) {
        if (t.state == TrackedRange.LIVE) {
            t.state = TrackedRange.UNMAPPED;
            t.nextUnmapped = unmappedHead;
            unmappedHead = t;
            unmappedHint = true;
        }
        t.addUnmapped(from, to);
    }

    /**
     * Marks every range of the set that overlaps {@code [from, to)} as having lost its part of it:
     * the mark of an UNMAP that reached a range already replaced ({@code MirrorState.dropTracking}).
     * Allocation-free.
     */
    void markUnmappedIn(long from, long to) {
        for (int i = firstEndingAfter(from); i < count && ranges[i].start < to; i++) {
            TrackedRange r = ranges[i];
            markUnmapped(r, Math.max(from, r.start), Math.min(to, r.end));
        }
    }

    /**
     * Carries over to {@code piece}, just published in place of the unmapped range {@code old},
     * the intervals an invalidation marked on {@code old} after the collector computed the pieces
     * from its first {@code seen} intervals. The collector inserts the pieces' notifiers outside
     * the driver lock; an UNMAP in that window reaches {@code old} (still inserted and UNMAPPED)
     * and zaps, but the piece, already computed, would otherwise stay tracked over the hole. Past
     * {@link TrackedRange#MAX_UNMAPPED} intervals the whole piece is marked. Allocation-free.
     */
    void carryLateUnmaps(TrackedRange old, int seen, TrackedRange piece) {
        int n = old.unmappedCount;
        if (n > TrackedRange.MAX_UNMAPPED) {
            markUnmapped(piece, piece.start, piece.end);
            return;
        }
        for (int i = seen; i < n; i++) {
            long from = Math.max(old.unmappedStart[i], piece.start);
            long to = Math.min(old.unmappedEnd[i], piece.end);
            if (from < to) {
                markUnmapped(piece, from, to);
            }
        }
    }

    /** Whether any range waits for the collector. */
    boolean hasUnmapped() {
        return unmappedHead != null;
    }

    /** The next range waiting for the collector, left on the list until {@link #unlinkUnmapped}; or null. */
    TrackedRange peekUnmapped() {
        return unmappedHead;
    }

    /** Takes {@code t} off the collector's list. */
    void unlinkUnmapped(TrackedRange t) {
        if (unmappedHead == t) {
            unmappedHead = t.nextUnmapped;
        } else {
            for (TrackedRange p = unmappedHead; p != null; p = p.nextUnmapped) {
                if (p.nextUnmapped == t) {
                    p.nextUnmapped = t.nextUnmapped;
                    break;
                }
            }
        }
        t.nextUnmapped = null;
        if (unmappedHead == null) {
            unmappedHint = false;
        }
    }

    /**
     * Whether a range may wait for the collector; the only method that may be called without the
     * driver lock. False is exact for the thread that emptied the list or took the driver lock
     * after the last change; for any other it may be stale, so a caller that acts on false
     * re-checks {@link #hasUnmapped} under the lock.
     */
    boolean mayHaveUnmapped() {
        return unmappedHint;
    }

    /** Forgets every range waiting for the collector (the mirror is closing). */
    void clearUnmapped() {
        while (unmappedHead != null) {
            unlinkUnmapped(unmappedHead);
        }
    }

    /**
     * The parts of the unmapped range {@code t} that are still mapped, as
     * {@code [out[0], out[1]), [out[2], out[3]), ...} in ascending order: {@code t} minus its
     * unmapped intervals. None when the intervals overflowed ({@link TrackedRange#MAX_UNMAPPED}).
     *
     * @param out at least {@code 2 * (MAX_UNMAPPED + 1)} longs
     * @return the number of pieces
     */
    static int keptPieces(TrackedRange t, long[] out) {
        int n = t.unmappedCount;
        if (n > TrackedRange.MAX_UNMAPPED) {
            return 0;
        }
        int pieces = 0;
        long cursor = t.start;
        while (cursor < t.end) {
            // The unmapped interval that covers cursor, or else the nearest one after it.
            long nextStart = t.end;
            long coverEnd = -1;
            for (int i = 0; i < n; i++) {
                long s = t.unmappedStart[i];
                long e = t.unmappedEnd[i];
                if (s <= cursor && cursor < e) {
                    coverEnd = Math.max(coverEnd, e);
                } else if (s > cursor) {
                    nextStart = Math.min(nextStart, s);
                }
            }
            if (coverEnd >= 0) {
                cursor = coverEnd;
                continue;
            }
            out[2 * pieces] = cursor;
            out[2 * pieces + 1] = nextStart;
            pieces++;
            cursor = nextStart;
        }
        return pieces;
    }

    /**
     * Split, step one: the pieces of the unmapped range {@code old} that are still mapped, as NEW
     * range objects ({@link #piece}) whose notifiers the caller inserts outside the driver lock.
     * None when {@code keepNothing} (the address space is gone or the mirror closed) or the
     * unmapped intervals overflowed. Allocates only when the pool is empty.
     *
     * @return the number of pieces
     */
    int preparePieces(TrackedRange old, boolean keepNothing, MirrorState driver) {
        preparedFrom = old.unmappedCount;
        int n = keepNothing ? 0 : keptPieces(old, pieceBounds);
        for (int i = 0; i < n; i++) {
            pieces[i] = obtain(driver);
            pieces[i].reset(pieceBounds[2 * i], pieceBounds[2 * i + 1]);
        }
        return n;
    }

    /** Unmapped intervals of the range being split when its pieces were computed (preparePieces). */
    private int preparedFrom;

    /** Piece {@code i} of the split in progress. */
    TrackedRange piece(int i) {
        return pieces[i];
    }

    /**
     * Split, step two: {@code old} leaves the set and the collector's list (DEAD), and each of the
     * {@code n} pieces joins the set (LIVE) unless an invalidation killed it since
     * {@link #preparePieces} or {@code keep} is false.
     *
     * @return the pieces that did not join (DEAD), linked through nextRetired: their device PTEs
     *     are the caller's to zap and their notifiers to remove
     */
    TrackedRange commitPieces(TrackedRange old, int n, boolean keep) {
        remove(old);
        unlinkUnmapped(old);
        old.state = TrackedRange.DEAD;
        TrackedRange failed = null;
        for (int i = 0; i < n; i++) {
            TrackedRange piece = pieces[i];
            pieces[i] = null;
            if (piece.state == TrackedRange.NEW && keep) {
                piece.state = TrackedRange.LIVE;
                add(piece);
                carryLateUnmaps(old, preparedFrom, piece); // an UNMAP that reached only old meanwhile
            } else {
                piece.state = TrackedRange.DEAD;
                piece.nextRetired = failed;
                failed = piece;
            }
        }
        return failed;
    }

    /**
     * Merge: every range in {@code [chunkStart, chunkEnd)} (the pieces an earlier split left)
     * leaves the set (DEAD) and {@code fresh}, which covers the chunk, joins it (LIVE).
     *
     * @return the ranges that left, linked through nextRetired; their notifiers are the caller's to remove
     */
    TrackedRange mergeChunk(TrackedRange fresh, long chunkStart, long chunkEnd) {
        TrackedRange retired = null;
        for (int i = firstEndingAfter(chunkStart); i < count && ranges[i].start < chunkEnd; ) {
            TrackedRange piece = ranges[i];
            remove(piece);
            piece.state = TrackedRange.DEAD;
            piece.nextRetired = retired;
            retired = piece;
        }
        fresh.state = TrackedRange.LIVE;
        add(fresh);
        return retired;
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
