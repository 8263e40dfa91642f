package org.devmirror.notifier;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernel's {@code spinlock_t} as {@code subscriptions->lock} uses it (mm/mmu_notifier.c): a
 * lock held for a few instructions, which a second CPU waits for by spinning, not by sleeping. A
 * {@link ReentrantLock} whose {@link #lock()} spins on the lock word for a bounded while before
 * it parks.
 *
 * <p>Why: a waiter that parks at once pays a futex sleep and wake-up, microseconds, for a
 * critical section of tens of nanoseconds, and the holder pays the wake-up in its unlock; the
 * contended acquisition of {@code ReentrantLock} also allocates a queue node. With two threads
 * invalidating disjoint ranges of one address space, that made two threads slower than one
 * (docs/perf.md, "Threads"). Spinning first keeps the uncontended path a single CAS, as
 * {@code ReentrantLock}'s, and gives the contended path the kernel's shape: the waiter reads the
 * lock word until it is free (test and test-and-set), so only the winner writes the line.
 *
 * <p>The spin is bounded ({@link #SPINS} reads) because, unlike a kernel CPU, a Java thread may be
 * descheduled while it holds the lock; past the bound the waiter parks as {@code ReentrantLock}
 * does, so a lock held across a descheduling costs no more than before.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@code ReentrantLock} (non-fair, reentrant, with conditions), except that
 * {@link #lock()} may take the lock ahead of parked waiters, as the non-fair lock already lets a
 * barging thread do. Allocation-free unless the spin runs out.
 *
 * <h2>Locking</h2>
 * It is the lock.
 */
final class SpinLock extends ReentrantLock {
    private static final long serialVersionUID = 1L;

    /**
     * Reads of the lock word before parking, each after a {@link Thread#onSpinWait()}: far more
     * than the subscriptions' critical sections (a tree probe and a few field writes) need, and
     * few enough that a waiter whose holder was descheduled soon parks.
     */
    static final int SPINS = 256;

    @Override
    public void lock() {
        if (tryLock()) {
            return; // uncontended: one CAS, as ReentrantLock.lock()
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && tryLock()) { // read the word, CAS only when it looks free
                return;
            }
        }
        super.lock();
    }
}
