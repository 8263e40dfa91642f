package org.devmirror.notifier;

import java.util.Arrays;

/**
 * The list of classic {@link MmuNotifier}s of one address space (the kernel's
 * {@code subscriptions->list}, an RCU hlist) and the dispatch over it
 * ({@code mn_hlist_invalidate_range_start}, {@code mn_hlist_invalidate_end},
 * {@code mn_hlist_release}).
 *
 * <h2>Assumptions and Guarantees</h2>
 * The list is a copy-on-write array in a {@code volatile} field: {@link #add} and {@link #remove}
 * are called under the owning {@link MmuNotifierSubscriptions}'s lock and publish a new array;
 * dispatchers read one snapshot with {@link #snapshot()} and iterate it without any lock or
 * allocation. Waiting for dispatches begun on an older snapshot (the kernel's
 * {@code synchronize_srcu()}) is the owner's business.
 *
 * <h2>Locking</h2>
 * Writes under the owner's lock; reads lockless (volatile read pairs with the volatile write).
 */
final class ClassicNotifierList {
    private static final MmuNotifier[] EMPTY = {};

    /** Newest first, as hlist_add_head orders them. */
    private volatile MmuNotifier[] notifiers = EMPTY;

    /** The current array; never modified in place. */
    MmuNotifier[] snapshot() {
        return notifiers;
    }

    boolean contains(MmuNotifier n) {
        return indexOf(notifiers, n) >= 0;
    }

    /** Adds {@code n} at the head; owner's lock held; caller has checked it is absent. */
    void add(MmuNotifier n) {
        MmuNotifier[] current = notifiers;
        MmuNotifier[] next = new MmuNotifier[current.length + 1];
        next[0] = n;
        System.arraycopy(current, 0, next, 1, current.length);
        notifiers = next; // volatile write: publishes the array to dispatchers
    }

    /** Removes {@code n} if present; owner's lock held. */
    void remove(MmuNotifier n) {
        MmuNotifier[] current = notifiers;
        int i = indexOf(current, n);
        if (i >= 0) {
            MmuNotifier[] next = new MmuNotifier[current.length - 1];
            System.arraycopy(current, 0, next, 0, i);
            System.arraycopy(current, i + 1, next, i, next.length - i);
            notifiers = next;
        }
    }

    /** Unhashes every subscriber, as mn_hlist_release does; owner's lock held. */
    void clear() {
        notifiers = EMPTY;
    }

    /**
     * mn_hlist_invalidate_range_start(): calls every start; if any refused, every one that
     * accepted gets its end at once (the caller will not call end) and the result is false.
     * Allocates only on the refusal path.
     */
    static boolean start(MmuNotifier[] classic, MmuNotifierRange range) {
        boolean[] accepted = null;
        for (int i = 0; i < classic.length; i++) {
            boolean ok = callStart(classic[i], range);
            if (!ok && accepted == null) {
                accepted = new boolean[classic.length];
                Arrays.fill(accepted, 0, i, true); // all before the first refusal accepted
            }
            if (accepted != null) {
                accepted[i] = ok;
            }
        }
        if (accepted == null) {
            return true;
        }
        for (int i = 0; i < classic.length; i++) {
            if (accepted[i]) {
                callEnd(classic[i], range);
            }
        }
        return false;
    }

    /** mn_hlist_invalidate_end(). */
    static void end(MmuNotifier[] classic, MmuNotifierRange range) {
        for (MmuNotifier n : classic) { // array loop: no iterator
            callEnd(n, range);
        }
    }

    /** One start, inside the {@link NotifierRules}' record of callbacks when they are on. */
    private static boolean callStart(MmuNotifier n, MmuNotifierRange range) {
        if (!NotifierRules.ENABLED) {
            return n.invalidateRangeStart(range);
        }
        NotifierRules.enterClassic(range);
        try {
            return n.invalidateRangeStart(range);
        } finally {
            NotifierRules.leaveClassic(range);
        }
    }

    /** One end, as {@link #callStart}: mn_hlist_invalidate_end wraps it in non_block_start too. */
    private static void callEnd(MmuNotifier n, MmuNotifierRange range) {
        if (!NotifierRules.ENABLED) {
            n.invalidateRangeEnd(range);
            return;
        }
        NotifierRules.enterClassic(range);
        try {
            n.invalidateRangeEnd(range);
        } finally {
            NotifierRules.leaveClassic(range);
        }
    }

    /** The release half of mn_hlist_release(). */
    static void release(MmuNotifier[] classic, Object mm) {
        for (MmuNotifier n : classic) {
            n.release(mm);
        }
    }

    @SuppressWarnings(
            "ReferenceEquality") // a subscription is the registered object itself; identity is the point: the kernel
    // compares the pointers
    private static int indexOf(MmuNotifier[] array, MmuNotifier n) {
        for (int i = 0; i < array.length; i++) {
            if (array[i] == n) {
                return i;
            }
        }
        return -1;
    }
}
