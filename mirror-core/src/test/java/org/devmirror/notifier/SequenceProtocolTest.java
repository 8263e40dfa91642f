package org.devmirror.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The odd/even sequence and the read_begin/read_retry collision protocol of mm/mmu_notifier.c. */
class SequenceProtocolTest extends NotifierFixture {

    /** The global sequence starts at 2, goes odd only while a hit interval is invalidated, and even after. */
    @Test
    void sequenceIsOddOnlyWhileAnIntervalIsInvalidated() {
        // Step 1: fresh subscriptions are idle at 2, and inserting keeps them idle.
        assertEquals(2, subs.sequence());
        assertFalse(subs.hasSubscribers());
        IntervalNotifier[] sub = new IntervalNotifier[1];
        RecordingIntervalOps ops = insert(sub, 0x10000, 4 * PAGE);
        assertTrue(subs.hasSubscribers());
        assertEquals(2, subs.sequence());
        // Step 2: a range that misses every interval keeps the sequence even and calls nobody.
        start(0x40000, 0x50000);
        assertEquals(2, subs.sequence());
        assertEquals(1, subs.activeInvalidateRanges());
        end(0x40000, 0x50000);
        assertEquals(2, subs.sequence());
        assertEquals(0, ops.calls());
        // Step 3: a hit makes it odd and hands the odd value to the callback; end makes it even.
        start(0x13000, 0x14000); // touches only the last page of the interval
        assertEquals(3, subs.sequence());
        assertEquals(1, ops.calls());
        assertEquals(3, ops.lastSeq());
        end(0x13000, 0x14000);
        assertEquals(4, subs.sequence());
        assertEquals(0, subs.activeInvalidateRanges());
        // Step 4: the range end is exclusive: [.., 0x10000) does not reach the interval.
        start(0xf000, 0x10000);
        end(0xf000, 0x10000);
        assertEquals(1, ops.calls());
        assertEquals(4, subs.sequence());
        assertEquals(3, subs.invalidationsStarted());
    }

    /** A fault whose sequence was taken before an invalidation sees readRetry true, and retries cleanly. */
    @Test
    void faultCollidingWithInvalidationRetries() {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        RecordingIntervalOps ops = insert(sub, 0, 16 * PAGE);
        // Step 1: the fault begins its read section.
        long seq = sub[0].readBegin();
        assertEquals(1, seq, "an idle insert gets global - 1");
        // Step 2: the host invalidates part of the interval before the fault commits.
        start(2 * PAGE, 3 * PAGE);
        assertTrue(sub[0].checkRetry(seq), "the lockless hint already reports the collision");
        end(2 * PAGE, 3 * PAGE);
        // Step 3: under the driver lock the fault sees the collision and must not commit.
        ops.driverLock.lock();
        try {
            assertTrue(sub[0].readRetry(seq));
        } finally {
            ops.driverLock.unlock();
        }
        // Step 4: the retry gets the new sequence and commits.
        long again = sub[0].readBegin();
        assertEquals(3, again);
        ops.driverLock.lock();
        try {
            assertFalse(sub[0].readRetry(again));
        } finally {
            ops.driverLock.unlock();
        }
    }

    /** readBegin blocks while its interval is being invalidated and returns once the period ends. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void readBeginWaitsForInvalidationToEnd() throws Exception {
        IntervalNotifier[] hit = new IntervalNotifier[1];
        IntervalNotifier[] other = new IntervalNotifier[1];
        insert(hit, 0, PAGE);
        insert(other, 0x100000, PAGE);
        // Step 1: the host thread (this one) opens an invalidation over 'hit' only.
        start(0, PAGE);
        // Step 2: a notifier outside the range reads without waiting, though the period is odd.
        assertEquals(1, other[0].readBegin());
        // Step 3: a fault thread on 'hit' parks in readBegin.
        CompletableFuture<Long> fault = new CompletableFuture<>();
        Thread faulter = Thread.ofPlatform().name("fault").start(() -> fault.complete(hit[0].readBegin()));
        awaitParked(faulter);
        assertFalse(fault.isDone());
        // Step 4: ending the invalidation wakes it with the odd sequence of that period.
        end(0, PAGE);
        assertEquals(3L, fault.get());
        assertEquals(4, subs.sequence());
        assertFalse(hit[0].readRetry(3));
    }

    /** Nested and concurrent invalidations share one odd period; only the last end makes it even. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void nestedAndConcurrentInvalidationsShareOnePeriod() throws Exception {
        IntervalNotifier[] a = new IntervalNotifier[1];
        IntervalNotifier[] b = new IntervalNotifier[1];
        RecordingIntervalOps opsA = insert(a, 0, PAGE);
        RecordingIntervalOps opsB = insert(b, 0x10000, PAGE);
        // Step 1: outer invalidation hits a.
        start(0, PAGE);
        assertEquals(3, subs.sequence());
        // Step 2: a nested one on the same thread hits b with the same odd value.
        MmuNotifierRange inner = new MmuNotifierRange()
                .init(mm, MmuNotifierEvent.UNMAP, MmuNotifierRange.FLAG_BLOCKABLE, 0x10000, 0x11000, null);
        assertTrue(subs.invalidateRangeStart(inner));
        assertEquals(3, opsB.lastSeq());
        // Step 3: another thread invalidates a too, concurrently, still in the same period.
        Thread other = Thread.ofPlatform().name("host2").start(() -> {
            MmuNotifierRange r = new MmuNotifierRange()
                    .init(mm, MmuNotifierEvent.CLEAR, MmuNotifierRange.FLAG_BLOCKABLE, 0, PAGE, null);
            assertTrue(subs.invalidateRangeStart(r));
            subs.invalidateRangeEnd(r);
        });
        other.join();
        assertEquals(2, opsA.calls());
        assertEquals(3, opsA.lastSeq());
        // Step 4: the inner end leaves the period open; the outer end closes it.
        subs.invalidateRangeEnd(inner);
        assertEquals(3, subs.sequence());
        assertEquals(1, subs.activeInvalidateRanges());
        end(0, PAGE);
        assertEquals(4, subs.sequence());
    }

    /** Every invalidation reports the tree work it did; a miss on a big tree costs a few nodes. */
    @Test
    void visitedNodesCountsTreeWork() {
        IntervalNotifier[] sub = new IntervalNotifier[1];
        for (int i = 0; i < 1024; i++) {
            insert(sub, i * 2L * PAGE, PAGE); // every other page
        }
        // Step 1: a hit on one interval visits about a root-to-leaf path.
        start(100 * 2 * PAGE, 100 * 2 * PAGE + PAGE);
        end(100 * 2 * PAGE, 100 * 2 * PAGE + PAGE);
        int hit = subs.visitedNodesLastInvalidation();
        assertTrue(hit >= 1 && hit <= 4 * 20, "visited=" + hit);
        // Step 2: a miss in a gap costs no more than the probe.
        start(101 * 2 * PAGE - PAGE, 101 * 2 * PAGE);
        end(101 * 2 * PAGE - PAGE, 101 * 2 * PAGE);
        int miss = subs.visitedNodesLastInvalidation();
        assertTrue(miss <= 2 * 20, "visited=" + miss);
    }
}
