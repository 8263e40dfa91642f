package org.devmirror.device.driver;

import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.IntervalNotifierOps;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * One range of the address space a mirror tracks: an interval notifier the driver inserts when
 * the device first faults inside a chunk (drm_gpusvm inserts its notifiers and ranges on GPU
 * fault, in chunks aligned to their size). Device PTEs exist only inside tracked ranges, so every
 * host change to a page the device maps reaches the mirror through one of them.
 *
 * <p>When part of a tracked range is unmapped, its invalidate callback only zaps and marks it
 * ({@link #UNMAPPED}, with the unmapped intervals); the mirror's garbage collector, outside any
 * invalidation, then splits it (the rest stays tracked) or removes it, as drm_gpusvm's
 * {@code drm_gpusvm_range_set_unmapped} and Xe's garbage collector do. The pieces of one chunk are
 * merged into one tracked range again when the device refaults there.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>Its state (bounds, {@link #isLive()}, generation) is guarded by the mirror's driver lock.
 *       The bounds are fixed while the notifier is inserted; an object is reused for another range
 *       only after its notifier's removal has taken effect, and every reuse bumps the generation,
 *       so a fault that began on the old range notices and starts again.</li>
 *   <li>Its notifier keeps calling the mirror until its removal takes effect, also after the range
 *       stopped being live (dropped or merged): the mirror then still removes device access in the
 *       intersection, which is always safe.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * {@link #invalidate} takes the driver lock ({@code tryLock} for a non-blockable range, refusing
 * when contended) and holds it while the policy runs, unless the policy ignores the range
 * ({@code InvalidationPolicy.ignores}): then it takes no lock.
 */
public final class TrackedRange implements IntervalNotifierOps {
    /** Created and inserted by a fault, not yet in the mirror's set. */
    static final int NEW = 0;
    /** In the mirror's set: the fault path may commit device PTEs inside it. */
    static final int LIVE = 1;
    /** Dropped, merged away, or never registered; its notifier is being or has been removed. */
    static final int DEAD = 2;
    /**
     * Still in the mirror's set and its notifier still inserted, but part or all of it was unmapped:
     * waiting for the garbage collector. No device PTE is committed inside it meanwhile.
     */
    static final int UNMAPPED = 3;
    /** Unmapped intervals a range remembers; more make the collector drop the whole range. */
    static final int MAX_UNMAPPED = 4;

    private final MirrorState driver;
    private final IntervalNotifier notifier;
    // All guarded by the driver lock.
    long start;
    long end;
    int state = DEAD;
    /** Bumped on every reuse; a fault checks it before committing. */
    long generation;
    /**
     * Next range retired by the same {@code MirrorState.ensureTracked} call, which links the DEAD
     * ranges it must remove outside the lock through this field instead of a list; null otherwise.
     * Only that call's thread touches it between the retirement and the recycle.
     */
    TrackedRange nextRetired;
    /** Next range on the collector's list while {@link #UNMAPPED}; guarded by the driver lock. */
    TrackedRange nextUnmapped;
    /** The unmapped intervals [unmappedStart[i], unmappedEnd[i]) for i &lt; unmappedCount; guarded by the driver lock. */
    final long[] unmappedStart = new long[MAX_UNMAPPED];

    final long[] unmappedEnd = new long[MAX_UNMAPPED];
    /** Entries used in the two arrays; MAX_UNMAPPED + 1 once they overflowed (drop the whole range). */
    int unmappedCount;

    TrackedRange(MirrorState driver) {
        this.driver = driver;
        this.notifier = new IntervalNotifier(this, driver.lock());
    }

    /**
     * First byte tracked (read under the driver lock or at a quiescent point).
     *
     * @return the start address
     */
    public long start() {
        return start;
    }

    /**
     * One past the last byte tracked.
     *
     * @return the end address
     */
    public long end() {
        return end;
    }

    /**
     * Whether the range is in its mirror's set (device PTEs may be committed inside it).
     *
     * @return true while live
     */
    public boolean isLive() {
        return state == LIVE;
    }

    /**
     * The interval notifier subscribed to {@code [start, end)}.
     *
     * @return the notifier
     */
    public IntervalNotifier notifier() {
        return notifier;
    }

    /** Whether the range contains {@code [from, to)}. */
    boolean contains(long from, long to) {
        return start <= from && to <= end;
    }

    /** Makes the object track {@code [from, to)} as a NEW range; caller holds the driver lock. */
    void reset(long from, long to) {
        start = from;
        end = to;
        state = NEW;
        unmappedCount = 0;
        nextUnmapped = null;
        generation++;
    }

    /**
     * Remembers that {@code [from, to)} was unmapped (inside the range); caller holds the driver
     * lock. Allocation-free: past {@link #MAX_UNMAPPED} intervals it only notes the overflow.
     */
    void addUnmapped(long from, long to) {
        // One UNMAP may bring the same interval twice (directly, and forwarded from a range this
        // one replaced): count it once, so it does not push the range past MAX_UNMAPPED.
        for (int i = 0; i < Math.min(unmappedCount, MAX_UNMAPPED); i++) {
            if (unmappedStart[i] <= from && to <= unmappedEnd[i]) {
                return;
            }
        }
        if (unmappedCount < MAX_UNMAPPED) {
            unmappedStart[unmappedCount] = from;
            unmappedEnd[unmappedCount] = to;
            unmappedCount++;
        } else {
            unmappedCount = MAX_UNMAPPED + 1;
        }
    }

    @Override
    public boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        return driver.invalidate(this, range, curSeq);
    }

    @Override
    public String toString() {
        return "TrackedRange[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")"
                + switch (state) {
                    case LIVE -> "";
                    case NEW -> " new";
                    case UNMAPPED -> " unmapped";
                    default -> " dead";
                };
    }
}
