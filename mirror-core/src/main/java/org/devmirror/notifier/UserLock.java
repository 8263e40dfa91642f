package org.devmirror.notifier;

import java.util.concurrent.TimeUnit;

/**
 * The driver lock the kernel-doc of {@code mmu_interval_read_begin} calls {@code user_lock}: the
 * lock an interval notifier's invalidate callback holds around {@code mmu_interval_set_seq} and the
 * device fault path holds around {@code mmu_interval_read_retry} and the device page-table update
 * (test_hmm's {@code dmirror->mutex}, drm_gpusvm's {@code notifier_lock}). A plain
 * {@link java.util.concurrent.locks.ReentrantLock} that tells the {@link NotifierRules} when it may
 * sleep, as {@code mutex_lock} calls {@code might_sleep()}, and which an
 * {@link IntervalNotifier} names so the rules can check {@code setSeq} and {@code readRetry} are
 * called under it.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Those of {@code ReentrantLock} (non-fair). {@link #lock()}, {@link #lockInterruptibly()} and the
 * timed {@link #tryLock(long, TimeUnit)} may wait, so they are refused inside the callback of a
 * non-blockable invalidation while the rules are on; {@link #tryLock()} never waits and is always
 * allowed.
 *
 * <h2>Locking</h2>
 * It is the lock.
 */
public final class UserLock extends java.util.concurrent.locks.ReentrantLock {
    private static final long serialVersionUID = 1L;

    private final String name;

    /**
     * @param name what the lock protects, for violation messages (e.g. {@code "mirror 0 driver lock"})
     */
    public UserLock(String name) {
        this.name = name;
    }

    @Override
    public void lock() {
        if (NotifierRules.ENABLED && !isHeldByCurrentThread()) {
            NotifierRules.mightSleep("lock()", this); // mutex_lock: might_sleep()
        }
        super.lock();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (NotifierRules.ENABLED && !isHeldByCurrentThread()) {
            NotifierRules.mightSleep("lockInterruptibly()", this);
        }
        super.lockInterruptibly();
    }

    @Override
    public boolean tryLock(long timeout, TimeUnit unit) throws InterruptedException {
        if (NotifierRules.ENABLED && !isHeldByCurrentThread()) {
            NotifierRules.mightSleep("tryLock(timeout)", this);
        }
        return super.tryLock(timeout, unit);
    }

    @Override
    public String toString() {
        return name;
    }
}
