package org.devmirror.device.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.hmm.RangeFault;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Advice;
import org.devmirror.mm.Errno;
import org.devmirror.mm.Host;
import org.devmirror.mm.HostConfig;
import org.devmirror.mm.MapFlags;
import org.devmirror.mm.Prot;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.MmuNotifierRange;
import org.devmirror.notifier.NotifierRules;
import org.devmirror.notifier.UserLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault side of the protocol in docs/guide/protocol.md, one step at a time, on a four-page
 * mirror built by hand from the notifier core and the range fault (the steps of
 * {@code dmirror_range_fault} in lib/test_hmm.c), with the interleavings that go wrong when a
 * step is left out.
 */
class FaultSideInterleavingsTest {
    static final long PAGE = Host.PAGE_SIZE;
    static final int N = 4;

    Host host;
    AddressSpace mm;
    long base;
    /** The "device page table": one PFN per page, 0 when not mapped; guarded by {@link #driverLock}. */
    final long[] devicePfn = new long[N];

    final ReentrantLock driverLock = new UserLock("guide driver lock");
    /** Whether the invalidate callback calls setSeq; one test leaves it out. */
    boolean callsSetSeq = true;

    IntervalNotifier notifier;
    final long[] pfns = new long[N];
    final HmmRange range = new HmmRange();

