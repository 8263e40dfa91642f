package org.devmirror.notifier;

/**
 * Models the {@code deferred_list} of {@code struct mmu_notifier_subscriptions}
 * (mm/mmu_notifier.c): inserts and removals of interval notifiers asked for while an
 * invalidation period is in flight, when the tree is frozen for the lockless walkers. The end of
 * the period ({@code mn_itree_inv_end}) applies them all; a removal asked for while the node's
 * insert is still pending cancels that insert instead.
 *
 * <p>The list is intrusive (each node's {@code deferredPrev}/{@code deferredNext}, the kernel's
 * {@code hlist_node deferred_item}), so deferring allocates nothing. Whether a deferred node is
 * a pending insert or a pending removal is its {@code inTree} flag: a node in the tree can only
 * be waiting to leave it.
 *
 * <h2>Locking</h2>
 * Not thread-safe: every method runs under the owning {@link MmuNotifierSubscriptions}' lock.
 */
final class DeferredTreeChanges {
    // most recently deferred first; every node on it has deferred == true; guarded by the owner's lock
    private IntervalNotifier head;

    /** Queues {@code sub}'s pending insert (not in the tree) or removal (in the tree). */
    void add(IntervalNotifier sub) {
        sub.deferred = true;
        sub.deferredPrev = null;
        sub.deferredNext = head;
        if (head != null) {
            head.deferredPrev = sub;
        }
        head = sub;
    }

    /** Takes {@code sub} off the list: its pending change is cancelled. */
    void unlink(IntervalNotifier sub) {
        if (sub.deferredPrev == null) {
            head = sub.deferredNext;
        } else {
            sub.deferredPrev.deferredNext = sub.deferredNext;
        }
        if (sub.deferredNext != null) {
            sub.deferredNext.deferredPrev = sub.deferredPrev;
        }
        sub.deferredPrev = null;
        sub.deferredNext = null;
        sub.deferred = false;
    }

    /**
     * Makes every pending change in {@code itree} and empties the list; the caller has just made
     * the sequence even, so the tree may change again (like {@code rtnl_unlock()} running the
     * queued work).
     */
    void applyTo(IntervalTree itree) {
        IntervalNotifier sub = head;
        head = null;
        while (sub != null) {
            IntervalNotifier next = sub.deferredNext;
            sub.deferredPrev = null;
            sub.deferredNext = null;
            sub.deferred = false;
            if (sub.inTree) {
                itree.remove(sub);
                sub.inTree = false;
            } else {
                itree.insert(sub);
                sub.inTree = true;
            }
            sub = next;
        }
    }
}
