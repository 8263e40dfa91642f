package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SpinLock}: mutual exclusion under contention, the park once the spin runs out (a holder
 * that is descheduled or slow must not make waiters burn a core), and the inherited condition
 * the subscriptions' wait queue relies on.
 */
class SpinLockTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void excludesUnderContention() throws Exception {
        SpinLock lock = new SpinLock();
        long[] counter = {0}; // guarded by lock; a lost update shows a broken exclusion
        int perThread = 200_000;
        Runnable add = () -> {
            for (int i = 0; i < perThread; i++) {
                lock.lock();
                try {
                    counter[0]++;
                } finally {
                    lock.unlock();
                }
            }
        };
        Thread a = new Thread(add);
        Thread b = new Thread(add);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(2L * perThread, counter[0]);
        assertFalse(lock.isLocked());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void parksWhenTheHolderKeepsTheLockPastTheSpin() throws Exception {
        SpinLock lock = new SpinLock();
        AtomicBoolean acquired = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            lock.lock();
            try {
                acquired.set(true);
            } finally {
                lock.unlock();
            }
        });
        lock.lock();
        try {
            waiter.start();
            // The spin lasts microseconds; a waiter still there after that is queued in the AQS, parked.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!lock.hasQueuedThread(waiter) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(lock.hasQueuedThread(waiter), "the waiter should have parked once its spin ran out");
            assertFalse(acquired.get());
        } finally {
            lock.unlock();
        }
        waiter.join();
        assertTrue(acquired.get());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void conditionWaitsAndWakes() throws Exception {
        SpinLock lock = new SpinLock();
        Condition progress = lock.newCondition();
        boolean[] done = {false}; // guarded by lock
        CountDownLatch waiting = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            lock.lock();
            try {
                waiting.countDown();
                while (!done[0]) {
                    progress.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
        });
        waiter.start();
        waiting.await();
        lock.lock(); // the waiter released it in await
        try {
            done[0] = true;
            progress.signalAll();
        } finally {
            lock.unlock();
        }
        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(waiter.isAlive());
    }
}
