package org.devmirror.reliability.jcstress;

import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * One host thread's side of an invalidation: its own reusable {@link MmuNotifierRange} (the
 * kernel keeps it on the stack of the thread changing the page table), started with
 * {@code invalidateRangeStart} and ended with {@code invalidateRangeEnd}. The caller changes the
 * CPU entries in between, and only if the start was accepted.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Used by one thread; {@link #end()} follows exactly the {@link #start} calls that returned true.
 *
 * <h2>Locking</h2>
 * None of its own: the subscriptions take theirs.
 */
final class HostInvalidator {
    private final MmuNotifierSubscriptions subs;
    private final Object mm;
    private final MmuNotifierRange range = new MmuNotifierRange();

    HostInvalidator(MmuNotifierSubscriptions subs, Object mm) {
        this.subs = subs;
        this.mm = mm;
    }

    /** invalidate_range_start; false only for a refused non-blockable range (then no end). */
    boolean start(MmuNotifierEvent event, boolean blockable, long start, long end) {
        range.init(mm, event, blockable ? MmuNotifierRange.FLAG_BLOCKABLE : 0, start, end, null);
        return subs.invalidateRangeStart(range);
    }

    /** invalidate_range_end of the accepted start. */
    void end() {
        subs.invalidateRangeEnd(range);
    }
}
