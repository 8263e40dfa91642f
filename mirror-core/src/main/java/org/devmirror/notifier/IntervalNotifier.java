package org.devmirror.notifier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Models {@code struct mmu_interval_notifier} (include/linux/mmu_notifier.h, mm/mmu_notifier.c):
 * a driver's subscription to invalidations of one inclusive address interval
 * {@code [start, last]}, with the per-subscription sequence number of the collision-retry
 * protocol ({@code mmu_interval_read_begin}/{@code _read_retry}/{@code _set_seq}).
 *
 * <p>The object is also its own node in the interval tree of its
 * {@link MmuNotifierSubscriptions} (the kernel embeds {@code struct interval_tree_node}), and its
 * own entry on the deferred list; inserting and removing allocate nothing.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>A notifier is inserted into one {@link MmuNotifierSubscriptions} at a time, with
 *       {@link MmuNotifierSubscriptions#insert}. It may be inserted again (into any address
 *       space) once its removal has taken effect.</li>
 *   <li>After insert returns, every invalidation intersecting the interval calls
 *       {@code ops.invalidate}, although the node may still be on the deferred list: a new
 *       notifier starts with a sequence that makes its first {@link #readBegin} wait out any
 *       invalidation in flight ("we must assume this new range is included").</li>
 *   <li>The driver provides one lock (the kernel's "user_lock") that its invalidate callback
 *       takes around {@link #setSeq} and its fault path takes around {@link #readRetry} and the
 *       device page-table update.</li>
 *   <li>{@link #readBegin} may block until the invalidation it collided with ends; it must not
 *       be called by a thread that is itself between invalidate-start and -end of this address
 *       space ({@code IllegalStateException}, where the kernel would deadlock).</li>
 *   <li>After {@link #remove()} returns no callback for this notifier is running or will run.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * <ul>
 *   <li>{@code invalidateSeq}: written by {@link #setSeq} with {@code setOpaque} (the kernel's
 *       {@code WRITE_ONCE}) under the driver lock; read by {@link #readRetry} with a plain read
 *       under the same lock (the lock orders the two); read by {@link #checkRetry} and
 *       {@link #readBegin} with {@code getOpaque} (the kernel's {@code READ_ONCE}), which pairs
 *       with that {@code setOpaque}. It is also written by insert, under the subscriptions
 *       lock, before the notifier can be invalidated.</li>
 *   <li>The tree and deferred-list fields are guarded by the subscriptions lock and frozen while
 *       the subscriptions sequence is odd, when walkers read them without the lock.</li>
 *   <li>{@code start}, {@code last} and {@code subscriptions} are written by insert under the
 *       subscriptions lock and read plainly afterwards: a driver publishes the notifier to its
 *       other threads only after insert (as the kernel driver does with its own structures).</li>
 * </ul>
 */
public final class IntervalNotifier {
    private static final VarHandle INVALIDATE_SEQ;

    static {
        try {
            INVALIDATE_SEQ = MethodHandles.lookup().findVarHandle(IntervalNotifier.class, "invalidateSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final IntervalNotifierOps ops;

    /** The driver's user lock, checked by the {@link NotifierRules}; null when not declared. */
    final UserLock userLock;

    /** The address space this notifier was last inserted into; null until the first insert. */
    MmuNotifierSubscriptions subscriptions;

    /** First address of the interval; set by insert, fixed while inserted. */
    long start;
    /** Last address of the interval, inclusive (start + length - 1); set by insert. */
    long last;

    /** Always odd once inserted; the last curSeq passed to setSeq. See class "Locking". */
    @SuppressWarnings("unused") // accessed through INVALIDATE_SEQ and plainly in readRetry
    private long invalidateSeq;

    // Interval-tree node (the kernel's struct interval_tree_node): guarded by the subscriptions
    // lock, frozen while its sequence is odd.
    IntervalNotifier left;
    IntervalNotifier right;
    IntervalNotifier parent;
    boolean red;
    /** Largest {@code last} (unsigned) in the subtree rooted here. */
    long subtreeLast;
    /** In the tree (the kernel's !RB_EMPTY_NODE); guarded by the subscriptions lock. */
    boolean inTree;

    // Deferred-list entry (the kernel's hlist_node deferred_item): guarded by the subscriptions
    // lock. On the list with inTree false = insert pending; with inTree true = removal pending.
    IntervalNotifier deferredPrev;
    IntervalNotifier deferredNext;
    boolean deferred;

    /**
     * A notifier whose user lock is not declared: the {@link NotifierRules} check every rule but
     * which lock {@link #setSeq} and {@link #readRetry} run under.
     *
     * @param ops the invalidate callback; called on the invalidating host thread
     * @throws IllegalArgumentException if {@code ops} is null
     */
    public IntervalNotifier(IntervalNotifierOps ops) {
        this(ops, null);
    }

    /**
     * @param ops      the invalidate callback; called on the invalidating host thread
     * @param userLock the driver lock held around {@link #setSeq} and {@link #readRetry} (the
     *                 kernel-doc's {@code user_lock}); the {@link NotifierRules} check it is held,
     *                 or null to leave that unchecked
     * @throws IllegalArgumentException if {@code ops} is null
     */
    public IntervalNotifier(IntervalNotifierOps ops, UserLock userLock) {
        if (ops == null) {
            throw new IllegalArgumentException("ops=null");
        }
        this.ops = ops;
        this.userLock = userLock;
    }

    /** The first address of the interval (valid once inserted). */
    public long start() {
        return start;
    }

    /** The last address of the interval, inclusive, like the kernel's interval tree. */
    public long last() {
        return last;
    }

    /**
     * The address space's subscriptions this notifier was last inserted into; {@code null} until
     * inserted. Like the kernel's {@code interval_sub->mm} it stays set after removal.
     */
    public MmuNotifierSubscriptions subscriptions() {
        return subscriptions;
    }

    /**
     * Whether the notifier is attached to its subscriptions: true from insert until its removal
     * takes effect (so also while the insert or the removal is still deferred).
     */
    public boolean isInserted() {
        MmuNotifierSubscriptions subs = subscriptions;
        return subs != null && subs.isAttached(this);
    }

    /**
     * Models {@code mmu_interval_read_begin()}: begins a read-side critical section over the
     * interval. If this notifier is being invalidated right now (its sequence equals the odd
     * global sequence), waits until that invalidation period ends.
     *
     * @return the sequence to pass to {@link #readRetry}; it may already be stale, which the
     *         caller's {@code readRetry} under its lock will detect
     * @throws IllegalStateException if never inserted, or if the calling thread is between
     *                               invalidate-start and -end of this address space
     */
    public long readBegin() {
        MmuNotifierSubscriptions subs = subscriptions;
        if (subs == null) {
            throw new IllegalStateException("notifier is not inserted");
        }
        if (NotifierRules.ENABLED) {
            NotifierRules.mightSleep("readBegin()", this); // it may wait for an invalidation to end
        }
        return subs.readBegin(this);
    }

    /**
     * Models {@code mmu_interval_check_retry()}: a lockless hint that an invalidation collided
     * with the critical section begun by {@code readBegin}. {@code true} is reliable (a later
     * {@link #readRetry} will also be true); {@code false} is not.
     */
    public boolean checkRetry(long seq) {
        // getOpaque = READ_ONCE: pairs with the setOpaque in setSeq; no ordering is needed, the
        // caller's readRetry under the driver lock is the authoritative check.
        return (long) INVALIDATE_SEQ.getOpaque(this) != seq;
    }

    /**
     * Models {@code mmu_interval_read_retry()}: whether an invalidation collided with the critical
     * section begun by {@link #readBegin}. Call with the driver lock held, the lock the invalidate
     * callback holds around {@link #setSeq}; if false, the device page table may be updated
     * before that lock is released.
     */
    public boolean readRetry(long seq) {
        if (NotifierRules.ENABLED) {
            NotifierRules.readRetry(this);
        }
        // Plain read: the driver lock's release (after setSeq in invalidate) happens-before its
        // acquire here, so the latest setSeq is visible.
        return invalidateSeq != seq;
    }

    /**
     * Models {@code mmu_interval_set_seq()}: must be called unconditionally by the invalidate
     * callback, under the driver lock, with the {@code curSeq} it was given, so that any read
     * section that began before sees {@link #readRetry} true.
     *
     * @throws IllegalArgumentException if {@code curSeq} is even (not one given to invalidate)
     */
    public void setSeq(long curSeq) {
        if ((curSeq & 1) == 0) {
            throw new IllegalArgumentException("curSeq=" + curSeq + " is even: pass the curSeq given to invalidate");
        }
        if (NotifierRules.ENABLED) {
            NotifierRules.setSeq(this);
        }
        // setOpaque = WRITE_ONCE: pairs with getOpaque in checkRetry/readBegin; readRetry relies
        // on the driver lock instead.
        INVALIDATE_SEQ.setOpaque(this, curSeq);
    }

    /**
     * Models {@code mmu_interval_notifier_remove()}: detaches the notifier. If an invalidation
     * period is in flight, the removal is deferred to its end and this call waits for it, so that
     * on return no callback for this notifier is running or will run.
     *
     * <p>Calling it while another thread's removal of this notifier is pending just waits for
     * that removal to take effect.
     *
     * @throws IllegalStateException if not inserted, or if the calling thread is between
     *                               invalidate-start and -end of this address space (for example
     *                               inside an invalidate callback), where the wait would never end
     */
    public void remove() {
        MmuNotifierSubscriptions subs = subscriptions;
        if (subs == null) {
            throw new IllegalStateException("notifier is not inserted");
        }
        if (NotifierRules.ENABLED) {
            NotifierRules.changeTree("remove()", this);
            NotifierRules.mightSleep("remove()", this);
        }
        subs.remove(this);
    }

    /** Sets the sequence at insert time; caller holds the subscriptions lock. */
    void initSeq(long seq) {
        INVALIDATE_SEQ.setOpaque(this, seq);
    }

    /** The sequence as readBegin sees it: getOpaque, pairs with the setOpaque in setSeq. */
    long seqOpaque() {
        return (long) INVALIDATE_SEQ.getOpaque(this);
    }

    @Override
    public String toString() {
        return "IntervalNotifier[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(last) + "]";
    }
}
