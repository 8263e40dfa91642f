package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tree changes during an odd period are deferred to its end, as mn_itree_inv_end applies them. */
class DeferredChangesTest extends NotifierFixture {

    /** An insert during an invalidation joins the tree only at the end, with seq = the odd global. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void insertDuringInvalidationIsDeferred() throws Exception {
        IntervalNotifier[] a = new IntervalNotifier[1];
        IntervalNotifier[] late = new IntervalNotifier[1];
        insert(a, 0, 16 * PAGE);
        // Step 1: open an odd period, then insert an overlapping notifier.
        start(0, PAGE);
        RecordingIntervalOps lateOps = insert(late, 0, 16 * PAGE);
        assertTrue(late[0].isInserted());
        assertEquals(1, subs.intervalCount(), "not in the tree yet");
        assertEquals(3, late[0].seqOpaque(), "deferred insert gets the odd global sequence");
        // Step 2: a nested invalidation in the same period does not reach it.
        start(0, 16 * PAGE);
        end(0, 16 * PAGE);
        assertEquals(0, lateOps.calls());
        // Step 3: its first readBegin waits for the period, since the period's ranges are unknown to it.
        CompletableFuture<Long> fault = new CompletableFuture<>();
        Thread faulter = Thread.ofPlatform().start(() -> fault.complete(late[0].readBegin()));
        awaitParked(faulter);
        // Step 4: the end applies the insert and releases the reader.
        end(0, PAGE);
        assertEquals(2, subs.intervalCount());
        assertEquals(3L, fault.get());
        // Step 5: from now on invalidations reach it.
        start(5 * PAGE, 6 * PAGE);
        end(5 * PAGE, 6 * PAGE);
        assertEquals(1, lateOps.calls());
        assertEquals(5, lateOps.lastSeq());
        subs.treeForTest().checkInvariants();
    }

    /** An insert while ranges are active but none hit goes into the tree at once and makes the period odd. */
    @Test
    void insertDuringUnrelatedInvalidationMakesPeriodOdd() {
        // Step 1: a range with no interval keeps the sequence even.
        start(0x100000, 0x200000);
        assertEquals(2, subs.sequence());
        // Step 2: insert: in the tree now, odd period, seq = global.
        IntervalNotifier[] sub = new IntervalNotifier[1];
        insert(sub, 0, PAGE);
        assertEquals(1, subs.intervalCount());
        assertEquals(3, subs.sequence());
        assertEquals(3, sub[0].seqOpaque());
        // Step 3: the unrelated range's end closes the period.
        end(0x100000, 0x200000);
        assertEquals(4, subs.sequence());
        assertEquals(3L, sub[0].readBegin());
    }

    /** remove() during an invalidation defers the removal and waits for the period to end. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void removeDuringInvalidationWaitsForEnd() throws Exception {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        insert(sub, 0, PAGE);
        // Step 1: open a period hitting the notifier.
        start(0, PAGE);
        // Step 2: another thread removes it and parks.
        Thread remover = Thread.ofPlatform().name("remover").start(() -> sub[0].remove());
        awaitParked(remover);
        assertEquals(1, subs.intervalCount(), "the frozen tree keeps it");
        assertTrue(sub[0].isInserted());
        // Step 3: the end applies the removal and releases the remover.
        end(0, PAGE);
        remover.join();
        assertEquals(0, subs.intervalCount());
        assertFalse(sub[0].isInserted());
        // Step 4: it can be inserted again.
        subs.insert(sub[0], 0, PAGE);
        assertEquals(1, subs.intervalCount());
    }

    /**
     * remove() and insert() inside an invalidate callback are refused (the notifier rules), and
     * the same-thread remove() between start and end is refused instead of deadlocking.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void removeAndInsertInsideCallbackAreRefused() {
        AtomicReference<RuntimeException> removeThrew = new AtomicReference<>();
        AtomicReference<RuntimeException> insertThrew = new AtomicReference<>();
        IntervalNotifier spare = new IntervalNotifier(new RecordingIntervalOps());
        IntervalNotifier[] sub = new IntervalNotifier[1];
        sub[0] = new IntervalNotifier(new RecordingIntervalOps() {
            @Override
            protected void onInvalidate(IntervalNotifier self, MmuNotifierRange r, long curSeq) {
                // Step 2: the callback tries to remove itself and to insert another notifier.
                try {
                    self.remove();
                } catch (IllegalStateException e) {
                    removeThrew.set(e);
                }
                try {
                    subs.insert(spare, 0x10000, PAGE);
                } catch (IllegalStateException e) {
                    insertThrew.set(e);
                }
            }
        });
        subs.insert(sub[0], 0, PAGE);
        // Step 1: invalidate it.
        start(0, PAGE);
        // Step 3: both were refused with the rule, and nothing changed.
        assertNotNull(removeThrew.get());
        assertTrue(
                removeThrew.get() instanceof NotifierRules.Violation,
                removeThrew.get().toString());
        assertTrue(
                removeThrew.get().getMessage().contains("cannot be called from any ops callback"),
                removeThrew.get().getMessage());
        assertNotNull(insertThrew.get());
        assertTrue(
                insertThrew.get().getMessage().contains("mmu_interval_notifier_insert"),
                insertThrew.get().getMessage());
        assertFalse(spare.isInserted());
        assertEquals(1, subs.intervalCount());
        assertTrue(sub[0].isInserted());
        // Step 4: the same-thread remove() between start and end is refused too.
        IllegalStateException again =
                org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, sub[0]::remove);
        assertTrue(again.getMessage().contains("would wait for itself"), again.getMessage());
        // Step 5: after the period the notifier is removed as usual.
        end(0, PAGE);
        sub[0].remove();
        assertEquals(0, subs.intervalCount());
        assertFalse(sub[0].isInserted());
    }

    /** remove() while idle removes at once; removing a deferred insert cancels it. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void removeIdleAndCancelledInsert() throws InterruptedException {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        insert(sub, 0, PAGE);
        // Step 1: idle: immediate.
        sub[0].remove();
        assertEquals(0, subs.intervalCount());
        assertFalse(sub[0].isInserted());
        // Step 2: insert during a period, then remove before the period ends: never joins the tree.
        IntervalNotifier[] other = new IntervalNotifier[1];
        insert(other, 0x10000, PAGE);
        start(0x10000, 0x11000);
        subs.insert(sub[0], 0, PAGE);
        Thread remover = Thread.ofPlatform().start(sub[0]::remove); // cancelling: nothing to wait for
        remover.join();
        assertFalse(sub[0].isInserted());
        end(0x10000, 0x11000);
        assertEquals(1, subs.intervalCount());
        subs.treeForTest().checkInvariants();
    }
}
