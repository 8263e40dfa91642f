package org.devmirror.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.devmirror.notifier.MmuNotifierEvent;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.MmuNotifierSubscriptions;

/**
 * Models the inline helpers of include/linux/mmu_notifier.h that the host calls around every
 * page-table change: {@code mmu_notifier_range_init_owner},
 * {@code mmu_notifier_invalidate_range_start[_nonblock]} and {@code _end}. With
 * {@code CONFIG_MMU_NOTIFIER} off, or no subscriber ({@code mm_has_notifiers}), they do nothing
 * and no range is even initialised.
 *
 * <h2>Which range</h2>
 * Operations pass the range the kernel initialises. Under {@link InvalidationRanges#NARROWED}
 * {@link #startOver} cuts it down to its populated part and raises nothing where nothing is
 * populated; under {@link InvalidationRanges#KERNEL} it is raised as given. Either way nothing is
 * computed when {@link #active()} is false.
 *
 * <h2>Reusing ranges without allocating</h2>
 * The kernel puts {@code struct mmu_notifier_range} on the stack. Java has no stack structs, so
 * each address space owns {@value #SLOTS} range objects and a bitmap of the ones in flight. A
 * start claims the lowest clear bit with one compare-and-set, fills that slot, and returns its
 * number; end hands the slot back. Layout changes (mmap write lock) use slot 0 in practice;
 * faults under the shared lock on several threads and reverse-map work from other address
 * spaces each claim their own slot, so two in-flight invalidations never share a range object,
 * and nested ones (a split inside a fault) get different slots. Each slot's object is created
 * the first time the slot is used and kept for the life of the address space: after warm-up an
 * invalidation allocates nothing. If every slot is in flight (more than {@value #SLOTS}
 * concurrent invalidations of one address space) the claimer spins until one is handed back.
 *
 * <h2>Assumptions and Guarantees</h2>
 * {@link #start} and {@link #end} are called on the same thread, with no page-table lock held
 * (subscribers may sleep). A slot's range is written only by its claimer between claim and
 * release; the compare-and-set on {@code inFlight} orders the release of one owner before the
 * claim of the next.
 */
final class MmuNotify {
    /** Returned by start when notifications are off or nobody subscribes: nothing to end. */
    static final int OFF = -1;
    /** Returned by start when a non-blockable start was refused (-EAGAIN): change nothing. */
    static final int REFUSED = -2;
    /** Range objects per address space. */
    static final int SLOTS = 64;

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(MmuNotify.class, "inFlight", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AddressSpace mm;
    private final boolean enabled;
    // InvalidationRanges.NARROWED: startOver raises only over the populated part
    private final boolean narrowed;
    private final MmuNotifierSubscriptions subscriptions;
    // slot i's range, created on its first claim; written only by the slot's claimer
    private final MmuNotifierRange[] ranges = new MmuNotifierRange[SLOTS];
    // bit i set while slot i is claimed; changed only by compareAndSet
    @SuppressWarnings("unused")
    private volatile long inFlight;

    MmuNotify(AddressSpace mm, boolean enabled, InvalidationRanges ranges, MmuNotifierSubscriptions subscriptions) {
        this.mm = mm;
        this.enabled = enabled;
        this.narrowed = switch (ranges) {
            case KERNEL -> false;
            case NARROWED -> true;
        };
        this.subscriptions = subscriptions;
    }

    /** {@code mm_has_notifiers} under {@code CONFIG_MMU_NOTIFIER}: whether start would do anything. */
    boolean active() {
        return enabled && subscriptions.hasSubscribers();
    }

    /** Whether invalidations are narrowed to what is populated ({@link InvalidationRanges#NARROWED}). */
    boolean narrowed() {
        return narrowed;
    }

    /**
     * Blockable start over the kernel's range {@code [start, end)}, or, under
     * {@link InvalidationRanges#NARROWED}, over its populated part ({@link #OFF} when nothing in it
     * is populated).
     *
     * @return a slot to pass to {@link #end}, or {@link #OFF}
     */
    int startOver(MmuNotifierEvent event, long start, long end, Object owner) {
        return beginOver(event, MmuNotifierRange.FLAG_BLOCKABLE, start, end, owner);
    }

    /**
     * {@link #startNonblock} over the kernel's range, or its populated part under
     * {@link InvalidationRanges#NARROWED}.
     *
     * @return a slot, {@link #OFF}, or {@link #REFUSED}
     */
    int startOverNonblock(MmuNotifierEvent event, long start, long end, Object owner) {
        return beginOver(event, 0, start, end, owner);
    }

    private int beginOver(MmuNotifierEvent event, int flags, long start, long end, Object owner) {
        if (!active()) {
            return OFF;
        }
        if (narrowed) {
            long from = PageWalk.firstPopulated(mm.pageTable(), start, end);
            if (from >= end) {
                return OFF;
            }
            return begin(event, flags, from, PageWalk.populatedEnd(mm.pageTable(), from, end), owner);
        }
        return begin(event, flags, start, end, owner);
    }

    /**
     * Blockable {@code mmu_notifier_invalidate_range_start} of {@code [start, end)}.
     *
     * @return a slot to pass to {@link #end}, or {@link #OFF}
     */
    int start(MmuNotifierEvent event, long start, long end, Object owner) {
        return begin(event, MmuNotifierRange.FLAG_BLOCKABLE, start, end, owner);
    }

    /**
     * {@code mmu_notifier_invalidate_range_start_nonblock}: subscribers must not sleep and may refuse.
     *
     * @return a slot, {@link #OFF}, or {@link #REFUSED} (the kernel's -EAGAIN: touch no PTE)
     */
    int startNonblock(MmuNotifierEvent event, long start, long end, Object owner) {
        return begin(event, 0, start, end, owner);
    }

    private int begin(MmuNotifierEvent event, int flags, long start, long end, Object owner) {
        if (!enabled || !subscriptions.hasSubscribers()) {
            return OFF;
        }
        int slot = claim();
        MmuNotifierRange r = ranges[slot];
        if (r == null) {
            r = new MmuNotifierRange(); // once per slot for the life of the address space
            ranges[slot] = r;
        }
        r.init(mm, event, flags, start, end, owner);
        boolean accepted;
        try {
            accepted = subscriptions.invalidateRangeStart(r);
        } catch (RuntimeException | Error e) {
            release(slot);
            throw e;
        }
        if (!accepted) {
            release(slot);
            return REFUSED;
        }
        return slot;
    }

    /** {@code mmu_notifier_invalidate_range_end} for a slot returned by start; no-op for OFF. */
    void end(int slot) {
        if (slot < 0) {
            return;
        }
        try {
            subscriptions.invalidateRangeEnd(ranges[slot]);
        } finally {
            release(slot);
        }
    }

    private int claim() {
        while (true) {
            long busy = (long) IN_FLIGHT.getAcquire(this); // pairs with the release in release()
            long free = ~busy;
            if (free == 0) {
                Thread.onSpinWait();
                continue;
            }
            int slot = Long.numberOfTrailingZeros(free);
            if (IN_FLIGHT.compareAndSet(this, busy, busy | (1L << slot))) {
                return slot;
            }
        }
    }

    private void release(int slot) {
        long busy;
        do {
            busy = (long) IN_FLIGHT.getAcquire(this);
        } while (!IN_FLIGHT.compareAndSet(
                this, busy, busy & ~(1L << slot))); // volatile CAS: publishes the slot's last use
    }
}
