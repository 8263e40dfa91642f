package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Non-blockable refusals, classic start/end pairing, and release at exit. */
class RefusalAndClassicTest extends NotifierFixture {

    private MmuNotifierRange nonBlockable(long start, long end) {
        return range.init(mm, MmuNotifierEvent.CLEAR, 0, start, end, null);
    }

    /**
     * An interval refusing a non-blockable range makes start return false with the sequence even,
     * nothing active, no later subscriber called and no end owed.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void nonBlockableIntervalRefusalLeavesNothingActive() throws Exception {
        IntervalNotifier[] first = new IntervalNotifier[1];
        IntervalNotifier[] busy = new IntervalNotifier[1];
        IntervalNotifier[] after = new IntervalNotifier[1];
        RecordingIntervalOps firstOps = insert(first, 0, PAGE);
        RecordingIntervalOps busyOps = insert(busy, PAGE, PAGE);
        RecordingIntervalOps afterOps = insert(after, 2 * PAGE, PAGE);
        RecordingMmuNotifier classic = new RecordingMmuNotifier(false);
        subs.register(classic);
        long seq = first[0].readBegin();
        // Step 1: another thread holds the middle driver's lock, as a fault in progress would.
        Thread holder = Thread.ofPlatform().start(busyOps.driverLock::lock);
        holder.join();
        // Step 2: the OOM-reaper-style non-blockable start is refused.
        assertFalse(subs.invalidateRangeStart(nonBlockable(0, 3 * PAGE)));
        // Step 3: the sequence went through one odd period and is even again; nothing is active.
        assertEquals(4, subs.sequence());
        assertEquals(0, subs.activeInvalidateRanges());
        // Step 4: the first interval was invalidated (its faults must retry), the later one and
        // the classic subscriber were never called, and no end reached anyone.
        assertEquals(1, firstOps.calls());
        assertTrue(first[0].readRetry(seq));
        assertEquals(0, afterOps.calls());
        assertEquals(0, classic.starts());
        assertEquals(0, classic.ends());
        // Step 5: calling end now is misuse: there is no start in progress.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> subs.invalidateRangeEnd(range));
        assertTrue(e.getMessage().contains("without invalidateRangeStart"), e.getMessage());
        assertEquals(4, subs.sequence());
    }

    /** An interval op returning false for a blockable range is misuse: exception, bookkeeping undone. */
    @Test
    void blockableRefusalIsMisuse() {
        IntervalNotifier bad = new IntervalNotifier((sub, r, seq) -> false);
        subs.insert(bad, 0, PAGE);
        // Step 1: the blockable start throws, naming the range.
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> subs.invalidateRangeStart(
                        range.init(mm, MmuNotifierEvent.UNMAP, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null)));
        assertTrue(e.getMessage().contains("blockable range UNMAP"), e.getMessage());
        // Step 2: nothing is left active and the period is closed.
        assertEquals(0, subs.activeInvalidateRanges());
        assertEquals(0, subs.sequence() & 1);
    }

    /** Classic subscribers get start and end around every invalidation, with intervals alongside. */
    @Test
    void classicStartEndPairing() {
        RecordingMmuNotifier a = new RecordingMmuNotifier(false);
        RecordingMmuNotifier b = new RecordingMmuNotifier(true);
        subs.register(a);
        subs.register(b);
        assertTrue(subs.hasSubscribers());
        // Step 1: a blockable invalidation: both start, then both end.
        start(0, PAGE);
        assertEquals(1, a.starts());
        assertEquals(1, b.starts());
        assertEquals(0, a.ends());
        end(0, PAGE);
        assertEquals(1, a.ends());
        assertEquals(1, b.ends());
        // Step 2: after unregister, b hears nothing more and got its release once.
        subs.unregister(b);
        assertEquals(1, b.releases());
        start(0, PAGE);
        end(0, PAGE);
        assertEquals(1, b.starts());
        assertEquals(2, a.ends());
    }

    /**
     * A classic refusal of a non-blockable range (mn_hlist_invalidate_range_start's error path):
     * every subscriber's start is called, those that accepted get end at once, the refuser gets
     * none, and nothing is left active, intervals included.
     */
    @Test
    void classicRefusalEndsTheAcceptedOnes() {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        RecordingIntervalOps ops = insert(sub, 0, PAGE);
        RecordingMmuNotifier accepts1 = new RecordingMmuNotifier(false);
        RecordingMmuNotifier refuses = new RecordingMmuNotifier(true);
        RecordingMmuNotifier accepts2 = new RecordingMmuNotifier(false);
        subs.register(accepts1);
        subs.register(refuses);
        subs.register(accepts2);
        // Step 1: the non-blockable start is refused.
        assertFalse(subs.invalidateRangeStart(nonBlockable(0, PAGE)));
        // Step 2: all starts ran; only the accepting ones got end.
        assertEquals(1, accepts1.starts());
        assertEquals(1, refuses.starts());
        assertEquals(1, accepts2.starts());
        assertEquals(1, accepts1.ends());
        assertEquals(0, refuses.ends());
        assertEquals(1, accepts2.ends());
        // Step 3: the interval was invalidated in a period that is closed again.
        assertEquals(1, ops.calls());
        assertEquals(0, subs.activeInvalidateRanges());
        assertEquals(4, subs.sequence());
    }

    /** release() sends RELEASE [0, ULONG_MAX) blockable to intervals and release(mm) to classic subscribers. */
    @Test
    void releaseDeliversReleaseEverywhere() {
        IntervalNotifier[] low = new IntervalNotifier[1];
        IntervalNotifier[] high = new IntervalNotifier[1];
        RecordingIntervalOps lowOps = insert(low, 0, PAGE);
        RecordingIntervalOps highOps = insert(high, 0x7fff_ffff_f000L, PAGE);
        RecordingMmuNotifier classic = new RecordingMmuNotifier(false);
        subs.register(classic);
        // Step 1: exit.
        subs.release();
        // Step 2: every interval saw RELEASE over the whole address space, blockable, odd seq.
        for (RecordingIntervalOps ops : new RecordingIntervalOps[] {lowOps, highOps}) {
            assertEquals(1, ops.calls());
            assertEquals(MmuNotifierEvent.RELEASE, ops.lastEvent());
            assertEquals(0, ops.lastStart());
            assertEquals(-1L, ops.lastEnd(), "end is ULONG_MAX");
            assertTrue(ops.lastBlockable());
            assertEquals(3, ops.lastSeq());
        }
        // Step 3: the classic subscriber got release(mm) once and is no longer registered.
        assertEquals(1, classic.releases());
        assertSame(mm, classic.releasedMm());
        assertEquals(0, classic.starts());
        assertEquals(4, subs.sequence());
        start(0, PAGE);
        end(0, PAGE);
        assertEquals(0, classic.starts());
        // Step 4: unregistering afterwards does not release it twice; intervals are still inserted.
        subs.unregister(classic);
        assertEquals(1, classic.releases());
        assertEquals(2, subs.intervalCount());
    }

    /**
     * unregister waits out a classic end running on another thread (the kernel's
     * synchronize_srcu), and the end's thread, leaving without the subscriptions lock, wakes it.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void unregisterWaitsForAClassicEndInFlight() throws Exception {
        CountDownLatch inEnd = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicBoolean endReturned = new AtomicBoolean();
        MmuNotifier slow = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(MmuNotifierRange r) {
                return true;
            }

            @Override
            public void invalidateRangeEnd(MmuNotifierRange r) {
                inEnd.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                endReturned.set(true);
            }
        };
        subs.register(slow);
        // Step 1: a host thread invalidates and stops inside the classic end.
        Thread host = Thread.ofPlatform().start(() -> {
            MmuNotifierRange r = new MmuNotifierRange()
                    .init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null);
            assertTrue(subs.invalidateRangeStart(r));
            subs.invalidateRangeEnd(r);
        });
        assertTrue(inEnd.await(5, TimeUnit.SECONDS));
        // Step 2: unregister on another thread waits for that end.
        CompletableFuture<Void> unregister = CompletableFuture.runAsync(() -> subs.unregister(slow));
        Thread.sleep(100);
        assertFalse(unregister.isDone(), "unregister returned while a classic end was running");
        // Step 3: the end returns; its thread leaves and unregister returns after it.
        finish.countDown();
        unregister.get(5, TimeUnit.SECONDS);
        assertTrue(endReturned.get());
        host.join();
        assertEquals(0, subs.activeInvalidateRanges());
    }
}