    @BeforeEach
    void mapFourPages() {
        host = new Host(HostConfig.defaults().withFrames(1024).withSwapSlots(64));
        mm = host.newAddressSpace();
        base = mm.mmap(0, N * PAGE, Prot.RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertEquals(Errno.OK, mm.cpuFill(base, N * PAGE, (byte) 7));
        // dmirror_interval_invalidate: lock, set_seq, tear the device mapping down.
        notifier = new IntervalNotifier((sub, r, curSeq) -> invalidate(sub, r, curSeq), (UserLock) driverLock);
        mm.notifiers().insert(notifier, base, N * PAGE);
    }

    @AfterEach
    void shutdown() {
        host.close();
    }

    private boolean invalidate(IntervalNotifier sub, MmuNotifierRange r, long curSeq) {
        if (r.isBlockable()) {
            driverLock.lock();
        } else if (!driverLock.tryLock()) {
            return false;
        }
        try {
            if (callsSetSeq) {
                sub.setSeq(curSeq);
            }
            for (int i = 0; i < N; i++) {
                long va = base + i * PAGE;
                if (va >= r.start() && va < r.end()) {
                    devicePfn[i] = 0;
                }
            }
            return true;
        } finally {
            driverLock.unlock();
        }
    }

    /** Steps 1 and 2: readBegin, then hmm_range_fault under the mmap read lock. */
    private Errno rangeFault(long seq) {
        range.notifier(notifier)
                .notifierSeq(seq)
                .start(base)
                .end(base + N * PAGE)
                .defaultFlags(HmmPfn.REQ_FAULT)
                .pfnFlagsMask(0)
                .pfns(pfns, 0);
        mm.mmapReadLock();
        try {
            return RangeFault.fault(mm, range);
        } finally {
            mm.mmapReadUnlock();
        }
    }

    /** Step 5 without its guard: copies the range-fault output into the device page table. */
    private void commit() {
        for (int i = 0; i < N; i++) {
            devicePfn[i] = HmmPfn.pfn(pfns[i]);
        }
    }

    private long cpuPfn(int i) {
        long e = mm.pageTable().get(base + i * PAGE);
        return PteLayout.isPresent(e) ? PteLayout.pfn(e) : 0;
    }

    /** With every step, an invalidation between the range fault and the lock is caught by readRetry. */
    @Test
    void readRetryCatchesAnInvalidationBetweenRangeFaultAndLock() {
        // Steps 1-2: the range fault sees the four frames the CPU maps now.
        long seq = notifier.readBegin();
        assertEquals(Errno.OK, rangeFault(seq));
        long before = HmmPfn.pfn(pfns[0]);
        assertEquals(cpuPfn(0), before);
        // The host frees the frames (MADV_DONTNEED: CLEAR) before the device takes its lock.
        assertEquals(Errno.OK, mm.madvise(base, N * PAGE, Advice.DONTNEED));
        // Steps 3-4: under the lock, readRetry reports the collision; nothing is committed.
        driverLock.lock();
        try {
            assertTrue(notifier.readRetry(seq));
        } finally {
            driverLock.unlock();
        }
        // The next round starts again from readBegin and commits what the CPU maps now.
        seq = notifier.readBegin();
        assertEquals(Errno.OK, rangeFault(seq));
        driverLock.lock();
        try {
            assertFalse(notifier.readRetry(seq));
            commit();
        } finally {
            driverLock.unlock();
        }
        for (int i = 0; i < N; i++) {
            assertEquals(cpuPfn(i), devicePfn[i], "page " + i);
        }
    }

    /** Without readRetry the commit maps frames the host has already taken back. */
    @Test
    void withoutReadRetryTheCommitMapsFramesTheCpuNoLongerMaps() {
        // Steps 1-2 as before.
        long seq = notifier.readBegin();
        assertEquals(Errno.OK, rangeFault(seq));
        // The invalidation runs while nothing is committed yet: its teardown finds nothing to zap.
        assertEquals(Errno.OK, mm.madvise(base, N * PAGE, Advice.DONTNEED));
        // Step 4 left out: the stale range-fault output is committed.
        driverLock.lock();
        try {
            commit();
        } finally {
            driverLock.unlock();
        }
        // The device now maps frames that are free (the CPU maps nothing there): a use-after-free.
        for (int i = 0; i < N; i++) {
            assertNotEquals(0, devicePfn[i]);
            assertEquals(0, cpuPfn(i), "page " + i);
        }
    }

    /**
     * Without setSeq in the callback, readRetry would have nothing to see and the stale commit would
     * go through; the notifier rules (on in tests, like lockdep) stop the callback at its return.
     */
    @Test
    void withoutSetSeqTheNotifierRulesStopTheCallback() {
        callsSetSeq = false;
        long seq = notifier.readBegin();
        assertEquals(Errno.OK, rangeFault(seq));
        NotifierRules.Violation v =
                assertThrows(NotifierRules.Violation.class, () -> mm.madvise(base, N * PAGE, Advice.DONTNEED));
        assertTrue(v.getMessage().contains("after calling setSeq 0 times"), v.getMessage());
        callsSetSeq = true; // the teardown's RELEASE goes through the same callback
    }

    /** Reusing the sequence of an earlier round instead of calling readBegin again never succeeds. */
    @Test
    void aSequenceFromAnEarlierRoundNeverSucceeds() {
        long seq = notifier.readBegin();
        assertEquals(Errno.OK, mm.madvise(base, N * PAGE, Advice.DONTNEED));
        // The range fault checks the sequence before its walk (mmu_interval_check_retry): EBUSY.
        assertEquals(Errno.EBUSY, rangeFault(seq));
        // Retrying with the same stale sequence fails every time (a live-lock, not a slow path).
        for (int round = 0; round < 3; round++) {
            assertEquals(Errno.EBUSY, rangeFault(seq));
        }
        // A fresh readBegin succeeds.
        assertEquals(Errno.OK, rangeFault(notifier.readBegin()));
    }

    /**
     * Holding the driver lock from readRetry through the commit makes an invalidation that arrives
     * in between wait for the commit, and then tear the fresh mapping down.
     */
    @Test
    @Timeout(10)
    void theDriverLockMakesAnInvalidationWaitForTheCommit() throws Exception {
        long seq = notifier.readBegin();
        assertEquals(Errno.OK, rangeFault(seq));
        CompletableFuture<Errno> unmap;
        driverLock.lock();
        try {
            assertFalse(notifier.readRetry(seq));
            // A host thread unmaps now: its callback blocks on the driver lock, so the CPU page
            // table cannot change before the commit below is done.
            unmap = CompletableFuture.supplyAsync(() -> mm.munmap(base, N * PAGE));
            while (!driverLock.hasQueuedThreads()) {
                Thread.onSpinWait();
            }
            assertFalse(unmap.isDone());
            assertEquals(cpuPfn(0), HmmPfn.pfn(pfns[0]), "the CPU still maps what the range fault saw");
            commit();
        } finally {
            driverLock.unlock();
        }
        // The invalidation then runs and removes what was just committed.
        assertEquals(Errno.OK, unmap.get(5, TimeUnit.SECONDS));
        for (int i = 0; i < N; i++) {
            assertEquals(0, devicePfn[i], "page " + i);
        }
    }
}
