package org.devmirror.observe;

import java.util.ArrayList;
import java.util.List;
import org.devmirror.mm.AddressSpace;
import org.devmirror.notifier.MmuNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * A classic {@code struct mmu_notifier} that only watches: registered on every address space a
 * scenario or a replay drives, it sees each invalidation the host raises (event, range, flags,
 * owner) and counts them per {@link MmuNotifierEvent}, as a tracing subscriber in the kernel
 * would. It never refuses a range and changes nothing.
 *
 * <p>Classic notifiers run after the interval notifiers in
 * {@code __mmu_notifier_invalidate_range_start} (mm/mmu_notifier.c), so by the time
 * {@link #invalidateRangeStart} runs, every device mirror has already reacted.
 *
 * <h2>Assumptions and Guarantees</h2>
 * The runner drives the host from one thread; the recorder is called on that thread and is not
 * thread-safe. {@link #release} is recorded as a RELEASE over the whole address space, which is
 * what {@code mn_itree_release} tells interval notifiers.
 *
 * <h2>Locking</h2>
 * None: single-threaded by the assumption above.
 */
@SuppressWarnings(
        "EnumOrdinal") // counters live in arrays indexed by ordinal() (no EnumMap boxing on hot paths); the indices
// never leave the process
public final class InvalidationRecorder implements MmuNotifier {
    /** One invalidation as the host raised it. {@code mm} is the address space's id. */
    public record Invalidation(int mm, MmuNotifierEvent event, long start, long end, boolean blockable, Object owner) {
        /** {@code UNMAP [0x7f00, 0x8000) blockable owner=gpu}: one line of a readable trace. */
        public String describe() {
            return event + " [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")"
                    + (blockable ? " blockable" : " non-blockable")
                    + (owner != null ? " owner=" + owner : "");
        }
    }

    private final long[] totals = new long[MmuNotifierEvent.COUNT];
    // invalidations since the last drain(); null when only counting
    private final List<Invalidation> pending;
    private final long[] pendingCounts = new long[MmuNotifierEvent.COUNT];

    private InvalidationRecorder(boolean keepRecords) {
        this.pending = keepRecords ? new ArrayList<>() : null;
    }

    /** A recorder that keeps every invalidation until {@link #drain()} (for scenario traces). */
    public static InvalidationRecorder recording() {
        return new InvalidationRecorder(true);
    }

    /** A recorder that only counts (for replays of long traces). */
    public static InvalidationRecorder counting() {
        return new InvalidationRecorder(false);
    }

    /** Starts watching {@code mm}: registers as a classic notifier on its subscriptions. */
    public void watch(AddressSpace mm) {
        mm.notifiers().register(this);
    }

    @Override
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        int event = range.event().ordinal();
        totals[event]++;
        pendingCounts[event]++;
        if (pending != null) {
            int mm = range.mm() instanceof AddressSpace space ? space.id() : -1;
            pending.add(new Invalidation(
                    mm, range.event(), range.start(), range.end(), range.isBlockable(), range.owner()));
        }
        return true;
    }

    @Override
    public void release(Object mm) {
        int event = MmuNotifierEvent.RELEASE.ordinal();
        totals[event]++;
        pendingCounts[event]++;
        if (pending != null) {
            int id = mm instanceof AddressSpace space ? space.id() : -1;
            pending.add(new Invalidation(id, MmuNotifierEvent.RELEASE, 0, -1L, true, null));
        }
    }

    /** Invalidations of {@code event} seen since this recorder was made. */
    public long total(MmuNotifierEvent event) {
        return totals[event.ordinal()];
    }

    /** Invalidations of {@code event} seen since the last {@link #drain()} or {@link #resetPending()}. */
    public long pending(MmuNotifierEvent event) {
        return pendingCounts[event.ordinal()];
    }

    /** Invalidations of any event since the last {@link #drain()} or {@link #resetPending()}. */
    public long pendingTotal() {
        long sum = 0;
        for (long n : pendingCounts) {
            sum += n;
        }
        return sum;
    }

    /** Forgets the pending counts (and records) without returning them. */
    public void resetPending() {
        java.util.Arrays.fill(pendingCounts, 0);
        if (pending != null) {
            pending.clear();
        }
    }

    /** The invalidations recorded since the last drain, in the order raised; clears them. Empty when counting. */
    public List<Invalidation> drain() {
        List<Invalidation> out = pending == null ? List.of() : List.copyOf(pending);
        resetPending();
        return out;
    }
}
