package org.devmirror.notifier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Models {@code struct mmu_notifier_subscriptions} (mm/mmu_notifier.c): everything that listens
 * to the invalidations of one address space, namely the interval tree of
 * {@link IntervalNotifier}s with its odd/even {@code invalidate_seq}, and the list of classic
 * {@link MmuNotifier}s. The host calls {@link #invalidateRangeStart}/{@link #invalidateRangeEnd}
 * around every page-table change and {@link #release} when the address space goes away.
 *
 * <p>The sequence protocol is the kernel's; see the package documentation for the diagram.
 * The global sequence starts at 2 and is even while idle. The first start whose range
 * intersects an interval makes it odd, which freezes the tree; nested and concurrent
 * invalidations share that one odd period, and the end of the last active range makes it even
 * again, applies the inserts and removals deferred meanwhile, and wakes the waiters.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>The host calls {@link #invalidateRangeEnd} on the thread that called
 *       {@link #invalidateRangeStart}, exactly when that start returned {@code true}, with the
 *       same range, and before it reuses the range object. It decides whether to call start at
 *       all with {@link #hasSubscribers()} and must remember that decision for the end.</li>
 *   <li>Any number of host threads may invalidate concurrently, and a thread may nest
 *       invalidations. Callbacks run on the invalidating thread, without the internal lock, so
 *       they may block (blockable ranges) and take driver locks; they must not insert or remove
 *       notifiers ({@link NotifierRules}).</li>
 *   <li>A start returning {@code false} (only for a non-blockable range) leaves nothing active:
 *       the sequence is as if the start had not happened except for the callbacks already made,
 *       and no end must follow. A subscriber returning {@code false} for a blockable range is
 *       misuse: the core undoes its own bookkeeping and throws {@code IllegalStateException}. A
 *       callback that throws also has the bookkeeping undone before the exception propagates.</li>
 *   <li>Waiting ({@link IntervalNotifier#readBegin()}, {@link IntervalNotifier#remove()},
 *       {@link #unregister}, {@link #release}) from a thread that is itself between start and end
 *       throws {@code IllegalStateException}: the kernel would deadlock there (its lockdep map
 *       {@code __mmu_notifier_invalidate_range_start_map} reports it).</li>
 *   <li>Dispatch allocates nothing (after the first few concurrent invalidating threads have
 *       been seen), except on the rare classic-refusal path.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * One {@link SpinLock} models the kernel's {@code subscriptions->lock} spinlock: a waiter spins
 * before it parks, since the critical sections are tens of nanoseconds. It guards
 * the tree, the deferred list, {@code activeInvalidateRanges}, the sequence writes, the
 * classic-notifier list writes and the record of invalidating threads, except that a thread
 * leaves that record after its classic ends without the lock (the kernel's
 * {@code srcu_read_unlock}; see {@link InvalidatingThreads}). It is never held while a
 * callback runs: the tree is walked without it, which is safe because nobody changes the tree
 * while the sequence is odd. Its {@link Condition} is the kernel's wait queue {@code wq}.
 * Lockless readers: {@link #sequence()} and {@link #hasSubscribers()} read with
 * {@code getAcquire}, pairing with the {@code setRelease} writes made under the lock; the classic
 * list is a copy-on-write array in a {@code volatile} field (the kernel's RCU list).
 */
public final class MmuNotifierSubscriptions {
    private static final VarHandle INVALIDATE_SEQ;
    private static final VarHandle HAS_SUBSCRIBERS;
    private static final VarHandle VISITED_NODES;
    private static final VarHandle INVALIDATIONS_STARTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            INVALIDATE_SEQ = lookup.findVarHandle(MmuNotifierSubscriptions.class, "invalidateSeq", long.class);
            HAS_SUBSCRIBERS = lookup.findVarHandle(MmuNotifierSubscriptions.class, "hasSubscribers", boolean.class);
            VISITED_NODES = lookup.findVarHandle(MmuNotifierSubscriptions.class, "visitedNodes", int.class);
            INVALIDATIONS_STARTED =
                    lookup.findVarHandle(MmuNotifierSubscriptions.class, "invalidationsStarted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The kernel's ULONG_MAX, the exclusive end of the RELEASE range. */
    private static final long ULONG_MAX = -1L;

    /**
     * The interval op as mn_itree_invalidate calls it, through the {@link NotifierRules} when they
     * are on (a constant the JIT folds); a non-capturing lambda, so one instance.
     */
    private static final IntervalTree.Visitor INVALIDATE = (sub, range, curSeq) -> NotifierRules.ENABLED
            ? NotifierRules.invalidate(sub, range, curSeq)
            : sub.ops.invalidate(sub, range, curSeq);

    private final Object mm;
    private final ReentrantLock lock = new SpinLock();
    /** The kernel's wq: signalled when the sequence becomes even and when an invalidator leaves. */
    private final Condition progress = lock.newCondition();

    /** Starts at 2; odd while the tree is frozen by an invalidation in flight. Written under lock (setRelease). */
    private long invalidateSeq = 2;
    /** Starts minus ends in progress; guarded by lock. */
    private long activeInvalidateRanges;
    /** Guarded by lock; changes only while invalidateSeq is even. */
    private final IntervalTree itree = new IntervalTree();
    /** Inserts/removals asked for while the sequence is odd, applied when it ends; guarded by lock. */
    private final DeferredTreeChanges deferredChanges = new DeferredTreeChanges();
    /** Threads between start and end; guarded by lock. */
    private final InvalidatingThreads invalidating = new InvalidatingThreads();
    /** Threads waiting in synchronize(); written under lock, volatile for leaveUnlocked(). */
    private volatile int synchronizeWaiters;
    /** Classic subscribers: copy-on-write, changed under lock, read without it. */
    private final ClassicNotifierList classic = new ClassicNotifierList();
    /** mm_has_notifiers: set once by the first insert or register and never cleared, as in the kernel. */
    @SuppressWarnings("unused") // accessed through HAS_SUBSCRIBERS
    private boolean hasSubscribers;
    /** Tree nodes visited by the latest start; written opaque by the starting thread. */
    @SuppressWarnings("unused") // accessed through VISITED_NODES
    private int visitedNodes;
    /** Number of invalidateRangeStart calls; incremented under lock, read opaque. */
    private long invalidationsStarted;

    /**
     * @param mm the address space these subscriptions belong to (an
     *           {@code org.devmirror.mm.AddressSpace}); every range passed in must name it
     */
    public MmuNotifierSubscriptions(Object mm) {
        this.mm = mm;
    }

    // ------------------------------------------------------------------ interval notifiers

    /**
     * Models {@code mmu_interval_notifier_insert()}: subscribes {@code sub} to invalidations of
     * {@code [start, start + length - 1]}. While an invalidation period is in flight the node
     * joins the tree only when the period ends, and its sequence equals the odd global one so its
     * first {@link IntervalNotifier#readBegin()} waits for that end. Idle, its sequence is the
     * global one minus one (odd, not current). If ranges are active but none hit an interval, it
     * is inserted at once and makes the period odd, since their ranges are unknown.
     *
     * @throws IllegalArgumentException if {@code sub} is null or already inserted, if
     *                                  {@code length} is 0, or if the interval passes the top of
     *                                  the address space (the kernel's -EOVERFLOW); nothing changes
     * @throws NotifierRules.Violation  with the rules on, when called from inside a notifier callback
     */
    public void insert(IntervalNotifier sub, long start, long length) {
        if (sub == null) {
            throw new IllegalArgumentException("sub=null");
        }
        if (NotifierRules.ENABLED) {
            NotifierRules.changeTree("mmu_interval_notifier_insert", sub);
        }
        if (length == 0) {
            throw new IllegalArgumentException("length=0 is empty (-EOVERFLOW)");
        }
        long last = start + (length - 1);
        if (Long.compareUnsigned(last, start) < 0) {
            throw new IllegalArgumentException("start=0x" + Long.toHexString(start) + " length=0x"
                    + Long.toHexString(length) + " wraps past the top of the address space (-EOVERFLOW)");
        }
        MmuNotifierSubscriptions previous = sub.subscriptions;
        if (previous != null && previous != this && previous.isAttached(sub)) {
            throw new IllegalArgumentException(sub + " is already inserted into another address space");
        }
        lock.lock();
        try {
            if (previous == this && (sub.inTree || sub.deferred)) {
                throw new IllegalArgumentException(sub + " is already inserted");
            }
            sub.subscriptions = this;
            sub.start = start;
            sub.last = last;
            if (activeInvalidateRanges != 0) {
                if (isInvalidating()) {
                    deferredChanges.add(sub);
                } else {
                    INVALIDATE_SEQ.setRelease(this, invalidateSeq | 1); // pairs with getAcquire in sequence()
                    itree.insert(sub);
                    sub.inTree = true;
                }
                sub.initSeq(invalidateSeq);
            } else {
                sub.initSeq(invalidateSeq - 1);
                itree.insert(sub);
                sub.inTree = true;
            }
            HAS_SUBSCRIBERS.setRelease(this, true); // pairs with getAcquire in hasSubscribers()
        } finally {
            lock.unlock();
        }
    }

    /** Models mmu_interval_notifier_remove(). */
    void remove(IntervalNotifier sub) {
        lock.lock();
        try {
            if (sub.subscriptions != this || !(sub.inTree || sub.deferred)) {
                throw new IllegalStateException(sub + " is not inserted");
            }
            if (invalidating.contains(Thread.currentThread())) {
                throw new IllegalStateException(
                        "remove() of " + sub + " between invalidate start and end on this thread"
                                + " (e.g. from an invalidate callback) would wait for itself");
            }
            boolean mustWait = false;
            if (sub.deferred) {
                if (sub.inTree) {
                    mustWait = true; // removal already pending: wait for it like the first remover
                } else {
                    deferredChanges.unlink(sub); // insert still pending: cancel it, nothing to wait for
                }
            } else if (isInvalidating()) {
                deferredChanges.add(sub);
                mustWait = true;
            } else {
                itree.remove(sub);
                sub.inTree = false;
            }
            if (mustWait) {
                long seq = invalidateSeq;
                while (invalidateSeq == seq) { // mmu_interval_seq_released()
                    progress.awaitUninterruptibly();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Models mmu_interval_read_begin(). */
    long readBegin(IntervalNotifier sub) {
        lock.lock();
        try {
            long seq = sub.seqOpaque();
            if (seq == invalidateSeq) {
                // This notifier is being invalidated now: wait until the period ends. The seq of an
                // inserted notifier is always odd, so an idle (even) global never matches it.
                if (invalidating.contains(Thread.currentThread())) {
                    throw new IllegalStateException(
                            "readBegin() of " + sub + " while this thread invalidates it would wait for itself");
                }
                do {
                    progress.awaitUninterruptibly();
                } while (invalidateSeq == seq);
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code sub} is inserted here (possibly deferred). */
    boolean isAttached(IntervalNotifier sub) {
        lock.lock();
        try {
            return sub.subscriptions == this && (sub.inTree || sub.deferred);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ classic notifiers

    /**
     * Models {@code mmu_notifier_register()}: {@code n} gets every later invalidation and the
     * release. Registering between a host thread's start and end may give {@code n} that end
     * without its start (the kernel excludes this with {@code mm_take_all_locks()}).
     *
     * @throws IllegalArgumentException if {@code n} is null or already registered
     */
    public void register(MmuNotifier n) {
        if (n == null) {
            throw new IllegalArgumentException("n=null");
        }
        lock.lock();
        try {
            if (classic.contains(n)) {
                throw new IllegalArgumentException(n + " is already registered");
            }
            classic.add(n);
            HAS_SUBSCRIBERS.setRelease(this, true); // pairs with getAcquire in hasSubscribers()
        } finally {
            lock.unlock();
        }
    }

    /**
     * Models {@code mmu_notifier_unregister()}: if {@code n} is still registered it gets
     * {@link MmuNotifier#release} (unless {@link #release()} already removed it), then it is
     * removed and the call waits for every invalidation started before to end, so that no
     * callback of {@code n} runs after return (the kernel's {@code synchronize_srcu()}).
     *
     * @throws IllegalArgumentException if {@code n} is null
     * @throws IllegalStateException    if the calling thread is between start and end
     */
    public void unregister(MmuNotifier n) {
        if (n == null) {
            throw new IllegalArgumentException("n=null");
        }
        if (NotifierRules.ENABLED) {
            NotifierRules.mightSleep("unregister()", n); // synchronize_srcu
        }
        boolean registered;
        lock.lock();
        try {
            refuseWaitInsideInvalidation("unregister()");
            registered = classic.contains(n);
        } finally {
            lock.unlock();
        }
        if (registered) {
            n.release(mm);
        }
        lock.lock();
        try {
            classic.remove(n);
            synchronizeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** mm_has_notifiers(): one acquire read; true once anything was ever inserted or registered. */
    public boolean hasSubscribers() {
        return (boolean) HAS_SUBSCRIBERS.getAcquire(this); // pairs with setRelease in insert/register
    }

    // ------------------------------------------------------------------ invalidation

    /**
     * Models {@code __mmu_notifier_invalidate_range_start()}: {@code mn_itree_invalidate} (count
     * the range active; if an interval intersects {@code [start, end - 1]} make the sequence odd
     * and call every intersecting notifier with it, in ascending start order), then
     * {@code mn_hlist_invalidate_range_start} (every classic start).
     *
     * @return {@code true} to go ahead; {@code false} (the kernel's -EAGAIN) only for a
     *         non-blockable range a subscriber refused, and then nothing is left active and
     *         {@link #invalidateRangeEnd} must not be called
     * @throws IllegalArgumentException if the range is uninitialised or of another address space
     * @throws IllegalStateException    if a subscriber refused a blockable range (bookkeeping undone)
     */
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        checkRange(range);
        Thread self = Thread.currentThread();
        long first = range.start();
        long last = range.end() - 1;
        boolean hit;
        long curSeq;
        int visited;
        lock.lock();
        try {
            invalidating.enter(self);
            activeInvalidateRanges++;
            INVALIDATIONS_STARTED.setOpaque(this, invalidationsStarted + 1);
            hit = itree.firstOverlap(first, last) != null;
            visited = itree.probeVisits();
            if (hit) {
                INVALIDATE_SEQ.setRelease(this, invalidateSeq | 1); // pairs with getAcquire in sequence()
            }
            curSeq = invalidateSeq;
        } finally {
            lock.unlock();
        }
        if (hit) {
            int walked;
            try {
                walked = itree.walkOverlaps(first, last, INVALIDATE, range, curSeq);
            } catch (RuntimeException | Error e) {
                endOwnRange(self);
                throw e;
            }
            if (walked < 0) {
                // mn_itree_invalidate's -EAGAIN path: the caller will not call end, so end our
                // own range now (mn_itree_inv_end) and call no later subscriber.
                VISITED_NODES.setOpaque(this, visited + ~walked);
                endOwnRange(self);
                if (range.isBlockable()) {
                    throw new IllegalStateException("an interval notifier refused the blockable range " + range);
                }
                return false;
            }
            visited += walked;
        }
        VISITED_NODES.setOpaque(this, visited);
        MmuNotifier[] listeners = classic.snapshot();
        if (listeners.length != 0) {
            boolean accepted;
            try {
                accepted = ClassicNotifierList.start(listeners, range);
            } catch (RuntimeException | Error e) {
                endOwnRange(self);
                throw e;
            }
            if (!accepted) {
                // The kernel returns -EAGAIN here with its interval range still counted active;
                // the contract promises nothing is left active, so end it as well.
                endOwnRange(self);
                if (range.isBlockable()) {
                    throw new IllegalStateException("a classic notifier refused the blockable range " + range);
                }
                return false;
            }
        }
        return true;
    }

    /**
     * Models {@code __mmu_notifier_invalidate_range_end()}: {@code mn_itree_inv_end} (when the
     * last active range ends during an odd period: make the sequence even, apply the deferred
     * inserts and removals, wake the waiters), then every classic end.
     *
     * @throws IllegalStateException if this thread has no start in progress (nothing changes)
     */
    public void invalidateRangeEnd(MmuNotifierRange range) {
        checkRange(range);
        Thread self = Thread.currentThread();
        MmuNotifier[] listeners;
        lock.lock();
        try {
            if (!invalidating.contains(self)) {
                throw new IllegalStateException(
                        "invalidateRangeEnd(" + range + ") without invalidateRangeStart on thread " + self.getName());
            }
            itreeInvalidateEnd();
            listeners = classic.snapshot();
            if (listeners.length == 0) {
                leave(self);
            }
        } finally {
            lock.unlock();
        }
        if (listeners.length != 0) {
            try {
                ClassicNotifierList.end(listeners, range);
            } finally {
                leaveUnlocked(self);
            }
        }
    }

    /**
     * Models {@code __mmu_notifier_release()} at {@code exit_mmap}: {@code mn_itree_release}
     * sends RELEASE {@code [0, ULONG_MAX)}, blockable, to every interval notifier as one
     * complete invalidation period; then {@code mn_hlist_release} calls every classic
     * {@link MmuNotifier#release}, unregisters them all and waits for in-flight callbacks.
     * Interval notifiers stay inserted; their owners remove them.
     *
     * @throws IllegalStateException if the calling thread is between start and end, or (after
     *                               the release completed) if an interval op returned false
     */
    public void release() {
        if (NotifierRules.ENABLED) {
            NotifierRules.mightSleep("release()", mm); // synchronize_srcu
        }
        Thread self = Thread.currentThread();
        MmuNotifierRange range = new MmuNotifierRange()
                .init(mm, MmuNotifierEvent.RELEASE, MmuNotifierRange.FLAG_BLOCKABLE, 0, ULONG_MAX, null);
        boolean hit;
        long curSeq;
        lock.lock();
        try {
            refuseWaitInsideInvalidation("release()");
            invalidating.enter(self);
            activeInvalidateRanges++;
            hit = itree.firstOverlap(0, ULONG_MAX - 1) != null;
            if (hit) {
                INVALIDATE_SEQ.setRelease(this, invalidateSeq | 1);
            }
            curSeq = invalidateSeq;
        } finally {
            lock.unlock();
        }
        // The kernel WARNs on a refusal here and carries on: the address space is going away.
        int[] refused = new int[1];
        IntervalTree.Visitor releaseOp = (sub, r, seq) -> {
            if (!INVALIDATE.visit(sub, r, seq)) {
                refused[0]++;
            }
            return true;
        };
        try {
            try {
                if (hit) {
                    itree.walkOverlaps(0, ULONG_MAX - 1, releaseOp, range, curSeq);
                }
            } finally {
                lock.lock();
                try {
                    itreeInvalidateEnd();
                } finally {
                    lock.unlock();
                }
            }
            ClassicNotifierList.release(classic.snapshot(), mm);
        } finally {
            lock.lock();
            try {
                classic.clear(); // mn_hlist_release unhashes every subscription
                leave(self);
                synchronizeLocked();
            } finally {
                lock.unlock();
            }
        }
        if (refused[0] != 0) {
            throw new IllegalStateException(refused[0] + " interval notifier(s) refused the blockable RELEASE range");
        }
    }

    // ------------------------------------------------------------------ observation

    /** The global {@code invalidate_seq}: even when idle, odd while an invalidation period is in flight. */
    public long sequence() {
        return (long) INVALIDATE_SEQ.getAcquire(this); // pairs with the setRelease writes under lock
    }

    /** Number of intervals in the tree (deferred inserts not yet applied are not counted). */
    public int intervalCount() {
        lock.lock();
        try {
            return itree.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Work counter for the performance gate: tree nodes visited by the most recent
     * {@link #invalidateRangeStart} (the probe under the lock plus the dispatch walk). With
     * concurrent starts, one of the latest.
     */
    public int visitedNodesLastInvalidation() {
        return (int) VISITED_NODES.getOpaque(this); // pairs with setOpaque in invalidateRangeStart
    }

    /** Number of {@link #invalidateRangeStart} calls so far (refused ones included). */
    public long invalidationsStarted() {
        return (long) INVALIDATIONS_STARTED.getOpaque(this); // pairs with setOpaque under lock
    }

    /** Ranges between start and end right now; for tests. */
    long activeInvalidateRanges() {
        lock.lock();
        try {
            return activeInvalidateRanges;
        } finally {
            lock.unlock();
        }
    }

    /** The tree, for invariant checks in tests; only while no one else uses these subscriptions. */
    IntervalTree treeForTest() {
        return itree;
    }

    // ------------------------------------------------------------------ internals

    private boolean isInvalidating() {
        return (invalidateSeq & 1) != 0; // mn_itree_is_invalidating(); lock held
    }

    /** mn_itree_inv_end(); lock held. */
    private void itreeInvalidateEnd() {
        if (--activeInvalidateRanges != 0 || !isInvalidating()) {
            return;
        }
        INVALIDATE_SEQ.setRelease(this, invalidateSeq + 1); // even again; pairs with getAcquire in sequence()
        deferredChanges.applyTo(itree); // tree changes queued during the period are made now, at its end
        progress.signalAll(); // wake_up_all(&subscriptions->wq)
    }

    /** Ends a start of this thread that will get no invalidateRangeEnd. */
    private void endOwnRange(Thread self) {
        lock.lock();
        try {
            itreeInvalidateEnd();
            leave(self);
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private void leave(Thread self) {
        if (invalidating.leave(self) && synchronizeWaiters != 0) {
            progress.signalAll();
        }
    }

    /**
     * Leaves after the classic ends without the lock, as {@code srcu_read_unlock} needs none; the
     * lock is taken only to wake a thread waiting in synchronize. The volatile write freeing the
     * slot and the volatile read of {@code synchronizeWaiters} here, against the waiter's volatile
     * increment and its volatile reads of the slots, cannot both miss each other: either the
     * waiter sees the slot free, or this thread sees the waiter and signals it (the waiter holds
     * the lock from its check until it awaits).
     */
    private void leaveUnlocked(Thread self) {
        if (invalidating.leaveUnlocked(self) && synchronizeWaiters != 0) {
            lock.lock();
            try {
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** synchronize_srcu(): waits until every invalidation begun before this call has ended. Lock held. */
    @SuppressWarnings(
            "NonAtomicVolatileUpdate") // written under the subscriptions lock only; volatile so the invalidating side
    // reads it without the lock
    private void synchronizeLocked() {
        long target = invalidating.lastTicket();
        synchronizeWaiters++;
        try {
            while (invalidating.oldestTicket() <= target) {
                progress.awaitUninterruptibly();
            }
        } finally {
            synchronizeWaiters--;
        }
    }

    private void refuseWaitInsideInvalidation(String what) {
        if (invalidating.contains(Thread.currentThread())) {
            throw new IllegalStateException(
                    what + " between invalidate start and end on this thread would wait for itself");
        }
    }

    @SuppressWarnings(
            "ReferenceEquality") // an address space is one object; identity is the point: the kernel compares the
    // pointers
    private void checkRange(MmuNotifierRange range) {
        if (range == null) {
            throw new IllegalArgumentException("range=null");
        }
        if (range.event() == null) {
            throw new IllegalArgumentException("range is not initialised (init was never called)");
        }
        if (range.mm() != mm) {
            throw new IllegalArgumentException(
                    "range.mm()=" + range.mm() + " is not the address space of these subscriptions");
        }
    }
}
