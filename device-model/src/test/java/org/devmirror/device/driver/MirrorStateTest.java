package org.devmirror.device.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.devmirror.device.DeviceFixture;
import org.devmirror.device.Dmirror;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.pagetable.OffHeapDevicePageTable;
import org.devmirror.device.pagetable.OnHeapDevicePageTable;
import org.devmirror.device.stats.DeviceStats;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver half of the mirror ({@link MirrorState}, test_hmm's {@code struct dmirror}) seen from
 * a driver author's side: what needs the driver lock, what the garbage collector leaves tracked and
 * which interval notifiers it removes, what {@code close()} (dmirror_fops_release) tears down, and
 * that the driver lock is free again after every path that takes it.
 */
class MirrorStateTest extends DeviceFixture {
    static final int N = 64;
    /** A thread per task: the steps of a test that block must not wait for a shared pool's thread. */
    static final Executor THREAD = r -> Thread.ofPlatform().start(r);

    /** A 2 MiB-aligned region of N pages (too small for a THP), faulted in by the device; returns its start. */
    long deviceFaulted() {
        long a = anonHuge(N);
        assertEquals(Errno.OK, mirror.fault(a, N, true));
        assertEquals(N, mirror.pageTable().populated());
        return a;
    }

    /** Maps the pages {@code [a, a + npages)} again in place, as a later mmap(MAP_FIXED) does. */
    void remap(long a, long npages) {
        long r = mm.mmap(a, npages * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        assertEquals(a, r);
    }

    /**
     * Whether a thread other than the caller can take {@code lock} now: a lock leaked by a path of
     * the mirror would block every later fault and invalidation of other threads (the same thread
     * would not notice, the lock being reentrant).
     */
    static boolean freeForOtherThreads(java.util.concurrent.locks.Lock lock) throws Exception {
        return CompletableFuture.supplyAsync(
                        () -> {
                            boolean got = lock.tryLock();
                            if (got) {
                                lock.unlock();
                            }
                            return got;
                        },
                        THREAD)
                .get(5, TimeUnit.SECONDS);
    }

    /** Waits until {@code condition} holds, failing after 5 s. */
    static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(1);
        }
    }

    // ------------------------------------------------------------------ the driver lock

    /**
     * Every device page-table access of the driver asserts the driver lock, as the kernel's
     * {@code lockdep_assert_held(&dmirror->mutex)} does: a translation read or a zap without it
     * could race a commit of the fault path.
     */
    @Test
    void translationZapAtomicGrantAndEvictionNeedTheDriverLock() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        assertThrows(IllegalStateException.class, () -> d.translate(a));
        assertThrows(IllegalStateException.class, () -> d.retranslate(a));
        assertThrows(IllegalStateException.class, () -> d.zapForDriver(a, a + PAGE, MmuNotifierEvent.MIGRATE));
        assertThrows(
                IllegalStateException.class, () -> d.mapAtomic(a, d.pageTable().get(a)));
        assertThrows(IllegalStateException.class, () -> d.isEvicted(a));
        assertThrows(IllegalStateException.class, () -> d.evictQueues(a, a + PAGE));
        // Nothing of it happened: the device still maps the page, and no eviction stopped the queues.
        assertNotEquals(0, mirror.entry(a));
        assertFalse(d.queuesStopped());
    }

    /**
     * After a permission fault the device walks its page table again
     * ({@code flush_tlb_fix_spurious_fault}): the walk returns the entry the fault committed, the
     * same one the TLB then serves.
     */
    @Test
    void retranslationWalksThePageTable() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        d.lock().lock();
        try {
            long e = d.pageTable().get(a);
            assertTrue(DevicePteLayout.isWrite(e));
            assertEquals(e, d.retranslate(a));
            assertEquals(e, d.translate(a));
            assertEquals(0, d.retranslate(a + N * PAGE), "nothing mapped past the region");
        } finally {
            d.lock().unlock();
        }
    }

    /** A zap the driver does itself is counted under the event it names, with one TLB flush, and only if it zapped. */
    @Test
    void aZapForTheDriverIsCountedUnderItsEventWithOneFlush() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        DeviceStats s = d.stats();
        d.lock().lock();
        try {
            assertEquals(4, d.zapForDriver(a, a + 4 * PAGE, MmuNotifierEvent.MIGRATE));
            assertEquals(0, d.zapForDriver(a, a + 4 * PAGE, MmuNotifierEvent.MIGRATE), "nothing left to zap");
        } finally {
            d.lock().unlock();
        }
        assertEquals(4, s.ptesZapped(MmuNotifierEvent.MIGRATE));
        assertEquals(1, s.tlbFlushes(MmuNotifierEvent.MIGRATE), "the empty zap flushes nothing");
        assertEquals(0, mirror.entry(a + 3 * PAGE));
        assertNotEquals(0, mirror.entry(a + 4 * PAGE));
    }

    /**
     * The invalidation that spans more than one tracked range owes one batched TLB flush, which the
     * mirror's classic {@code invalidate_range_start} issues under the driver lock; the lock is
     * free for other threads afterwards.
     */
    @Test
    @Timeout(10)
    void theBatchedFlushOfAnInvalidationLeavesTheDriverLockFree() throws Exception {
        long a = anonHuge(2 * DevicePteLayout.HUGE_PAGES);
        assertEquals(Errno.OK, mirror.fault(a, N, true)); // the first chunk only
        // CLEAR over both chunks: the callback of the first is not the last of the range.
        assertEquals(Errno.OK, mm.madvise(a, 2 * PMD, Advice.DONTNEED));
        assertEquals(0, mirror.pageTable().populated());
        assertEquals(1, mirror.stats().tlbFlushes(MmuNotifierEvent.CLEAR));
        assertTrue(freeForOtherThreads(mirror.lock()));
        assertOracle(mirror);
    }

    // ------------------------------------------------------------------ options and identity

    /** The mirror is built as its options say: its policy, its page-table kind, and an id of its own. */
    @Test
    void theMirrorIsBuiltAsItsOptionsSay() {
        MirrorOptions onHeap = MirrorOptions.forPolicy(BlindPolicy.INSTANCE).withOffHeapTable(false);
        Dmirror other = dev1.open(mm, onHeap);
        MirrorState d = other.driver();
        assertSame(onHeap, d.options());
        assertSame(BlindPolicy.INSTANCE, d.policy());
        assertInstanceOf(OnHeapDevicePageTable.class, d.pageTable());
        assertInstanceOf(OffHeapDevicePageTable.class, mirror.pageTable());
        // The id tells the mirrors apart in statistics, JFR events and messages.
        assertNotEquals(mirror.driver().id(), d.id());
        assertTrue(d.toString().startsWith("mirror " + d.id() + " of "), d.toString());
        assertTrue(d.toString().endsWith("(blind)"), d.toString());
        // The fault path the mirror hands out is its own: a fault through it maps the page.
        long a = anonHuge(N);
        assertEquals(Errno.OK, d.faultPath().fault(a, a + PAGE, false));
        assertNotEquals(0, other.entry(a));
    }

    // ------------------------------------------------------------------ ensureTracked

    /** A unit may end exactly at the chunk's end; an empty one, or one crossing the chunk, is refused. */
    @Test
    void ensureTrackedTakesUpToAWholeChunkAndNothingEmpty() {
        long a = anonHuge(N);
        MirrorState d = mirror.driver();
        TrackedRange t = d.ensureTracked(a, a + PMD);
        assertEquals(a, t.start());
        assertEquals(a + PMD, t.end());
        assertTrue(t.isLive());
        assertThrows(IllegalArgumentException.class, () -> d.ensureTracked(a + PAGE, a + PAGE));
        assertThrows(IllegalArgumentException.class, () -> d.ensureTracked(a + PAGE, a + PMD + PAGE));
    }

    /**
     * A range an UNMAP marked is never handed to a fault, even where the rest of it is still
     * mapped: the collector runs first and the fault gets the live piece ("always process UNMAPs
     * first").
     */
    @Test
    void aRangeWaitingForTheCollectorIsNeverHandedToAFault() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        TrackedRange before = d.ensureTracked(a, a + PAGE);
        assertEquals(Errno.OK, mm.munmap(a + 16 * PAGE, 16 * PAGE));
        assertFalse(before.isLive(), "marked unmapped, waiting for the collector");
        TrackedRange piece = d.ensureTracked(a, a + PAGE);
        assertNotSame(before, piece);
        assertTrue(piece.isLive());
        assertEquals(a, piece.start());
        assertEquals(a + 16 * PAGE, piece.end());
    }

    /**
     * After the process exits nothing is tracked any more, whatever the policy does on RELEASE: a
     * policy of a driver author that only zaps leaves its ranges in the set, and still no fault
     * gets one (mmget_not_zero fails).
     */
    @Test
    void afterExitNoFaultGetsATrackedRangeEvenIfThePolicyKeptIt() {
        Dmirror other = dev1.open(mm, MirrorOptions.defaults().withPolicy(new PolicyResolverTest.ConstructedPolicy()));
        long a = anonHuge(N);
        assertEquals(Errno.OK, other.fault(a, N, true));
        MirrorState d = other.driver();
        assertFalse(d.isReleased());
        mm.exit();
        assertTrue(d.isReleased());
        assertTrue(d.isTracked(a), "the policy kept its range");
        assertNull(d.ensureTracked(a, a + PAGE));
        assertEquals(Errno.EFAULT, other.fault(a, 1, false));
    }

    // ------------------------------------------------------------------ the garbage collector

    /**
     * A partial munmap splits the tracked range: the pieces still mapped stay tracked, each by a
     * notifier covering exactly its own bounds, and the old range's notifier is removed
     * (mmu_interval_notifier_remove) so the host no longer calls it.
     */
    @Test
    void theCollectorReplacesASplitRangeByNotifiersOverItsPieces() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        TrackedRange old = d.ensureTracked(a, a + PAGE);
        assertEquals(1, mm.notifiers().intervalCount());
        assertEquals(Errno.OK, mm.munmap(a + 16 * PAGE, 16 * PAGE));
        mirror.collectGarbage();
        assertArrayEquals(new long[] {a, a + 16 * PAGE, a + 32 * PAGE, a + PMD}, mirror.trackedIntervals());
        assertFalse(old.notifier().isInserted());
        assertEquals(2, mm.notifiers().intervalCount());
        IntervalNotifier low = d.ensureTracked(a, a + PAGE).notifier();
        IntervalNotifier high = d.ensureTracked(a + 32 * PAGE, a + 33 * PAGE).notifier();
        assertEquals(a, low.start());
        assertEquals(a + 16 * PAGE - 1, low.last());
        assertEquals(a + 32 * PAGE, high.start());
        assertEquals(a + PMD - 1, high.last());
        // An invalidation of the high piece only leaves a read section of the low one current.
        long seq = low.readBegin();
        assertEquals(Errno.OK, mm.madvise(a + 32 * PAGE, 8 * PAGE, Advice.DONTNEED));
        assertFalse(low.checkRetry(seq));
        assertOracle(mirror);
    }

    /** Two munmaps before a collection: both holes leave the tracked set, not only the first. */
    @Test
    void everyUnmapBeforeACollectionLeavesTheTrackedSet() {
        long a = deviceFaulted();
        assertEquals(Errno.OK, mm.munmap(a + 8 * PAGE, 8 * PAGE));
        assertEquals(Errno.OK, mm.munmap(a + 32 * PAGE, 8 * PAGE));
        mirror.collectGarbage();
        assertArrayEquals(
                new long[] {a, a + 8 * PAGE, a + 16 * PAGE, a + 32 * PAGE, a + 40 * PAGE, a + PMD},
                mirror.trackedIntervals());
        assertFalse(mirror.isTracked(a + 8 * PAGE));
        assertFalse(mirror.isTracked(a + 39 * PAGE));
        assertOracle(mirror);
    }

    /**
     * An UNMAP of the whole region removes the range and its notifier; re-tracking the chunk later
     * reuses the pooled object (no allocation in steady state) under a new generation, so a fault
     * that began on the old range notices and starts again.
     */
    @Test
    void aDroppedRangeIsRemovedAndItsObjectReusedUnderANewGeneration() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        TrackedRange t = d.ensureTracked(a, a + PAGE);
        long generation = t.generation;
        assertEquals(Errno.OK, mm.munmap(a, PMD)); // the whole chunk: nothing of the range stays
        mirror.collectGarbage();
        assertEquals(0, mm.notifiers().intervalCount());
        assertFalse(t.notifier().isInserted());
        assertArrayEquals(new long[0], mirror.trackedIntervals());
        remap(a, N);
        TrackedRange again = d.ensureTracked(a, a + PAGE);
        assertSame(t, again);
        assertNotEquals(generation, again.generation);
        assertTrue(again.isLive());
        assertEquals(1, mm.notifiers().intervalCount());
    }

    /**
     * A refault over a hole that was mapped again merges the chunk's pieces into one tracked range;
     * the pieces' notifiers are removed.
     */
    @Test
    @Timeout(10)
    void aRefaultAcrossThePiecesMergesThemIntoOneRange() {
        long a = deviceFaulted();
        assertEquals(Errno.OK, mm.munmap(a + 16 * PAGE, 16 * PAGE));
        mirror.collectGarbage();
        assertEquals(2, mm.notifiers().intervalCount());
        remap(a + 16 * PAGE, 16);
        assertEquals(Errno.OK, mirror.fault(a, N, false));
        assertArrayEquals(new long[] {a, a + PMD}, mirror.trackedIntervals());
        assertEquals(1, mm.notifiers().intervalCount());
        assertEquals(N, mirror.pageTable().populated());
        assertOracle(mirror);
    }

    /** The collector serialises on its own lock and lets it go: another thread collects next time. */
    @Test
    @Timeout(10)
    void anotherThreadCanCollectAfterThisOne() throws Exception {
        long a = deviceFaulted();
        assertEquals(Errno.OK, mm.munmap(a + 8 * PAGE, 8 * PAGE));
        mirror.collectGarbage();
        assertEquals(Errno.OK, mm.munmap(a + 32 * PAGE, 8 * PAGE));
        CompletableFuture.runAsync(mirror::collectGarbage, THREAD).get(5, TimeUnit.SECONDS);
        assertArrayEquals(
                new long[] {a, a + 8 * PAGE, a + 16 * PAGE, a + 32 * PAGE, a + 40 * PAGE, a + PMD},
                mirror.trackedIntervals());
        assertTrue(freeForOtherThreads(mirror.lock()));
    }

    // ------------------------------------------------------------------ close

    /**
     * close() (dmirror_fops_release) removes every interval notifier and the classic one (whose
     * release it runs, as mmu_notifier_unregister does), frees the page table, leaves the driver
     * lock free, and may be called again.
     */
    @Test
    @Timeout(10)
    void closeTearsDownEveryNotifierAndThePageTable() throws Exception {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        assertEquals(1, mm.notifiers().intervalCount());
        d.close();
        assertEquals(0, mm.notifiers().intervalCount());
        assertArrayEquals(new long[0], d.trackedIntervals());
        assertTrue(d.isReleased(), "unregister ran the classic notifier's release");
        assertThrows(IllegalStateException.class, () -> d.pageTable().get(a), "the table is freed");
        assertTrue(freeForOtherThreads(d.lock()));
        assertDoesNotThrow(d::close);
        // The host no longer reaches the mirror.
        assertEquals(Errno.OK, mm.munmap(a, N * PAGE));
        assertEquals(0, d.stats().invalidations(MmuNotifierEvent.UNMAP));
    }

    /** A range an UNMAP marked before close() is forgotten with the others: a later collection has nothing to do. */
    @Test
    void closeForgetsTheRangesWaitingForTheCollector() {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        assertEquals(Errno.OK, mm.munmap(a + 16 * PAGE, 16 * PAGE));
        d.close();
        assertDoesNotThrow(d::collectGarbage);
        assertNull(d.ensureTracked(a, a + PAGE));
    }

    /**
     * An invalidation that waited for the driver lock while close() held it finds the mirror closed:
     * it touches nothing, counts nothing, and lets the host go ahead; close() waits for it before
     * removing the notifier.
     */
    @Test
    @Timeout(10)
    void anInvalidationThatWaitedOutCloseTouchesNothing() throws Exception {
        long a = deviceFaulted();
        MirrorState d = mirror.driver();
        CompletableFuture<Void> closing;
        CompletableFuture<Errno> unmapping;
        d.lock().lock();
        try {
            // close() queues for the driver lock first, the munmap's callback after it.
            closing = CompletableFuture.runAsync(d::close, THREAD);
            awaitTrue(() -> d.lock().getQueueLength() == 1);
            unmapping = CompletableFuture.supplyAsync(() -> mm.munmap(a, N * PAGE), THREAD);
            awaitTrue(() -> d.lock().getQueueLength() == 2);
        } finally {
            d.lock().unlock();
        }
        assertEquals(Errno.OK, unmapping.get(5, TimeUnit.SECONDS));
        closing.get(5, TimeUnit.SECONDS);
        assertEquals(0, d.stats().invalidations(MmuNotifierEvent.UNMAP));
        assertEquals(0, mm.notifiers().intervalCount());
    }
}
