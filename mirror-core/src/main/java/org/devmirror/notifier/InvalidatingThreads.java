package org.devmirror.notifier;

/**
 * The threads currently between invalidate-start and invalidate-end of one address space, with
 * their nesting depth and the ticket of their outermost start.
 *
 * <p>It stands in for two kernel mechanisms that Java has no allocation-free equivalent of:
 * <ul>
 *   <li>the lockdep map {@code __mmu_notifier_invalidate_range_start_map}, which flags
 *       {@code mmu_interval_notifier_remove()} and {@code mmu_interval_read_begin()} called where
 *       they could wait for the caller's own invalidation: here {@link #contains} lets
 *       {@link MmuNotifierSubscriptions} throw {@code IllegalStateException} instead of
 *       deadlocking;</li>
 *   <li>the SRCU read sections around classic notifier callbacks, which
 *       {@code mmu_notifier_unregister()} waits out with {@code synchronize_srcu()}: here
 *       {@link #oldestTicket} against {@link #lastTicket} tells whether every invalidation that
 *       had started before a given moment has ended.</li>
 * </ul>
 * A thread may nest invalidations (the kernel does within one task); only its outermost start
 * takes a ticket.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Every method is called with the owning subscriptions lock held; the arrays grow (allocating)
 * only when more threads invalidate at once than ever before, so steady-state enter/leave
 * allocate nothing. Lookups are linear in the number of concurrently invalidating threads, a
 * handful.
 *
 * <h2>Locking</h2>
 * All fields guarded by the owning {@link MmuNotifierSubscriptions}'s lock.
 */
final class InvalidatingThreads {
    private Thread[] threads = new Thread[4];
    private int[] depths = new int[4];
    private long[] tickets = new long[4];
    /** Entries [0, count) are live. */
    private int count;
    /** Ticket of the most recent outermost start; tickets only grow. */
    private long lastTicket;

    /** The calling thread starts an invalidation (possibly nested). */
    void enter(Thread thread) {
        int i = indexOf(thread);
        if (i >= 0) {
            depths[i]++;
            return;
        }
        if (count == threads.length) {
            grow();
        }
        threads[count] = thread;
        depths[count] = 1;
        tickets[count] = ++lastTicket;
        count++;
    }

    /**
     * The calling thread ends its innermost invalidation.
     *
     * @return {@code true} if it has now left its outermost one
     * @throws IllegalStateException if the thread has no invalidation in progress
     */
    boolean leave(Thread thread) {
        int i = indexOf(thread);
        if (i < 0) {
            throw new IllegalStateException("thread " + thread.getName() + " has no invalidation in progress");
        }
        if (--depths[i] > 0) {
            return false;
        }
        int lastIndex = --count;
        threads[i] = threads[lastIndex];
        depths[i] = depths[lastIndex];
        tickets[i] = tickets[lastIndex];
        threads[lastIndex] = null;
        return true;
    }

    /** Whether the thread is between invalidate-start and -end. */
    boolean contains(Thread thread) {
        return indexOf(thread) >= 0;
    }

    /** Ticket of the latest outermost start so far. */
    long lastTicket() {
        return lastTicket;
    }

    /** Smallest ticket of an invalidation still in progress, {@code Long.MAX_VALUE} if none. */
    long oldestTicket() {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            oldest = Math.min(oldest, tickets[i]);
        }
        return oldest;
    }

    private int indexOf(Thread thread) {
        for (int i = 0; i < count; i++) {
            if (threads[i] == thread) {
                return i;
            }
        }
        return -1;
    }

    private void grow() {
        int capacity = threads.length * 2;
        threads = java.util.Arrays.copyOf(threads, capacity);
        depths = java.util.Arrays.copyOf(depths, capacity);
        tickets = java.util.Arrays.copyOf(tickets, capacity);
    }
}
