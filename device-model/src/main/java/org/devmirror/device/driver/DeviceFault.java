package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;

import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.mm.Errno;
import org.devmirror.notifier.IntervalNotifier;

/**
 * Models {@code dmirror_fault()} and {@code dmirror_range_fault()} (lib/test_hmm.c): the device
 * fault path's retry policy, separate from the work under the lock ({@link FaultCommit}).
 *
 * <p>The range is faulted in units that stay inside one tracked chunk and one 2 MiB block (so a
 * huge CPU mapping can become one device leaf). Each unit runs the kernel's driver rule,
 * {@link RangeFaultLoop}, as one {@link RangeFaultLoop.Round}: its notifier is that of the tracked
 * range covering the unit (inserted on first fault), the round still holds while that range is
 * live, of the same generation and covers the unit, and the commit is {@link FaultCommit#commit}.
 *
 * <h2>Assumptions and Guarantees</h2>
 * <ul>
 *   <li>The caller holds neither the driver lock nor the mmap lock (the fault takes them in the
 *       kernel's order: mmap lock, released, then driver lock) and is not inside an invalidation
 *       of this address space.</li>
 *   <li>Device faults of one mirror run one at a time (the fault lock), like a device's fault
 *       queue; they share the mirror's {@link HmmRange} and {@code pfns} buffer, so a fault over
 *       populated pages allocates nothing.</li>
 *   <li>On {@link Errno#OK} every page of the range had a device PTE at the moment of its commit
 *       (it may have been invalidated since).</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The fault lock, then the mmap read lock (released), then the driver lock.
 */
public final class DeviceFault {
    private final MirrorState driver;
    private final FaultCommit commit;
    private final long timeoutNanos;
    // Guarded by the fault lock.
    private final HmmRange range = new HmmRange();
    private final long[] pfns = new long[HUGE_PAGES];
    /** Generation of the tracked range the current round began on; written under the driver lock. */
    long generation;
    // The unit being faulted and the current round's range; guarded by the fault lock.
    private long unitStart;
    private long unitEnd;
    private boolean unitWrite;
    private TrackedRange tracked;
    private long trackedGeneration;
    // One object for every round of every fault: the loop allocates nothing.
    private final Unit unit = new Unit();

    DeviceFault(MirrorState driver, FaultCommit commit, long timeoutNanos) {
        this.driver = driver;
        this.commit = commit;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Faults {@code [start, end)} into the device page table, writable if {@code write}.
     *
     * @return OK; EFAULT (no VMA or no read permission, a write fault that got a read-only page of
     *     this device, or the address space is gone); EPERM (write
     *     to a read-only VMA); ENOMEM; EBUSY (still colliding at the deadline)
     */
    public Errno fault(long start, long end, boolean write) {
        driver.faultLock().lock();
        try {
            long chunk = driver.trackChunk();
            for (long addr = start; addr < end; ) {
                long next = Math.min(end, Math.min((addr & -chunk) + chunk, (addr & -HUGE_SIZE) + HUGE_SIZE));
                Errno r = faultUnit(addr, next, write);
                if (r != Errno.OK) {
                    return r;
                }
                addr = next;
            }
            return Errno.OK;
        } finally {
            driver.faultLock().unlock();
        }
    }

    private Errno faultUnit(long start, long end, boolean write) {
        unitStart = start;
        unitEnd = end;
        unitWrite = write;
        try {
            return RangeFaultLoop.run(driver.mm(), driver.lock(), range, timeoutNanos, unit);
        } finally {
            tracked = null;
        }
    }

    /** A round of {@link RangeFaultLoop} over the unit being faulted. */
    private final class Unit implements RangeFaultLoop.Round {
        /** The tracked range covering the unit, inserted on first fault; null once the address space is gone. */
        @Override
        public IntervalNotifier notifier() {
            tracked = driver.ensureTracked(unitStart, unitEnd, DeviceFault.this);
            if (tracked == null) {
                return null; // the address space is gone (mmget_not_zero failed): EFAULT
            }
            trackedGeneration = generation;
            return tracked.notifier();
        }

        @Override
        public void fill(HmmRange r, IntervalNotifier notifier, long seq) {
            r.notifier(notifier)
                    .notifierSeq(seq)
                    .start(unitStart)
                    .end(unitEnd)
                    .defaultFlags(HmmPfn.REQ_FAULT | (unitWrite ? HmmPfn.REQ_WRITE : 0))
                    .pfnFlagsMask(0)
                    .devPrivateOwner(driver.owner())
                    .pfns(pfns, 0);
        }

        /** The tracked range is still the one the round began on: live, same generation, covering the unit. */
        @Override
        public boolean stillValid() {
            TrackedRange t = tracked;
            return t.isLive() && t.generation == trackedGeneration && t.contains(unitStart, unitEnd);
        }

        @Override
        public Errno commit(long retries) {
            if (commit.commit(unitStart, unitEnd, pfns, unitWrite) == FaultCommit.NOT_WRITABLE) {
                driver.stats().addFaultError(retries);
                return Errno.EFAULT;
            }
            if (commit.mappedOwnWritable() && driver.policy().marksDeviceMemorySoftDirty()) {
                // The device may now write its own memory with no CPU fault to set soft-dirty, and
                // a clear_refs may have passed while nothing tracked these pages (after an mremap,
                // whose UNMAP reaches only the old addresses): mark them now, before any write.
                driver.markWritableSoftDirty(unitStart, unitEnd, pfns);
            }
            long pages = (unitEnd - unitStart) >>> PAGE_SHIFT;
            // A unit stays inside one 2 MiB block, so it is one leaf or none.
            driver.stats().addFault(retries, pages, FaultCommit.mapsHugeLeaf(unitStart, pfns[0], pages) ? 1 : 0);
            return Errno.OK;
        }

        @Override
        public Errno failed(Errno r, long retries) {
            driver.lock().lock();
            try {
                driver.stats().addFaultError(retries);
            } finally {
                driver.lock().unlock();
            }
            return r;
        }
    }
}
