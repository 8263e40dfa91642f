package org.devmirror.reliability.jcstress;

import java.util.concurrent.locks.ReentrantLock;
import org.devmirror.device.pagetable.DevicePteLayout;
import org.devmirror.device.pagetable.OnHeapDevicePageTable;
import org.devmirror.mm.pagetable.PteLayout;
import org.devmirror.notifier.IntervalNotifier;
import org.devmirror.notifier.IntervalNotifierOps;
import org.devmirror.notifier.MmuNotifierRange;

/**
 * One device mirroring one CPU page through one interval notifier: lib/test_hmm.c's
 * {@code dmirror_interval_invalidate} and {@code dmirror_range_fault}/{@code dmirror_do_fault}
 * reduced to the collision-retry protocol, over a real {@link OnHeapDevicePageTable} that checks
 * its writers hold the driver lock.
 *
 * <h2>Assumptions and Guarantees</h2>
 * Any number of device threads fault and any number of host threads invalidate. {@link #state()} is for the
 * jcstress arbiter, which runs after every actor has finished.
 *
 * <h2>Locking</h2>
 * {@code driverLock} (test_hmm's {@code dmirror->mutex}) guards the device table and the
 * invalidation counter, and orders {@code setSeq} in the callback before {@code readRetry} in
 * the fault.
 */
class PageMirror implements IntervalNotifierOps {
    /** The device address of the mirrored page; any page-aligned user address serves. */
    static final long PAGE = DevicePteLayout.PAGE_SIZE;

    /** Device table state: nothing mapped. */
    static final int UNMAPPED = 0;
    /** Device table state: maps the frame the CPU maps now. */
    static final int CURRENT = 1;
    /** Device table state: maps a frame the CPU no longer maps (the bug every test forbids). */
    static final int STALE = 2;

    final ReentrantLock driverLock = new ReentrantLock();
    final OnHeapDevicePageTable deviceTable = new OnHeapDevicePageTable(driverLock);
    final IntervalNotifier notifier = new IntervalNotifier(this);
    final CpuPte cpu;
    final long va;
    /** Callbacks received; guarded by driverLock. */
    int invalidations;

    PageMirror(CpuPte cpu, long va) {
        this.cpu = cpu;
        this.va = va;
    }

    /** dmirror_interval_invalidate: lock (try-lock when non-blockable), setSeq, zap, unlock. */
    @Override
    public boolean invalidate(IntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (range.isBlockable()) {
            driverLock.lock();
        } else if (!driverLock.tryLock()) {
            return false; // -EAGAIN: the OOM reaper must not sleep on a driver lock
        }
        try {
            sub.setSeq(curSeq);
            deviceTable.zap(va, va + PAGE);
            invalidations++;
            afterZap(sub);
        } finally {
            driverLock.unlock();
        }
        return true;
    }

    /** Hook run under the driver lock at the end of every callback. */
    void afterZap(IntervalNotifier sub) {}

    /**
     * dmirror_range_fault: readBegin, read the CPU entry, take the driver lock, readRetry, commit
     * (a present entry becomes a device entry for the same frame; a cleared one stays unmapped).
     *
     * @return how many times the commit collided with an invalidation and started again
     */
    int fault() {
        int retries = 0;
        while (true) {
            long seq = notifier.readBegin();
            long pte = cpu.get();
            driverLock.lock();
            try {
                if (notifier.readRetry(seq)) {
                    retries++;
                    continue;
                }
                if (PteLayout.isPresent(pte)) {
                    deviceTable.set(va, DevicePteLayout.systemPage(PteLayout.pfn(pte), PteLayout.isWrite(pte)));
                }
                return retries;
            } finally {
                driverLock.unlock();
            }
        }
    }

    /** {@link #UNMAPPED}, {@link #CURRENT} or {@link #STALE}: the device entry against the CPU entry. */
    int state() {
        driverLock.lock();
        try {
            long entry = deviceTable.get(va);
            if (!DevicePteLayout.isValid(entry)) {
                return UNMAPPED;
            }
            return DevicePteLayout.pfn(entry) == cpu.pfn() ? CURRENT : STALE;
        } finally {
            driverLock.unlock();
        }
    }

    /** Callbacks received so far. */
    int invalidations() {
        driverLock.lock();
        try {
            return invalidations;
        } finally {
            driverLock.unlock();
        }
    }
}
