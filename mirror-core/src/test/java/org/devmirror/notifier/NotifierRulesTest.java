package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The notifier rules, each broken once on purpose: the checker throws a {@link NotifierRules.Violation}
 * naming the rule, and the core is left with nothing in flight. The build's tests run with the
 * rules on; the first test fails if they are not.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NotifierRulesTest extends NotifierFixture {
    private final UserLock lock = new UserLock("test driver lock");

    /** The build switches the rules on for every test (surefire's systemPropertyVariables). */
    @Test
    void rulesAreOnInTests() {
        assertTrue(NotifierRules.ENABLED, "run the tests with -D" + NotifierRules.PROPERTY + "=true");
    }

    /** A callback that returns true without setSeq (a lock-free "ignore") is reported. */
    @Test
    void callbackReturningTrueWithoutSetSeqIsReported() {
        IntervalNotifier sub = new IntervalNotifier((n, r, seq) -> true, lock);
        subs.insert(sub, 0, PAGE);
        // Step 1: invalidate it; the callback skips setSeq.
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> start(0, PAGE));
        assertTrue(v.getMessage().contains("after calling setSeq 0 times"), v.getMessage());
        // Step 2: the core undid its bookkeeping.
        assertEquals(0, subs.sequence() & 1);
    }

    /** setSeq twice in one callback is reported too. */
    @Test
    void setSeqTwiceIsReported() {
        IntervalNotifier sub = new IntervalNotifier(
                (n, r, seq) -> {
                    lock.lock();
                    try {
                        n.setSeq(seq);
                        n.setSeq(seq);
                    } finally {
                        lock.unlock();
                    }
                    return true;
                },
                lock);
        subs.insert(sub, 0, PAGE);
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> start(0, PAGE));
        assertTrue(v.getMessage().contains("2 times"), v.getMessage());
    }

    /** setSeq without the declared user lock is reported at the call. */
    @Test
    void setSeqWithoutUserLockIsReported() {
        IntervalNotifier sub = new IntervalNotifier(
                (n, r, seq) -> {
                    n.setSeq(seq);
                    return true;
                },
                lock);
        subs.insert(sub, 0, PAGE);
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> start(0, PAGE));
        assertTrue(v.getMessage().contains("without holding its user lock test driver lock"), v.getMessage());
    }

    /** setSeq outside the notifier's own callback is reported. */
    @Test
    void setSeqOutsideCallbackIsReported() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps(), lock);
        subs.insert(sub, 0, PAGE);
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> sub.setSeq(3));
        assertTrue(v.getMessage().contains("outside its own invalidate callback"), v.getMessage());
    }

    /** readRetry without the user lock is reported; under it, it answers. */
    @Test
    void readRetryWithoutUserLockIsReported() {
        IntervalNotifier sub = new IntervalNotifier(new RecordingIntervalOps(), lock);
        subs.insert(sub, 0, PAGE);
        long seq = sub.readBegin();
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> sub.readRetry(seq));
        assertTrue(v.getMessage().contains("readRetry"), v.getMessage());
        lock.lock();
        try {
            assertFalse(sub.readRetry(seq));
        } finally {
            lock.unlock();
        }
    }

    /** A blocking lock() in the callback of a non-blockable range is reported; tryLock is fine. */
    @Test
    void blockingInNonBlockableCallbackIsReported() {
        Take lockIt = l -> {
            l.lock(); // wrong for a non-blockable range: must try-lock
            return true;
        };
        NotifierRules.Violation v = assertThrows(NotifierRules.Violation.class, () -> invalidateWith(lockIt, false));
        assertTrue(v.getMessage().contains("lock() of test driver lock may sleep"), v.getMessage());
        assertEquals(0, subs.sequence() & 1);
        // The same callback is fine for a blockable range.
        invalidateWith(lockIt, true);
        assertEquals(0, subs.sequence() & 1);
        assertFalse(lock.isLocked());
    }

    /** A classic callback of a non-blockable range may not sleep either (mn_hlist_invalidate_range_start). */
    @Test
    void blockingInNonBlockableClassicCallbackIsReported() {
        subs.register(r -> {
            lock.lock();
            try {
                return true;
            } finally {
                lock.unlock();
            }
        });
        MmuNotifierRange nonBlock = new MmuNotifierRange().init(mm, MmuNotifierEvent.CLEAR, 0, 0, PAGE, null);
        NotifierRules.Violation v =
                assertThrows(NotifierRules.Violation.class, () -> subs.invalidateRangeStart(nonBlock));
        assertTrue(v.getMessage().contains("non-blockable"), v.getMessage());
    }

    /** A well-behaved callback (lock, setSeq once) passes, and the thread is outside callbacks afterwards. */
    @Test
    void wellBehavedCallbackPasses() {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        RecordingIntervalOps ops = insert(sub, 0, PAGE);
        start(0, PAGE);
        end(0, PAGE);
        assertEquals(1, ops.calls());
        assertFalse(NotifierRules.insideCallback());
    }

    /** The callback of a non-blockable range that takes the driver lock one way. */
    private interface Take {
        boolean take(UserLock l) throws InterruptedException;
    }

    /** Runs a CLEAR over a notifier whose callback takes the lock with {@code take}, then removes it. */
    private void invalidateWith(Take take, boolean blockable) {
        IntervalNotifier sub = new IntervalNotifier(
                (n, r, seq) -> {
                    try {
                        if (!take.take(lock)) {
                            return false;
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    try {
                        n.setSeq(seq);
                    } finally {
                        lock.unlock();
                    }
                    return true;
                },
                lock);
        subs.insert(sub, 0, PAGE);
        MmuNotifierRange range = new MmuNotifierRange()
                .init(mm, MmuNotifierEvent.CLEAR, blockable ? MmuNotifierRange.FLAG_BLOCKABLE : 0, 0, PAGE, null);
        try {
            if (subs.invalidateRangeStart(range)) {
                subs.invalidateRangeEnd(range);
            }
        } finally {
            sub.remove();
        }
    }

    /** lockInterruptibly and the timed tryLock may wait as lock() may: refused in a non-blockable callback. */
    @Test
    void waitingLockVariantsInNonBlockableCallbackAreReported() {
        NotifierRules.Violation a = assertThrows(
                NotifierRules.Violation.class,
                () -> invalidateWith(
                        l -> {
                            l.lockInterruptibly();
                            return true;
                        },
                        false));
        assertTrue(a.getMessage().contains("lockInterruptibly() of test driver lock may sleep"), a.getMessage());
        NotifierRules.Violation b = assertThrows(
                NotifierRules.Violation.class, () -> invalidateWith(l -> l.tryLock(1, TimeUnit.SECONDS), false));
        assertTrue(b.getMessage().contains("tryLock(timeout) of test driver lock may sleep"), b.getMessage());
        assertEquals(0, subs.sequence() & 1);
        assertFalse(lock.isLocked());
    }

    /** tryLock() never waits: allowed in a non-blockable callback, where it is what a driver must use. */
    @Test
    void tryLockInNonBlockableCallbackPasses() {
        invalidateWith(UserLock::tryLock, false);
        assertFalse(lock.isLocked());
        assertEquals(0, subs.sequence() & 1);
        assertEquals("test driver lock", lock.toString());
    }

    /** Outside any callback every variant takes the lock (and a held lock is taken again without a check). */
    @Test
    void everyVariantLocksOutsideCallbacks() throws InterruptedException {
        lock.lockInterruptibly();
        assertTrue(lock.tryLock(1, TimeUnit.SECONDS));
        assertTrue(lock.tryLock());
        assertEquals(3, lock.getHoldCount());
        lock.unlock();
        lock.unlock();
        lock.unlock();
        assertFalse(lock.isLocked());
    }
}
