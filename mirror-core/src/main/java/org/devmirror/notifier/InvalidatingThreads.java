package org.devmirror.notifier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

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
 *       had started before a given moment has ended. Like {@code srcu_read_unlock}, leaving needs
 *       no lock.</li>
 * </ul>
 * A thread may nest invalidations (the kernel does within one task); only its outermost start
 * takes a ticket.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Each thread has a {@link Slot} while it invalidates; a slot freed by its thread is reused by
 * the next thread that enters. {@link #enter}, {@link #contains}, {@link #leave},
 * {@link #lastTicket} and {@link #oldestTicket} are called with the owning subscriptions lock
 * held; {@link #leaveUnlocked} by the leaving thread without it. The slot array grows
 * (allocating) only when more threads invalidate at once than ever before, so steady-state
 * enter/leave allocate nothing. Lookups are linear in the number of slots, a handful.
 *
 * <h2>Locking</h2>
 * {@code lastTicket}, {@code count}, the slot array and a slot's claim (its ticket, then its
 * thread, {@code setRelease}) are written under the owning {@link MmuNotifierSubscriptions}'s
 * lock. A slot is freed by its own thread: with {@code setRelease} when it holds the lock (the
 * lock orders it before any reader), or with {@code setVolatile} when it does not
 * ({@link #leaveUnlocked}), which with the volatile reads of {@link #oldestTicket} gives the
 * sequentially consistent order a waiter and a leaver need not to miss each other. A growing array
 * keeps the same {@link Slot} objects, so a thread leaving through the old array frees the slot
 * the new array holds; {@code count} only grows, and a leaving thread saw its own slot counted
 * when it entered under the lock.
 */
final class InvalidatingThreads {
    private static final VarHandle THREAD;

    static {
        try {
            THREAD = MethodHandles.lookup().findVarHandle(Slot.class, "thread", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One invalidating thread's record. */
    private static final class Slot {
        /** The invalidating thread; null when free. Claimed under the lock, freed by its thread (see "Locking"). */
        @SuppressWarnings("unused") // accessed through THREAD
        Thread thread;
        /** Nesting depth; written by the thread owning the slot (under the lock when it claims it). */
        int depth;
        /** Ticket of the outermost start; written under the lock before {@code thread} publishes it. */
        long ticket;
    }

    /** Replaced (same slots, more of them) under the lock; read by leaveUnlocked without it. */
    private volatile Slot[] slots = newSlots(new Slot[0], 4);
    /** Slots [0, count) have ever been claimed; only grows. Written under the lock. */
    private int count;
    /** Ticket of the most recent outermost start; tickets only grow. Guarded by the lock. */
    private long lastTicket;

    /** The calling thread starts an invalidation (possibly nested); lock held. */
    void enter(Thread thread) {
        Slot[] all = slots;
        Slot free = null;
        for (int i = 0; i < count; i++) {
            Slot s = all[i];
            Thread owner = (Thread) THREAD.getAcquire(s); // pairs with the frees in leave/leaveUnlocked
            if (owner == thread) {
                s.depth++;
                return;
            }
            if (owner == null && free == null) {
                free = s;
            }
        }
        if (free == null) {
            if (count == all.length) {
                all = newSlots(all, all.length * 2);
                slots = all; // volatile write: leavers see the same Slot objects in either array
            }
            free = all[count++];
        }
        free.depth = 1;
        free.ticket = ++lastTicket;
        THREAD.setRelease(free, thread); // publishes depth and ticket with the claim
    }

    /**
     * The calling thread, holding the lock, ends its innermost invalidation.
     *
     * @return {@code true} if it has now left its outermost one
     * @throws IllegalStateException if the thread has no invalidation in progress
     */
    boolean leave(Thread thread) {
        Slot s = own(thread);
        if (--s.depth > 0) {
            return false;
        }
        THREAD.setRelease(s, null); // the lock orders it before every reader
        return true;
    }

    /**
     * {@link #leave} without the lock ({@code srcu_read_unlock}). The caller must read the
     * waiters' count with a volatile read after this returns true, and wake them if any.
     */
    boolean leaveUnlocked(Thread thread) {
        Slot s = own(thread);
        if (--s.depth > 0) {
            return false;
        }
        THREAD.setVolatile(
                s, null); // StoreLoad: pairs with the waiter's volatile increment and getVolatile in oldestTicket()
        return true;
    }

    private Slot own(Thread thread) {
        Slot s = slotOf(thread);
        if (s == null) {
            throw new IllegalStateException("thread " + thread.getName() + " has no invalidation in progress");
        }
        return s;
    }

    /** Whether the thread is between invalidate-start and -end. */
    boolean contains(Thread thread) {
        return slotOf(thread) != null;
    }

    /** Ticket of the latest outermost start so far; lock held. */
    long lastTicket() {
        return lastTicket;
    }

    /** Smallest ticket of an invalidation still in progress, {@code Long.MAX_VALUE} if none; lock held. */
    long oldestTicket() {
        long oldest = Long.MAX_VALUE;
        Slot[] all = slots;
        for (int i = 0; i < count; i++) {
            Slot s = all[i];
            if (THREAD.getVolatile(s) != null) { // pairs with setVolatile in leaveUnlocked()
                oldest = Math.min(oldest, s.ticket);
            }
        }
        return oldest;
    }

    /** The calling thread's own slot, or null; its own claim happened before in program order. */
    private Slot slotOf(Thread thread) {
        Slot[] all = slots;
        for (int i = 0; i < count; i++) {
            if (THREAD.getAcquire(all[i]) == thread) {
                return all[i];
            }
        }
        return null;
    }

    private static Slot[] newSlots(Slot[] old, int capacity) {
        Slot[] out = Arrays.copyOf(old, capacity);
        for (int i = old.length; i < capacity; i++) {
            out[i] = new Slot();
        }
        return out;
    }
}
