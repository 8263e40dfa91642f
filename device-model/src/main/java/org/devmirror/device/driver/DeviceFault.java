package org.devmirror.device.driver;

import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_PAGES;
import static org.devmirror.device.pagetable.DevicePteLayout.HUGE_SIZE;
import static org.devmirror.device.pagetable.DevicePteLayout.PAGE_SHIFT;

import org.devmirror.hmm.HmmPfn;
import org.devmirror.hmm.HmmRange;
import org.devmirror.hmm.RangeFault;
import org.devmirror.mm.AddressSpace;
import org.devmirror.mm.Errno;

/**
 * Models {@code dmirror_fault()} and {@code dmirror_range_fault()} (lib/test_hmm.c): the device
 * fault path's retry policy, separate from the work under the lock ({@link FaultCommit}).
 *
 * <p>The range is faulted in units that stay inside one tracked chunk and one 2 MiB block (so a
 * huge CPU mapping can become one device leaf). Per unit, the kernel's driver rule:
 * <pre>
 *   loop:
 *     if past the deadline: -EBUSY                     (HMM_RANGE_DEFAULT_TIMEOUT)
 *     t   = the tracked range covering the unit        (inserted on first fault)
 *     seq = t.notifier.readBegin()                     (re-read EVERY round)
 *     mmap_read_lock; RangeFault.fault; mmap_read_unlock
 *     -EBUSY: goto loop;  other error: return it
 *     driver lock
 *     if t.notifier.readRetry(seq) or t no longer live: unlock, goto loop
 *     FaultCommit.commit; unlock
 * </pre>
 * The sequence is read afresh by {@code readBegin} at the top of every round: retrying with the
 * sequence of an earlier round would spin forever once any invalidation has hit the range (ROCm
 * issue 6523).
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
    private final MirrorDriver driver;
    private final FaultCommit commit;
    private final long timeoutNanos;
    // Guarded by the fault lock.
    private final HmmRange range = new HmmRange();
    private final long[] pfns = new long[HUGE_PAGES];
    /** Generation of the tracked range the current round began on; written under the driver lock. */
    long generation;

    DeviceFault(MirrorDriver driver, FaultCommit commit, long timeoutNanos) {
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
        AddressSpace mm = driver.mm();
        long deadline = System.nanoTime() + timeoutNanos;
        long retries = 0;
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                return failed(Errno.EBUSY, retries);
            }
            TrackedRange t = driver.ensureTracked(start, end, this);
            if (t == null) {
                return failed(Errno.EFAULT, retries); // the address space is gone (mmget_not_zero failed)
            }
            long gen = generation;
            long seq = t.notifier().readBegin();
            range.notifier(t.notifier()).notifierSeq(seq).start(start).end(end)
                    .defaultFlags(HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0)).pfnFlagsMask(0)
                    .devPrivateOwner(driver.owner()).pfns(pfns, 0);
            Errno r;
            mm.mmapReadLock();
            try {
                r = RangeFault.fault(mm, range);
            } finally {
                mm.mmapReadUnlock();
            }
            if (r == Errno.EBUSY) {
                retries++;
                continue;
            }
            if (r != Errno.OK) {
                return failed(r, retries);
            }
            driver.lock().lock();
            try {
                if (t.notifier().readRetry(seq) || !t.isLive() || t.generation != gen || !t.contains(start, end)) {
                    retries++;
                    continue;
                }
                if (commit.commit(start, end, pfns, write) == FaultCommit.NOT_WRITABLE) {
                    driver.stats().addFaultError(retries);
                    return Errno.EFAULT;
                }
                long pages = (end - start) >>> PAGE_SHIFT;
                // A unit stays inside one 2 MiB block, so it is one leaf or none.
                driver.stats().addFault(retries, pages, FaultCommit.mapsHugeLeaf(start, pfns[0], pages) ? 1 : 0);
                return Errno.OK;
            } finally {
                driver.lock().unlock();
            }
        }
    }

    private Errno failed(Errno r, long retries) {
        driver.lock().lock();
        try {
            driver.stats().addFaultError(retries);
        } finally {
            driver.lock().unlock();
        }
        return r;
    }
}
